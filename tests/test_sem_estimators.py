"""fit_sem's estimator options (sem/estimators.py): missing = "ml.x" keeps rows with a missing covariate as lavaan
does, and the combinations lavaan refuses are refused in plain nl/en language."""

from __future__ import annotations

import warnings

import pytest
from sem_api_reference import data, fitted, reference

from relatie_lab.errors import SurveyError
from relatie_lab.sem import fit_sem


def test_ml_x_keeps_the_rows_fiml_drops():
    fiml, mlx = fitted("api_fiml"), fitted("api_mlx")
    assert mlx.nobs == reference("api_mlx")["nobs"][0] == 300
    assert fiml.nobs == reference("api_fiml")["nobs"][0] < mlx.nobs
    assert mlx.missing == "ml.x"
    assert "ml.x" in mlx.summary(lang="en")


@pytest.mark.parametrize(("kw", "lang", "words"), [
    ({"estimator": "MLM"}, "nl", "MLM vraagt volledige gegevens"),
    ({"estimator": "MLM"}, "en", "MLM needs complete data"),
    ({"estimator": "WLS"}, "en", "Estimator 'WLS' works only with ordinal items: pass ordered=True"),
    ({"estimator": "WLS"}, "nl", "Schatter 'WLS' werkt alleen met ordinale items: geef ordered=True"),
    ({"estimator": "GLS"}, "en", "Unknown estimator 'GLS'"),
    ({"estimator": "GLS"}, "nl", "Onbekende schatter 'GLS'"),
    ({"missing": "pairwise"}, "en", "Unknown choice for missing answers 'pairwise'"),
    ({"se": "robust.huber"}, "nl", "Onbekend soort standaardfouten"),
    ({"se": "bootstrap", "n_boot": 1}, "en", "at least 2 draws"),
    ({"estimator": "MLM", "cluster": "org"}, "en", "not possible with MLM"),
])  # fmt: skip
def test_refused_options_are_explained(kw, lang, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(SurveyError, match=words):
            fit_sem(data("api_missing.csv"), reference("api_ml")["model"], lang=lang, **kw)


def test_mlm_with_listwise_deletion_is_allowed():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(data("api_missing.csv"), reference("api_ml")["model"], estimator="MLM", missing="listwise")
    assert res.nobs < 300
    assert "chisq_scaled" in res.fit_indices


def test_unknown_cluster_column_is_named():
    with pytest.raises(SurveyError, match="'organisatie'"):
        fit_sem(data("api_complete.csv"), reference("api_ml")["model"], cluster="organisatie", lang="en")
