"""relatie_lab.compare against lavaan 0.6.14's lavTestLRT: ML, MLR and MLM (Satorra-Bentler 2001 scaled difference),
MLR with FIML; and the refusal of models that are not nested in an obvious way (nl/en)."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
from sem_api_reference import CHISQ_TOL, FIT_TOL, data, reference

import relatie_lab
from relatie_lab.errors import SurveyError
from relatie_lab.sem import fit_sem
from relatie_lab.sem.compare import COLUMNS


@cache
def fits(estimator: str, missing_data: bool = False, lang: str = "nl") -> tuple:
    ref = reference("api_compare")
    frame = data("api_missing.csv" if missing_data else "api_complete.csv")
    names = ["m1", "m0"] if missing_data else ["m1", "m0", "meq"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(fit_sem(frame, ref["models"][n], estimator=estimator, lang=lang) for n in names)


@pytest.mark.parametrize("case", ["ML", "MLR", "MLM", "MLR_fiml"])
def test_compare_matches_lavtestlrt(case):
    models = fits(case.split("_")[0], case.endswith("fiml"))
    out = relatie_lab.compare(*reversed(models))  # any order: sorted by df
    ref = pd.DataFrame(reference("api_compare")["lrt"][case])
    assert list(out.columns[: len(COLUMNS)]) == COLUMNS
    assert out["df"].tolist() == ref["df"].tolist()
    for col, tol in (("chisq", CHISQ_TOL), ("delta_chisq", CHISQ_TOL), ("aic", CHISQ_TOL), ("bic", CHISQ_TOL),
                     ("pvalue", FIT_TOL)):  # fmt: skip
        np.testing.assert_allclose(out[col].to_numpy(float), ref[col].to_numpy(float), atol=tol, equal_nan=True)
    assert out["delta_df"].iloc[1:].tolist() == ref["delta_df"].iloc[1:].tolist()


def test_names_follow_the_models():
    m1, m0, _ = fits("ML")
    out = relatie_lab.compare(m0, m1, names=["zonder B", "volledig"])
    assert out["model"].tolist() == ["volledig", "zonder B"]


@pytest.mark.parametrize(("lang", "words"), [
    ("nl", "niet op een duidelijke manier genest: het model met meer vrijheidsgraden heeft parameters"),
    ("en", "not nested in an obvious way: the model with more degrees of freedom has parameters"),
])  # fmt: skip
def test_refuses_a_model_with_other_parameters(lang, words):
    frame = data("api_complete.csv")
    a = fit_sem(frame, "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3", lang=lang)
    b = fit_sem(frame, "F =~ a1 + a2 + a3 + b1 + b2 + b3", lang=lang)
    with pytest.raises(SurveyError, match=words):
        relatie_lab.compare(a, b)
    assert len(relatie_lab.compare(a, b, check_nested=False)) == 2  # the user may know better


@pytest.mark.parametrize(("lang", "words"), [("nl", "andere gegevens"), ("en", "different data")])
def test_refuses_models_on_other_data(lang, words):
    frame = data("api_complete.csv")
    model = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3"
    a = fit_sem(frame, model, lang=lang)
    b = fit_sem(frame.iloc[:300], model.replace("b1 + b2", "b1 + l*b2").replace("a2 + a3", "l*a2 + a3"), lang=lang)
    with pytest.raises(SurveyError, match=words):
        relatie_lab.compare(a, b, check_nested=False)


@pytest.mark.parametrize(("lang", "words"), [("nl", "evenveel vrijheidsgraden"), ("en", "the same degrees of freedom")])
def test_refuses_equal_df(lang, words):
    _, m0, _ = fits("ML", lang=lang)
    with pytest.raises(SurveyError, match=words):
        relatie_lab.compare(m0, m0)


@pytest.mark.parametrize(("lang", "words"), [("nl", "andere schatter"), ("en", "different estimator")])
def test_refuses_mixed_estimators(lang, words):
    with pytest.raises(SurveyError, match=words):
        relatie_lab.compare(fits("ML", lang=lang)[0], fits("MLR", lang=lang)[1])


def test_needs_two_fitted_models():
    with pytest.raises(SurveyError, match="at least two"):
        relatie_lab.compare(fits("ML")[0], lang="en")
    with pytest.raises(SurveyError, match="argument 2 is a dict"):
        relatie_lab.compare(fits("ML")[0], {}, lang="en")


def test_compare_repeats_lavtestlrt_of_the_invariance_steps():
    ref = reference("hs_invariance")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = relatie_lab.invariance(data(ref["data"]), ref["model"], ref["group"])
    out = relatie_lab.compare(*inv.fits.values(), names=list(inv.fits))
    lrt = pd.DataFrame(ref["lrt"])
    assert out["model"].tolist() == lrt["step"].tolist()
    np.testing.assert_allclose(out["delta_chisq"], lrt["delta_chisq"].astype(float), atol=CHISQ_TOL, equal_nan=True)
    np.testing.assert_allclose(out["pvalue"], lrt["delta_pvalue"].astype(float), atol=FIT_TOL, equal_nan=True)


def test_invariance_with_mlm_uses_the_scaled_difference_as_lavtestlrt():
    ref = reference("api_compare")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = relatie_lab.invariance(data("api_complete.csv"), ref["models"]["cfa"], "g", estimator="MLM")
    lrt = pd.DataFrame(ref["lrt"]["MLM_invariance"])
    ours = relatie_lab.compare(*inv.fits.values())
    for delta, p in ((inv.table["delta_chisq"], inv.table["delta_pvalue"]), (ours["delta_chisq"], ours["pvalue"])):
        np.testing.assert_allclose(delta, lrt["delta_chisq"].astype(float), atol=CHISQ_TOL, equal_nan=True)
        np.testing.assert_allclose(p, lrt["pvalue"].astype(float), atol=FIT_TOL, equal_nan=True)
