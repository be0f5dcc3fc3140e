"""The lecture widgets: their pure view functions, the thin ipywidgets layer and the lecture notebooks.

The pure functions are checked for what they compute (estimates near the truth at large N, power equal to
statsmodels' and pingouin's, the ladder funnel of a hand-made frame, the quiz profile of given answers); the
widgets are built without a browser and a control is changed programmatically, as a student would with the
mouse, to check that the figure and the text change. The browser version of that test is
``tests/test_lectures_browser.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from relatie_lab import widgets as w
from relatie_lab.errors import SurveyError
from relatie_lab.paths import LABELS_DIR, NOTEBOOKS
from relatie_lab.scores import recode_reverse
from relatie_lab.simulate import simulate_survey

COLLEGES = NOTEBOOKS / "colleges"
LECTURES = {
    "01_simuleren_en_schatten": "simulate_and_estimate",
    "02_ladder_van_betrokkenheid": "ladder_explorer",
    "03_welke_relatie_heb_jij": "relatie_quiz",
    "04_ab_test_planner": "ab_planner",
}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    """A cleaned simulated survey (every sector and organisation of the demo population)."""
    df, _ = simulate_survey(n=400, seed=11, missing_codes=False, personal_data=False)
    return recode_reverse(df)


# ---------------------------------------------------------------------------------------------------------------
# 1. simulate and estimate


def test_simulate_chain_is_seeded_and_has_the_model_items():
    df1, truth = w.simulate_chain(a=0.3, b=0.7, c=0.2, n=60, seed=5)
    df2, _ = w.simulate_chain(a=0.3, b=0.7, c=0.2, n=60, seed=5)
    df3, _ = w.simulate_chain(a=0.3, b=0.7, c=0.2, n=60, seed=6)
    pd.testing.assert_frame_equal(df1, df2)
    assert not df1.equals(df3)
    assert truth == {"c": 0.2, "a": 0.3, "direct": 0.0, "b": 0.7, "indirect": pytest.approx(0.21)}
    from relatie_lab.models import commitment_trust

    model = commitment_trust()
    assert w.chain_model() == model
    lines = [line for line in model.splitlines() if "=~" in line and not line.startswith("#")]
    assert {i.strip() for line in lines for i in line.split("=~")[1].split("+")} == set(df1.columns)


def test_simulated_latent_correlations_follow_the_paths():
    # with little measurement error the item means per construct correlate close to the standardised paths,
    # and shared values reach commitment only through trust (partial correlation 0)
    df, _ = w.simulate_chain(a=0.6, b=0.3, c=0.5, n=20000, noise=0.05, seed=1)
    score = {p: df[[c for c in df if c.startswith(p)]].mean(axis=1) for p in ("gw", "vt", "com", "eng")}
    assert np.corrcoef(score["gw"], score["vt"])[0, 1] == pytest.approx(0.5, abs=0.03)
    assert np.corrcoef(score["vt"], score["com"])[0, 1] == pytest.approx(0.6, abs=0.03)
    assert np.corrcoef(score["com"], score["eng"])[0, 1] == pytest.approx(0.3, abs=0.03)
    assert np.corrcoef(score["gw"], score["com"])[0, 1] == pytest.approx(0.5 * 0.6, abs=0.03)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"a": 1.2}, "between -0.95 and 0.95"), ({"n": 5}, "at least 20"), ({"noise": 0}, "noise")],
)
def test_simulate_chain_rejects_impossible_settings(kwargs, match):
    with pytest.raises(SurveyError, match=match):
        w.simulate_chain(**kwargs)


def test_estimates_are_near_the_truth_at_large_n():
    df, truth = w.simulate_chain(a=0.45, b=0.55, c=0.65, n=5000, noise=0.5, seed=3)
    _, table = w.estimate_chain(df)
    est = table.set_index("path")
    for path in ("a", "b", "c", "direct", "indirect"):
        assert est.loc[path, "est"] == pytest.approx(truth[path], abs=0.05), path
        assert est.loc[path, "ci_lower"] < est.loc[path, "est"] < est.loc[path, "ci_upper"]
    # the defined parameter is the product of the two paths
    assert est.loc["indirect", "est"] == pytest.approx(est.loc["a", "est"] * est.loc["b", "est"], rel=1e-8)


def test_chain_view_changes_with_the_settings_and_intervals_shrink_with_n():
    small = w.chain_view(n=60, seed=4)
    large = w.chain_view(n=2000, seed=4)
    other = w.chain_view(a=0.1, n=60, seed=4)
    assert list(small.table["path"]) == ["c", "a", "direct", "b", "indirect"]
    assert other.table.set_index("path").loc["a", "truth"] == 0.1
    assert other.table.set_index("path").loc["indirect", "truth"] == pytest.approx(0.04)
    width = lambda v: (v.table["ci_upper"] - v.table["ci_lower"]).mean()  # noqa: E731
    assert width(large) < width(small) / 3
    assert w.figure_png(small.figure) != w.figure_png(other.figure)
    assert small.table["covered"].dtype == bool
    assert "60 respondenten" in small.text
    assert small.result.nobs == 60  # the SEMResult of the refit is kept for a closer look


def test_chain_view_in_english():
    nl, en = w.chain_view(n=100, seed=1), w.chain_view(n=100, seed=1, lang="en")
    assert "Mediatie" in nl.text
    assert "Mediation" in en.text
    assert en.table["label"].iloc[0] == "Shared values → trust (c)"
    np.testing.assert_allclose(nl.table["est"], en.table["est"])


# ---------------------------------------------------------------------------------------------------------------
# 2. the ladder


@pytest.fixture
def rungs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "klantbeleving": [6, 6, 4, 7, 6],
            "gedeelde_waarden": [5, 3, 6, 6, 6],
            "vertrouwen": [6, 6, 6, 6, 4.5],
            "commitment": [4, 6, 6, 6, 6],
            "betrokkenheid": [6, 6, 6, 3, 6],
            "sector": ["bank", "bank", "gemeente", "bank", "gemeente"],
            "organisatie": ["A", "B", "C", "A", "C"],
        }
    )


def test_ladder_view_counts_a_hand_made_frame(rungs):
    everyone = w.ladder_view(rungs, threshold=5)
    # levels by hand: 3, 1, 0, 4, 2 -> reaching rung 1..5: 4, 3, 2, 1, 0 of 5
    assert everyone.table["n_reached"].tolist() == [4, 3, 2, 1, 0]
    bank = w.ladder_view(rungs, threshold=5, sector="bank")
    assert bank.table["n_total"].iloc[0] == 3
    assert bank.table["n_reached"].tolist() == [3, 2, 2, 1, 0]
    np.testing.assert_allclose(bank.table["share_all"], [0.8, 0.6, 0.4, 0.2, 0.0])
    lower = w.ladder_view(rungs, threshold=4, sector="bank")
    assert lower.table["n_reached"].tolist() == [3, 2, 2, 2, 1]
    org = w.ladder_view(rungs, threshold=5, organisation="A")
    assert org.table["n_total"].iloc[0] == 2
    assert "<b>A</b>" in org.text


def test_ladder_view_higher_threshold_fewer_climbers(survey):
    shares = [w.ladder_view(survey, threshold=t).table["share"].to_numpy() for t in (3.5, 4.5, 5.5)]
    assert (shares[0] >= shares[1]).all()
    assert (shares[1] >= shares[2]).all()
    assert shares[0].sum() > shares[2].sum()


def test_ladder_view_empty_selection_and_bad_threshold(rungs):
    with pytest.raises(SurveyError, match="Geen respondenten"):
        w.ladder_view(rungs, sector="waterbedrijf")
    with pytest.raises(SurveyError, match="No respondents"):
        w.ladder_view(rungs, sector="waterbedrijf", lang="en")
    with pytest.raises(SurveyError, match="1-7"):
        w.ladder_view(rungs, threshold=9)


# ---------------------------------------------------------------------------------------------------------------
# 3. the quiz


def _answers(markt: int, gezag: int, betekenis: int) -> dict[str, int]:
    values = {"markt": markt, "gezag": gezag, "betekenis": betekenis}
    return {item: values[item.rsplit("_", 1)[0]] for item in w.QUIZ_ITEMS}


def test_quiz_items_are_the_relational_norm_items():
    from relatie_lab import instrument

    norm_items = set(instrument.item_ids("markt") + instrument.item_ids("gezag") + instrument.item_ids("betekenis"))
    assert set(w.QUIZ_ITEMS) == norm_items
    assert len(w.QUIZ_ITEMS) == len(norm_items)


def test_quiz_item_text_fills_in_the_organisation():
    assert w.quiz_item_text("gezag_1", "gemeente").startswith("Mijn gemeente stelt")
    assert "[ORG]" not in w.quiz_item_text("markt_1", "bank")
    assert "my pension fund" in w.quiz_item_text("markt_1", "pensioenfonds", lang="en")


def test_quiz_view_profile_and_comparison(survey):
    view = w.quiz_view(_answers(2, 3, 7), survey, sector="gemeente")
    table = view.table.set_index("relationship_type")
    assert table["score"].tolist() == [2.0, 3.0, 7.0]
    assert table["is_dominant"].tolist() == [False, False, True]
    gemeente = survey[survey["sector"] == "gemeente"]
    items = gemeente[[f"betekenis_{i}" for i in range(1, 5)]]
    betekenis = items.mean(axis=1).where(items.notna().sum(axis=1) >= 2).dropna()  # at least half answered
    assert table.loc["betekenis", "group_mean"] == pytest.approx(betekenis.mean())
    assert table.loc["betekenis", "percentile"] == pytest.approx(100 * (betekenis < 7).mean())
    assert "Betekenisrelatie" in view.text
    assert f"{len(gemeente)} respondenten" in view.text
    other = w.quiz_view(_answers(7, 2, 2), survey, sector="gemeente", lang="en")
    assert other.table.set_index("relationship_type").loc["markt", "is_dominant"]
    assert "Market relationship" in other.text
    assert w.figure_png(view.figure) != w.figure_png(other.figure)


def test_quiz_view_mixed_and_unknown_items(survey):
    mixed = w.quiz_view(_answers(5, 5, 5), survey, sector="bank")
    assert not mixed.table["is_dominant"].any()
    assert "Gemengd" in mixed.text
    with pytest.raises(SurveyError, match="Unknown quiz items"):
        w.quiz_view({"vt_1": 5}, survey)


def test_quiz_view_compares_with_everyone_when_the_sector_is_absent(survey):
    no_sector = survey.drop(columns=["sector"])
    view = w.quiz_view(_answers(4, 4, 6), no_sector, sector="bank")
    assert f"{len(survey)} respondenten" in view.text


# ---------------------------------------------------------------------------------------------------------------
# 4. the A/B planner


@pytest.mark.parametrize(("d", "n"), [(0.2, 50), (0.5, 64), (0.8, 20), (1.2, 10)])
def test_power_matches_statsmodels_and_pingouin(d, n):
    import pingouin as pg
    from statsmodels.stats.power import TTestIndPower

    curve = w.power_curve(d, [n])
    expected = TTestIndPower().power(effect_size=d, nobs1=n, alpha=0.05, ratio=1.0)
    assert curve["power"].iloc[0] == pytest.approx(expected, rel=1e-6)
    assert curve["power"].iloc[0] == pytest.approx(pg.power_ttest(d=d, n=n, alpha=0.05), rel=1e-6)
    assert w.ab_view(d=d, n=n, seed=0).table.loc[0, "power"] == pytest.approx(expected, rel=1e-6)


def test_required_n_matches_statsmodels():
    from statsmodels.stats.power import TTestIndPower

    for d in (0.2, 0.3, 0.5, 0.8):
        n80 = w.ab_view(d=d, n=50, seed=0).table.loc[0, "n_80"]
        expected = TTestIndPower().solve_power(effect_size=d, power=0.8, alpha=0.05, ratio=1.0)
        assert n80 == np.ceil(expected), d


def test_power_curve_increases_with_n():
    power = w.power_curve(0.3, np.arange(2, 500, 7))["power"].to_numpy()
    assert (np.diff(power) > 0).all()
    assert power[0] < 0.1
    assert power[-1] > 0.9


def test_simulated_experiment_ci_is_welch():
    view = w.ab_view(d=0.4, n=80, seed=7)
    exp = w.simulate_experiment(0.4, 80, seed=7)
    a = exp.loc[exp["conditie"] == "prijs", "score"]
    b = exp.loc[exp["conditie"] == "zorg", "score"]
    res = stats.ttest_ind(b, a, equal_var=False)
    ci = res.confidence_interval(0.95)
    row = view.table.iloc[0]
    assert row["difference"] == pytest.approx(b.mean() - a.mean())
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((ci.low, ci.high))
    assert row["p_value"] == pytest.approx(res.pvalue)
    assert row["significant"] == (res.pvalue < 0.05)


def test_ab_view_changes_with_inputs_and_handles_no_effect():
    a, b = w.ab_view(d=0.3, n=100, seed=1), w.ab_view(d=0.3, n=400, seed=1)
    assert b.table.loc[0, "power"] > a.table.loc[0, "power"]
    assert w.figure_png(a.figure) != w.figure_png(b.figure)
    null = w.ab_view(d=0.0, n=100, seed=1)
    assert np.isnan(null.table.loc[0, "n_80"])
    assert null.table.loc[0, "power"] == pytest.approx(0.05, abs=1e-9)
    assert "d = 0" in null.text
    assert "respondents per arm" in w.ab_view(d=0.3, n=100, seed=1, lang="en").text


# ---------------------------------------------------------------------------------------------------------------
# labels


def test_every_widget_label_has_dutch_and_english():
    entries = yaml.safe_load((LABELS_DIR / "widgets.yaml").read_text(encoding="utf-8"))
    assert entries
    assert all(key.startswith("wg_") for key in entries)
    for key, value in entries.items():
        assert set(value) == {"nl", "en"}, key
        assert value["nl"].strip(), key
        assert value["en"].strip(), key
    differ = [k for k, v in entries.items() if v["nl"] != v["en"]]
    assert len(differ) > 0.8 * len(entries)  # a few are the same word in both languages (Power, Indirect effect)


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="Unknown language"):
        w.ab_view(lang="de")


# ---------------------------------------------------------------------------------------------------------------
# the widgets, without a browser


def _changes(widget, control: str, value) -> tuple[bool, bool]:
    image, text = widget.image.value, widget.text.value
    widget.controls[control].value = value
    return widget.image.value != image, widget.text.value != text


def test_simulate_and_estimate_widget_updates_on_a_slider():
    widget = w.simulate_and_estimate()
    assert widget.last_error is None
    assert widget.image.value[:4] == b"\x89PNG"
    assert set(widget.controls) == {"a", "b", "c", "n", "noise"}
    assert _changes(widget, "n", 400) == (True, True)
    assert widget.view.table["truth"].tolist() == [0.6, 0.5, 0.0, 0.4, pytest.approx(0.2)]
    _changes(widget, "a", 0.0)
    assert widget.view.table.set_index("path").loc["indirect", "truth"] == 0
    # the button draws a new sample with the same settings
    before = widget.view.table["est"].to_numpy()
    widget.children[2].children[0].click()
    assert not np.allclose(before, widget.view.table["est"].to_numpy())


def test_ladder_explorer_widget(survey):
    widget = w.ladder_explorer(df=survey, lang="en")
    assert widget.last_error is None
    assert widget.controls["sector"].index == 0  # "All" is selected, not an empty dropdown
    assert _changes(widget, "threshold", 4.0) == (True, True)
    draws = widget.draws
    widget.controls["sector"].value = "bank"
    assert widget.draws == draws + 1  # one update for the sector and the reset organisation list
    assert widget.controls["organisation"].value == ""  # "all", and shown as such (not an empty selection)
    assert widget.controls["organisation"].index == 0
    organisations = [value for _, value in widget.controls["organisation"].options if value]
    assert organisations == sorted(survey.loc[survey["sector"] == "bank", "organisatie"].unique())
    assert widget.view.table["n_total"].iloc[0] == (survey["sector"] == "bank").sum()
    assert _changes(widget, "organisation", organisations[0]) == (True, True)
    assert organisations[0] in widget.text.value


def test_relatie_quiz_widget(survey):
    widget = w.relatie_quiz(df=survey)
    assert widget.last_error is None
    assert _changes(widget, "betekenis_1", 7) == (True, True)
    assert widget.view.table.set_index("relationship_type").loc["betekenis", "score"] == pytest.approx(4.75)
    _changes(widget, "sector", "gemeente")
    texts = [child.children[0].value for child in widget.children[1].children if hasattr(child, "children")]
    assert any(text.startswith("Mijn gemeente") for text in texts)


def test_ab_planner_widget():
    widget = w.ab_planner(lang="en")
    assert _changes(widget, "d", 0.5) == (True, True)
    assert widget.view.table.loc[0, "d"] == 0.5
    assert "Power" in widget.text.value or "power" in widget.text.value
    # each change is a new simulated experiment, also with the same settings
    diff = widget.view.table.loc[0, "difference"]
    widget.update()
    assert widget.view.table.loc[0, "difference"] != diff


def test_widget_shows_errors_in_the_text():
    import ipywidgets

    def compute(values, _draw):
        if values["x"] > 5:
            raise SurveyError("x is too large")
        return w.ab_view(d=0.2, n=values["x"] * 10, seed=0)

    widget = w.LectureWidget("t", {"x": ipywidgets.IntSlider(value=3, max=10)}, compute, "en")
    assert widget.last_error is None
    image = widget.image.value
    widget.controls["x"].value = 8
    assert widget.last_error == "x is too large"
    assert "rl-widget-error" in widget.text.value
    assert "x is too large" in widget.text.value
    assert widget.image.value == image  # the last good figure stays
    widget.controls["x"].value = 4
    assert widget.last_error is None
    assert "rl-widget-error" not in widget.text.value


# ---------------------------------------------------------------------------------------------------------------
# the lecture notebooks


@pytest.mark.parametrize(("stem", "function"), LECTURES.items())
def test_lecture_notebook_is_clean_and_calls_its_widget(stem, function):
    import nbformat

    nb = nbformat.read(COLLEGES / f"{stem}.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert 'lang = "nl"' in code[0].source
    assert all(not c.outputs for c in code)
    assert all(c.execution_count is None for c in code)
    assert f"rl.widgets.{function}(lang=lang)" in "\n".join(c.source for c in code)
    assert callable(getattr(w, function))
    assert nb.cells[0].cell_type == "markdown"
    assert "*English:*" in nb.cells[0].source


def test_lecture_folder_holds_exactly_the_lectures():
    assert sorted(p.stem for p in COLLEGES.glob("*.ipynb")) == sorted(LECTURES)


@pytest.mark.slow
@pytest.mark.skipif(Path("/usr/bin/chromium").exists(), reason="tests/test_lectures_browser.py runs the notebooks")
def test_lecture_notebooks_run_in_a_kernel(tmp_path):
    """Every lecture notebook executes in a real kernel (nbclient), two with Dutch and two with English labels.

    Only where Chromium is missing: the browser test runs the same notebooks, as a student does, in JupyterLab.
    """
    import nbformat
    from nbclient import NotebookClient

    for i, stem in enumerate(LECTURES):
        lang = ("nl", "en")[i % 2]
        nb = nbformat.read(COLLEGES / f"{stem}.ipynb", as_version=4)
        nb.cells[1].source = f'lang = "{lang}"'
        client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"], stem
        assert not [o for o in outputs if o.get("name") == "stderr" and "Traceback" in o.get("text", "")], stem
        views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        assert len(views) == 1, stem


def test_sem_power_planner_widget():
    widget = w.sem_power_planner(lang="en", seed=1)
    table = widget.view.table
    assert table["n"].tolist() == list(w.SEM_POWER_N)
    assert table["power"].iloc[-1] > table["power"].iloc[0]  # N = 400 against 50: 0.98 against 0.26 expected
    assert "you find the path trust → commitment (0.20)" in widget.text.value
    with widget.suspend():
        widget.controls["reps"].value = 50
    widget.controls["path"].value = 0.4
    assert widget.last_error is None
    assert widget.view.result.reps == 50
    assert "Met N = " in w.sem_power_view(path=0.4, reps=20, n=(100,), lang="nl").text
