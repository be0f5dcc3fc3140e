"""Local identification: the rank of the Jacobian of the model's moments with respect to its free parameters.

A model is (locally) identified at ``theta`` when no direction in parameter space leaves every implied mean and
covariance unchanged, i.e. when the Jacobian ``J = d(mu, vech Sigma) / d theta`` (all groups stacked) has full
column rank. A rank deficit is structural (``F =~ NA*a + b + c`` with a free factor variance: scaling the loadings
by ``c`` and the variance by ``1/c**2`` changes nothing), so it shows up as a singular value that is zero up to
rounding, many orders below the others, on every BLAS. The parameters that move along the null directions are the
ones that cannot be estimated separately. The check runs at the estimates, before the standard errors.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem.engine import Engine
>>> from relatie_lab.sem.syntax import parse_model
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame(rng.normal(size=(200, 1)) + rng.normal(size=(200, 3)), columns=list("abc"))
>>> eng = Engine(parse_model("F =~ NA*a + b + c"), [X])
>>> unidentified_parameters(eng, eng.start_values())
[0, 1, 2, 6]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine

__all__ = ["RANK_TOL", "moment_jacobian", "unidentified_parameters"]

#: A singular value of the column-scaled Jacobian below this share of the largest counts as zero. Structural
#: deficits are ~1e-16; identified models, even weakly identified ones, stay far above 1e-8.
RANK_TOL = 1e-8


def moment_jacobian(eng: Engine, theta: np.ndarray) -> np.ndarray:
    """``d(mu, vech Sigma) / d theta`` for all groups stacked: (moments, q)."""
    iu = np.triu_indices(eng.p)
    blocks = []
    for g in range(eng.G):
        _, _, dS, dm = eng.delta(theta, g)
        parts = [dS[:, iu[0], iu[1]]]
        if eng.meanstructure:
            parts.insert(0, dm)
        blocks.append(np.hstack(parts).T)
    return np.vstack(blocks) if blocks else np.zeros((0, eng.q))


def moment_gram(eng: Engine, theta: np.ndarray) -> np.ndarray:
    """``J'J`` for the moments (means and the full covariance matrices) of all groups: (q, q), without forming J.

    The same null space as the Jacobian of :func:`moment_jacobian`; built from the rank-two factors of each
    derivative (:func:`relatie_lab.sem.matrices.rank_two`), so a CFA with 160 items costs milliseconds.
    """
    from relatie_lab.sem.matrices import gram, rank_two

    G = np.zeros((eng.q, eng.q))
    for g in range(eng.G):
        _, _, U, V, k, dm = rank_two(eng, theta, g)
        G += gram(U, V, k, eng.q) + (dm @ dm.T if eng.meanstructure else 0.0)
    return 0.5 * (G + G.T)


def unidentified_parameters(eng: Engine, theta: np.ndarray, tol: float = RANK_TOL) -> list[int]:
    """Indices (0-based, into ``theta``) of the free parameters that the data cannot separate; empty when identified.

    Parameters
    ----------
    eng : Engine
        The compiled model.
    theta : array (q,)
        The point to check (the estimates).
    tol : float
        Relative size of a singular value of the (column-scaled) Jacobian counted as zero; the check runs on
        ``J'J`` (eigenvalues = squared singular values), where rounding sits near 1e-16, so the eigenvalue
        threshold is ``max(tol**2, 1e-12)``.

    Returns
    -------
    list of int
        Parameters with a weight of at least 0.1 in a null direction of the Jacobian, or that do not move any
        moment at all.
    """
    if eng.q == 0:
        return []
    theta = np.asarray(theta, float)
    G = moment_gram(eng, theta)
    if not np.all(np.isfinite(G)):
        return list(range(eng.q))
    con = getattr(eng, "constraints", None)
    Z = con.null_space() if con is not None and con.rows else None
    if Z is not None:  # only the directions the constraints leave free
        G = Z.T @ G @ Z
    d = np.sqrt(np.clip(np.diag(G), 0.0, None))
    dead = d <= np.sqrt(max(tol**2, 1e-12)) * max(float(d.max()), 1e-300)
    live = np.flatnonzero(~dead)
    null = np.zeros((G.shape[0], 0))
    if len(live):
        Gs = G[np.ix_(live, live)] / np.outer(d[live], d[live])
        w, vecs = np.linalg.eigh(Gs)
        small = w <= max(tol**2, 1e-12) * max(float(w.max()), 1e-300)
        if small.any():
            null = np.zeros((G.shape[0], int(small.sum())))
            null[live] = vecs[:, small] / d[live][:, None]  # back to unscaled directions
            null /= np.linalg.norm(null, axis=0, keepdims=True)
    dirs = [np.eye(G.shape[0])[:, i] for i in np.flatnonzero(dead)] + [null[:, c] for c in range(null.shape[1])]
    if not dirs:
        return []
    D = np.column_stack(dirs)
    if Z is not None:
        D = Z @ D
    weight = np.sqrt((D**2).sum(axis=1) / np.maximum((D**2).sum(axis=0).max(), 1e-300))
    return np.flatnonzero(weight >= 0.1).tolist()
