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


def unidentified_parameters(eng: Engine, theta: np.ndarray, tol: float = RANK_TOL) -> list[int]:
    """Indices (0-based, into ``theta``) of the free parameters that the data cannot separate; empty when identified.

    Parameters
    ----------
    eng : Engine
        The compiled model.
    theta : array (q,)
        The point to check (the estimates).
    tol : float
        Relative size of a singular value counted as zero.

    Returns
    -------
    list of int
        Parameters with a weight of at least 0.1 in a null direction of the Jacobian, or that do not move any
        moment at all.
    """
    if eng.q == 0:
        return []
    J = moment_jacobian(eng, np.asarray(theta, float))
    if not np.all(np.isfinite(J)):
        return list(range(eng.q))
    norms = np.linalg.norm(J, axis=0)
    dead = norms <= tol * max(float(norms.max()), 1e-300)
    Js = J[:, ~dead] / norms[~dead]
    bad = set(np.flatnonzero(dead).tolist())
    if Js.shape[1]:
        _, s, vt = np.linalg.svd(Js, full_matrices=True)
        s_full = np.zeros(Js.shape[1])
        s_full[: len(s)] = s
        null = vt[s_full <= tol * max(float(s_full[0]), 1e-300)]
        if len(null):
            weight = np.sqrt((null**2).sum(axis=0))
            cols = np.flatnonzero(~dead)
            bad |= set(cols[weight >= 0.1].tolist())
    return sorted(bad)
