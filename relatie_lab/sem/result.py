"""``fit_sem``: structural equation models with lavaan-grade results, and the ``SEMResult`` object.

Behaviour chosen to match lavaan 0.6:

- complete data (any ``missing``): ``lavaan::sem(model, data)``: ML on the covariance matrix (divide by
  N), no mean structure, standard errors from the expected information;
- data with missing answers and ``missing="fiml"``: ``lavaan::sem(..., missing="ml")``: casewise
  (full-information) ML with a mean structure, standard errors from the observed information, chi-square
  against the saturated model fitted by EM;
- ``missing="listwise"``: incomplete rows (over the model's variables only) are dropped, with a warning
  saying how many;
- ``estimator="MLR"``: ML estimates, Huber-White (sandwich) standard errors with the observed
  information, the Yuan-Bentler scaled test (``yuan.bentler.mplus``) and robust CFI/TLI/RMSEA;
- ``group=``: multi-group model with a mean structure; ``group_equal=`` as lavaan's ``group.equal``;
- a ``~ 1`` anywhere in the model adds the mean structure (all intercepts), as in lavaan;
- observed covariates (predictors only) are ``fixed.x`` as in lavaan: their variances, covariances and
  means are the sample values, not parameters; rows with a missing covariate are left out (warning);
- rows without any answer on the model's items are left out (warning), as lavaan does.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(3)
>>> f = rng.normal(size=(200, 1))
>>> df = pd.DataFrame(f @ [[0.9, 0.8, 0.7, 0.6]] + rng.normal(size=(200, 4)) * 0.6,
...                   columns=["a1", "a2", "a3", "a4"])
>>> res = fit_sem(df, "F =~ a1 + a2 + a3 + a4")
>>> res.fit_indices["df"], res.nobs
(2, 200)
>>> float(round(res.estimates.loc[0, "std_all"], 2))
0.87
"""

from __future__ import annotations

import difflib
import math
import statistics
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.errors import ModelWarning, SurveyError
from relatie_lab.labels import check_lang, label
from relatie_lab.sem.engine import Engine, EngineFit, linear_dependencies, single_thread_blas
from relatie_lab.sem.estimators import bootstrap_table, check_options, cluster_ids, engine_class, finish
from relatie_lab.sem.standardized import add_std_columns
from relatie_lab.sem.syntax import ParTable, evaluate_defined, parse_model

__all__ = ["SEMResult", "fit_sem"]

ESTIMATE_COLUMNS = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all",
                    "std_lv", "std_nox"]
_Z975 = statistics.NormalDist().inv_cdf(0.975)  # as scipy.stats.norm.ppf(0.975); scipy is imported when needed


@dataclass
class SEMResult:
    """A fitted structural equation model.

    Attributes
    ----------
    estimates : DataFrame
        One row per parameter (free or fixed) and per defined parameter (``op == ":="``):
        ``lhs, op, rhs, label, est, se, z, pvalue, ci_lower, ci_upper, std_all`` (+ ``group``).
    fit_indices : dict
        ``npar, nobs, chisq, df, pvalue, cfi, tli, rmsea, rmsea_ci_lower, rmsea_ci_upper, srmr, aic, bic,
        loglik`` (+ ``baseline_chisq, baseline_df``; with MLR ``chisq_scaled, scaling_factor,
        pvalue_scaled, cfi_robust, tli_robust, rmsea_robust``).
    nobs : int
        Respondents used.
    warnings : list of str
        Plain-language warnings (also emitted as ``ModelWarning``).
    """

    estimates: pd.DataFrame
    fit_indices: dict[str, float]
    nobs: int
    warnings: list[str]
    model: str
    partable: ParTable
    estimator: str
    missing: str
    group: str | None
    group_labels: list[Any]
    group_equal: tuple[str, ...]
    converged: bool
    engine: Engine = field(repr=False)
    raw: EngineFit = field(repr=False)
    data: pd.DataFrame = field(repr=False)
    lang: str = "nl"
    seed: int | None = None
    options: dict[str, Any] = field(default_factory=dict)  # fit_sem's model options (std_lv, orthogonal, ...)
    clusters: list[np.ndarray] | None = field(default=None, repr=False)  # per group the cluster of every row

    # ---------------------------------------------------------------------------------------------
    def summary(self, lang: str = "nl") -> str:
        """Readable text with fit and estimates (lavaan-like layout).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> X = pd.DataFrame(rng.normal(size=(100, 1)) + rng.normal(size=(100, 3)), columns=list("abc"))
        >>> print(fit_sem(X, "f =~ a + b + c").summary(lang="en").splitlines()[0])
        Structural equation model (ML), 100 respondents
        """
        lang = check_lang(lang)
        fi = self.fit_indices
        out = [f"{label('sem_title', lang)} ({self.estimator}), {self.nobs} "
               f"{'respondenten' if lang == 'nl' else 'respondents'}"]  # fmt: skip
        miss = {"fiml": "sem_fiml", "listwise": "sem_listwise", "ml.x": "sem_fiml_x",
                "pairwise": "ord_pairwise"}[self.missing]
        if self.engine.complete and self.missing in ("fiml", "pairwise"):
            miss = "sem_complete"
        out.append(f"{label('sem_missing', lang)}: {label(miss, lang)}")
        from relatie_lab.sem.ordinal import cases_used_line

        if (used := cases_used_line(self, lang)) is not None:
            out.append(used)
        if self.group:
            out.append(f"{label('sem_groups', lang)} ({self.group}): {', '.join(map(str, self.group_labels))}")
        out += ["", label("sem_fit", lang)]
        rows = [("chisq", "Chi-square"), ("df", "df"), ("pvalue", "p"), ("chisq_scaled", "Chi-square scaled"),
                ("cfi", "CFI"), ("tli", "TLI"), ("cfi_robust", "CFI robust"), ("tli_robust", "TLI robust"),
                ("rmsea", "RMSEA"), ("rmsea_ci_lower", "RMSEA 90% CI lower"),
                ("rmsea_ci_upper", "RMSEA 90% CI upper"), ("rmsea_robust", "RMSEA robust"),
                ("cfi_scaled", "CFI scaled"), ("tli_scaled", "TLI scaled"), ("rmsea_scaled", "RMSEA scaled"),
                ("srmr", "SRMR"), ("loglik", "Loglikelihood"), ("aic", "AIC"), ("bic", "BIC"),
                ("npar", "npar")]  # fmt: skip
        for key, name in rows:
            if key in fi:
                v = fi[key]
                txt = f"{int(v)}" if key in ("df", "npar") else f"{v:.3f}"
                out.append(f"  {name:<28}{txt:>12}")
        sections = [("=~", "sem_loadings"), ("~", "sem_regressions"), ("~~", "sem_covariances"),
                    ("var", "sem_variances"), ("~1", "sem_intercepts"), ("|", "ord_thresholds"),
                    (":=", "sem_defined")]  # fmt: skip
        est = self.estimates
        groups = est["group"].unique() if "group" in est else [None]
        head = f"  {'':<36}{'est':>9}{'se':>9}{'z':>9}{'p':>8}{'std_all':>9}"
        for g in groups:
            sub = est if g is None else est[est["group"] == g]
            out.append("")
            if g is not None and g != "":
                out.append(f"{label('sem_group', lang)}: {g}")
            if g != "":
                out.append(label("sem_estimates", lang))
            for op, key in sections:
                if op == "~~":
                    rows_ = sub[(sub.op == "~~") & (sub.lhs != sub.rhs)]
                elif op == "var":
                    rows_ = sub[(sub.op == "~~") & (sub.lhs == sub.rhs)]
                else:
                    rows_ = sub[sub.op == op]
                if rows_.empty:
                    continue
                out.append(f" {label(key, lang)}")
                out.append(head)
                for r in rows_.itertuples():
                    name = {":=": f"{r.lhs} := {r.rhs}", "var": r.lhs}.get(op, f"{r.lhs} {op} {r.rhs}".strip())
                    if r.label and op != ":=":
                        name += f" ({r.label})"
                    out.append(
                        f"  {name[:36]:<36}{r.est:>9.3f}{_fmt(r.se, 9)}{_fmt(r.z, 9)}{_fmt(r.pvalue, 8)}"
                        f"{_fmt(r.std_all, 9)}"
                    )
        bad = self.improper
        if not bad.empty:
            out += ["", label("sem_improper_head", lang)]
            for r in bad.itertuples():
                where = f" [{r.group}]" if "group" in bad and r.group != "" else ""
                out.append(f"  - {r.lhs} {r.op} {r.rhs}{where}: est {r.est:.3f}, std_all {r.std_all:.3f} "
                           f"({label('sem_improper_' + r.reason, lang)})")  # fmt: skip
        out += ["", f"{label('sem_warnings', lang)}: " + ("" if self.warnings else label("sem_none", lang))]
        out += [f"  - {w}" for w in self._warnings_in(lang)]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.summary(self.lang)

    @property
    def improper(self) -> pd.DataFrame:
        """Estimates that make the solution improper (not interpretable): empty when the solution is proper.

        A negative variance (Heywood case) and a standardized loading, path or correlation beyond +-1. Columns
        ``lhs, op, rhs, est, std_all, reason`` (``"negative_variance"`` or ``"std_beyond_1"``) (+ ``group``).

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> X = pd.DataFrame(rng.normal(size=(200, 1)) + rng.normal(size=(200, 3)), columns=list("abc"))
        >>> fit_sem(X, "f =~ a + b + c").improper.empty
        True
        """
        return improper_rows(self.estimates)

    def __repr__(self) -> str:
        fi = self.fit_indices
        return (f"SEMResult({self.estimator}, nobs={self.nobs}, chisq={fi['chisq']:.3f}, df={fi['df']}, "
                f"cfi={fi['cfi']:.3f}, rmsea={fi['rmsea']:.3f}, srmr={fi['srmr']:.3f}, "
                f"warnings={len(self.warnings)})")  # fmt: skip

    def _warnings_in(self, lang: str) -> list[str]:
        msgs = getattr(self, "_warning_keys", None)
        if not msgs:
            return list(self.warnings)
        return [_render(key, kw, lang) for key, kw in msgs]

    # ---------------------------------------------------------------------------------------------
    def plot(self, lang: str = "nl", ax: Any = None, group: Any = None, **kwargs: Any):
        """Path diagram: latent ellipses, observed boxes, arrows with standardized coefficients, R².

        Returns the matplotlib Figure; see :func:`relatie_lab.path_diagram.plot_path` (layout and options).
        """
        from relatie_lab.path_diagram import plot_path

        return plot_path(self, lang=lang, ax=ax, group=group, **kwargs)

    def indirect_effects(self, n_boot: int = 1000, ci: str = "percentile", seed: int | None = None,
                         progress: bool | None = None, n_jobs: int | None = None) -> pd.DataFrame:  # fmt: skip
        """Every indirect path and every ``:=`` parameter with bootstrap confidence intervals.

        See :func:`relatie_lab.sem.bootstrap.indirect_effects`.
        """
        from relatie_lab.sem.bootstrap import indirect_effects
        from relatie_lab.sem.ordinal import ORDINAL_ESTIMATORS

        if self.estimator in ORDINAL_ESTIMATORS:  # the bootstrap refits with the ML engine: not for ordinal items
            raise SurveyError(label("ord_err_bootstrap", self.lang))
        return indirect_effects(self, n_boot=n_boot, ci=ci, seed=self.seed if seed is None else seed,
                                progress=progress, n_jobs=n_jobs)

    # ---- results API (issue 11b): each delegates to its own module ----------------------------------------------
    @property
    def r_squared(self) -> pd.Series:
        """R² of every indicator and dependent variable, as ``lavInspect(fit, "r2")``.

        See :func:`relatie_lab.sem.standardized.r_squared`.
        """
        from relatie_lab.sem.standardized import r_squared

        return r_squared(self)

    def residuals(self, kind: str = "cor", part: str = "cov") -> pd.DataFrame | pd.Series:
        """Residuals of the model-implied moments, as ``resid(fit, type=kind)``.

        See :func:`relatie_lab.sem.residuals.residuals`.
        """
        from relatie_lab.sem.residuals import residuals

        return residuals(self, kind=kind, part=part)

    def modification_indices(self, minimum: float = 0.0) -> pd.DataFrame:
        """Modification indices with expected parameter changes, sorted by ``mi``, as ``modindices(fit)``.

        See :func:`relatie_lab.sem.modification.modification_indices`.
        """
        from relatie_lab.sem.modification import modification_indices

        return modification_indices(self, minimum=minimum)

    def factor_scores(self, method: str = "regression", data: pd.DataFrame | None = None) -> pd.DataFrame:
        """Factor scores of the latent variables, as ``lavPredict(fit, method=...)``.

        See :func:`relatie_lab.sem.factor_scores.factor_scores`.
        """
        from relatie_lab.sem.factor_scores import factor_scores

        return factor_scores(self, method=method, data=data)
    def dynamic_cutoffs(self, reps: int = 500, seed: int | None = None, client: Any = None, **kwargs: Any):
        """McNeish & Wolf's (2023) dynamic fit index cutoffs; see :func:`relatie_lab.sem.cutoffs.dynamic_cutoffs`."""
        from relatie_lab.sem.cutoffs import dynamic_cutoffs

        return dynamic_cutoffs(self, reps=reps, seed=self.seed if seed is None else seed, client=client, **kwargs)


def _fmt(v: float, w: int) -> str:
    return f"{'':>{w}}" if v is None or not np.isfinite(v) else f"{v:>{w}.3f}"


# --------------------------------------------------------------------------------------------------
def _check_data(data: pd.DataFrame, names: list[str], group: str | None, lang: str = "nl") -> None:
    if not isinstance(data, pd.DataFrame):
        raise SurveyError(label("sem_err_not_dataframe", lang))
    missing = [v for v in names if v not in data.columns]
    if group is not None and group not in data.columns:
        missing.append(group)
    if missing:
        hints = []
        for v in missing:
            close = difflib.get_close_matches(v, [str(c) for c in data.columns], n=3, cutoff=0.6)
            hints.append(f"'{v}'" + (f" ({label('sem_lbl_similar', lang)}: {', '.join(close)})" if close else ""))
        raise SurveyError(label("sem_err_missing_vars", lang).format(vars="; ".join(hints)))
    bad = [v for v in names if not pd.api.types.is_numeric_dtype(data[v]) or pd.api.types.is_bool_dtype(data[v])]
    if bad:
        raise SurveyError(label("sem_err_not_numeric", lang).format(cols=", ".join(bad)))


#: Warnings that usually follow from a covariance matrix of the data that is not positive definite.
_KNOCK_ON = {"sem_msg_not_converged", "sem_msg_se_failed", "sem_msg_heywood", "sem_msg_implied_not_pd",
             "sem_msg_std_beyond_one"}


def _render(key: str, kw: dict, lang: str) -> str:
    """A warning in ``lang``: ``in_group`` adds "Groep 'x': " (multi-group only), ``cause`` points to the root cause."""
    msg = label(key, lang).format(**kw)
    if kw.get("in_group") is not None:
        msg = label("sem_lbl_in_group", lang).format(group=kw["in_group"]) + msg
    if kw.get("cause"):
        msg += " " + label("sem_msg_caused_by", lang).format(cause=kw["cause"])
    return msg


class _Warn:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.keys: list[tuple[str, dict]] = []
        self.cause = ""  # items behind a non-positive-definite data covariance matrix, once warned

    def __call__(self, key: str, **kw: Any) -> None:
        if key in _KNOCK_ON and self.cause:
            kw = {**kw, "cause": self.cause}
        self.keys.append((key, kw))
        warnings.warn(_render(key, kw, self.lang), ModelWarning, stacklevel=4)

    @property
    def messages(self) -> list[str]:
        return [_render(k, kw, self.lang) for k, kw in self.keys]


def prepare(
    data: pd.DataFrame, model: str, *, missing: str, group: str | None, group_equal: tuple[str, ...],
    warn: _Warn | None, options: dict | None = None, keep: tuple[str, ...] = (),
) -> tuple[ParTable, list[pd.DataFrame], list[Any], pd.DataFrame, bool]:  # fmt: skip
    """Parse the model and split the data in groups (shared by fit_sem, bootstrap and invariance).

    ``options``: parser options (``std_lv``, ``orthogonal``, ``group_partial``) and ``meanstructure`` (None: auto).
    ``keep``: other columns to keep in the returned data (e.g. the cluster).
    """
    if missing not in ("fiml", "listwise", "ml.x"):
        raise ValueError("missing must be 'fiml' (use all answers) or 'listwise' (complete rows only).")
    options = dict(options or {})
    force_means = options.pop("meanstructure", None)
    lang = warn.lang if warn is not None else "nl"
    probe = parse_model(model, ngroups=None, lang=lang, **options)  # groups not known yet: c(...) of any length
    names = list(probe.attrs["observed"])
    _check_data(data, names, group, lang)
    cols = names + ([group] if group else []) + [c for c in keep if c not in names and c != group]
    df = data[cols]
    if group:
        no_group = int(df[group].isna().sum())
        if no_group:
            df = df[df[group].notna()]
            if warn is not None:
                warn("sem_msg_no_group", n=no_group, group=group)
    if not all(df[v].dtype == np.float64 for v in names):
        df = df.astype(dict.fromkeys(names, float))
    values = df[names].to_numpy()
    has_nan = not np.isfinite(values.sum())  # one pass, no mask array, for complete data
    if has_nan and np.isinf(values).any():
        bad = [v for v in names if np.isinf(df[v].to_numpy()).any()]
        raise SurveyError(label("sem_err_infinite", lang).format(cols=", ".join(bad)))
    if has_nan:
        empty = df[names].isna().all(axis=1)
        if empty.any():  # no answer on any model item: no information (lavaan also leaves these out)
            df = df[~empty]
            if warn is not None:
                warn("sem_msg_empty_rows", n=int(empty.sum()))
    ov_x = list(probe.attrs.get("ov_x", []))
    miss_x = df[ov_x].isna().any(axis=1) if ov_x and has_nan else pd.Series(False, index=df.index)
    if missing == "fiml" and miss_x.any():  # as lavaan with fixed.x = TRUE: covariates must be observed
        df = df[~miss_x]
        if warn is not None:
            warn("sem_msg_missing_x", n=int(miss_x.sum()), vars=", ".join(ov_x))
    total = len(df)
    if missing == "listwise":
        df = df.dropna(subset=names)
        if len(df) < total and warn is not None:
            warn("sem_msg_listwise", dropped=total - len(df), total=total, kept=len(df))
    if has_nan or group:
        df = df.reset_index(drop=True)
        has_nan = bool(df[names].isna().to_numpy().any())
    if group:
        levels = list(pd.unique(df[group]))
        parts = [df.loc[df[group] == lev, names] for lev in levels]
    else:
        levels = []
        # complete data: reuse the array (no second copy)
        parts = [values if not has_nan and len(values) == len(df) else df[names]]
    meanstructure = has_nan or bool(group) or bool((probe.op == "~1").any())  # lavaan: any ~1 adds means
    if force_means is not None:
        meanstructure = bool(force_means) or has_nan
    pt = parse_model(model, ngroups=max(len(parts), 1), meanstructure=meanstructure, group_equal=group_equal,
                     lang=lang, **options)  # fmt: skip
    return pt, parts, levels, df, meanstructure


def fit_sem(
    data: pd.DataFrame,
    model: str,
    *,
    estimator: str = "ML",
    missing: str = "fiml",
    group: str | None = None,
    group_equal: tuple[str, ...] | list[str] = (),
    seed: int | None = None,
    lang: str = "nl",
    group_partial: tuple[str, ...] | list[str] = (),
    std_lv: bool = False,
    orthogonal: bool = False,
    meanstructure: bool | None = None,
    cluster: str | None = None,
    se: str = "standard",
    n_boot: int = 1000,
    n_jobs: int | None = None,
    ordered: bool | list[str] | None = None,
) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; the model's variables as numeric columns (NaN = no answer).
    model : str
        lavaan model syntax (``=~``, ``~``, ``~~``, ``~ 1``, labels ``a*x``, ``c(...)`` per group, ``:=``,
        constraints ``==``, ``<``, ``>``).
    estimator : {"ML", "MLR", "MLM", "WLSMV", "ULSMV", "DWLS", "ULS", "WLS"}
        ``"MLR"``: robust (Huber-White) SEs and the Yuan-Bentler scaled test; ``"MLM"`` (complete data):
        robust SEs with the expected information and the Satorra-Bentler scaled test. ``"WLSMV"`` (with
        ``ordered=``): ordinal items as lavaan's ``ordered=`` + WLSMV (see :mod:`relatie_lab.sem.wls`).
    missing : {"fiml", "listwise", "ml.x", "pairwise"}
        ``"fiml"`` uses every answer (lavaan ``missing="ml"``); ``"listwise"`` drops incomplete rows;
        ``"ml.x"`` is FIML that also keeps respondents with a missing covariate (lavaan ``missing="ml.x"``). With
        ordinal items ``"fiml"`` (the default) means ``"pairwise"``: every threshold and correlation uses every
        answer.
    group : str, optional
        Column with the groups for a multi-group model.
    group_equal : sequence of str
        Equality constraints across groups (``"loadings"``, ``"intercepts"``, ``"residuals"``, ...).
    seed : int, optional
        Stored with the result; used as default seed by ``indirect_effects``.
    lang : {"nl", "en"}
        Language of the warnings.
    group_partial : sequence of str
        Parameters exempt from ``group_equal`` (lavaan's ``group.partial``), e.g. ``["f =~ x2", "x3 ~ 1"]``.
    std_lv : bool
        Scale every factor by fixing its (residual) variance at 1 and freeing all loadings (lavaan's ``std.lv``).
    orthogonal : bool
        The exogenous factors do not covary (lavaan's ``orthogonal``).
    meanstructure : bool, optional
        Model the means with complete data too (lavaan's ``meanstructure``); default: only with missing data,
        groups or a ``~ 1`` in the model.
    cluster : str, optional
        Column with the cluster (e.g. the organisation) of each respondent: cluster-robust SEs and test (lavaan's
        ``cluster=``, with ``estimator="MLR"``). With ``se="bootstrap"``, and in the indirect-effects bootstrap of
        the result, whole clusters are resampled (lavaan refuses the bootstrap with a cluster).
    se : {"standard", "bootstrap"}
        ``"bootstrap"``: SEs (and percentile CIs) of every parameter from ``n_boot`` resamples (lavaan's
        ``se="bootstrap"``), seeded by ``seed``, on ``n_jobs`` processes.
    n_boot, n_jobs : int
        Number of bootstrap draws and of worker processes (``se="bootstrap"``).
    ordered : True or list of str, optional
        Ordinal items (``True``: every item of the model), for the WLS-family estimators.

    Returns
    -------
    SEMResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> x = rng.normal(size=300); m = 0.5 * x + rng.normal(size=300); y = 0.4 * m + rng.normal(size=300)
    >>> df = pd.DataFrame({"x": x, "m": m, "y": y})
    >>> res = fit_sem(df, "m ~ a*x\\ny ~ b*m\\nab := a*b")
    >>> row = res.estimates.query("op == ':='").iloc[0]
    >>> row["lhs"], float(round(row["est"], 2))
    ('ab', 0.19)
    """
    from relatie_lab.sem.ordinal import fit_ordinal_sem, wants_ordinal  # ordinal items: WLSMV and relatives

    if wants_ordinal(estimator, ordered):
        given = {"group_partial": bool(group_partial), "std_lv": std_lv, "orthogonal": orthogonal,
                 "meanstructure": meanstructure is not None, "cluster": cluster is not None,
                 "se": se != "standard"}  # fmt: skip
        if refused := [name for name, on in given.items() if on]:
            raise SurveyError(label("ord_err_option", lang).format(options=", ".join(refused), estimator=estimator))
        with single_thread_blas():
            return fit_ordinal_sem(data, model, estimator=estimator, ordered=ordered, missing=missing, group=group,
                                   group_equal=tuple(group_equal), seed=seed, lang=lang)  # fmt: skip
    options = {"group_partial": tuple(group_partial), "std_lv": std_lv, "orthogonal": orthogonal,
               "meanstructure": meanstructure}  # fmt: skip
    with single_thread_blas():
        return _fit_sem(data, model, estimator=estimator, missing=missing, group=group, group_equal=group_equal,
                        seed=seed, lang=lang, options=options, cluster=cluster, se=se, n_boot=n_boot,
                        n_jobs=n_jobs)  # fmt: skip


def _fit_sem(data: pd.DataFrame, model: str, *, estimator: str, missing: str, group: str | None,
             group_equal: tuple[str, ...] | list[str], seed: int | None, lang: str,
             options: dict | None = None, cluster: str | None = None, se: str = "standard", n_boot: int = 1000,
             n_jobs: int | None = None) -> SEMResult:  # fmt: skip
    lang = check_lang(lang)
    estimator = estimator.upper()
    check_options(estimator, missing, cluster, se, n_boot, True, lang)  # 11b: MLM, cluster, ml.x, bootstrap
    if cluster is not None and estimator == "ML":  # lavaan's estimator with a cluster: MLR
        estimator = "MLR"
    if cluster is not None:
        _check_data(data, [cluster], None, lang)
        options = {**(options or {}), "meanstructure": True}  # lavaan adds the mean structure with a cluster
    group_equal = tuple(group_equal)
    warn = _Warn(lang)
    pt, parts, levels, df, meanstructure = prepare(
        data, model, missing=missing, group=group, group_equal=group_equal, warn=warn, options=options,
        keep=(cluster,) if cluster else (),
    )
    for g, part in enumerate(parts):
        if len(part) <= len(pt.attrs["observed"]):
            kw = {"n": len(part), "p": len(pt.attrs["observed"]), "in_group": levels[g] if group else None}
            raise SurveyError(_render("sem_err_too_few_rows", kw, lang))
    eng = engine_class(missing)(pt, parts, meanstructure=meanstructure)
    check_options(estimator, missing, cluster, se, n_boot, eng.complete, lang)
    df_model = eng.n_moments() - eng.q
    if df_model < 0:
        raise SurveyError(label("sem_err_not_identified", lang).format(q=eng.q, m=eng.n_moments()))
    se_kind = "robust" if estimator == "MLR" else ("expected" if eng.complete else "observed")
    _check_sample_cov(eng, warn, levels if group else None)
    try:
        res = eng.fit(se=se_kind, robust=estimator == "MLR" and cluster is None)
        clusters = cluster_ids(df, cluster, group, levels) if cluster else None
        boot = finish(eng, res, estimator=estimator, missing=missing, clusters=clusters, se=se, n_boot=n_boot,
                      seed=seed, n_jobs=n_jobs)  # fmt: skip
    except np.linalg.LinAlgError as exc:  # e.g. FIML's saturated model with exactly dependent items
        if warn.cause:
            raise SurveyError(label("sem_err_singular", lang).format(items=warn.cause)) from exc
        raise SurveyError(label("sem_err_numerical", lang)) from exc
    if boot.get("n_failed"):
        warn("sem_msg_boot_failed", failed=boot["n_failed"], n_boot=boot["n_boot"])
    if not res.converged:
        warn("sem_msg_not_converged")
    if 5 * eng.q > eng.N:
        warn("sem_msg_few_respondents", n=eng.N, npar=eng.q, need=5 * eng.q)
    if res.unidentified:
        warn("sem_msg_not_identified_params", params=", ".join(parameter_names(pt, res.unidentified, levels)))
    elif not _vcov_ok(res.vcov if eng.constraints is None else _reduced(res.vcov, eng)):
        warn("sem_msg_se_failed")
    est = estimates_table(eng, res, pt, levels if group else None)
    if boot:
        bootstrap_table(est, eng, pt, boot)
    _post_checks(eng, res, est, warn, levels if group else None)
    fi = dict(res.fit)
    result = SEMResult(
        estimates=est, fit_indices=fi, nobs=eng.N, warnings=warn.messages, model=model, partable=pt,
        estimator=estimator, missing=missing, group=group, group_labels=levels, group_equal=group_equal,
        converged=res.converged, engine=eng, raw=res, data=df, lang=lang, seed=seed, options=dict(options or {}),
        clusters=clusters,
    )  # fmt: skip
    result._warning_keys = warn.keys  # type: ignore[attr-defined]
    return result


def parameter_names(pt: ParTable, free: list[int], levels: list | None = None) -> list[str]:
    """Readable names of free parameters (0-based indices): ``"F =~ a"``, ``"y ~1"``, with label and group."""
    out = []
    for k in free:
        r = pt[pt.free == k + 1].iloc[0]
        name = f"{r.lhs} ~1" if r.op == "~1" else f"{r.lhs} {r.op} {r.rhs}"
        if r.label and not str(r.label).startswith("."):
            name += f" ({r.label})"
        if levels and len(levels) > 1:
            name += f" [{levels[int(r.group) - 1]}]"
        out.append(name)
    return out


def _reduced(vcov: np.ndarray | None, eng: Engine) -> np.ndarray | None:
    """The covariance matrix in the directions the constraints leave free (it is singular in the others)."""
    if vcov is None:
        return None
    Z = eng.constraints.null_space()
    return Z.T @ vcov @ Z


def _vcov_ok(vcov: np.ndarray | None) -> bool:
    """False when the SEs are missing or the information matrix is (numerically) singular."""
    if vcov is None or not np.all(np.isfinite(vcov)) or len(vcov) == 0:
        return vcov is not None and len(vcov) == 0
    ev = np.linalg.eigvalsh(0.5 * (vcov + vcov.T))
    return bool(ev.min() > 0 and ev.max() / ev.min() < 1e12)


def _check_sample_cov(eng: Engine, warn: _Warn, levels: list | None) -> None:
    """Warn, naming the items, when the data's covariance matrix is not positive definite (complete rows)."""
    names = list(eng.ov[: eng.p])
    causes = []
    for g, gd in enumerate(eng.groups):
        X = gd.X if gd.complete else gd.X[~np.isnan(gd.X).any(axis=1)]
        if len(X) <= eng.p:  # too few complete rows to tell
            continue
        cov = gd.covs[0] if gd.complete else np.cov(X.T, bias=True)
        in_group = levels[g] if levels else None
        for items, relation in linear_dependencies(cov, names):
            if relation.endswith("≈ constant"):
                warn("sem_msg_sample_constant", items=items[0], in_group=in_group)
            else:
                warn("sem_msg_sample_not_pd", items=", ".join(items), relation=relation, in_group=in_group)
            causes += [v for v in items if v not in causes]
    warn.cause = ", ".join(causes)


def improper_rows(est: pd.DataFrame) -> pd.DataFrame:
    """Negative variances and standardized values beyond +-1 in an estimates table (see ``SEMResult.improper``)."""
    model = est[est.op.isin(["=~", "~", "~~"])]
    var = (model.op == "~~") & (model.lhs == model.rhs)
    neg = var & (model.est < 0)
    beyond = ~var & (model.std_all.abs() > 1 + 1e-9)
    cols = ["lhs", "op", "rhs", "est", "std_all"] + (["group"] if "group" in est else [])
    out = model.loc[neg | beyond, cols].copy()
    out["reason"] = np.where(neg[neg | beyond], "negative_variance", "std_beyond_1")
    return out.reset_index(drop=True)


def _post_checks(eng: Engine, res: EngineFit, est: pd.DataFrame, warn: _Warn, levels: list | None) -> None:
    var_rows = est[(est.op == "~~") & (est.lhs == est.rhs)]
    for r in var_rows.itertuples():
        if r.est < 0:
            warn("sem_msg_heywood", var=r.lhs, value=r.est)
    for r in improper_rows(est).itertuples():
        if r.reason == "std_beyond_1":
            warn("sem_msg_std_beyond_one", par=f"{r.lhs} {r.op} {r.rhs}", value=r.std_all,
                 in_group=getattr(r, "group", None) if levels else None)  # fmt: skip
    for g in range(eng.G):
        Sfull, _ = eng.implied_full(res.theta, g)
        gname = levels[g] if levels else None
        if np.linalg.eigvalsh(Sfull[: eng.p, : eng.p]).min() <= 0:
            warn("sem_msg_implied_not_pd", what=label("sem_lbl_observed", warn.lang), in_group=gname)
        if eng.lv and np.linalg.eigvalsh(Sfull[eng.p :, eng.p :]).min() <= 0:
            warn("sem_msg_implied_not_pd", what=label("sem_lbl_latent", warn.lang), in_group=gname)


# --------------------------------------------------------------------------------------------------
def parameter_values(eng: Engine, theta: np.ndarray, pt: ParTable) -> np.ndarray:
    """Value of every row of the parameter table (free from theta, fixed from the model/data)."""
    return eng.row_values(theta)


def defined_values(pt: ParTable, values: np.ndarray, labels: list[str] | None = None,
                   defined: list | None = None) -> dict[str, float]:  # fmt: skip
    """Values of the ``:=`` parameters given the values of all rows (``labels``/``defined``: cached pt parts)."""
    env: dict[str, float] = {}
    for lab, v in zip(pt["label"].tolist() if labels is None else labels, values, strict=True):
        if lab and lab not in env:
            env[lab] = float(v)
    out: dict[str, float] = {}
    for d in pt.attrs.get("defined", []) if defined is None else defined:
        try:
            val = evaluate_defined(d.expr, env)
        except (ValueError, OverflowError, ZeroDivisionError):
            val = math.nan
        env[d.name] = val
        out[d.name] = val
    return out


def standardized(eng: Engine, theta: np.ndarray, pt: ParTable) -> np.ndarray:
    """lavaan's std.all for every row (residual covariances as residual correlations)."""
    values = parameter_values(eng, theta, pt)
    idx = {v: j for j, v in enumerate(eng.ov + eng.lv)}
    out = np.full(len(pt), np.nan)
    cache = {}
    for i, r in enumerate(pt.itertuples()):
        g = r.group - 1
        if g not in cache:
            Sfull, _ = eng.implied_full(theta, g)
            _, S, _ = eng.matrices(theta, g)
            with np.errstate(invalid="ignore"):
                cache[g] = (np.sqrt(np.diag(Sfull)), S)
        sd, S = cache[g]
        a = idx[r.lhs]
        v = values[i]
        with np.errstate(invalid="ignore", divide="ignore"):
            if r.op == "=~":
                out[i] = v * sd[a] / sd[idx[r.rhs]]
            elif r.op == "~":
                out[i] = v * sd[idx[r.rhs]] / sd[a]
            elif r.op == "~~":
                b = idx[r.rhs]
                if a == b:
                    out[i] = v / sd[a] ** 2
                else:
                    out[i] = v / math.sqrt(S[a, a] * S[b, b]) if S[a, a] * S[b, b] > 0 else math.nan
            else:
                out[i] = v / sd[a]
    return out


def estimates_table(eng: Engine, res: EngineFit, pt: ParTable, levels: list | None) -> pd.DataFrame:
    theta = res.theta
    values = parameter_values(eng, theta, pt)
    V = res.vcov if res.vcov is not None else np.full((eng.q, eng.q), np.nan)
    se = np.array([math.sqrt(V[f - 1, f - 1]) if f > 0 and V[f - 1, f - 1] >= 0 else (0.0 if f == 0 else np.nan)
                   for f in pt.free])  # fmt: skip
    std = standardized(eng, theta, pt)
    est = pd.DataFrame({
        "lhs": pt.lhs, "op": pt.op, "rhs": pt.rhs,
        "label": [lab if not lab.startswith(".") else "" for lab in pt.label],
        "est": values, "se": se,
    })  # fmt: skip
    est["std_all"] = std
    if levels:
        est["group"] = [levels[g - 1] for g in pt.group]
    defined = pt.attrs.get("defined", [])
    labels_ = pt["label"].tolist()
    if defined:
        dv = defined_values(pt, values, labels_, defined)
        # delta method with a numerical Jacobian
        J = np.zeros((len(defined), eng.q))
        for k in range(eng.q):
            h = 1e-6 * max(1.0, abs(theta[k]))
            tp, tm = theta.copy(), theta.copy()
            tp[k] += h
            tm[k] -= h
            vp = defined_values(pt, parameter_values(eng, tp, pt), labels_, defined)
            vm = defined_values(pt, parameter_values(eng, tm, pt), labels_, defined)
            J[:, k] = [(vp[d.name] - vm[d.name]) / (2 * h) for d in defined]
        Vd = J @ V @ J.T
        dstd = defined_values(pt, std, labels_, defined)
        rows = pd.DataFrame({
            "lhs": [d.name for d in defined], "op": ":=", "rhs": [d.expr for d in defined],
            "label": [d.name for d in defined], "est": [dv[d.name] for d in defined],
            "se": np.sqrt(np.clip(np.diag(Vd), 0, None)), "std_all": [dstd[d.name] for d in defined],
        })  # fmt: skip
        if levels:
            rows["group"] = ""
        est = pd.concat([est, rows], ignore_index=True)
    free_or_def = (np.r_[pt.free.to_numpy() > 0, np.ones(len(est) - len(pt), bool)])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free_or_def & (est.se > 0), est.est / est.se, np.nan)
    est["z"] = z
    from scipy import special  # imported when needed: a faster `import relatie_lab.sem`

    est["pvalue"] = 2 * special.ndtr(-np.abs(z))
    est["ci_lower"] = np.where(free_or_def, est.est - _Z975 * est.se, est.est)
    est["ci_upper"] = np.where(free_or_def, est.est + _Z975 * est.se, est.est)
    est = add_std_columns(est, eng, theta, pt, defined)
    cols = ESTIMATE_COLUMNS + (["group"] if levels else [])
    return est[cols]
