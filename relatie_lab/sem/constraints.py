"""Linear constraints between labelled parameters: ``a == 2*b``, ``a + b == 1``, ``a > 0.9``, ``a < b``.

``a == b`` and ``a == 0.5`` are resolved by the parser (one parameter; a fixed value). The other constraints are
rows ``c' theta (op) d`` here. Equalities are kept by estimating in their null space, ``theta = theta_p + Z tau``
(a reparametrisation, as lavaan does for linear equality constraints); inequalities by an active set: a violated
inequality is added as an equality, an active one whose multiplier has the wrong sign is dropped, until neither
happens. Standard errors follow lavaan: ``Z (Z' I Z)^-1 Z'`` with ``Z`` the null space of the equalities and of
the active inequalities. Each equality removes one degree of freedom from the parameters (lavaan's ``npar``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem.engine import Engine
>>> from relatie_lab.sem.syntax import parse_model
>>> rng = np.random.default_rng(4)
>>> f = rng.normal(size=(500, 1))
>>> X = pd.DataFrame(f @ [[1.0, 0.8, 0.7, 0.6]] + rng.normal(size=(500, 4)) * 0.6, columns=list("abcd"))
>>> eng = Engine(parse_model("F =~ a + l2*b + l3*c + d\\nl2 == 2*l3 - 0.5"), [X])
>>> theta, ok, _ = eng.optimize()
>>> bool(abs(theta[0] - (2 * theta[1] - 0.5)) < 1e-9)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine

__all__ = ["Constraints", "optimize_constrained"]

#: Feasibility tolerance of an inequality.
_FEAS = 1e-9


@dataclass
class Constraints:
    """Linear constraints on the free parameters: rows ``C[i] @ theta  (ops[i])  d[i]``."""

    C: np.ndarray
    d: np.ndarray
    ops: list[str]
    texts: list[str]
    active: list[int] = field(default_factory=list)  # inequalities active at the estimates

    @property
    def rows(self) -> int:
        return len(self.ops)

    @property
    def n_eq(self) -> int:
        return sum(op == "==" for op in self.ops)

    @classmethod
    def from_partable(cls, pt: pd.DataFrame, specs: list[dict], q: int) -> Constraints:
        """Constraints of ``pt.attrs["constraints"]`` on the free-parameter vector (labels -> free indices)."""
        index = {lab: int(f) - 1 for lab, f in zip(pt["label"], pt["free"], strict=True) if lab and f > 0}
        fixed = {lab: float(v) for lab, f, v in zip(pt["label"], pt["free"], pt["ustart"], strict=True)
                 if lab and f == 0}  # fmt: skip
        C = np.zeros((len(specs), q))
        d = np.zeros(len(specs))
        for i, c in enumerate(specs):
            d[i] = c["const"]
            for lab, v in c["coef"].items():
                if lab in index:
                    C[i, index[lab]] += v
                else:  # a fixed parameter: its value moves to the constant
                    d[i] -= v * fixed.get(lab, 0.0)
        return cls(C, d, [c["op"] for c in specs], [c["text"] for c in specs])

    def equality_rows(self, active: list[int]) -> tuple[np.ndarray, np.ndarray]:
        rows = [i for i, op in enumerate(self.ops) if op == "=="] + list(active)
        return self.C[rows], self.d[rows]

    def null_space(self) -> np.ndarray:
        """Basis ``Z`` of the directions the equalities and active inequalities leave free: (q, q - rank)."""
        Ce, _ = self.equality_rows(self.active)
        if not len(Ce):
            return np.eye(self.C.shape[1])
        from scipy.linalg import null_space

        return null_space(Ce)


def _solve_eq(eng: Engine, Ce: np.ndarray, de: np.ndarray, theta: np.ndarray, **kw) -> tuple[np.ndarray, bool, int]:
    """Minimise over ``{theta: Ce theta = de}`` by scoring in the null space."""
    from relatie_lab.sem.estimation import scoring

    if not len(Ce):
        def info0(t: np.ndarray) -> np.ndarray:
            return eng.expected_info(t) if eng.complete else eng._approx_info(t)

        return scoring(eng.objective, info0, theta, **kw)
    from scipy.linalg import null_space

    Z = null_space(Ce)
    tp = np.linalg.lstsq(Ce, de, rcond=None)[0]
    tau0 = Z.T @ (theta - tp)

    def fun(tau: np.ndarray):
        f, g = eng.objective(tp + Z @ tau)
        return f, Z.T @ g

    def info(tau: np.ndarray) -> np.ndarray:
        t = tp + Z @ tau
        H = eng.expected_info(t) if eng.complete else eng._approx_info(t)
        return Z.T @ H @ Z

    tau, ok, it = scoring(fun, info, tau0, **kw)
    return tp + Z @ tau, ok, it


def optimize_constrained(eng: Engine, theta: np.ndarray, **kw) -> tuple[np.ndarray, bool, int]:
    """Estimate under ``eng.constraints`` (equalities in the null space, inequalities by an active set)."""
    con: Constraints = eng.constraints
    ineq = [i for i, op in enumerate(con.ops) if op != "=="]
    sign = {i: (1.0 if con.ops[i] == ">" else -1.0) for i in ineq}  # sign * (C theta - d) >= 0
    active: list[int] = []
    total_it = 0
    ok = False
    for _ in range(2 * len(ineq) + 2):
        Ce, de = con.equality_rows(active)
        theta, ok, it = _solve_eq(eng, Ce, de, theta, **kw)
        total_it += it
        slack = {i: sign[i] * (con.C[i] @ theta - con.d[i]) for i in ineq if i not in active}
        violated = [i for i, v in slack.items() if v < -_FEAS]
        if violated:
            active.append(min(violated, key=lambda i: slack[i]))
            continue
        if not active:
            break
        # multipliers: grad f = sum lambda_i C_i over the equality and active rows; an active inequality needs
        # sign * lambda >= 0 (the objective would fall by moving into the feasible side)
        _, g = eng.objective(theta)
        lam = np.linalg.lstsq(Ce.T, g, rcond=None)[0][-len(active):]
        wrong = [a for a, lam_a in zip(active, lam, strict=True) if sign[a] * lam_a < -1e-8]
        if not wrong:
            break
        active.remove(wrong[0])
    con.active = active
    return theta, ok, total_it


def constrained_inverse(eng: Engine, info: np.ndarray) -> np.ndarray:
    """``info^-1``, or ``Z (Z' info Z)^-1 Z'`` under equality (and active inequality) constraints."""
    con: Constraints | None = getattr(eng, "constraints", None)
    if con is None or not con.rows:
        return np.linalg.inv(info)
    Z = con.null_space()
    V = Z @ np.linalg.inv(Z.T @ info @ Z) @ Z.T
    pinned = np.diag(V) <= 1e-12 * max(float(np.abs(np.diag(V)).max()), 1e-300)  # fixed by the constraints
    V[pinned, :] = 0.0
    V[:, pinned] = 0.0
    return V
