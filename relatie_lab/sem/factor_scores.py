"""Factor scores of a fitted SEM, as lavaan 0.6's ``lavPredict(fit, method=...)``.

With ``Sigma`` and ``E(y)`` the model-implied covariance matrix and means of the observed variables, ``E(eta)`` the
model-implied means of the latent variables and ``Lambda`` the loadings (lavaan's LISREL form: an observed variable
that is not an indicator, such as a covariate, is its own factor with loading 1):

- ``"regression"`` (Thurstone; the conditional mean): ``E(eta) + Cov(eta, y) Sigma^-1 (y - E(y))``;
- ``"bartlett"``: ``E(eta) + (Lambda' Sigma^-1 Lambda)^+ Lambda' Sigma^-1 (y - E(y))``.

Each respondent is scored on the answers he or she gave (the rows and columns of the missing ones are left out, as
lavaan does under FIML), so every row of the data gets a score; a row without any answer gets NaN. Without a mean
structure the observed means are the sample means, as in lavaan.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem import fit_sem
>>> rng = np.random.default_rng(8)
>>> f = rng.normal(size=(250, 1))
>>> df = pd.DataFrame(f @ [[1.0, 0.9, 0.8]] + rng.normal(size=(250, 3)) * 0.5, columns=["a", "b", "c"])
>>> fs = fit_sem(df, "F =~ a + b + c").factor_scores()
>>> fs.shape, bool(np.corrcoef(fs["F"], f[:, 0])[0, 1] > 0.9)
((250, 1), True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.result import SEMResult

__all__ = ["METHODS", "factor_scores"]

METHODS = ("regression", "bartlett")


def _group_scores(result: SEMResult, g: int, X: np.ndarray, method: str) -> np.ndarray:
    """Scores of the rows ``X`` (observed variables in the engine's order, NaN = missing) in group g."""
    eng = result.engine
    theta = result.raw.theta
    p, m = eng.p, len(eng.lv)
    A, S, mvec = eng.matrices(theta, g)
    B = np.linalg.inv(np.eye(eng.nv) - A)
    full_cov = B @ S @ B.T
    Sigma, Ey = eng.implied(theta, g)
    if not eng.meanstructure:  # lavaan: covariates at their sample means, latent intercepts 0
        mvec = mvec.copy()
        mvec[eng.x_idx] = Ey[eng.x_idx]
    Eeta = (B @ mvec)[p:]
    cov_eta_y = full_cov[p:, :p]
    indicators = np.zeros(p, bool)
    indicators[[eng.ov.index(v) for v in _indicators(result)]] = True
    dummies = np.flatnonzero(~indicators)
    Lam = np.zeros((p, m + len(dummies)))
    Lam[:, :m] = A[:p, p:]
    Lam[dummies, m + np.arange(len(dummies))] = 1.0
    out = np.full((len(X), m), np.nan)
    obs = ~np.isnan(X)
    keys, inv = np.unique(obs, axis=0, return_inverse=True)
    inv = inv.ravel()
    for j, key in enumerate(keys):
        if not key.any():
            continue
        rows = np.flatnonzero(inv == j)
        Yc = X[np.ix_(rows, np.flatnonzero(key))] - Ey[key]
        Soo_inv = np.linalg.pinv(Sigma[np.ix_(key, key)])
        if method == "regression":
            fsc = cov_eta_y[:, key] @ Soo_inv
        else:
            lam = Lam[key]
            fsc = (np.linalg.pinv(lam.T @ Soo_inv @ lam) @ lam.T @ Soo_inv)[:m]
            if not key.all():
                fsc[np.all(fsc == 0, axis=1)] = np.nan
        out[rows] = Yc @ fsc.T + Eeta
    return out


def _indicators(result: SEMResult) -> list[str]:
    pt = result.partable
    ov = set(result.engine.ov)
    return list(dict.fromkeys(r for r, o in zip(pt.rhs, pt.op, strict=True) if o == "=~" and r in ov))


def factor_scores(result: SEMResult, method: str = "regression", data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Factor scores of every latent variable, one row per row of the data.

    Parameters
    ----------
    result : SEMResult
        A fitted model with latent variables.
    method : {"regression", "bartlett"}
        lavaan's ``"regression"`` (the default of ``lavPredict``) or ``"Bartlett"``.
    data : DataFrame, optional
        Rows to score (with the model's variables, and the group column for a multi-group model); default: the
        rows the model was fitted on (``result.data``). The index is kept, so the scores can be joined to the data.

    Returns
    -------
    DataFrame
        One column per latent variable; NaN for a row without any answer (or outside the model's groups).
    """
    from relatie_lab.errors import SurveyError
    from relatie_lab.labels import label

    method = method.lower()
    if method not in METHODS:
        raise SurveyError(label("sem_err_fs_method", result.lang).format(method=method))
    eng = result.engine
    if not eng.lv:
        raise SurveyError(label("sem_err_fs_no_latent", result.lang))
    frame = result.data if data is None else data
    if data is not None:
        from relatie_lab.sem.result import _check_data

        _check_data(data, list(eng.ov), result.group, result.lang)
    X = frame[list(eng.ov)].to_numpy(dtype=float)
    out = np.full((len(frame), len(eng.lv)), np.nan)
    if result.group:
        gcol = frame[result.group].to_numpy()
        for g, level in enumerate(result.group_labels):
            rows = np.flatnonzero(gcol == level)
            if len(rows):
                out[rows] = _group_scores(result, g, X[rows], method)
    else:
        out = _group_scores(result, 0, X, method)
    return pd.DataFrame(out, index=frame.index, columns=list(eng.lv))
