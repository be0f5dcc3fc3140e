"""Batch runs: every dataset in its own process, failures isolated, a summary page and CSV/JSON, exit code."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

from relatie_lab import batch
from relatie_lab.errors import SurveyError
from relatie_lab.report import report_notebooks

# two notebooks keep the batch test short: data quality, and the SEM that gives the headline results
NOTEBOOKS = [p for p in report_notebooks() if p.name.startswith(("01_", "03_"))]


def test_dataset_names_are_unique_folder_names():
    assert batch.dataset_names(["x/meting.csv", "y/meting.csv", "z/meting.sav", "a.b.csv"]) == [
        "meting-x",
        "meting-y",
        "meting-z",
        "a.b",
    ]
    # before: wave1, wave1_2, wave1_2 (one report overwrote another) and '..csv' became '.' (the batch folder)
    names = batch.dataset_names(["a/wave1.csv", "b/wave1.csv", "c/wave1_2.csv", "d/..csv"])
    assert names == ["wave1-a", "wave1-b", "wave1_2", "dataset"]


def test_summary_csv_is_spreadsheet_safe_and_numbers_stay_numbers(tmp_path):
    summary = pd.DataFrame(
        [{"name": '=HYPERLINK("http://x","klik")', "path": "@SUM(1,1).csv", "status": "ok", "n": 100.0,
          "trust_commitment": -0.25},
         {"name": "+cmd", "path": "-x.csv", "status": "failed", "error": "=1+1"}]
    ).reindex(columns=batch.SUMMARY_COLUMNS)  # fmt: skip
    batch.write_summary(summary, tmp_path, "nl")
    back = pd.read_csv(tmp_path / "summary.csv")
    assert back["name"].tolist() == ["'=HYPERLINK(\"http://x\",\"klik\")", "'+cmd"]
    assert back["path"].tolist() == ["'@SUM(1,1).csv", "'-x.csv"]
    assert back["error"].iloc[1] == "'=1+1"
    assert back["trust_commitment"].iloc[0] == -0.25


def test_batch_refuses_an_inputs_folder_and_a_users_folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("vt_1\n5\n")
    with pytest.raises(SurveyError, match=r"the folder of the input file a\.csv"):
        batch.run_batch([data / "a.csv"], data, lang="en", progress=False)
    with pytest.raises(SurveyError, match="een map waar het invoerbestand"):
        batch.run_batch([data / "a.csv"], tmp_path, progress=False)
    other = tmp_path / "mijn_map"
    other.mkdir()
    (other / "scriptie.docx").write_text("x")
    with pytest.raises(SurveyError, match="is niet leeg"):
        batch.run_batch([data / "a.csv"], other, progress=False)
    assert sorted(p.name for p in other.iterdir()) == ["scriptie.docx"]
    assert sorted(p.name for p in data.iterdir()) == ["a.csv"]


def test_index_page_lists_status_and_errors(tmp_path):
    summary = pd.DataFrame(
        [
            {"name": "goed", "path": "goed.csv", "status": "ok", "n": 120.0, "cfi": 0.95, "rmsea": 0.04,
             "trust_commitment": 0.6, "seconds": 3.0, "report": str(tmp_path / "goed" / "rapport.html")},
            {"name": "kapot", "path": "kapot.sav", "status": "failed", "error": "kapot.sav: <geen> SPSS-bestand"},
        ]
    ).reindex(columns=batch.SUMMARY_COLUMNS)
    page = batch._index_html(summary, tmp_path, "nl")
    assert '<a href="goed/rapport.html">' in page
    assert "kapot.sav: &lt;geen&gt; SPSS-bestand" in page  # error text escaped
    assert "1 gelukt, 1 mislukt." in page
    assert "0.950" in page
    partial = summary.iloc[[0]].assign(status="partial", error="Dit rapport is onvolledig: 1 sectie(s)")
    page = batch._index_html(partial, tmp_path, "nl")
    assert '<tr class="partial">' in page
    assert "<td>deels</td>" in page
    assert "1 rapport(en) onvolledig (deels)." in page
    assert '<a href="goed/rapport.html">' in page  # a partial report is written: link to it


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    from relatie_lab.simulate import simulate_survey

    folder = tmp_path_factory.mktemp("batch_data")
    paths = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in (1, 2):
            df, _ = simulate_survey(n=150, seed=seed)
            paths.append(folder / f"golf{seed}.csv")
            df.to_csv(paths[-1], index=False)
    corrupt = folder / "kapot.sav"
    corrupt.write_bytes(b"\x00\x01 dit is geen SPSS-bestand \xff" * 10)
    # readable, but without trust items: the Commitment-Trust model cannot run, a partial report is written
    df, _ = simulate_survey(n=60, seed=3)
    partial = folder / "alleen_commitment.csv"
    df[["respondent_id", "sector", *[f"com_{i}" for i in range(1, 6)]]].to_csv(partial, index=False)
    return [paths[0], corrupt, paths[1], partial]


@pytest.fixture(scope="module")
def batch_run(datasets, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "uit"
    summary = batch.run_batch(datasets, out, workers=2, progress=True, notebooks=NOTEBOOKS, n_boot=20, seed=5)
    return summary, out


@pytest.mark.slow
def test_batch_finishes_the_good_datasets_and_reports_the_failures(batch_run, datasets):
    summary, out = batch_run
    assert summary["name"].tolist() == ["golf1", "kapot", "golf2", "alleen_commitment"]  # input order
    assert summary["status"].tolist() == ["ok", "failed", "ok", "partial"]
    ok = summary[summary["status"] == "ok"]
    assert ok["n"].tolist() == [150.0, 150.0]
    assert ok["cfi"].between(0, 1).all()
    assert (ok["trust_commitment"] > 0).all()
    for row in ok.itertuples():
        assert (out / row.name / "rapport.html").is_file()
        assert row.report == str(out / row.name / "rapport.html")
    corrupt = summary.iloc[1]
    assert "kapot.sav" in corrupt["error"]
    assert not (out / "kapot" / "rapport.html").exists()


@pytest.mark.slow
def test_partial_report_is_written_and_says_why(batch_run):
    summary, out = batch_run
    row = summary.set_index("name").loc["alleen_commitment"]
    assert row["report"] == str(out / "alleen_commitment" / "rapport.html")
    assert (out / "alleen_commitment" / "rapport.html").is_file()
    assert "Dit rapport is onvolledig" in row["error"]
    assert "03 sem_fit: draait deels" in row["error"]
    assert "Vertrouwen" in row["error"]  # what is missing


@pytest.mark.slow
def test_batch_writes_summary_csv_json_and_index(batch_run):
    summary, out = batch_run
    csv = pd.read_csv(out / "summary.csv")
    assert csv["status"].tolist() == summary["status"].tolist()
    assert list(csv.columns) == batch.SUMMARY_COLUMNS
    records = json.loads((out / "summary.json").read_text())
    assert [r["name"] for r in records] == summary["name"].tolist()
    assert records[1]["n"] is None  # NaN is null in JSON, never "-"
    page = (out / "index.html").read_text()
    assert 'href="golf1/rapport.html"' in page
    assert 'href="alleen_commitment/rapport.html"' in page
    assert "2 gelukt, 1 mislukt. 1 rapport(en) onvolledig (deels)." in page


@pytest.mark.slow
def test_batch_command_exit_code_is_nonzero_when_a_dataset_fails(datasets, tmp_path, capsys):
    from relatie_lab.cli import main

    bad = tmp_path / "leeg.csv"
    bad.write_text("")
    code = main(["batch", str(datasets[1]), str(bad), "--out", str(tmp_path / "uit"), "--workers", "2"])
    assert code == 1
    captured = capsys.readouterr()
    assert "[2/2]" in captured.out  # progress
    assert "FAILED kapot" in captured.err
    assert "FAILED leeg" in captured.err
    assert (tmp_path / "uit" / "summary.csv").is_file()
