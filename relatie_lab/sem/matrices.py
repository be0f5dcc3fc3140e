"""Model matrices: the RAM form of a parameter table and the implied moments with their derivatives.

All variables (observed first, then latent) are one vector ``v = A v + u`` with ``Cov(u) = S`` and
``E(u) = m``: ``Sigma = F (I-A)^-1 S (I-A)^-T F'`` and ``mu = F (I-A)^-1 m``. Every free parameter is a list
of entries in ``A``, ``S`` or ``m`` (equal labels = one parameter with several entries). The functions take
the :class:`~relatie_lab.sem.engine.Engine` (``eng``) and are its methods of the same name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine

__all__ = ["compile_model", "delta", "implied", "implied_full", "matrices", "n_moments", "row_values"]


def compile_model(eng: Engine) -> None:
    idx = {v: i for i, v in enumerate(eng.ov + eng.lv)}
    pt = eng.pt
    eng.q = int(pt.free.max()) if len(pt) else 0
    eng.base = []
    ent: list[list[tuple[str, int, int, int]]] = [[] for _ in range(eng.G)]
    for _ in range(eng.G):
        A = np.zeros((eng.nv, eng.nv))
        S = np.zeros((eng.nv, eng.nv))
        m = np.zeros(eng.nv)
        eng.base.append((A, S, m))
    for r in pt.itertuples():
        g = r.group - 1
        A, S, m = eng.base[g]
        i = idx[r.lhs]
        if r.op == "=~":
            kind, a, b = "A", idx[r.rhs], i
        elif r.op == "~":
            kind, a, b = "A", i, idx[r.rhs]
        elif r.op == "~~":
            kind, a, b = "S", i, idx[r.rhs]
        else:
            kind, a, b = "m", i, 0
        val = r.ustart
        if r.exo:  # fixed.x: sample statistics
            gd = eng.groups[g]
            mean, cov = eng._sample_moments(gd)
            val = mean[a] if kind == "m" else cov[a, b]
        if r.free > 0:
            ent[g].append((kind, a, b, r.free - 1))
        elif kind == "A":
            A[a, b] = val
        elif kind == "S":
            S[a, b] = S[b, a] = val
        else:
            m[a] = val
    kinds = {"=~": 0, "~": 0, "~~": 1, "~1": 2}
    rm = np.zeros((len(pt), 5), dtype=int)  # kind, group, a, b, free
    for n_, r in enumerate(pt.itertuples()):
        i = idx[r.lhs]
        if r.op == "=~":
            a, b = idx[r.rhs], i
        elif r.op in ("~", "~~"):
            a, b = i, idx[r.rhs]
        else:
            a, b = i, 0
        rm[n_] = (kinds[r.op], r.group - 1, a, b, r.free)
    eng.row_map = rm
    eng.entries = []
    for g in range(eng.G):
        e = ent[g]
        arr = {k: np.array([(a, b, t) for kk, a, b, t in e if kk == k], dtype=int).reshape(-1, 3)
               for k in "ASm"}  # fmt: skip
        eng.entries.append(arr)


def matrices(eng: Engine, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    A, S, m = (x.copy() for x in eng.base[g])
    e = eng.entries[g]
    if len(e["A"]):
        A[e["A"][:, 0], e["A"][:, 1]] = theta[e["A"][:, 2]]
    if len(e["S"]):
        S[e["S"][:, 0], e["S"][:, 1]] = theta[e["S"][:, 2]]
        S[e["S"][:, 1], e["S"][:, 0]] = theta[e["S"][:, 2]]
    if len(e["m"]):
        m[e["m"][:, 0]] = theta[e["m"][:, 2]]
    return A, S, m


def row_values(eng: Engine, theta: np.ndarray) -> np.ndarray:
    """Value of every parameter-table row (free from theta, fixed from the model or the data)."""
    rm = eng.row_map
    out = np.empty(len(rm))
    for g in range(eng.G):
        A, S, m = eng.matrices(theta, g)
        sel = rm[:, 1] == g
        k, a, b = rm[sel, 0], rm[sel, 2], rm[sel, 3]
        out[sel] = np.where(k == 0, A[a, b], np.where(k == 1, S[a, b], m[a]))
    return out


def implied_full(eng: Engine, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
    """Covariance matrix and means of all variables (observed and latent)."""
    A, S, m = eng.matrices(theta, g)
    B = np.linalg.inv(np.eye(eng.nv) - A)
    return B @ S @ B.T, B @ m


def implied(eng: Engine, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
    A, S, m = eng.matrices(theta, g)
    B = np.linalg.inv(np.eye(eng.nv) - A)
    Bo = B[: eng.p]
    Sigma = Bo @ S @ Bo.T
    mu = Bo @ m if eng.meanstructure else eng._sample_moments(eng.groups[g])[0]
    return Sigma, mu


def delta(eng: Engine, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sigma, mu and their derivatives: dSigma (q, p, p), dmu (q, p)."""
    A, S, m = eng.matrices(theta, g)
    B = np.linalg.inv(np.eye(eng.nv) - A)
    p = eng.p
    Bo = B[:p]
    C = S @ Bo.T  # (nv, p)
    Sigma = Bo @ C
    Bm = B @ m
    mu = Bo @ m if eng.meanstructure else eng._sample_moments(eng.groups[g])[0]
    dS = np.zeros((eng.q, p, p))
    dm = np.zeros((eng.q, p))
    e = eng.entries[g]
    if len(e["A"]):
        i, j, k = e["A"].T
        # d Sigma = Bo[:, i] (B S Bo')[j, :] + transpose
        BSB = B @ C  # (nv, p)
        contrib = Bo[:, i].T[:, :, None] * BSB[j][:, None, :]
        contrib = contrib + contrib.transpose(0, 2, 1)
        _scatter(dS, k, contrib)
        if eng.meanstructure:
            _scatter(dm, k, Bo[:, i].T * Bm[j][:, None])
    if len(e["S"]):
        i, j, k = e["S"].T
        contrib = Bo[:, i].T[:, :, None] * Bo[:, j].T[:, None, :]
        off = (i != j)[:, None, None]
        contrib = contrib + np.where(off, contrib.transpose(0, 2, 1), 0.0)
        _scatter(dS, k, contrib)
    if len(e["m"]) and eng.meanstructure:
        i, _, k = e["m"].T
        _scatter(dm, k, Bo[:, i].T)
    return Sigma, mu, dS, dm


def n_moments(eng: Engine) -> int:
    p = eng.p
    nx = eng.n_ov_x
    per = p * (p + 1) // 2 - nx * (nx + 1) // 2
    if eng.meanstructure:
        per += p - nx
    return eng.G * per


def _scatter(out: np.ndarray, k: np.ndarray, values: np.ndarray) -> None:
    """out[k] += values, fast when the indices are unique (no equality constraints)."""
    if len(k) < 2 or np.all(np.diff(k) > 0) or len(np.unique(k)) == len(k):
        out[k] += values
    else:
        np.add.at(out, k, values)
