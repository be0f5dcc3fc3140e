"""The SEM estimator: normal-theory ML, FIML for missing data, MLR, fit indices; checked against lavaan.

:class:`Engine` is a compiled model (parameter table + data per group). It is thin: each concern lives in its
own module and the engine's methods are those modules' functions (``eng.optimize(...)`` is
``estimation.optimize(eng, ...)``):

- :mod:`.moments`: sample statistics per missing-data pattern (:class:`GroupData`), the saturated EM;
- :mod:`.matrices`: the RAM model matrices, implied moments and their derivatives;
- :mod:`.estimation`: the ML/FIML discrepancy, start values, the optimiser;
- :mod:`.identification`: the rank check that names unidentified parameters;
- :mod:`.inference`: information matrices, casewise scores, standard errors;
- :mod:`.fit_indices`: saturated/baseline models, chi-square, CFI, TLI, RMSEA, SRMR, AIC, BIC;
- :mod:`.robust`: the Yuan-Bentler scaled test and robust CFI/TLI/RMSEA;
- :mod:`.diagnostics`: items that make the data's covariance matrix singular.

A new estimator is a new module with its own discrepancy function, not a longer class.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem.syntax import parse_model
>>> rng = np.random.default_rng(1)
>>> f = rng.normal(size=(300, 1))
>>> X = pd.DataFrame(f @ [[1.0, 0.8, 0.6]] + rng.normal(size=(300, 3)), columns=["a", "b", "c"])
>>> eng = Engine(parse_model("f =~ a + b + c"), [X])
>>> fit = eng.fit()
>>> fit.converged, round(fit.chisq, 6)
(True, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from relatie_lab.sem import estimation as _est
from relatie_lab.sem import fit_indices as _fit
from relatie_lab.sem import inference as _inf
from relatie_lab.sem import matrices as _mat
from relatie_lab.sem import moments as _mom
from relatie_lab.sem import robust as _rob
from relatie_lab.sem.diagnostics import linear_dependencies
from relatie_lab.sem.estimation import LOG2PI, newton_step
from relatie_lab.sem.fit_indices import cfi as _cfi
from relatie_lab.sem.fit_indices import rmsea_ci
from relatie_lab.sem.fit_indices import tli as _tli
from relatie_lab.sem.identification import unidentified_parameters
from relatie_lab.sem.inference import saturated_hessian as _saturated_hessian
from relatie_lab.sem.matrices import _scatter
from relatie_lab.sem.moments import GroupData, saturated_moments
from relatie_lab.sem.moments import em_saturated as _em_saturated
from relatie_lab.sem.threads import single_thread_blas

__all__ = ["Engine", "EngineFit", "GroupData", "linear_dependencies", "rmsea_ci", "single_thread_blas"]

# names other modules and helpers import from here (kept after the split by concern)
_REEXPORTED = (LOG2PI, newton_step, _cfi, _tli, _saturated_hessian, _scatter, saturated_moments, _em_saturated)


# --------------------------------------------------------------------------------------------------
# results
@dataclass
class EngineFit:
    """Raw numbers of one fitted model (``sem.fit_sem`` turns them into tables)."""

    theta: np.ndarray
    converged: bool
    iterations: int
    fmin: float
    chisq: float
    df: int
    npar: int
    loglik: float
    loglik_h1: float
    vcov: np.ndarray | None
    fit: dict[str, float] = field(default_factory=dict)
    info_observed: np.ndarray | None = None
    message: str = ""
    unidentified: list[int] = field(default_factory=list)  # free parameters (0-based) the data cannot separate


# --------------------------------------------------------------------------------------------------
class Engine:
    """A compiled model: parameter table + data per group.

    Parameters
    ----------
    pt : DataFrame
        Parameter table from :func:`relatie_lab.sem.syntax.parse_model` (with ``ngroups`` blocks).
    data : list of DataFrame or arrays
        One data set per group with (at least) the observed variables of the model.
    meanstructure : bool, optional
        Model the means; default: True when there are missing values or more groups.
    """

    def __init__(self, pt: pd.DataFrame, data: list, meanstructure: bool | None = None) -> None:
        self.pt = pt.reset_index(drop=True)
        self.pt.attrs = {}  # pandas deep-copies attrs on every operation: keep the engine's copy light
        self.n_ov_x = len(pt.attrs.get("ov_x", []))
        self.ov: list[str] = list(pt.attrs["observed"])
        self.x_idx = np.array([self.ov.index(v) for v in pt.attrs.get("ov_x", [])], dtype=int)
        self.lv: list[str] = list(pt.attrs["latent"])
        self.G = int(pt.attrs.get("ngroups", 1))
        arrays = [np.asarray(d[self.ov] if isinstance(d, pd.DataFrame) else d, dtype=float) for d in data]
        self.groups = [GroupData.from_array(a) for a in arrays]
        self.complete = all(g.complete for g in self.groups)
        if meanstructure is None:
            meanstructure = bool(pt.attrs.get("meanstructure", False))
        self.meanstructure = meanstructure
        self.p = len(self.ov)
        self.nv = self.p + len(self.lv)
        self.N = sum(g.N for g in self.groups)
        self._compile()

    # model matrices (matrices.py)
    _compile = _mat.compile_model
    matrices = _mat.matrices
    row_values = _mat.row_values
    implied_full = _mat.implied_full
    implied = _mat.implied
    delta = _mat.delta
    n_moments = _mat.n_moments
    _sample_moments = staticmethod(_mom.sample_moments)
    # estimation (estimation.py)
    _group_terms = staticmethod(_est.group_terms)
    objective = _est.objective
    start_values = _est.start_values
    optimize = _est.optimize
    _approx_info = _est.approx_info
    loglik_group = _est.loglik_group
    loglik = _est.loglik
    _loglik_x = _est.loglik_x
    _moment_start = _est.moment_start
    # inference (inference.py)
    expected_info = _inf.expected_info
    observed_info_numeric = _inf.observed_info_numeric
    observed_info = _inf.observed_info
    casewise_h1_scores = _inf.casewise_h1_scores
    _complete_moments = _inf.complete_moments
    h1_score_crossprod = _inf.h1_score_crossprod
    model_score_crossprod = _inf.model_score_crossprod
    _h1_info_blocks = _inf.h1_info_blocks
    _h1_info_cached = _inf.h1_info_cached
    _h1_info_blocks_complete = _inf.h1_info_blocks_complete
    # fit indices (fit_indices.py)
    h1 = _fit.h1
    _h1_minus_x = _fit.h1_minus_x
    baseline = _fit.baseline
    fit_indices = _fit.fit_indices
    srmr = _fit.srmr
    _chisq_complete = _fit.chisq_complete
    # robust corrections (robust.py)
    yb_trace = _rob.yb_trace
    _h1_keep = _rob.h1_keep
    robust_indices = _rob.robust_indices
    _baseline_engine = _rob.baseline_engine
    _fiml_corrected = _rob.fiml_corrected
    _baseline_scaling = _rob.baseline_scaling

    # ---------------------------------------------------------------------------------------------
    def fit(self, *, se: str = "expected", theta0: np.ndarray | None = None, robust: bool = False,
            baseline: bool = True) -> EngineFit:  # fmt: skip
        """Estimate, check identification, then compute SEs (``expected``, ``observed``, ``robust`` or ``none``)
        and fit."""
        theta, conv, it = self.optimize(theta0)
        f = float(self.objective(theta, grad=False))
        npar = self.q
        df = self.n_moments() - npar
        ll = self.loglik(theta)
        h1 = self.h1()
        ll1 = sum(x[2] for x in h1)
        chisq = max(2 * (ll1 - ll), 0.0) if not self.complete else max(self._chisq_complete(theta), 0.0)
        unident = unidentified_parameters(self, theta) if np.all(np.isfinite(theta)) else list(range(npar))
        if unident:  # no SEs for a model that is not identified (the information matrix is singular)
            vcov, info_obs = (np.full((npar, npar), np.nan) if se != "none" else None), None
        else:
            vcov, info_obs = _inf.vcov(self, theta, se)
        res = EngineFit(theta, bool(conv), it, f, float(chisq), df, npar, ll, ll1, vcov, info_observed=info_obs,
                        unidentified=unident)  # fmt: skip
        res.fit = self.fit_indices(res, h1, baseline=baseline)
        if robust:
            res.fit.update(self.robust_indices(res, h1))
        return res
