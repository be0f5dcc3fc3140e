"""Construct scores compared between groups (relatie_lab.group_comparison), checked against pingouin."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from relatie_lab import apa
from relatie_lab.errors import SurveyError
from relatie_lab.group_comparison import compare_constructs
from relatie_lab.scores import construct_scores, recode_reverse
from relatie_lab.simulate import simulate_survey


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = simulate_survey(n=300, seed=2, missing_codes=False)
    return recode_reverse(df)


def test_welch_anova_and_eta_squared_match_pingouin(demo):
    import pingouin as pg

    res = compare_constructs(demo, "sector", ["vertrouwen", "commitment"])
    scores = construct_scores(demo, ["vertrouwen", "commitment"], keep=["sector"])
    for construct in ("vertrouwen", "commitment"):
        ref = pg.welch_anova(scores, dv=construct, between="sector").iloc[0]
        row = res.tests.set_index("construct").loc[construct]
        assert row["f"] == pytest.approx(ref["F"], rel=1e-10)
        assert row["df2"] == pytest.approx(ref["ddof2"], rel=1e-10)
        assert row["p_value"] == pytest.approx(ref["p_unc"], rel=1e-8)
        assert row["eta_squared"] == pytest.approx(ref["np2"], rel=1e-10)
    assert (res.tests["p_holm"] >= res.tests["p_value"]).all()


def test_two_groups_equal_welchs_t_squared(demo):
    from scipy import stats

    res = compare_constructs(demo, "meting", ["vertrouwen"])
    s = construct_scores(demo, ["vertrouwen"], keep=["meting"])
    a, b = (s.loc[s["meting"] == w, "vertrouwen"].dropna() for w in (1, 2))
    t = stats.ttest_ind(a, b, equal_var=False)
    assert res.tests.loc[0, "f"] == pytest.approx(t.statistic**2, rel=1e-10)
    assert res.tests.loc[0, "p_value"] == pytest.approx(t.pvalue, rel=1e-8)


def test_summary_is_wide_with_a_mean_per_group(demo):
    table = compare_constructs(demo, "meting", ["vertrouwen", "commitment"]).summary("en")
    assert table.columns.tolist() == ["construct", "M Wave 1", "M Wave 2", "f", "p_holm", "η²",
                                      "Scalar invariance"]  # value labels  # fmt: skip
    assert table["construct"].tolist() == ["vertrouwen", "commitment"]


def test_default_constructs_are_the_codebooks_top_level_ones(demo):
    res = compare_constructs(demo, "sector", invariance=False)
    assert "vertrouwen_cognitief" not in set(res.tests["construct"])  # a facet
    assert {"vertrouwen", "commitment", "markt"} <= set(res.tests["construct"])


def test_a_group_of_one_gives_nan_not_an_error():
    d = pd.DataFrame({"g": ["a", "a", "b"], "vt_1": [3.0, 4.0, 5.0], "vt_2": [3.0, 5.0, 5.0]})
    res = compare_constructs(d, "g", ["vertrouwen"])
    assert np.isnan(res.tests.loc[0, "f"])
    assert res.means["n"].tolist() == [2, 1]


@pytest.mark.parametrize(("lang", "words"), [("nl", "Groepskolom 'regio' staat niet in de enquête"),
                                             ("en", "Group column 'regio' is not in the survey")])
def test_missing_group_column_is_a_clear_error(demo, lang, words):
    with pytest.raises(SurveyError, match=words):
        compare_constructs(demo, "regio", ["vertrouwen"], lang=lang)


# --- may the means be compared? scalar invariance first -------------------------------------------------------


def _two_sectors(intercept_shift: float, seed: int = 11) -> pd.DataFrame:
    """Commitment (5 items) in two sectors with different latent means; ``intercept_shift`` is added to the
    intercepts of com_1 and com_2 in the second sector only (non-invariant items), and a 2-item construct."""
    rng = np.random.default_rng(seed)
    n = 250
    sector = np.repeat(["bank", "energie"], n)
    f = rng.normal(size=2 * n) + np.where(sector == "energie", 0.3, 0.0)
    loadings = np.array([0.9, 0.8, 0.8, 0.7, 0.7])
    items = 3.6 + np.outer(f, loadings) + rng.normal(size=(2 * n, 5)) * 0.6
    items[sector == "energie", :2] += intercept_shift
    d = pd.DataFrame(items, columns=[f"com_{i}" for i in range(1, 6)])
    d["vertrek_1"], d["vertrek_2"] = 3 + 0.5 * f + rng.normal(size=2 * n), 3 + 0.5 * f + rng.normal(size=2 * n)
    d = d.clip(1, 7)  # on the 1-7 scale (a handful of extreme draws)
    d["sector"] = sector
    return d


@pytest.fixture(scope="module")
def invariant():
    return compare_constructs(_two_sectors(0.0), "sector", ["commitment", "vertrekneiging"])


@pytest.fixture(scope="module")
def shifted():
    return compare_constructs(_two_sectors(0.8), "sector", ["commitment", "vertrekneiging"])


def test_equal_intercepts_give_scalar_invariance_and_say_so(invariant):
    status = invariant.invariance.set_index("construct")["status"]
    assert status.to_dict() == {"commitment": "scalar", "vertrekneiging": "too_few_items"}
    assert invariant.tests["comparable"].tolist() == [True, True]
    assert np.isfinite(invariant.summary("en").loc[0, "f"])
    assert apa.group_invariance_text(invariant, "nl").startswith(
        "De meting van commitment is scalair invariant over sector (gelijke ladingen en intercepten, ΔCFI > −,01), "
        "dus de groepsgemiddelden mogen worden vergeleken."
    )
    assert apa.group_invariance_text(invariant, "en").startswith(
        "The measurement of commitment was scalar invariant across sector (equal loadings and intercepts, "
        "ΔCFI > −.01), so the group means may be compared."
    )


def test_shifted_intercepts_mean_the_means_are_not_compared(shifted):
    row = shifted.invariance.set_index("construct").loc["commitment"]
    assert row["status"] == "not_scalar"
    assert row["delta_cfi_scalar"] <= -0.01  # the scalar step breaks, not the metric one
    assert shifted.tests.set_index("construct").loc["commitment", "comparable"] == np.False_
    for lang, mark, words in [
        ("nl", "nee: gemiddelden niet vergeleken",
         "De meting van commitment is niet scalair invariant over sector (ΔCFI ≤ −,01 bij gelijke ladingen of "
         "intercepten), dus die groepsgemiddelden worden niet vergeleken: een verschil kan aan de vragen liggen"),
        ("en", "no: means not compared",
         "The measurement of commitment was not scalar invariant across sector (ΔCFI ≤ −.01 with equal loadings "
         "or intercepts), so those group means are not compared: a difference could lie in the questions"),
    ]:  # fmt: skip
        table = shifted.summary(lang).set_index("construct")
        column = {"nl": "Scalaire invariantie", "en": "Scalar invariance"}[lang]
        assert table.loc["commitment", column] == mark
        assert table.loc["commitment", ["f", "p_holm", "η²"]].isna().all()  # no test shown: nothing to interpret
        assert np.isfinite(table.loc["vertrekneiging", "f"])
        text = apa.group_invariance_text(shifted, lang)
        assert words in text
        assert "mogen worden vergeleken" not in text
        assert "may be compared" not in text


@pytest.mark.parametrize(("lang", "cell", "words"), [
    ("nl", "niet getoetst (minder dan 3 vragen)", "Voor vertrekneiging is de invariantie niet getoetst"),
    ("en", "not tested (fewer than 3 items)", "Invariance was not tested for propensity to leave"),
])  # fmt: skip
def test_constructs_with_fewer_than_three_items_are_named_as_not_tested(invariant, lang, cell, words):
    column = {"nl": "Scalaire invariantie", "en": "Scalar invariance"}[lang]
    assert invariant.summary(lang).set_index("construct").loc["vertrekneiging", column] == cell
    assert words in apa.group_invariance_text(invariant, lang)
