"""Residuals of a fitted SEM: observed minus model-implied moments, as lavaan's ``resid(fit, type=...)``.

- ``kind="raw"``: the sample covariance matrix (divide by N; with missing answers the EM estimate of the saturated
  model, lavaan's ``h1``) minus the model-implied one, and the same for the means when the model has a mean
  structure;
- ``kind="cor"``: lavaan's ``cor.bollen``: the sample correlations minus the model-implied correlations; mean
  residuals are divided by the observed standard deviations. As in lavaan, values below 1e-5 in absolute size are
  left unscaled.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem import fit_sem
>>> rng = np.random.default_rng(5)
>>> f = rng.normal(size=(200, 1))
>>> df = pd.DataFrame(f @ [[1.0, 0.8, 0.7, 0.6]] + rng.normal(size=(200, 4)), columns=list("abcd"))
>>> r = fit_sem(df, "F =~ a + b + c + d").residuals("cor")
>>> r.shape, bool(np.allclose(np.diag(r), 0))
((4, 4), True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.result import SEMResult

__all__ = ["residuals"]

KINDS = ("raw", "cor")
PARTS = ("cov", "mean")


def _rescale(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """x * scale, but entries below 1e-5 in absolute size stay as they are (lavaan's ``lav_residuals_rescale``)."""
    return np.where(np.abs(x) < 1e-5, x, x * scale)


def _group_residuals(result: SEMResult, g: int, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    eng = result.engine
    cov_obs, mean_obs, _ = eng.h1()[g]
    cov_est, mean_est = eng.implied(result.raw.theta, g)
    has_mean = eng.meanstructure
    if kind == "cor":
        with np.errstate(invalid="ignore", divide="ignore"):
            v_obs = np.where(np.diag(cov_obs) < np.finfo(float).eps, np.nan, np.diag(cov_obs))
            v_est = np.where(np.diag(cov_est) < np.finfo(float).eps, np.nan, np.diag(cov_est))
            cov_obs = _rescale(cov_obs, np.outer(1 / np.sqrt(v_obs), 1 / np.sqrt(v_obs)))
            cov_est = _rescale(cov_est, np.outer(1 / np.sqrt(v_est), 1 / np.sqrt(v_est)))
            mean_obs = _rescale(mean_obs, 1 / np.sqrt(v_obs))
            mean_est = _rescale(mean_est, 1 / np.sqrt(v_obs))
    return cov_obs - cov_est, (mean_obs - mean_est) if has_mean else None


def residuals(result: SEMResult, kind: str = "cor", part: str = "cov") -> pd.DataFrame | pd.Series:
    """Observed minus model-implied covariances (or correlations) and means, as ``resid(fit, type=kind)``.

    Parameters
    ----------
    result : SEMResult
        A fitted model.
    kind : {"cor", "raw"}
        ``"cor"``: correlation residuals (lavaan's ``cor.bollen``); ``"raw"``: covariance residuals.
    part : {"cov", "mean"}
        ``"cov"``: the residual matrix (observed variables as rows and columns); ``"mean"``: the mean residuals
        (only for models with a mean structure: missing answers, groups or ``~ 1``).

    Returns
    -------
    DataFrame or Series
        Multi-group models: the groups stacked, with a (group, variable) row index.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from relatie_lab.sem import fit_sem
    >>> rng = np.random.default_rng(6)
    >>> X = pd.DataFrame(rng.normal(size=(150, 1)) + rng.normal(size=(150, 3)), columns=["a", "b", "c"])
    >>> float(fit_sem(X, "F =~ a + b + c").residuals("raw").abs().max().max()) < 1e-6  # saturated: no residual
    True
    """
    from relatie_lab.errors import SurveyError
    from relatie_lab.labels import label

    if kind not in KINDS:
        raise SurveyError(label("sem_err_residual_kind", result.lang).format(kind=kind, kinds=", ".join(KINDS)))
    if part not in PARTS:
        raise SurveyError(label("sem_err_residual_part", result.lang).format(part=part))
    eng = result.engine
    if part == "mean" and not eng.meanstructure:
        raise SurveyError(label("sem_err_residual_no_means", result.lang))
    names = list(eng.ov)
    frames = []
    for g in range(eng.G):
        cov, mean = _group_residuals(result, g, kind)
        frames.append(pd.DataFrame(cov, index=names, columns=names) if part == "cov"
                      else pd.Series(mean, index=names, name="residual"))  # fmt: skip
    if not result.group:
        out = frames[0]
    else:
        out = pd.concat(dict(zip(result.group_labels, frames, strict=True)), names=["group", "variable"])
    if part == "cov" and not result.group:
        out.index.name = "variable"
    return out
