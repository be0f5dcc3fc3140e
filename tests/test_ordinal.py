"""fit_sem(..., estimator="WLSMV", ordered=...): the interface and every bad-input message, in Dutch and English."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from relatie_lab.errors import ModelWarning, SurveyError
from relatie_lab.sem import fit_sem
from relatie_lab.sem.ordinal import wants_ordinal

MODEL = "F =~ a + b + c + d"


def ordinal_data(n: int = 300, seed: int = 4, cuts: tuple = (-1.0, 0.0, 1.0)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    ystar = f * 0.75 + rng.normal(size=(n, 4)) * np.sqrt(1 - 0.75**2)
    return pd.DataFrame(np.digitize(ystar, cuts) + 1, columns=list("abcd")).astype(float)


def test_ordered_true_means_every_item_and_list_the_same():
    data = ordinal_data()
    a = fit_sem(data, MODEL, estimator="WLSMV", ordered=True)
    b = fit_sem(data, MODEL, estimator="wlsmv", ordered=["a", "b", "c", "d"])
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
    assert a.missing == "pairwise"  # the default "fiml" means every answer: pairwise for ordinal items
    assert {"chisq_scaled", "cfi_scaled", "cfi_robust", "srmr"} <= set(a.fit_indices)
    assert "Drempels" in a.summary()
    assert "Thresholds" in a.summary(lang="en")
    assert wants_ordinal("ML", None) is False
    assert wants_ordinal("ML", ["a"]) is True


@pytest.mark.parametrize(("kwargs", "nl", "en"), [
    ({"estimator": "ML", "ordered": True}, "gebruik estimator='WLSMV'", "use estimator='WLSMV'"),
    ({"estimator": "WLSMV"}, "geef ordered=True", "pass ordered=True"),
    ({"estimator": "WLSMV", "ordered": ["a", "zz"]}, "niet in het model staan: zz", "not in the model: zz"),
    ({"estimator": "WLSMV", "ordered": True, "missing": "em"}, "gebruik missing='pairwise'",
     "use missing='pairwise'"),
])  # fmt: skip
def test_bad_options_say_what_to_do(kwargs, nl, en):
    data = ordinal_data()
    with pytest.raises(SurveyError, match=nl.replace("(", r"\(").replace(")", r"\)")):
        fit_sem(data, MODEL, **kwargs)
    with pytest.raises(SurveyError, match=en.replace("(", r"\(").replace(")", r"\)")):
        fit_sem(data, MODEL, lang="en", **kwargs)


def test_more_than_ten_categories():
    data = ordinal_data()
    data["d"] = np.arange(len(data)) % 11
    with pytest.raises(SurveyError, match=r"Item 'd' heeft 11 verschillende antwoorden.*hoogstens 10.*als continu"):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True)
    with pytest.raises(SurveyError, match=r"Item 'd' has 11 different answers.*at most 10.*as continuous"):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True, lang="en")


def test_one_category():
    data = ordinal_data()
    data["c"] = 3.0
    with pytest.raises(SurveyError, match=r"Item 'c' heeft maar één antwoordcategorie.*Laat het item weg"):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True)
    with pytest.raises(SurveyError, match=r"Item 'c' has only one answer category.*Drop the item"):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True, lang="en")


def test_category_without_answers_in_one_group():
    data = ordinal_data(n=400)
    data["groep"] = np.where(np.arange(400) < 200, "x", "y")
    data.loc[(data.groep == "y") & (data.b == 1), "b"] = 2.0  # nobody in group y answers 1 on b
    with pytest.raises(SurveyError, match=r"Item 'b': in groep 'y' heeft niemand 1 geantwoord.*Voeg de lege categorie"):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True, group="groep")
    with pytest.raises(SurveyError, match=r"Item 'b': in group 'y' nobody answered 1.*Merge the empty category"):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True, group="groep", lang="en")


def test_empty_cells_warning():
    data = ordinal_data(n=150, cuts=(-2.0, 0.0, 2.0))  # rare extreme categories: empty corner cells
    with pytest.warns(ModelWarning, match=r"Lege cellen in \d+ kruistabel\(len\) van twee items \(b x a"):
        res = fit_sem(data, MODEL, estimator="WLSMV", ordered=True)
    assert any("voeg zelden gekozen categorieën samen" in w for w in res.warnings)
    with pytest.warns(ModelWarning, match=r"Empty cells in \d+ cross table\(s\) of two items.*merge rarely chosen"):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True, lang="en")


def test_polychoric_matrix_not_positive_definite_warning():
    """Pairwise missing answers: a-b and b-c strongly positive, a-c strongly negative on different respondents."""
    rng = np.random.default_rng(2)

    def pair(r: float, n: int = 150) -> np.ndarray:
        z = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=n)
        return np.digitize(z, [-0.5, 0.5]) + 1.0

    ab, bc, ac = pair(0.9), pair(0.9), pair(-0.9)
    nan = np.full(150, np.nan)
    data = pd.DataFrame({
        "a": np.r_[ab[:, 0], nan, ac[:, 0]], "b": np.r_[ab[:, 1], bc[:, 0], nan], "c": np.r_[nan, bc[:, 1], ac[:, 1]],
    })  # fmt: skip
    model = "a ~~ b + c\nb ~~ c"  # saturated: the warning is about the data, not the model
    with pytest.warns(ModelWarning, match="polychorische correlaties is niet positief-definiet.*missing='listwise'"):
        fit_sem(data, model, estimator="WLSMV", ordered=True)
    with pytest.warns(ModelWarning, match="polychoric correlations is not positive definite.*merge rarely chosen"):
        fit_sem(data, model, estimator="WLSMV", ordered=True, lang="en")


def test_listwise_uses_complete_rows_only():
    data = ordinal_data()
    data.iloc[:40, 0] = np.nan
    with pytest.warns(ModelWarning, match="Listwise deletion: 40 of 300"):
        res = fit_sem(data, MODEL, estimator="WLSMV", ordered=True, missing="listwise", lang="en")
    assert res.nobs == 260
    assert res.sample_stats[0].n_pair.min() == 260
    assert "listwise deletion" in res.summary(lang="en")


def test_ordinal_advice_flags_few_categories_and_floor_ceiling():
    from relatie_lab.sem.ordinal import ordinal_advice, ordinal_advice_text

    rng = np.random.default_rng(1)
    df = pd.DataFrame({
        "three": rng.integers(1, 4, 200).astype(float),  # 3 categories
        "ceiling": np.where(rng.random(200) < 0.4, 7, rng.integers(1, 7, 200)).astype(float),  # ~45% answer 7
        "fine": rng.integers(1, 8, 200).astype(float),  # 7 categories, ~14% each
    })  # fmt: skip
    adv = ordinal_advice(df)
    assert adv.item.tolist() == ["three", "ceiling"]
    assert adv.reason.tolist() == ["few_categories", "floor_ceiling"]
    assert ordinal_advice(df[["fine"]]).empty
    nl, en = ordinal_advice_text(df), ordinal_advice_text(df, lang="en")
    assert "three (3 categorieën)" in nl
    assert "% in de hoogste categorie" in nl
    assert "estimator='WLSMV', ordered=True" in nl
    assert "three (3 categories)" in en
    assert "% in the highest category" in en
    assert "ML on the answer codes gives too low loadings" in en
    assert "for the report: relatie-lab report ... --estimator WLSMV" in en
    assert ordinal_advice_text(df[["fine"]]) is None


def test_validate_suggests_wlsmv_for_three_point_items(make_csv, salt, capsys):
    from conftest import survey_frame
    from relatie_lab import cli

    df = survey_frame(n=60)
    df["com_1"] = (np.arange(60) % 3 + 1).astype(float)  # a 7-point item answered on only three points
    cli.main(["validate", str(make_csv(df)), "--lang", "en"])  # exit code: whether the report would be complete
    out = capsys.readouterr().out
    assert "Ordinal items: " in out
    assert "com_1 (3 categories)" in out
    assert "estimator='WLSMV'" in out


def test_group_equal_with_ordinal_items_says_what_works():
    data = ordinal_data(n=400)
    data["groep"] = np.where(np.arange(400) < 200, "x", "y")
    nl = r"group_equal \(loadings\) met ordinale items kan niet met fit_sem: gebruik ordinal_invariance"
    en = r"use ordinal_invariance\(data, model, group\).*The configural model \(without group_equal\) works"
    with pytest.raises(SurveyError, match=nl):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True, group="groep", group_equal=["loadings"])
    with pytest.raises(SurveyError, match=en):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True, group="groep", group_equal=["loadings"], lang="en")


def test_bootstrap_of_indirect_effects_is_refused_with_the_alternative():
    data = ordinal_data()
    res = fit_sem(data, "F =~ a + b*b + c*c + d\nbc := b*c", estimator="WLSMV", ordered=True)
    assert res.estimates.query("op == ':='").se.notna().all()
    with pytest.raises(SurveyError, match=r"Bootstrapintervallen voor indirecte effecten zijn er nog niet.*delta"):
        res.indirect_effects(n_boot=10)
    res.lang = "en"
    with pytest.raises(SurveyError, match=r"Bootstrap intervals for indirect effects are not available.*delta-method"):
        res.indirect_effects(n_boot=10)


def test_continuous_items_mixed_in_and_covariates_refused():
    data = ordinal_data()
    data["c"] = data["c"] + np.random.default_rng(0).normal(size=len(data))  # continuous
    res = fit_sem(data, MODEL, estimator="WLSMV", ordered=["a", "b", "d"])
    est = res.estimates
    assert est.query("op == '|' and lhs == 'c'").empty  # no thresholds for the continuous item
    assert est.query("op == '~1' and lhs == 'c'").se.item() > 0  # its intercept (mean) is a parameter
    assert est.query("op == '~~' and lhs == 'c' and rhs == 'c'").se.item() > 0  # and its residual variance
    data["x"] = np.random.default_rng(1).normal(size=len(data))
    with pytest.raises(SurveyError, match=r"deze variabelen \(x\) nog niet ondersteund: observed covariaten"):
        fit_sem(data, MODEL + "\nF ~ x", estimator="WLSMV", ordered=["a", "b", "c", "d"])
    with pytest.raises(SurveyError, match=r"these variables \(x\) are not supported yet: observed covariates"):
        fit_sem(data, MODEL + "\nF ~ x", estimator="WLSMV", ordered=["a", "b", "c", "d"], lang="en")


def test_ordinal_item_as_predictor_refused():
    data = ordinal_data()
    with pytest.raises(SurveyError, match=r"Een ordinaal item als voorspeller in een regressie \(b\)"):
        fit_sem(data, "F =~ a + c + d\nF ~ b", estimator="WLSMV", ordered=True)
    with pytest.raises(SurveyError, match=r"An ordinal item as a predictor in a regression \(b\).*F =~ item"):
        fit_sem(data, "F =~ a + c + d\nF ~ b", estimator="WLSMV", ordered=True, lang="en")


@pytest.mark.parametrize(("kw", "lang", "words"), [
    ({"std_lv": True}, "nl", "De optie std_lv is er (nog) niet voor ordinale items"),
    ({"cluster": "groep", "se": "bootstrap"}, "en", "The option cluster, se is not available (yet) for ordinal items"),
])  # fmt: skip
def test_ml_only_options_are_refused_for_ordinal_items(kw, lang, words):
    data = ordinal_data().assign(groep=np.repeat(["A", "B"], 150))
    with pytest.raises(SurveyError, match=re.escape(words)):
        fit_sem(data, MODEL, estimator="WLSMV", ordered=True, lang=lang, **kw)
