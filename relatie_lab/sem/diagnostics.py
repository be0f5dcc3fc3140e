"""Diagnostics of the data: which items make a covariance matrix singular (see also :mod:`.identification`)."""

from __future__ import annotations

import numpy as np

__all__ = ["linear_dependencies"]


def linear_dependencies(cov: np.ndarray, names: list[str], tol: float = 1e-10) -> list[tuple[list[str], str]]:
    """The (nearly) linearly dependent variables behind a covariance matrix that is not positive definite.

    Empty when the smallest eigenvalue of ``cov`` is above ``tol`` times the largest. Otherwise each variable, in
    order, is regressed on the earlier independent ones; one that they explain (almost) completely
    (``1 - R^2 <= 1e-8``) is reported with the variables that carry it and the relation (``"c ≈ a + b"``, up to a
    constant). A variable without variance is reported alone (``"c ≈ constant"``).

    Parameters
    ----------
    cov : array (p, p)
        Sample covariance matrix.
    names : list of str
        Variable names in the order of ``cov``.
    tol : float
        Relative size of an eigenvalue counted as zero.

    Returns
    -------
    list of (items, relation)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> X = np.c_[X, X[:, 0] + X[:, 1]]
    >>> linear_dependencies(np.cov(X.T), ["a", "b", "c", "d"])
    [(['a', 'b', 'd'], 'd ≈ a + b')]
    """
    cov = np.asarray(cov, float)
    cov = 0.5 * (cov + cov.T)
    ev, vecs = np.linalg.eigh(cov)
    top = max(float(ev[-1]), 0.0)
    if top > 0 and ev[0] > tol * top:
        return []
    out: list[tuple[list[str], str]] = []
    var = np.diag(cov)
    basis: list[int] = []
    for j in range(len(names)):
        if var[j] <= tol * max(top, 1e-300):
            out.append(([names[j]], f"{names[j]} ≈ constant"))
            continue
        if basis:
            Sbb = cov[np.ix_(basis, basis)]
            beta = np.linalg.lstsq(Sbb, cov[basis, j], rcond=None)[0]
            resid = var[j] - cov[j, basis] @ beta
            if resid <= 1e-8 * var[j]:
                share = np.abs(beta) * np.sqrt(var[basis])  # standardized weight of each earlier variable
                keep = [k for k in range(len(basis)) if share[k] >= 0.1 * share.max()]
                parts = [(names[basis[k]], float(beta[k])) for k in keep]
                out.append(([*(n for n, _ in parts), names[j]], _relation(names[j], parts)))
                continue
        basis.append(j)
    if not out:  # badly scaled: fall back to the eigenvector of the smallest eigenvalue
        v = vecs[:, 0]
        idx = [i for i in range(len(names)) if abs(v[i]) >= 0.1 * np.abs(v).max()]
        parts = [(names[i], float(-v[i] / v[idx[-1]])) for i in idx[:-1]]
        out.append(([names[i] for i in idx], _relation(names[idx[-1]], parts)))
    return out


def _relation(target: str, parts: list[tuple[str, float]]) -> str:
    """``"d ≈ a - 2.00*c"``: a weight of (about) one is left out."""
    if not parts:
        return f"{target} ≈ constant"
    text = ""
    for i, (name, c) in enumerate(parts):
        term = ("" if abs(abs(c) - 1) < 0.005 else f"{abs(c):.2f}*") + name
        text += ("-" if c < 0 else "") + term if i == 0 else f" {'-' if c < 0 else '+'} {term}"
    return f"{target} ≈ {text}"
