"""result.factor_scores against lavaan 0.6.14's lavPredict(fit, method = "regression" / "Bartlett"): complete data
with a covariate, FIML (scored per missing-data pattern) and two groups; every data row gets a row."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sem_api_reference import EST_TOL, data, fitted, reference

from relatie_lab.errors import SurveyError
from relatie_lab.sem import fit_sem


@pytest.mark.parametrize("case", ["api_ml", "api_fiml", "api_groups"])
@pytest.mark.parametrize("method", ["regression", "bartlett"])
def test_factor_scores_match_lavpredict(case, method):
    res = fitted(case)
    frame = data(reference(case)["data"])
    scores = res.factor_scores(method, data=frame)
    assert len(scores) == len(frame)
    assert scores.index.equals(frame.index)
    ref = pd.DataFrame(reference(case)[f"scores_{method}"]).set_index("row")
    ref.index = ref.index - 1  # R's case numbers are 1-based
    ours = scores.loc[ref.index, ref.columns].to_numpy()
    theirs = ref.to_numpy(dtype=float)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_allclose(ours, theirs, atol=EST_TOL, equal_nan=True)


def test_default_rows_are_the_fitted_rows_and_an_empty_row_gets_nan():
    res = fitted("api_fiml")
    assert len(res.factor_scores()) == res.nobs
    frame = data("api_missing.csv")
    scores = res.factor_scores(data=frame)
    empty = frame[res.engine.ov].isna().all(axis=1)
    assert empty.sum() == 0 or scores[empty].isna().all().all()
    assert scores[~empty].notna().all().all()  # every row with an answer is scored (lavaan drops missing-x rows)


@pytest.mark.parametrize(("lang", "words"), [("nl", "geen latente variabelen"), ("en", "no latent variables")])
def test_model_without_latent_variables_is_refused(lang, words):
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(100, 2)), columns=["x", "y"])
    res = fit_sem(df, "y ~ x", lang=lang)
    with pytest.raises(SurveyError, match=words):
        res.factor_scores()


@pytest.mark.parametrize(("lang", "words"), [("nl", "Onbekende methode"), ("en", "Unknown factor-score method")])
def test_unknown_method_is_named(lang, words):
    with pytest.raises(SurveyError, match=words):
        dataclasses.replace(fitted("api_ml"), lang=lang).factor_scores("ebm")
