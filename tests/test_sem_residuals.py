"""result.residuals against lavaan 0.6.14's resid(fit, type = "raw" / "cor") (cor.bollen), incl. mean residuals."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sem_api_reference import EST_TOL, fitted, reference

from relatie_lab.errors import SurveyError


@pytest.mark.parametrize("case", ["api_ml", "api_fiml", "api_groups"])
@pytest.mark.parametrize("kind", ["raw", "cor"])
def test_residuals_match_lavaan(case, kind):
    res = fitted(case)
    ref = reference(case)[f"residuals_{kind}"]
    blocks = {g: ref[str(g)] for g in res.group_labels} if res.group else {None: ref}
    cov = res.residuals(kind)
    for g, block in blocks.items():
        mat = cov.loc[g] if g is not None else cov
        names = block["cov"]["names"]
        np.testing.assert_allclose(mat.loc[names, names].to_numpy(), np.array(block["cov"]["values"]), atol=EST_TOL)
        if block["mean"]:
            mean = res.residuals(kind, part="mean")
            mean = mean.loc[g] if g is not None else mean
            np.testing.assert_allclose(mean[list(block["mean"])].to_numpy(), list(block["mean"].values()), atol=EST_TOL)


def test_correlation_residuals_have_a_zero_diagonal_and_are_symmetric():
    r = fitted("api_ml").residuals("cor")
    assert np.allclose(np.diag(r), 0)
    assert np.allclose(r, r.T)
    assert list(r.index) == list(r.columns) == fitted("api_ml").engine.ov


@pytest.mark.parametrize(("lang", "words"), [("nl", "geen gemiddelden"), ("en", "no mean structure")])
def test_mean_residuals_without_a_mean_structure_are_refused_in_both_languages(lang, words):
    res_lang = dataclasses.replace(fitted("api_ml"), lang=lang)
    with pytest.raises(SurveyError, match=words):
        res_lang.residuals("cor", part="mean")


@pytest.mark.parametrize(("lang", "words"), [("nl", "Onbekend soort residuen 'normalized'"),
                                             ("en", "Unknown kind of residuals 'normalized'")])  # fmt: skip
def test_unknown_kind_is_named(lang, words):
    res = dataclasses.replace(fitted("api_ml"), lang=lang)
    with pytest.raises(SurveyError, match=words):
        res.residuals("normalized")
