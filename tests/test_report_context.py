"""Report notebooks on surveys that are not the demo: sections run, run partly or are skipped, never a traceback.

The notebooks' code runs in this process for three representative foreign surveys (fast: no kernel), and one real
report (papermill) is made of a survey with its own codebook and model. The decisions themselves are tested on the
whole matrix in test_sections.py.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from relatie_lab import report as rp
from relatie_lab.paths import PROJECT_DIR
from relatie_lab.report_context import SECTIONS_FILE, log_filename, report_context

EXAMPLE = PROJECT_DIR / "docs" / "examples" / "own_survey"
GROUPS = ["organisatie", "sector", "meting", "conditie", "keuze_aanbieder"]


def _run_in_process(data_path: Path, out: Path, *, lang: str, instrument: Path | None = None,
                    model: Path | None = None) -> list[dict]:  # fmt: skip
    """Execute the report notebooks' code cells here, with the report's parameters; return sections.json."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    params = {"data_path": str(data_path), "mapping_path": None, "instrument_path": instrument, "model_path": model,
              "lang": lang, "seed": 1, "n_boot": 20, "output_dir": str(out)}  # fmt: skip
    shown = warnings.showwarning
    try:
        for path in rp.report_notebooks():
            nb = nbformat.read(path, as_version=4)
            namespace: dict = {}
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                exec(compile(cell.source, f"{path.name}", "exec"), namespace)  # our own notebooks
                if "parameters" in cell.metadata.get("tags", []):
                    namespace.update({k: (str(v) if isinstance(v, Path) else v) for k, v in params.items()})
            plt.close("all")
    finally:
        warnings.showwarning = shown
    return json.loads((out / SECTIONS_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory) -> pd.DataFrame:
    from relatie_lab.simulate import simulate_survey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = simulate_survey(n=120, seed=8, missing_codes=False)
    return df


def _processed(df: pd.DataFrame, folder: Path, **load) -> Path:
    """The survey as the report gives it to the notebooks: loaded, without personal data, as Parquet."""
    from relatie_lab.loaders import load_survey
    from relatie_lab.notebook import strip_personal_columns

    raw = folder / "raw.csv"
    df.to_csv(raw, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = load_survey(raw, salt="zout", **load)
    path = folder / "survey.parquet"
    strip_personal_columns(survey.data).to_parquet(path)
    return path


@pytest.mark.slow
def test_foreign_survey_gives_a_partial_report_without_errors(demo_csv, tmp_path):
    """No commitment items, no group column, 30 respondents, a renamed column and a partial mapping at once."""
    df = demo_csv.drop(columns=[f"com_{i}" for i in range(1, 6)] + GROUPS).head(30)
    df = df.rename(columns={"vt_1": "vtt_1", "vt_2": "Q7", "vt_3": "Q8"})
    data = _processed(df, tmp_path, mapping={"Q7": "vt_2"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = _run_in_process(data, tmp_path / "out", lang="nl")
    statuses = {r["section"]: r["status"] for r in rows}
    assert "failed" not in statuses.values(), [r for r in rows if r["status"] == "failed"]
    assert not (tmp_path / "out" / log_filename("nl")).exists()
    assert statuses["ladder_funnel"] == "partial"
    assert statuses["ladder_groups"] == "skip"
    assert statuses["group_comparison"] == "skip"
    assert statuses["ab_effects"] == "skip"
    assert statuses["sem_fit"] == "partial"  # a CFA of the ladder's constructs present instead
    assert statuses["reliability"] == "run"
    reason = next(r["reason"] for r in rows if r["section"] == "ladder_funnel")
    assert reason == "De ladder draait zonder de trede(n) Commitment: geen vragen van deze constructen in de data."


def test_section_guard_records_a_failure_in_the_reports_language(tmp_path, capsys):
    data = tmp_path / "s.parquet"
    pd.DataFrame({"respondent_id": range(12), "vt_1": [float(i % 7 + 1) for i in range(12)]}).to_parquet(data)
    ctx = report_context(data, notebook="01", lang="en", output_dir=tmp_path)
    with ctx.section("missing") as sec:
        assert sec.runs
        raise ValueError("kapot")
    with ctx.section("unused_columns", after="missing") as sec:
        assert sec.runs  # it does not build on "missing"
    rows = json.loads((tmp_path / SECTIONS_FILE).read_text())
    assert rows[0] == {"notebook": "01", "section": "missing", "status": "failed", "reason": "", "todo": "",
                       "message": "unexpected error (ValueError: kapot)"}  # fmt: skip
    log = (tmp_path / "report.log").read_text()
    assert "Traceback" in log
    assert 'raise ValueError("kapot")' in log
    ctx2 = report_context(data, notebook="03", lang="nl", output_dir=tmp_path)
    ctx2.failed.add("sem_fit")
    sec = ctx2.section("sem_paths", after="sem_fit")
    assert sec.decision.status in ("skip", "not_applicable")
    with pytest.raises(KeyboardInterrupt), ctx.section("sample"):
        raise KeyboardInterrupt  # never swallowed


@pytest.mark.slow
def test_own_codebook_and_model_real_report(tmp_path):
    """The worked example of docs/own_survey.md: a complete English report with the user's model."""
    old = os.environ.get("RELATIE_LAB_SALT")
    os.environ["RELATIE_LAB_SALT"] = "zout"
    try:
        notebooks = [p for p in rp.report_notebooks() if p.name.startswith(("01_", "02_", "03_", "04_"))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = rp.run_report(EXAMPLE / "winkel_enquete.csv", tmp_path / "rapport", lang="en", n_boot=50,
                                   instrument=EXAMPLE / "codebook.yaml", model=EXAMPLE / "model.lav",
                                   notebooks=notebooks)  # fmt: skip
    finally:
        if old is None:
            os.environ.pop("RELATIE_LAB_SALT", None)
        else:
            os.environ["RELATIE_LAB_SALT"] = old
    assert result.complete, result.sections
    assert result.exit_code == 0
    page = result.path.read_text(encoding="utf-8")
    for text in ("Structural model (SEM)", "Customer satisfaction", "Perceived quality", "Loyalty",
                 "The model explained part of the variance", "via_tevredenheid", "Differences between groups", "kassa",
                 "Columns not used"):  # fmt: skip
        assert text in page, text
    for absent in ("klant0@voorbeeld.nl", "Traceback", "This report is incomplete", "could not be computed:"):
        assert absent not in page, absent
    assert "Ladder" not in page  # Pol's ladder notebook is left out: this codebook has none of its constructs
    repro = json.loads((result.path.parent / "reproducibility.json").read_text())
    assert repro["notebooks"] == ["01_datakwaliteit.ipynb", "02_meetmodel_betrouwbaarheid.ipynb",
                                  "03_commitment_trust_sem.ipynb"]  # fmt: skip
    assert repro["instrument_file"] == "codebook.yaml"
    assert repro["model_file"] == "model.lav"
    results = json.loads((result.path.parent / "results.json").read_text())
    assert 0.9 < results["cfi"] <= 1.0


@pytest.mark.slow
def test_pol_questionnaire_with_own_item_ids_gives_a_complete_report(codebooks, tmp_path, monkeypatch):
    """Pol's questionnaire with the items renamed q1, q2, ... in the user's codebook: what validate predicts (every
    section runs) is what the report does. Notebook 03 is left out to keep the test short: its model comes from
    the plan (relatie_lab.sections.default_model), which the plan test in test_sections.py covers."""
    from relatie_lab.labels import label
    from relatie_lab.loaders import load_survey
    from relatie_lab.sections import plan_report

    monkeypatch.setenv("RELATIE_LAB_SALT", "zout")
    data = tmp_path / "enquete.csv"
    codebooks.renamed_raw.head(200).to_csv(data, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = load_survey(data, instrument=codebooks.renamed_path)
        plan = plan_report(survey.data, survey.instrument, lang="en")
        notebooks = [p for p in rp.report_notebooks() if not p.name.startswith("03_")]
        # paths from the working folder, as `make report` gives them (--out reports/demo): the kernel runs in a
        # folder of its own, and a relative notebooks' folder once sent every notebook looking for its data there
        monkeypatch.chdir(tmp_path)
        result = rp.run_report(Path("enquete.csv"), Path("report"), lang="en", n_boot=20, seed=3,
                               instrument=codebooks.renamed_path, notebooks=notebooks)  # fmt: skip
    assert plan.complete
    assert result.sections["status"].eq("run").all(), result.sections.query("status != 'run'").to_dict("records")
    assert result.complete
    assert result.exit_code == 0
    assert result.log is None
    predicted = {d.id: d.status for d in plan.decisions.values() if d.notebook != "03"}
    assert dict(zip(result.sections["section"], result.sections["status"], strict=True)) == predicted
    page = result.path.read_text(encoding="utf-8")
    for key in ("report_nb04_title", "report_nb05_title", "report_nb06_title", "report_nb07_title"):
        assert label(key, "en") in page, key
    assert label("sec_status_failed", "en") not in page


@pytest.mark.parametrize(("lang", "expected"), [
    ("nl", "Verklaarde variantie (R²) van de afhankelijke variabelen: Commitment .30; onbekend .05."),
    ("en", "Explained variance (R²) of the dependent variables: Commitment .30; onbekend .05."),
])  # fmt: skip
def test_r2_text_uses_the_fits_own_r_squared(lang, expected):
    from relatie_lab.instrument import default
    from relatie_lab.report_context import ReportContext

    est = pd.DataFrame({"lhs": ["commitment", "onbekend", "commitment", "onbekend"], "op": ["~", "~", "~~", "~~"],
                        "rhs": ["vertrouwen", "commitment", "commitment", "onbekend"],
                        "std_all": [0.5, 0.2, 0.9, 0.9]})  # fmt: skip
    fit = type("Fit", (), {"estimates": est, "r_squared": pd.Series({"commitment": 0.3, "onbekend": 0.05})})()
    ctx = ReportContext(pd.DataFrame(), default(), None, notebook="03", lang=lang, output_dir=None, model=None)
    assert ctx.r2_text(fit) == expected  # the fit's R², not 1 - std_all (.10)
