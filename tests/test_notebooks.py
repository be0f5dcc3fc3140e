"""The report notebooks: stored clean, executed with papermill on small data, combined into one HTML report.

The fast tests check the stored notebooks. The slow ones build the full report a few times on a small simulated
survey (n = 200, 50 bootstrap draws) and share each report between many assertions (module-scoped fixtures): every
notebook runs without error and every section runs fully, the HTML has a table of contents and a reproducibility
section with the input's SHA-256, English reports are in English, the same input and seed give the same tables, no
personal data from the raw file reaches the HTML, the executed notebooks or the processed data, and a failing
section or notebook costs only itself (the report is written, the traceback goes to the log). Surveys of other
shapes are in test_sections.py (the decisions, fast) and test_report_context.py (a few real reports).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from relatie_lab import notebook as helpers
from relatie_lab import report as rp
from relatie_lab.paths import NOTEBOOKS

NOTEBOOK_PATHS = rp.report_notebooks()
PARAMETERS = {"data_path", "mapping_path", "instrument_path", "model_path", "lang", "seed", "n_boot", "group",
              "output_dir"}
SURNAME = "Zwartkruis"
DOMAIN = "geheim-voorbeeld.nl"


# ---------------------------------------------------------------------------------------------------------------
# the stored notebooks (fast)


def test_there_are_report_notebooks():
    names = [p.name for p in NOTEBOOK_PATHS]
    assert len(names) >= 7
    assert names == sorted(names)
    assert all(not p.is_relative_to(NOTEBOOKS / "colleges") for p in NOTEBOOK_PATHS)


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: clear the outputs (jupyter nbconvert --clear-output --inplace)"
            assert cell.execution_count is None, f"{path.name}: execution counts must be empty"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_first_code_cell_holds_the_parameters_as_literals(path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", [])
    names = set()
    for node in ast.parse(first.source).body:
        assert isinstance(node, ast.Assign), f"{path.name}: only assignments in the parameters cell"
        ast.literal_eval(node.value)  # literals only: papermill does not recompute derived values
        names |= {t.id for t in node.targets}
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    # the notebooks that fit a SEM also take the report's estimator (relatie-lab report --estimator)
    assert names == PARAMETERS | ({"estimator"} if "fit_sem(" in code or "ladder_model(" in code else set())
    assert ("estimator" in names) == ("nb.sem_options(estimator)" in code)


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_has_no_widgets(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "ipywidgets" not in code
    assert not re.search(r"\binteract\b", code)
    assert not re.search(r"^\s*(def|class) ", code, flags=re.M), "logic belongs in the package, not the notebook"
    # every heading and explanation comes from the labels, in the chosen language
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert "report-hide" in cell.metadata.get("tags", []), "markdown in one language: use nb.explain"
    for key in re.findall(r'nb\.(?:heading|explain|text)\("([^"]+)"', code):
        assert helpers.text(key, "nl")
        assert helpers.text(key, "en")


def _takes_a_codebook(obj: object) -> bool:
    import inspect

    if not callable(obj) or isinstance(obj, type):
        return False
    try:
        return "instrument" in inspect.signature(obj).parameters
    except (TypeError, ValueError):  # no signature to read
        return False


def test_analyses_get_the_reports_codebook():
    """Every call of a package function that takes a codebook (``instrument=``) passes the report's one: without it
    the function falls back to the shipped codebook and misses the items of a survey with a codebook of its own."""
    import importlib
    import types

    checked, missing = [], []
    for path in NOTEBOOK_PATHS:
        nb = nbformat.read(path, as_version=4)
        tree = ast.parse("\n".join(c.source for c in nb.cells if c.cell_type == "code"))
        names: dict[str, object] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("relatie_lab"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    names[alias.asname or alias.name] = getattr(module, alias.name)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name):
                target, shown = names.get(func.id), func.id
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                    isinstance(names.get(func.value.id), types.ModuleType):  # fmt: skip
                target, shown = getattr(names[func.value.id], func.attr, None), f"{func.value.id}.{func.attr}"
            else:
                continue
            if _takes_a_codebook(target):
                checked.append(shown)
                if not any(k.arg == "instrument" for k in node.keywords):
                    missing.append(f"{path.name}: {shown} (line {node.lineno})")
    assert missing == []
    assert {"ladder_funnel", "ladder_model", "type_distribution", "moderated_regression", "scorecard",
            "freedom_of_choice", "ab_test", "reliability", "validity", "compare_constructs"} <= set(checked)


# ---------------------------------------------------------------------------------------------------------------
# executed reports (slow)


def _small_survey(path: Path, n: int = 200, seed: int = 7) -> Path:
    """A small simulated survey with conspicuous personal data in it."""
    from relatie_lab.simulate import simulate_survey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = simulate_survey(n=n, seed=seed)
    df["naam"] = [f"Wilhelmina {SURNAME}{i}" for i in range(len(df))]
    df["email"] = [f"w.{SURNAME.lower()}{i}@{DOMAIN}" for i in range(len(df))]
    df["opmerking"] = [f"Mail me op w.{SURNAME.lower()}{i}@{DOMAIN}" if i % 3 == 0 else None for i in range(len(df))]
    df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    old = os.environ.get("RELATIE_LAB_SALT")
    os.environ["RELATIE_LAB_SALT"] = "test-zout"  # id hashes (if any) the same in every run
    yield _small_survey(tmp_path_factory.mktemp("data") / "enquete.csv")
    if old is None:
        os.environ.pop("RELATIE_LAB_SALT", None)
    else:
        os.environ["RELATIE_LAB_SALT"] = old


def _build(survey: Path, out: Path, **kwargs) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rp.build_report(survey, out, seed=11, n_boot=50, **kwargs)


@pytest.fixture(scope="module")
def report_nl(survey, tmp_path_factory):
    return _build(survey, tmp_path_factory.mktemp("nl") / "rapport", formats=("html", "docx"))


@pytest.fixture(scope="module")
def report_nl_again(survey, tmp_path_factory):
    """Same input and seed, with the code shown: the tables must not change."""
    return _build(survey, tmp_path_factory.mktemp("nl2") / "rapport", show_code=True)


# English on three notebooks keeps the test time down; test_notebook_is_thin_and_has_no_widgets checks that every
# text key the notebooks use has an English version
EN_NOTEBOOKS = [p for p in NOTEBOOK_PATHS if p.name.startswith(("01_", "03_", "07_"))]


@pytest.fixture(scope="module")
def report_en(survey, tmp_path_factory):
    return _build(survey, tmp_path_factory.mktemp("en") / "report", lang="en", notebooks=EN_NOTEBOOKS)


def _tables(page: str) -> list[str]:
    """The text of every table, without the creation time and the code version (both change between runs)."""
    page = re.sub(rf'<tr>(?:(?!</tr>).)*class="(?:{rp.TIMESTAMP_CLASS}|git-commit)".*?</tr>', "", page, flags=re.S)
    tables = re.findall(r"<table.*?</table>", page, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", t)).strip() for t in tables]


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in NOTEBOOK_PATHS])
def test_every_notebook_runs_without_error(report_nl, name):
    executed = report_nl.parent / "notebooks" / name
    nb = nbformat.read(executed, as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    statuses = json.loads((report_nl.parent / "sections.json").read_text())
    mine = {r["section"]: r["status"] for r in statuses if r["notebook"] == name[:2]}
    assert mine
    assert set(mine.values()) == {"run"}, mine  # the simulated survey has everything: all sections run
    assert nb.metadata["papermill"]["parameters"]["lang"] == "nl"
    assert nb.metadata["papermill"]["parameters"]["seed"] == 11
    shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "display_data"]
    assert any("text/html" in o.data for o in shown) or any("image/png" in o.data for o in shown)


@pytest.mark.slow
def test_report_has_contents_figures_tables_and_reproducibility(report_nl, survey):
    assert report_nl.name == "rapport.html"
    page = report_nl.read_text(encoding="utf-8")
    assert '<html lang="nl">' in page
    toc = page[page.index('<nav class="toc"') : page.index("</nav>")]
    assert toc.count("<li>") >= 2 * len(NOTEBOOK_PATHS)  # every notebook and its sections
    for anchor in re.findall(r'href="#(sec-\d+)"', toc):
        assert f'id="{anchor}"' in page
    assert "Reproduceerbaarheid" in toc
    assert page.count("data:image/png;base64,") >= 5  # figures embedded, no separate files
    assert "No description has been provided" not in page  # every figure has an alt text
    assert page.count('<table class="apa">') >= 10
    assert "Tabel 1</span>" in page
    sha = hashlib.sha256(survey.read_bytes()).hexdigest()
    section = page[page.index('<section class="reproducibility">') :]
    assert sha in section
    for text in ("Seed", "11", "semopy", "pandas", "numpy", "scipy", "lavaan", "enquete.csv", rp.TIMESTAMP_CLASS):
        assert text in section
    assert "def " not in page
    assert "setup_notebook" not in page
    repro = json.loads((report_nl.parent / "reproducibility.json").read_text())
    assert repro["input_sha256"] == sha
    assert repro["parameters"] == {"lang": "nl", "seed": 11, "n_boot": 50, "estimator": "ML"}


@pytest.mark.slow
def test_report_records_headline_results(report_nl):
    """The headline numbers in results.json are those of the Commitment-Trust model fitted on the processed data."""
    from relatie_lab.models import commitment_trust
    from relatie_lab.sem import fit_sem

    results = json.loads((report_nl.parent / helpers.RESULTS_FILE).read_text())
    assert results["n"] == 200
    data = pd.read_parquet(report_nl.parent / "data" / rp.PROCESSED_NAME)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_sem(data, commitment_trust(available=data), seed=11)
    assert results["cfi"] == pytest.approx(fit.fit_indices["cfi"], abs=1e-9)
    assert results["rmsea"] == pytest.approx(fit.fit_indices["rmsea"], abs=1e-9)
    est = fit.estimates
    path = est[(est["op"] == "~") & (est["lhs"] == "commitment") & (est["rhs"] == "vertrouwen")]
    assert results["trust_commitment"] == pytest.approx(float(path["est"].iloc[0]), abs=1e-9)
    assert results["trust_commitment"] > 0  # the simulated population has a positive trust -> commitment path


@pytest.mark.slow
def test_same_input_and_seed_give_identical_tables(report_nl, report_nl_again):
    first = _tables(report_nl.read_text(encoding="utf-8"))
    second = _tables(report_nl_again.read_text(encoding="utf-8"))
    assert len(first) >= 10
    assert first == second
    shown = re.sub(r"<[^>]+>", "", report_nl_again.read_text(encoding="utf-8"))
    assert "ctx = report_context(data_path, mapping_path" in shown  # --show-code keeps the code
    assert "ctx = report_context(data_path, mapping_path" not in re.sub(r"<[^>]+>", "", report_nl.read_text())


@pytest.mark.slow
def test_english_report_is_in_english(report_en):
    assert report_en.name == "report.html"
    page = report_en.read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    nb03_title = helpers.text("report_nb03_title", "en")
    for text in ("Contents", "Data quality", "Reproducibility", "Table 1</span>", nb03_title):
        assert text in page
    for dutch in ("Inhoud", "Reproduceerbaarheid", "Tabel 1</span>", "Steekproef", "Toelichting", "waarschuwing"):
        assert dutch not in page


@pytest.mark.slow
def test_no_personal_data_reaches_the_report_notebooks_or_processed_data(report_nl, report_en, survey):
    raw = pd.read_csv(survey)
    secrets = {*raw["naam"], *raw["email"], SURNAME, SURNAME.lower(), DOMAIN, *raw["telefoon"].astype(str)}
    secrets |= {*raw["ip_adres"].astype(str), *raw["postcode"].astype(str), *raw["opmerking"].dropna().astype(str)}
    assert len(secrets) > 3 * len(raw)  # the simulated file does carry every kind of personal data
    for report in (report_nl, report_en):
        folder = report.parent
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert any(p.suffix == ".parquet" for p in files)
        assert any(p.suffix == ".ipynb" for p in files)
        for path in files:
            text = path.read_bytes().decode("utf-8", errors="ignore")
            if path.suffix == ".parquet":
                frame = pd.read_parquet(path)
                text += frame.to_csv(index=False) + " ".join(map(str, frame.columns))
            leaked = [s for s in secrets if s in text]
            assert leaked == [], f"personal data in {path.relative_to(folder)}: {leaked[:3]}"
        processed = pd.read_parquet(folder / "data" / rp.PROCESSED_NAME)
        assert not {"naam", "email", "telefoon", "ip_adres", "postcode", "opmerking"} & set(processed.columns)


def _failing_notebook(folder: Path) -> Path:
    """A notebook whose first section fails inside ``ctx.section`` and whose last cell fails outside any section."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('data_path = "x"\nlang = "nl"\noutput_dir = None')
    params.metadata["tags"] = ["parameters"]
    setup = nbformat.v4.new_code_cell(
        "from relatie_lab.report_context import report_context\n"
        'ctx = report_context(data_path, notebook="01", lang=lang, output_dir=output_dir)'
    )
    section = nbformat.v4.new_code_cell('with ctx.section("sample") as sec:\n    raise KeyError("com_1")')
    after = nbformat.v4.new_code_cell('print("verder na de fout")')
    crash = nbformat.v4.new_code_cell('raise RuntimeError("notebook kapot")')
    nb.cells = [params, setup, section, after, crash]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "99_kapot.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_failing_section_and_notebook_cost_only_themselves(survey, tmp_path):
    out = tmp_path / "rapport"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        notebooks = [NOTEBOOK_PATHS[0], _failing_notebook(tmp_path)]
        result = rp.run_report(survey, out, seed=11, n_boot=50, notebooks=notebooks)
    assert result.path == out / "rapport.html"
    assert result.path.is_file()
    assert not result.complete
    assert result.exit_code == 1
    assert result.failed_notebooks == [out / "notebooks" / "99_kapot.ipynb"]
    sample = result.sections.set_index("section").loc["sample"]
    assert sample["status"] == "failed"
    assert sample["message"] == "onverwachte fout (KeyError: 'com_1')"
    page = result.path.read_text(encoding="utf-8")
    assert "Deze sectie kon niet worden berekend: onverwachte fout (KeyError: 'com_1')" in page
    assert "De technische details staan in rapport.log naast het rapport." in page
    chapter = "Dit hoofdstuk (99_kapot.ipynb) kon niet worden berekend: onverwachte fout (RuntimeError: notebook kapot)"
    assert chapter in page
    assert "verder na de fout" in page  # the notebook went on after the failed section
    assert "Dit rapport is onvolledig" in page
    assert "Traceback" not in page
    assert "raise KeyError" not in page
    log = (out / "rapport.log").read_text(encoding="utf-8")
    assert "Traceback" in log
    assert "KeyError: 'com_1'" in log
    assert "RuntimeError: notebook kapot" in log
    assert "\x1b[" not in log
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left


@pytest.mark.slow
def test_a_notebook_that_kills_its_kernel_costs_only_itself(survey, tmp_path):
    # the report's one warm kernel dies: the next notebook runs in a fresh kernel, in the notebooks' folder
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('print("voor")'), nbformat.v4.new_code_cell("import os\nos._exit(1)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    dies = tmp_path / "00_sterft.ipynb"
    nbformat.write(nb, dies)
    out = tmp_path / "rapport"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = rp.run_report(survey, out, seed=11, n_boot=50, notebooks=[dies, NOTEBOOK_PATHS[0]])
    assert result.failed_notebooks == [out / "notebooks" / "00_sterft.ipynb"]
    assert result.exit_code == 1
    executed = nbformat.read(out / "notebooks" / NOTEBOOK_PATHS[0].name, as_version=4)
    assert [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"] == []
    page = result.path.read_text(encoding="utf-8")
    assert "Dit hoofdstuk (00_sterft.ipynb) kon niet worden berekend" in page
    assert "Datakwaliteit" in page
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_mapping_file_links_own_column_names(survey, tmp_path):
    raw = pd.read_csv(survey)
    own = raw.rename(columns={f"com_{i}": f"Vraag {i}" for i in range(1, 6)})
    data = own.to_csv(tmp_path / "eigen.csv", index=False) or tmp_path / "eigen.csv"
    mapping = tmp_path / "koppeling.yaml"
    mapping.write_text("".join(f'"Vraag {i}": com_{i}\n' for i in range(1, 6)), encoding="utf-8")
    page = _build(data, tmp_path / "out", mapping=mapping, notebooks=[NOTEBOOK_PATHS[0]])
    processed = pd.read_parquet(page.parent / "data" / rp.PROCESSED_NAME)
    assert {f"com_{i}" for i in range(1, 6)} <= set(processed.columns)
    repro = json.loads((page.parent / "reproducibility.json").read_text())
    assert repro["mapping_file"] == "koppeling.yaml"
    assert repro["mapping_sha256"] == hashlib.sha256(mapping.read_bytes()).hexdigest()
    assert repro["mapping_sha256"] in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_notebook_runs_by_hand_on_a_raw_file(survey, tmp_path):
    """Opened in Jupyter a notebook reads the raw file itself (and still drops the personal data)."""
    import papermill as pm

    out = tmp_path / "01.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK_PATHS[0]), str(out), parameters={"data_path": str(survey), "lang": "en"},
        kernel_name="python3", cwd=str(tmp_path), progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    text = json.dumps([o for c in nb.cells if c.cell_type == "code" for o in c.outputs])
    assert "Data quality" in text
    assert "The file holds **200** respondents" in text
    assert SURNAME not in text
    assert DOMAIN not in text
    assert not list(tmp_path.glob("*.json"))  # output_dir None: nothing recorded


# ---------------------------------------------------------------------------------------------------------------
# what a reader sees (issue 13): summary first, APA text, numbered figures, no internal names, Word


@pytest.mark.slow
@pytest.mark.parametrize("which", ["nl", "en"])
def test_no_internal_name_reaches_a_reader(report_nl, report_en, which):
    from relatie_lab.report_text import internal_names, visible_text

    page = (report_nl if which == "nl" else report_en).read_text(encoding="utf-8")
    assert internal_names(visible_text(page)) == []


@pytest.mark.slow
def test_report_opens_with_a_linked_summary_and_numbers_its_figures(report_nl, report_en):
    page = report_nl.read_text(encoding="utf-8")
    start = page.index('<section class="report-summary">')
    summary = page[start : page.index("</section>", start)]
    assert page.index("report-summary") < page.index('class="toc"') < page.index("Tabel 1</span>")
    findings = re.findall(r'<li class="finding finding-(\w+)">', summary)
    assert 3 <= len(findings) <= 6
    assert findings[0] == "fit"
    for anchor in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{anchor}"' in page  # every finding links to its section
    numbers = re.findall(r'<span class="apa-fig-number">Figuur (\d+)</span>', page)
    assert numbers == [str(i) for i in range(1, len(numbers) + 1)]
    assert len(numbers) >= 5
    assert "χ²(" in page  # the APA sentences, italics rendered
    assert "*p*" not in page
    assert '<div class="apa-text">' in page
    english = report_en.read_text(encoding="utf-8")
    assert re.search(r"<h1[^>]*>Summary<", english)
    assert "Figure 1</span>" in english


@pytest.mark.slow
def test_word_report_holds_the_same_tables(report_nl):
    from docx import Document

    doc = Document(report_nl.with_suffix(".docx"))
    texts = [p.text for p in doc.paragraphs]
    page = report_nl.read_text(encoding="utf-8")
    n_tables = len(re.findall(r'<table class="apa">', page))
    assert len(doc.tables) == n_tables
    assert f"Tabel {n_tables}" in texts
    assert "Samenvatting" in texts
    assert len(doc.inline_shapes) == len(re.findall(r'<span class="apa-fig-number">', page))
    fit = next(t for t in doc.tables if t.rows[0].cells[0].text == "χ²")
    assert [c.text for c in fit.rows[0].cells][:3] == ["χ²", "df", "p"]
    assert "," in fit.rows[1].cells[0].text  # Dutch: decimal comma in the Word tables too
