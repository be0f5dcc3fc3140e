"""The Ladder van Betrokkenheid (Pol): klantbeleving -> gedeelde waarden -> vertrouwen -> commitment -> betrokkenheid.

The rule
--------
A respondent *reaches* a rung when his score on the rung's construct (mean of its items, 1-7 agreement scale) is
at least the rung's threshold; the default threshold is 5 ("somewhat agree") for every rung. His *level* is the
highest rung reached with all lower rungs reached too (0 = not even a positive customer experience, 5 = engaged).
A missing score on a rung he would have to pass leaves his level unknown (NaN); a missing score above a rung he
failed does not matter.

The *funnel* counts how many respondents reach each rung (level >= rung), as a share of those with a known
level, with Wilson 95% CIs; the *drop* at a rung is the share that reached the rung below but not this one, and the
ladder *breaks* at the rung with the largest drop. :func:`ladder_model` fits the chain model of the SEM engine
(:func:`relatie_lab.models.ladder`) beside it.

Examples
--------
>>> import pandas as pd
>>> s = pd.DataFrame({"klantbeleving": [6, 6, 4], "gedeelde_waarden": [5, 3, 6], "vertrouwen": [6, 6, 6],
...                   "commitment": [4, 6, 6], "betrokkenheid": [6, 6, 6]})
>>> ladder_levels(s)["level"].tolist()
[3.0, 1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.errors import SurveyError
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label
from relatie_lab.plots import display_name, finish
from relatie_lab.scores import CARRY_COLUMNS, ensure_scores

__all__ = ["DEFAULT_THRESHOLD", "LADDER", "LadderResult", "ladder_funnel", "ladder_levels", "ladder_model"]

#: The five rungs, bottom to top (construct ids of the instrument, ``kind == "ladder"``).
LADDER: tuple[str, ...] = ("klantbeleving", "gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid")
#: Default threshold (1-7 scale) a rung's score must reach.
DEFAULT_THRESHOLD = 5.0


def _rungs(instrument: Any = None) -> list[str]:
    """The codebook's ladder constructs (``kind == "ladder"``) by ``ladder_level``; Pol's five when it has none."""
    c = resolve_instrument(instrument).constructs()
    rungs = c[c["kind"] == "ladder"].sort_values("ladder_level").index.tolist()
    return rungs or list(LADDER)


def _chosen(rungs: Sequence[str] | None, instrument: Any = None) -> list[str]:
    """The ladder's rungs, in order, limited to ``rungs`` when given."""
    all_rungs = _rungs(instrument)
    return all_rungs if rungs is None else [r for r in all_rungs if r in set(rungs)]


def _thresholds(
    rungs: Sequence[str], thresholds: float | Mapping[str, float] | None, lang: str = "nl"
) -> dict[str, float]:
    if thresholds is None:
        return dict.fromkeys(rungs, DEFAULT_THRESHOLD)
    if isinstance(thresholds, int | float):
        return dict.fromkeys(rungs, float(thresholds))
    unknown = set(thresholds) - set(rungs)
    if unknown:
        raise SurveyError(
            label("ladder_err_unknown_rungs", lang).format(unknown=", ".join(sorted(unknown)), rungs=", ".join(rungs))
        )
    return {r: float(thresholds.get(r, DEFAULT_THRESHOLD)) for r in rungs}


def ladder_levels(
    df: pd.DataFrame,
    *,
    thresholds: float | Mapping[str, float] | None = None,
    lang: str = "nl",
    rungs: Sequence[str] | None = None,
    instrument: Any = None,
) -> pd.DataFrame:
    """Each respondent's rung scores, which rungs he reaches, and his level on the ladder (0-5).

    Parameters
    ----------
    df
        Cleaned survey (items) or a frame with the score columns of the five rungs.
    thresholds
        One number for all rungs, or ``{rung: threshold}`` (missing rungs keep the default 5.0 on the 1-7 scale).
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.
    rungs
        The rungs to climb (default all five, in ladder order): a survey without a rung climbs the others.
    instrument
        The codebook whose items make up the rungs' scores (an ``Instrument``, the path of a codebook YAML, or
        None: the shipped one).

    Returns
    -------
    pandas.DataFrame
        Carried-over id and group columns; per rung ``<rung>`` (score) and ``reached_<rung>`` (boolean, NA when the
        score is missing); ``level`` (float 0-5, NaN when unknown).

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
    >>> lv = ladder_levels(recode_reverse(df))
    >>> bool(lv["level"].between(0, 5).all())
    True
    """
    lang = check_lang(lang)
    instrument = resolve_instrument(instrument)
    rungs = _chosen(rungs, instrument)
    thr = _thresholds(rungs, thresholds, lang)
    scored = ensure_scores(df, rungs, lang=lang, instrument=instrument)
    carry = [c for c in CARRY_COLUMNS if c in scored]
    out = scored[carry].copy()
    level = np.zeros(len(scored))
    known = np.zeros(len(scored), dtype=bool)  # level already settled by a failed rung
    for i, rung in enumerate(rungs, start=1):
        score = scored[rung].astype(float).to_numpy()
        out[rung] = score
        reached = score >= thr[rung]
        out[f"reached_{rung}"] = pd.array(np.where(np.isnan(score), None, reached), dtype="boolean")
        open_ = ~known
        # still climbing: missing score -> unknown; failed -> settled at i-1; reached -> level i
        level = np.where(open_ & np.isnan(score), np.nan, level)
        known = known | (open_ & np.isnan(score))
        failed = open_ & ~np.isnan(score) & ~reached
        known = known | failed
        level = np.where(open_ & ~np.isnan(score) & reached, i, level)
    out["level"] = level.astype(float)
    out.attrs["thresholds"] = thr
    out.attrs["rungs"] = list(rungs)
    return out


def _funnel_table(levels: pd.DataFrame, rungs: Sequence[str]) -> pd.DataFrame:
    from statsmodels.stats.proportion import proportion_confint

    lv = levels["level"].dropna()
    n_total = len(lv)
    rows = []
    prev_share = 1.0
    prev_n = n_total
    for i, rung in enumerate(rungs, start=1):
        n = int((lv >= i).sum())
        share = n / n_total if n_total else np.nan
        lo, hi = proportion_confint(n, n_total, alpha=0.05, method="wilson") if n_total else (np.nan, np.nan)
        rows.append(
            {
                "rung": rung,
                "level": i,
                "n_total": n_total,
                "n_reached": n,
                "share": share,
                "ci_lower": lo,
                "ci_upper": hi,
                "share_of_previous": n / prev_n if prev_n else np.nan,
                "drop": prev_share - share,
            }
        )
        prev_share, prev_n = share, n
    table = pd.DataFrame(rows)
    table["is_break"] = False
    if n_total:
        table.loc[table["drop"].idxmax(), "is_break"] = True
    return table


@dataclass
class LadderResult:
    """Result of :func:`ladder_funnel`: respondent ``levels``, the ``funnel`` (overall and per group) and ``breaks``."""

    levels: pd.DataFrame
    funnel: pd.DataFrame
    by: str | None
    thresholds: dict[str, float] = field(default_factory=dict)

    @property
    def breaks(self) -> pd.DataFrame:
        """Per group the rung where the ladder breaks (largest drop), with the drop."""
        cols = ([self.by] if self.by else []) + ["rung", "level", "drop", "share"]
        return self.funnel[self.funnel["is_break"]][cols].reset_index(drop=True)

    def summary(self, lang: str = "nl") -> pd.DataFrame:
        """The funnel as a readable table (shares in %), the break marked."""
        lang = check_lang(lang)
        t = self.funnel.copy()
        t["rung"] = [display_name(r, lang) for r in t["rung"]]
        t[["share", "ci_lower", "ci_upper", "drop", "share_of_previous"]] *= 100
        cols = {
            "rung": label("ladder_rung", lang),
            "n_reached": label("ladder_n_reached", lang),
            "share": label("ladder_share_pct", lang),
            "ci_lower": label("an_ci_lower", lang),
            "ci_upper": label("an_ci_upper", lang),
            "drop": label("ladder_drop_pct", lang),
            "is_break": label("ladder_break", lang),
        }
        if self.by:
            cols = {self.by: display_name(self.by, lang), **cols}
        return t[list(cols)].rename(columns=cols).round(1)

    def plot(self, lang: str = "nl"):
        """Funnel: horizontal bars of the share reaching each rung (top rung on top), the break highlighted."""
        return _plot_funnel(self, lang=lang)


def ladder_funnel(
    df: pd.DataFrame,
    *,
    thresholds: float | Mapping[str, float] | None = None,
    by: str | None = None,
    lang: str = "nl",
    rungs: Sequence[str] | None = None,
    instrument: Any = None,
) -> LadderResult:
    """The funnel of the ladder: n and share reaching each rung, the drop per rung and where the ladder breaks.

    Parameters
    ----------
    df
        Cleaned survey (items), a frame of rung scores, or the output of :func:`ladder_levels`.
    thresholds
        See :func:`ladder_levels`.
    by
        Optional group column (``"sector"``, ``"organisatie"``, ``"meting"``...): one funnel per group.
    rungs
        The rungs to include (default all five); see :func:`ladder_levels`.
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.
    instrument
        The codebook (see :func:`ladder_levels`).

    Returns
    -------
    LadderResult
        ``.funnel``: columns ``[<by>,] rung, level, n_total, n_reached, share, ci_lower, ci_upper,
        share_of_previous, drop, is_break``; ``.levels``; ``.breaks``; ``.summary(lang)``; ``.plot(lang)``.

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
    >>> res = ladder_funnel(recode_reverse(df))
    >>> bool(res.funnel["share"].is_monotonic_decreasing), int(res.funnel["is_break"].sum())
    (True, 1)
    """
    lang = check_lang(lang)
    instrument = resolve_instrument(instrument)
    if "level" in df.columns:
        levels = df
        rungs = list(df.attrs.get("rungs", _chosen(rungs, instrument)))
    else:
        rungs = _chosen(rungs, instrument)
        levels = ladder_levels(df, thresholds=thresholds, lang=lang, rungs=rungs, instrument=instrument)
    if by is not None and by not in levels.columns:
        columns = ", ".join(map(str, levels.columns))
        raise SurveyError(label("an_err_group_column", lang).format(column=by, columns=columns))
    if by is None:
        funnel = _funnel_table(levels, rungs)
    else:
        parts = []
        for name, part in levels.groupby(by, observed=True, sort=True):
            t = _funnel_table(part, rungs)
            t.insert(0, by, name)
            parts.append(t)
        funnel = pd.concat(parts, ignore_index=True)
    thr = dict(levels.attrs.get("thresholds", _thresholds(rungs, thresholds, lang)))
    return LadderResult(levels=levels, funnel=funnel, by=by, thresholds=thr)


def _plot_funnel(result: LadderResult, lang: str = "nl"):
    """Figure of the funnel (one panel per group when grouped)."""
    from relatie_lab.plots import SIGNIFICANT_COLOR

    lang = check_lang(lang)
    import matplotlib.pyplot as plt

    from relatie_lab.plots import theme

    theme()
    groups = [None] if result.by is None else list(result.funnel[result.by].drop_duplicates())
    ncols = min(3, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.0 * ncols, 4.0 * nrows), squeeze=False, sharey=True)
    for ax in axes.flat[len(groups) :]:
        ax.set_visible(False)
    for ax, g in zip(axes.flat, groups, strict=False):
        t = result.funnel if g is None else result.funnel[result.funnel[result.by] == g]
        names = [display_name(r, lang) for r in t["rung"]]
        colors = [SIGNIFICANT_COLOR if b else "#4C72B0" for b in t["is_break"]]
        y = np.arange(len(t))
        ax.barh(y, t["share"], color=colors)
        ax.errorbar(
            t["share"],
            y,
            xerr=[t["share"] - t["ci_lower"], t["ci_upper"] - t["share"]],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
        for yi, s, hi in zip(y, t["share"], t["ci_upper"], strict=True):
            ax.text(min(hi + 0.02, 0.9), yi, f"{100 * s:.0f}%", va="center")
        ax.set_yticks(y, names)
        ax.set_xlim(0, 1)
        title = label("ladder_funnel_title", lang) if g is None else f"{display_name(result.by, lang)}: {g}"
        finish(ax, title=title, xlabel=label("ladder_share_reached", lang), ylabel=label("ladder_rung", lang))
    if result.by is not None:
        fig.suptitle(label("ladder_funnel_title", lang), fontsize="large")
    fig.tight_layout()
    return fig


@dataclass
class LadderModel:
    """Result of :func:`ladder_model`: the SEM fit and its chain (rung -> next rung) estimates."""

    fit: Any
    chain: pd.DataFrame

    def summary(self, lang: str = "nl") -> pd.DataFrame:
        """The chain paths with estimate, CI, p-value and standardised estimate."""
        lang = check_lang(lang)
        t = self.chain.copy()
        t["lhs"] = [display_name(r, lang) for r in t["lhs"]]
        t["rhs"] = [display_name(r, lang) for r in t["rhs"]]
        return t.round(3)

    def plot(self, lang: str = "nl"):
        """The path diagram of the SEM engine (``fit.plot(lang)``)."""
        return self.fit.plot(lang=check_lang(lang))


def ladder_model(
    df: pd.DataFrame,
    *,
    model: str | None = None,
    rungs: Sequence[str] | None = None,
    instrument: Any = None,
    **fit_kwargs: Any,
) -> LadderModel:
    """Fit the ladder chain model (:func:`relatie_lab.models.ladder`) with :func:`relatie_lab.fit_sem`.

    Parameters
    ----------
    df
        Cleaned survey with the item columns.
    model
        lavaan syntax to fit instead of the library's ladder model.
    rungs
        The rungs of the library's model (default all five); a missing rung is left out of the chain.
    instrument
        The codebook whose items measure the rungs in the library's model (an ``Instrument``, the path of a
        codebook YAML, or None: the shipped one).
    **fit_kwargs
        Passed to ``fit_sem`` (``estimator="MLR"``, ``missing="fiml"`` ...).

    Returns
    -------
    LadderModel
        ``.fit`` (the ``SEMResult``) and ``.chain``: the regression rows of the estimates (``op == "~"``) with
        ``lhs, rhs, est, se, pvalue, ci_lower, ci_upper, std_all`` and ``is_chain`` (True for a path from one rung
        to the next).

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=1200, seed=1, missing_codes=False, mcar_rate=0, mar_rate=0)
    >>> res = ladder_model(recode_reverse(df))
    >>> res.chain.loc[res.chain["is_chain"], "rhs"].tolist()
    ['klantbeleving', 'gedeelde_waarden', 'vertrouwen', 'commitment']
    """
    from relatie_lab import fit_sem
    from relatie_lab import models as model_library

    instrument = resolve_instrument(instrument)
    rungs = _chosen(rungs, instrument)
    if model is not None:
        syntax = model
    else:
        syntax = model_library.ladder(rungs=rungs, lang=fit_kwargs.get("lang", "nl"), instrument=instrument)
    fit = fit_sem(df, syntax, **fit_kwargs)
    est = fit.estimates
    reg = est[est["op"] == "~"].copy()
    nxt = {rungs[i]: rungs[i + 1] for i in range(len(rungs) - 1)}
    reg["is_chain"] = [nxt.get(r) == lhs for lhs, r in zip(reg["lhs"], reg["rhs"], strict=True)]
    cols = [c for c in ("lhs", "op", "rhs", "est", "se", "pvalue", "ci_lower", "ci_upper", "std_all") if c in reg]
    chain = reg[[*cols, "is_chain"]].sort_values("is_chain", ascending=False).reset_index(drop=True)
    return LadderModel(fit=fit, chain=chain)
