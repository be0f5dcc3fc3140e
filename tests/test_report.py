"""Unit tests of relatie_lab.report that need no notebook kernel (fast); the full reports are in test_notebooks.py."""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import survey_frame
from relatie_lab import outputs
from relatie_lab import report as rp
from relatie_lab.errors import SurveyError


def test_table_of_contents_and_numbering():
    body = (
        "<html><head></head><body><main><p>RELATIE-LAB-TOC</p>"
        '<h1 id="Datakwaliteit">Datakwaliteit<a class="anchor-link" href="#Datakwaliteit">¶</a></h1>'
        '<h2 id="Steekproef">Steekproef<a class="anchor-link" href="#Steekproef">¶</a></h2>'
        '<span class="apa-number"></span><span class="apa-number"></span>'
        "<h1>SEM</h1><h2>Paden</h2><h2>Paden</h2></main></body></html>"
    )
    out = rp._number_tables(rp._add_toc(body, "en"), "en")
    assert 'id="sec-1">Datakwaliteit' in out
    assert 'id="sec-5">Paden' in out
    toc = out[out.index("<nav") : out.index("</nav>")]
    assert toc.count("<li>") == 5
    assert '<a href="#sec-3">SEM</a>' in toc
    assert "RELATIE-LAB-TOC" not in out
    assert "Table 1</span>" in out
    assert "Table 2</span>" in out


def test_figures_are_numbered_apart_from_tables():
    body = '<span class="apa-number"></span><span class="apa-fig-number"></span><span class="apa-fig-number">x</span>'
    out = rp._number_figures(rp._number_tables(body, "nl"), "nl")
    assert out == ('<span class="apa-number">Tabel 1</span><span class="apa-fig-number">Figuur 1</span>'
                   '<span class="apa-fig-number">Figuur 2</span>')  # fmt: skip


def test_figures_get_the_section_as_alt_text():
    body = (
        '<img alt="No description has been provided for this image" src="a"/>'
        '<h2 id="sec-2">Ladder &amp; trechter<a class="anchor-link" href="#sec-2">¶</a></h2>'
        '<img alt="No description has been provided for this image" src="b"/>'
    )
    out = rp._figure_alt_texts(body, "nl")
    assert '<img alt="Figuur" src="a"/>' in out
    assert '<img alt="Figuur: Ladder &amp; trechter" src="b"/>' in out


def test_declared_parameters_reads_the_parameters_cell(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('data_path = "x"\nlang: str = "nl"\nseed = 1')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_code_cell("other = 1"), cell]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert rp._declared_parameters(path) == {"data_path", "lang", "seed"}


def test_build_report_fails_early_on_unusable_data_and_touches_nothing(tmp_path):
    bad = tmp_path / "kapot.csv"
    bad.write_bytes(b"")
    out = tmp_path / "rapport"
    with pytest.raises(SurveyError):
        rp.build_report(bad, out)
    with pytest.raises(SurveyError, match="not found"):
        rp.build_report(tmp_path / "bestaat_niet.csv", out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]  # no temporary folder left behind


def test_build_report_checks_language_and_notebooks(tmp_path):
    with pytest.raises(ValueError, match="Unknown language"):
        rp.build_report(tmp_path / "x.csv", tmp_path / "out", lang="de")
    with pytest.raises(rp.ReportError, match="not found"):
        rp.build_report(tmp_path / "x.csv", tmp_path / "out", notebooks=[tmp_path / "geen.ipynb"])


def test_cli_registers_report_options():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    rp.add_cli(sub)
    args = parser.parse_args(["report", "d.sav", "--out", "o", "--lang", "en", "--seed", "3", "--boot", "9",
                              "--show-code"])
    assert rp.report_kwargs(args) == {"lang": "en", "mapping": None, "instrument": None, "model": None, "seed": 3,
                                      "n_boot": 9, "estimator": "ML", "show_code": True, "formats": ("html",)}
    args = parser.parse_args(["report", "d.sav", "--estimator", "wlsmv"])
    assert rp.report_kwargs(args)["estimator"] == "WLSMV"
    args = parser.parse_args(["report", "d.sav", "--format", "html,docx"])
    assert rp.report_kwargs(args)["formats"] == ("html", "docx")
    with pytest.raises(SystemExit):
        parser.parse_args(["report", "d.sav", "--format", "pdf"])
    args = parser.parse_args(["report", "d.sav", "--instrument", "boek.yaml", "--model", "m.lav"])
    assert str(rp.report_kwargs(args)["instrument"]) == "boek.yaml"
    assert str(rp.report_kwargs(args)["model"]) == "m.lav"
    assert args.func is rp._cli_report


def test_cli_report_exit_code_on_unusable_file(tmp_path, capsys):
    from relatie_lab.cli import main

    bad = tmp_path / "leeg.csv"
    bad.write_text("")
    assert main(["report", str(bad), "--out", str(tmp_path / "out")]) == rp.EXIT_NOTHING == 2
    assert "leeg.csv" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_report_help_documents_the_exit_statuses(capsys):
    from relatie_lab.cli import main

    assert main(["report", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "0 = report complete" in out
    assert "1 = report written but incomplete" in out
    assert "2 = nothing could be made" in out
    assert "--instrument" in out
    assert "--model" in out


@pytest.mark.parametrize(("lang", "words"), [("nl", "te weinig respondenten (5)"), ("en", "too few respondents (5)")])
def test_report_refuses_a_survey_below_the_minimum_n(tmp_path, capsys, lang, words):
    from relatie_lab.cli import main

    rows = "\n".join(f"{i},{i % 7 + 1},{(i + 2) % 7 + 1}" for i in range(5))
    data = tmp_path / "klein.csv"
    data.write_text(f"respondent_id,vt_1,vt_2\n{rows}\n")
    assert main(["report", str(data), "--out", str(tmp_path / "out"), "--lang", lang]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert "10" in err
    assert not (tmp_path / "out").exists()


def test_report_refuses_a_broken_model_file(tmp_path, capsys):
    from relatie_lab.cli import main

    rows = "\n".join(f"{i},{i % 7 + 1},{(i + 2) % 7 + 1}" for i in range(20))
    data = tmp_path / "d.csv"
    data.write_text(f"respondent_id,vt_1,vt_2\n{rows}\n")
    model = tmp_path / "m.lav"
    model.write_text("")
    assert main(["report", str(data), "--model", str(model), "--lang", "en", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "Model file" in err
    assert "is empty" in err


def test_completeness_note_lists_the_open_sections():
    import pandas as pd

    sections = pd.DataFrame(
        [{"notebook": "04", "section": "ladder_funnel", "status": "partial", "reason": "", "todo": "", "message": ""},
         {"notebook": "02", "section": "reliability", "status": "run", "reason": "", "todo": "", "message": ""}]
    )
    from pathlib import Path

    note = rp._completeness_html([(Path("04_ladder.ipynb"), None), (Path("05_x.ipynb"), "kapot")], sections, "nl")
    assert "Dit rapport is onvolledig: 2 sectie(s)" in note
    assert "Wie bereikt welke trede?: draait deels" in note
    assert "05_x.ipynb: kon niet worden berekend" in note
    assert rp._completeness_html([(Path("a.ipynb"), None)], sections.iloc[1:], "en") == ""


def test_report_filename():
    assert rp.report_filename("nl") == "rapport.html"
    assert rp.report_filename("en") == "report.html"


def test_the_early_kernel_imports_what_each_notebook_imports_first(tmp_path):
    def notebook(name, *sources, tags=("parameters",)):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("x = 1")] + [nbformat.v4.new_code_cell(s) for s in sources]
        nb.cells[0].metadata["tags"] = list(tags)
        nbformat.write(nb, tmp_path / name)
        return tmp_path / name

    paths = [
        notebook("01.ipynb", "import json\nfrom os import path as p\nctx = load()", "import zlib"),
        notebook("02.ipynb", "import json, csv\nif True:\n    import gzip"),
        notebook("03.ipynb", "%matplotlib inline\nimport bz2"),  # not Python: left to the notebook itself
        tmp_path / "missing.ipynb",
    ]
    code = rp._warmup_code(paths)
    assert "['import json', 'from os import path as p', 'import json, csv']" in code  # first cell after the parameters
    namespace: dict = {}
    exec(code, namespace)  # runs: each statement on its own, in a namespace of its own, the function removed again
    assert [k for k in namespace if k != "__builtins__"] == []
    assert "zlib" not in code
    assert "gzip" not in code  # top-level statements only
    assert "bz2" not in code


def test_a_kernel_that_died_while_starting_is_started_again():
    assert rp._kernel_start_failed(RuntimeError("Kernel died before replying to kernel_info"))
    assert not rp._kernel_start_failed(RuntimeError("notebook kapot"))


@pytest.mark.parametrize(("status", "code"), [("run", 0), ("partial", 1), ("skip", 1)])
def test_cli_report_exit_status_follows_completeness(tmp_path, monkeypatch, capsys, status, code):
    from pathlib import Path

    import pandas as pd

    from relatie_lab.cli import main

    sections = pd.DataFrame([{"notebook": "04", "section": "ladder_funnel", "status": status, "reason": "",
                              "todo": "", "message": ""}])  # fmt: skip
    result = rp.ReportResult(path=Path(tmp_path / "report.html"), sections=sections, failed_notebooks=[])
    monkeypatch.setattr(rp, "run_report", lambda *a, **k: result)
    assert main(["report", "x.csv", "--lang", "en", "--out", str(tmp_path)]) == code
    err = capsys.readouterr().err
    assert ("This report is incomplete: 1 section(s)" in err) == (code == 1)
# ------------------------------------------------------------------------------------ issue 9: safety
# papermill is replaced by a fake that "executes" a notebook the way the data-quality notebook does: it shows
# every quality message and a by-group table of the processed data. No kernel runs, so these tests are quick.



PLANTED = ["Jan de Vries", "NL91ABNA0417164300", "piet@voorbeeld.nl", "06-12345678", "111222333"]


def _fake_papermill(monkeypatch, before=None, fail=None):
    import papermill

    def execute_notebook(input_path, output_path, parameters=None, cwd=None, **kwargs):
        if before:
            before()
        if fail == "disk":
            raise OSError(errno.ENOSPC, "No space left on device", str(output_path))
        data_dir = Path(cwd) / ".." / "data"
        quality = pd.read_parquet(data_dir / "quality.parquet")
        data = pd.read_parquet(data_dir / "survey.parquet")
        nb = nbformat.v4.new_notebook()
        cell = nbformat.v4.new_code_cell("show()")
        table = data.groupby("sector")["vt_1"].mean().to_frame().to_html()
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={"text/markdown": "\n".join(quality["message"])}),
            nbformat.v4.new_output("display_data", data={"text/html": table}),
        ]
        nb.cells.append(cell)
        nbformat.write(nb, output_path)
        if fail == "cell":
            raise RuntimeError("cell failed")

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    monkeypatch.setattr(rp, "START_KERNEL_EARLY", False)  # no kernel started early either


@pytest.fixture
def leaky_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("RELATIE_LAB_SALT", "zout")
    df = survey_frame(n=30, personal=False)
    df["vt_1"] = df["vt_1"].astype(object)
    df.loc[3, "vt_1"] = "Jan de Vries, NL91ABNA0417164300"
    df["sector"] = df["sector"].astype(object)
    df.loc[5, "sector"] = "piet@voorbeeld.nl"
    df.loc[6, "sector"] = "06-12345678"
    df["respondent_id"] = df["respondent_id"].astype(str)
    df.loc[0, "respondent_id"] = "111222333"
    folder = tmp_path / "data" / "raw"
    folder.mkdir(parents=True)
    path = folder / "lek.csv"
    df.to_csv(path, index=False)
    return path


def _build(path, out, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rp.build_report(path, out, notebooks=rp.report_notebooks()[:1], **kwargs)


def test_no_planted_personal_value_reaches_any_report_file(leaky_csv, tmp_path, monkeypatch):
    _fake_papermill(monkeypatch)
    out = tmp_path / "rapport"
    _build(leaky_csv, out, lang="en")
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"report.html", "survey.parquet", "quality.parquet",
                                       "reproducibility.json", outputs.MARKER, "01_datakwaliteit.ipynb"}  # fmt: skip
    for path in files:
        content = path.read_bytes()
        for value in PLANTED:
            assert value.encode() not in content, (path.name, value)
    quality = pd.read_parquet(out / "data" / "quality.parquet")
    assert quality["message"].str.contains("<personal data>", regex=False).any()  # says what was there


def test_input_changed_during_the_run_does_not_affect_the_report(leaky_csv, tmp_path, monkeypatch):
    original = hashlib.sha256(leaky_csv.read_bytes()).hexdigest()
    _fake_papermill(monkeypatch, before=lambda: leaky_csv.write_text("respondent_id,vt_1\n1,1\n"))
    out = _build(leaky_csv, tmp_path / "rapport").parent
    repro = json.loads((out / "reproducibility.json").read_text())
    assert repro["input_sha256"] == original  # before: hashed at the end, the changed file's hash
    assert repro["input_during_run"] == "changed"
    assert "Het invoerbestand is tijdens de run gewijzigd" in (out / "rapport.html").read_text()
    assert len(pd.read_parquet(out / "data" / "survey.parquet")) == 30


def test_input_deleted_during_the_run_keeps_the_finished_report(leaky_csv, tmp_path, monkeypatch):
    _fake_papermill(monkeypatch, before=lambda: leaky_csv.unlink(missing_ok=True))
    out = _build(leaky_csv, tmp_path / "rapport", lang="en").parent  # before: FileNotFoundError at the end
    assert json.loads((out / "reproducibility.json").read_text())["input_during_run"] == "deleted"
    assert "The input file was deleted or moved during the run" in (out / "report.html").read_text()


def test_a_new_report_replaces_only_our_own_folder(leaky_csv, tmp_path, monkeypatch):
    _fake_papermill(monkeypatch)
    out = tmp_path / "rapport"
    _build(leaky_csv, out)
    (out / "oud.txt").write_text("van een vorige run")
    _build(leaky_csv, out)  # ours: replaced as a whole when complete
    assert not (out / "oud.txt").exists()
    assert outputs.is_ours(out)
    mine = tmp_path / "mijn_map"
    mine.mkdir()
    (mine / "scriptie.docx").write_text("x")
    with pytest.raises(outputs.OutputFolderError):
        _build(leaky_csv, mine)  # before: deleted, exit 0
    assert (mine / "scriptie.docx").read_text() == "x"
    with pytest.raises(outputs.OutputFolderError):
        _build(leaky_csv, tmp_path / "data")  # an ancestor of the input: before, it took data/raw with it
    assert leaky_csv.is_file()


@pytest.mark.parametrize(("lang", "words"), [("nl", "De schijf is vol"), ("en", "The disk is full")])
def test_disk_full_gives_one_message_and_leaves_nothing(leaky_csv, tmp_path, monkeypatch, capsys, lang, words):
    from relatie_lab.cli import main

    _fake_papermill(monkeypatch, fail="disk")
    out = tmp_path / "rapport"
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["report", str(leaky_csv), "--out", str(out), "--lang", lang]) == 2  # nothing could be made
    err = capsys.readouterr().err
    assert words in err
    assert "Traceback" not in err
    assert "Errno" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no report, no failed/ copy, no temp folder


def test_failed_notebook_is_kept_whole_and_the_folder_is_ours(leaky_csv, tmp_path, monkeypatch):
    _fake_papermill(monkeypatch, fail="cell")
    out = tmp_path / "rapport"
    _build(leaky_csv, out)  # a failing notebook costs its section, not the report
    kept = out / "notebooks" / "01_datakwaliteit.ipynb"
    assert nbformat.read(kept, as_version=4).cells  # complete, not 0 bytes
    assert not (out / "failed").exists()
    assert outputs.is_ours(out)  # a rerun may replace it
    outputs.check_output_dir(out)


def test_cli_report_dot_is_refused_before_anything_runs(leaky_csv, tmp_path, monkeypatch, capsys):
    from relatie_lab.cli import main

    monkeypatch.chdir(tmp_path)
    _fake_papermill(monkeypatch, fail="cell")
    assert main(["report", str(leaky_csv), "--out", "."]) == 2  # before: ValueError after all notebooks ran
    assert "de map waarin u nu werkt (.)" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------
# the SEM estimator (--estimator ML | MLR | WLSMV)


def test_batch_takes_the_estimator_too():
    from relatie_lab import batch

    parser = argparse.ArgumentParser()
    batch.add_cli(parser.add_subparsers())
    args = parser.parse_args(["batch", "a.csv", "b.csv", "--out", "o", "--estimator", "MLR"])
    assert rp.report_kwargs(args)["estimator"] == "MLR"


@pytest.mark.parametrize(("lang", "words"), [("nl", "Onbekende schatter 'GLS'. Kies ML, MLR, WLSMV"),
                                             ("en", "Unknown estimator 'GLS'. Choose ML, MLR, WLSMV")])
def test_an_unknown_estimator_is_refused_before_anything_runs(tmp_path, lang, words):
    out = tmp_path / "rapport"
    with pytest.raises(SurveyError, match=words):
        rp.build_report(tmp_path / "x.csv", out, lang=lang, estimator="GLS")
    assert not out.exists()


def test_the_estimator_reaches_the_sem_notebook_and_the_reproducibility_record(leaky_csv, tmp_path, monkeypatch):
    import papermill

    _fake_papermill(monkeypatch)
    fake, seen = papermill.execute_notebook, {}

    def execute_notebook(input_path, output_path, parameters=None, **kwargs):
        seen[Path(input_path).name] = parameters
        return fake(input_path, output_path, parameters=parameters, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    nbs = [p for p in rp.report_notebooks() if p.name.startswith(("01_", "03_"))]
    out = tmp_path / "rapport"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rp.build_report(leaky_csv, out, notebooks=nbs, estimator="wlsmv")
    assert seen["03_commitment_trust_sem.ipynb"]["estimator"] == "WLSMV"
    assert "estimator" not in seen["01_datakwaliteit.ipynb"]  # a notebook without the parameter does not get it
    repro = json.loads((out / "reproducibility.json").read_text(encoding="utf-8"))
    assert repro["parameters"]["estimator"] == "WLSMV"
    assert "Schatter (SEM)" in (out / "rapport.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ordinal_survey(tmp_path_factory):
    """300 simulated respondents, the Commitment-Trust items cut down to 5 answer categories (1-5)."""
    import re

    import numpy as np

    from relatie_lab.simulate import simulate_survey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = simulate_survey(n=300, seed=5)
    items = [c for c in df.columns if re.fullmatch(r"(gw|vt|com|eng)_\d", c)]
    df = df[["respondent_id", "sector", *items]].copy()
    for item in items:  # 1-7 -> 1-5
        df[item] = np.ceil(pd.to_numeric(df[item], errors="coerce") * 5 / 7)
    path = tmp_path_factory.mktemp("ordinal") / "ordinaal.csv"
    df.to_csv(path, index=False)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "words"), [
    ("nl", ["Schatter: WLSMV (de antwoorden als ordinale categorieën", "CFI (geschaald)", "RMSEA (geschaald)",
            "χ² (geschaald)", "deltamethode", "Dynamische grenswaarden zijn er alleen voor ML"]),
    ("en", ["Estimator: WLSMV (the answers as ordinal categories", "CFI (scaled)", "RMSEA (scaled)",
            "χ² (scaled)", "delta-method", "Dynamic cutoffs exist for ML only"]),
])  # fmt: skip
def test_a_wlsmv_report_on_ordinal_items(ordinal_survey, tmp_path, monkeypatch, lang, words):
    monkeypatch.setenv("RELATIE_LAB_SALT", "zout")
    nb03 = [p for p in rp.report_notebooks() if p.name.startswith("03_")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = rp.run_report(ordinal_survey, tmp_path / "rapport", lang=lang, notebooks=nb03, estimator="WLSMV",
                               n_boot=20)  # fmt: skip
    sem = result.sections[result.sections["notebook"] == "03"]
    assert set(sem["section"]) == {"sem_fit", "sem_paths", "sem_indirect"}
    assert (sem["status"] == "run").all(), sem.to_dict("records")
    page = result.path.read_text(encoding="utf-8")
    for word in words:
        assert word in page, word
    assert "bootstrap met" not in page  # no bootstrap of an ordinal model
    assert "bootstrap with" not in page
