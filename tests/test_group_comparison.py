"""Construct scores compared between groups (relatie_lab.group_comparison), checked against pingouin."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

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
    assert table.columns.tolist() == ["construct", "M Wave 1", "M Wave 2", "f", "p_holm", "η²"]  # value labels
    assert table["construct"].tolist() == ["vertrouwen", "commitment"]


def test_default_constructs_are_the_codebooks_top_level_ones(demo):
    res = compare_constructs(demo, "sector")
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
