"""Scorecard of Pol's five building blocks: vertrouwen, betrokkenheid, keuzevrijheid, rechtvaardigheid, invloed.

Per block (and per facet, e.g. the three forms of rechtvaardigheid) and per measurement wave: the mean score with
a 95% CI, the share of respondents scoring low (a score below ``low``, default 4: under the neutral midpoint of the
1-7 scale) and the change between waves with a test of that change:

- separate samples per wave (the usual periodic survey): Welch's t-test (no equal-variance assumption);
- the same respondents in both waves (ids repeat): a paired t-test on the respondents measured twice;

each with Hedges' g as the effect size (with 95% CI) and Holm-corrected p-values over all blocks and facets.
:meth:`Scorecard.plot` draws one dot per wave with its CI per block and an arrow for the change, coloured when the
change is significant: a manager sees at a glance where the relationship improves and where it slips.

Examples
--------
>>> from relatie_lab.simulate import simulate_survey
>>> from relatie_lab.scores import recode_reverse
>>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
>>> card = scorecard(recode_reverse(df))
>>> sorted(card.means["construct"].unique())[:2]
['betrokkenheid_organisatie', 'invloed']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from relatie_lab.ab_testing import add_holm
from relatie_lab.errors import DataQualityWarning, SurveyError
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label
from relatie_lab.plots import NOT_SIGNIFICANT_COLOR, SIGNIFICANT_COLOR, display_name, finish, new_figure
from relatie_lab.scores import ensure_scores

__all__ = ["BLOCKS", "DEFAULT_LOW", "Scorecard", "block_constructs", "scorecard"]

#: The five building blocks in Pol's order (construct ids of the instrument, ``kind == "block"``).
BLOCKS: tuple[str, ...] = (
    "vertrouwen_blok",
    "betrokkenheid_organisatie",
    "keuzevrijheid",
    "rechtvaardigheid",
    "invloed",
)
#: A score below this counts as low (1-7 scale: below the neutral midpoint).
DEFAULT_LOW = 4.0


def block_constructs(*, facets: bool = True, instrument: Any = None) -> list[str]:
    """The block construct ids (instrument order), followed by each block's facets when ``facets``.

    ``instrument`` is the codebook (an ``Instrument``, the path of a codebook YAML, or None: the shipped one);
    one without constructs of kind ``block`` gives Pol's five blocks (:data:`BLOCKS`).

    Examples
    --------
    >>> block_constructs(facets=False)
    ['vertrouwen_blok', 'betrokkenheid_organisatie', 'keuzevrijheid', 'rechtvaardigheid', 'invloed']
    """
    c = resolve_instrument(instrument).constructs()
    blocks = [b for b in c.index[c["kind"] == "block"]] or list(BLOCKS)
    if not facets:
        return blocks
    out: list[str] = []
    for b in blocks:
        out.append(b)
        out.extend(c.index[c["parent"] == b].tolist())
    return out


def _mean_ci(x: np.ndarray) -> tuple[float, float, float, float]:
    n = len(x)
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan
    m = float(np.mean(x))
    if n < 2:
        return m, np.nan, np.nan, np.nan
    se = float(np.std(x, ddof=1) / np.sqrt(n))
    crit = float(stats.t.ppf(0.975, n - 1))
    return m, se, m - crit * se, m + crit * se


def _test_change(a: np.ndarray, b: np.ndarray, *, paired: bool) -> dict[str, float | str]:
    """Change b - a: difference with 95% CI, t, dof, p and Hedges' g (with CI)."""
    import pingouin as pg

    if paired:
        res = stats.ttest_rel(b, a)
        dof = len(a) - 1
    else:
        res = stats.ttest_ind(b, a, equal_var=False)
        dof = float(res.df)
    ci = res.confidence_interval(0.95)
    g = float(pg.compute_effsize(b, a, paired=paired, eftype="hedges"))
    g_ci = pg.compute_esci(g, nx=len(b), ny=len(a), paired=paired, eftype="hedges", decimals=12)
    return {
        "test": "paired_t" if paired else "welch_t",
        "difference": float(np.mean(b) - np.mean(a)),
        "ci_lower": float(ci.low),
        "ci_upper": float(ci.high),
        "t": float(res.statistic),
        "dof": float(dof),
        "p_value": float(res.pvalue),
        "hedges_g": g,
        "g_ci_lower": float(g_ci[0]),
        "g_ci_upper": float(g_ci[1]),
    }


@dataclass
class Scorecard:
    """Result of :func:`scorecard`: ``means`` per construct and wave, ``changes`` between waves."""

    means: pd.DataFrame
    changes: pd.DataFrame
    low: float
    wave_col: str | None

    def summary(self, lang: str = "nl") -> pd.DataFrame:
        """One row per block/facet: mean per wave, % low in the last wave, change, Holm p, significant."""
        lang = check_lang(lang)
        wide = self.means.pivot_table(index="construct", columns="wave", values="mean", observed=True, sort=False)
        wide.columns = [f"{label('mean', lang)} {label('wave', lang).lower()} {w}" for w in wide.columns]
        last = self.means.groupby("construct", sort=False).tail(1).set_index("construct")
        wide[label("blocks_low_pct", lang)] = 100 * last["share_low"]
        if len(self.changes):
            ch = self.changes.set_index("construct")
            wide[label("blocks_change", lang)] = ch["difference"]
            wide[label("an_hedges_g", lang)] = ch["hedges_g"]
            wide[label("an_p_holm", lang)] = ch["p_holm"]
            wide[label("an_significant", lang)] = ch["significant"]
        wide.index = [display_name(c, lang) for c in wide.index]
        wide.index.name = label("construct", lang)
        return wide.round(3)

    def plot(self, lang: str = "nl", *, facets: bool = False):
        """Dot-and-CI per block per wave with an arrow for the change (coloured when significant)."""
        return _plot_scorecard(self, lang=lang, facets=facets)


def scorecard(
    df: pd.DataFrame,
    *,
    wave_col: str | None = "meting",
    low: float = DEFAULT_LOW,
    constructs: list[str] | None = None,
    alpha: float = 0.05,
    lang: str = "nl",
    instrument: Any = None,
) -> Scorecard:
    """Mean with 95% CI, share scoring low, and the change between waves per building block and facet.

    Parameters
    ----------
    df
        Cleaned survey (items), or a frame with the score columns.
    wave_col
        Column of the measurement wave (default ``"meting"``); ``None`` or a missing column: one wave, no change.
        With more than two waves the change is tested between the first and the last.
    low
        Scores strictly below ``low`` count as low (default 4.0, the neutral midpoint of the 1-7 scale).
    constructs
        Blocks/facets to include (default: the five blocks and their facets).
    alpha
        Significance level for the ``significant`` column (on Holm-corrected p-values).
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.
    instrument
        The codebook whose items make up the blocks' scores (an ``Instrument``, the path of a codebook YAML, or
        None: the shipped one).

    Returns
    -------
    Scorecard
        ``.means``: ``construct, is_facet, wave, n, mean, se, ci_lower, ci_upper, share_low, low_ci_lower,
        low_ci_upper``; ``.changes``: ``construct, is_facet, wave_from, wave_to, test, n_from, n_to, difference,
        ci_lower, ci_upper, t, dof, p_value, p_holm, significant, hedges_g, g_ci_lower, g_ci_upper``.

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
    >>> card = scorecard(recode_reverse(df))
    >>> list(card.changes.columns[:4])
    ['construct', 'is_facet', 'wave_from', 'wave_to']
    """
    from statsmodels.stats.proportion import proportion_confint

    lang = check_lang(lang)
    instrument = resolve_instrument(instrument)
    constructs = constructs or block_constructs(instrument=instrument)
    all_blocks = set(block_constructs(facets=False, instrument=instrument))
    scored = ensure_scores(df, constructs, lang=lang, instrument=instrument)
    if wave_col is None or wave_col not in scored.columns:
        waves_series = pd.Series(1, index=scored.index)
    else:
        waves_series = scored[wave_col]
        if waves_series.isna().any():
            warnings.warn(
                label("blocks_warn_no_wave", lang).format(n=int(waves_series.isna().sum()), column=wave_col),
                DataQualityWarning,
                stacklevel=2,
            )
    waves = sorted(waves_series.dropna().unique())
    if not waves:
        raise SurveyError(label("blocks_err_no_wave", lang).format(column=wave_col))
    rows = []
    for c in constructs:
        for w in waves:
            x = scored.loc[waves_series == w, c].dropna().to_numpy(dtype=float)
            m, se, lo, hi = _mean_ci(x)
            k = int((x < low).sum())
            llo, lhi = proportion_confint(k, len(x), method="wilson") if len(x) else (np.nan, np.nan)
            rows.append(
                {
                    "construct": c,
                    "is_facet": c not in all_blocks,
                    "wave": w,
                    "n": len(x),
                    "mean": m,
                    "se": se,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "share_low": k / len(x) if len(x) else np.nan,
                    "low_ci_lower": llo,
                    "low_ci_upper": lhi,
                }
            )
    means = pd.DataFrame(rows)
    changes = pd.DataFrame()
    if len(waves) >= 2:
        w0, w1 = waves[0], waves[-1]
        paired = False
        if "respondent_id" in scored.columns:
            ids0 = set(scored.loc[waves_series == w0, "respondent_id"])
            ids1 = set(scored.loc[waves_series == w1, "respondent_id"])
            both = ids0 & ids1
            paired = len(both) >= 0.5 * min(len(ids0), len(ids1)) and len(both) >= 3
            if both and not paired:
                warnings.warn(
                    label("blocks_warn_unpaired", lang).format(n=len(both)),
                    DataQualityWarning,
                    stacklevel=2,
                )
            elif paired and (len(both) < len(ids0) or len(both) < len(ids1)):
                warnings.warn(
                    label("blocks_warn_paired_partial", lang).format(
                        w0=w0, w1=w1, n=len(ids0 - both) + len(ids1 - both)
                    ),
                    DataQualityWarning,
                    stacklevel=2,
                )
        ch_rows = []
        for c in constructs:
            if paired:
                a_frame = scored.loc[waves_series == w0, ["respondent_id", c]].dropna().drop_duplicates("respondent_id")
                b_frame = scored.loc[waves_series == w1, ["respondent_id", c]].dropna().drop_duplicates("respondent_id")
                merged = a_frame.merge(b_frame, on="respondent_id", suffixes=("_a", "_b"))
                a, b = merged[f"{c}_a"].to_numpy(float), merged[f"{c}_b"].to_numpy(float)
            else:
                a = scored.loc[waves_series == w0, c].dropna().to_numpy(float)
                b = scored.loc[waves_series == w1, c].dropna().to_numpy(float)
            res = _test_change(a, b, paired=paired) if min(len(a), len(b)) >= 2 else {}
            ch_rows.append(
                {
                    "construct": c,
                    "is_facet": c not in all_blocks,
                    "wave_from": w0,
                    "wave_to": w1,
                    "n_from": len(a),
                    "n_to": len(b),
                    **res,
                }
            )
        changes = pd.DataFrame(ch_rows)
        if "p_value" in changes:
            changes = add_holm(changes, alpha)
            order = [
                "construct",
                "is_facet",
                "wave_from",
                "wave_to",
                "test",
                "n_from",
                "n_to",
                "difference",
                "ci_lower",
                "ci_upper",
                "t",
                "dof",
                "p_value",
                "p_holm",
                "significant",
                "hedges_g",
                "g_ci_lower",
                "g_ci_upper",
            ]
            changes = changes[order]
    return Scorecard(means=means, changes=changes, low=float(low), wave_col=wave_col)


def _plot_scorecard(card: Scorecard, lang: str = "nl", *, facets: bool = False):
    """The manager's view: per block a dot with 95% CI per wave, an arrow for the change (orange = significant)."""
    lang = check_lang(lang)
    means = card.means if facets else card.means[~card.means["is_facet"]]
    constructs = list(dict.fromkeys(means["construct"]))[::-1]
    waves = sorted(means["wave"].unique())
    fig, ax = new_figure(width=8.0, height=0.7 * len(constructs) + 1.5)
    y = {c: i for i, c in enumerate(constructs)}
    offsets = np.linspace(-0.15, 0.15, len(waves)) if len(waves) > 1 else [0.0]
    shades = ["#A0A0A0", "#1F1F1F"] if len(waves) == 2 else [None] * len(waves)
    for w, off, shade in zip(waves, offsets, shades, strict=True):
        m = means[means["wave"] == w]
        ys = np.array([y[c] for c in m["construct"]]) + off
        ax.errorbar(
            m["mean"],
            ys,
            xerr=[m["mean"] - m["ci_lower"], m["ci_upper"] - m["mean"]],
            fmt="o",
            color=shade,
            capsize=3,
            label=f"{label('wave', lang)} {w}",
        )
    if len(card.changes):
        ch = card.changes.set_index("construct")
        for c in constructs:
            if c not in ch.index or pd.isna(ch.loc[c, "difference"]):
                continue
            start = means[(means["construct"] == c) & (means["wave"] == waves[0])]["mean"].iloc[0]
            end = means[(means["construct"] == c) & (means["wave"] == waves[-1])]["mean"].iloc[0]
            color = SIGNIFICANT_COLOR if bool(ch.loc[c, "significant"]) else NOT_SIGNIFICANT_COLOR
            ax.annotate(
                "",
                xy=(end, y[c] + 0.32),
                xytext=(start, y[c] + 0.32),
                arrowprops={"arrowstyle": "->", "color": color, "lw": 2},
            )
        ax.plot([], [], color=SIGNIFICANT_COLOR, lw=2, label=label("blocks_sig_change", lang))
        ax.plot([], [], color=NOT_SIGNIFICANT_COLOR, lw=2, label=label("blocks_nonsig_change", lang))
    ax.axvline(card.low, color="#C44E52", ls=":", lw=1)
    facet = dict(zip(means["construct"], means["is_facet"], strict=False))
    ax.set_yticks(list(y.values()), [("    " if facet[c] else "") + display_name(c, lang) for c in y])
    last = means[means["wave"] == waves[-1]].set_index("construct")["share_low"]
    for c in constructs:
        text = f" {100 * last[c]:.0f}% {label('blocks_low_short', lang)}"
        ax.text(1.01, y[c], text, va="center", fontsize="small", transform=ax.get_yaxis_transform())
    height = fig.get_size_inches()[1]
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.75 / height), ncol=2, fontsize="small", frameon=False)
    finish(
        ax,
        title=label("blocks_title", lang),
        xlabel=label("blocks_mean_axis", lang),
        ylabel=label("blocks_block", lang),
    )
    fig.tight_layout()
    return fig
