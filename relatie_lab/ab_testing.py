"""A/B intervention test (Pol's advice in seed 002; the folder experiment of seed 001: lowest price vs care).

:func:`ab_test` compares two arms on the five building-block indicators and on tevredenheid, vertrouwen and
aanbeveling: per outcome the difference in means (treatment - control) with its Welch 95% CI, Hedges' g with a 95%
CI, Welch's t-test p-value and the Holm-corrected p-value over all outcomes (so testing eight outcomes does not
inflate the chance of a false discovery). :func:`power_analysis` and :func:`required_n` plan the next test.

The statistics come from the libraries: Welch t and its CI from :func:`scipy.stats.ttest_ind`, Hedges' g and its CI
from :func:`pingouin.compute_effsize` / :func:`pingouin.compute_esci`, Holm from
:func:`statsmodels.stats.multitest.multipletests`, power from :func:`pingouin.power_ttest`.

Examples
--------
>>> required_n(0.5)
64
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from relatie_lab.errors import SurveyError
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label
from relatie_lab.plots import NOT_SIGNIFICANT_COLOR, SIGNIFICANT_COLOR, display_name, finish, new_figure, value_label
from relatie_lab.scores import ensure_scores

__all__ = ["AB_OUTCOMES", "ComparisonResult", "ab_test", "add_holm", "compare_groups", "power_analysis", "required_n"]

#: Default outcomes: the five building blocks, then satisfaction, (global) trust and recommendation.
AB_OUTCOMES: tuple[str, ...] = (
    "vertrouwen_blok",
    "betrokkenheid_organisatie",
    "keuzevrijheid",
    "rechtvaardigheid",
    "invloed",
    "tevredenheid",
    "vertrouwen",
    "aanbeveling",
)


@dataclass
class ComparisonResult:
    """Result of :func:`ab_test` / :func:`relatie_lab.choice.freedom_of_choice`: one row per outcome in ``table``."""

    table: pd.DataFrame
    group_col: str
    control: str
    treatment: str
    title_key: str = "ab_title"

    def summary(self, lang: str = "nl") -> pd.DataFrame:
        """Readable table: outcome, means per group, difference with CI, Hedges' g with CI, p and Holm p."""
        lang = check_lang(lang)
        t = self.table
        control, treatment = self._names(lang)
        out = pd.DataFrame(
            {
                label("an_outcome", lang): [display_name(c, lang) for c in t["outcome"]],
                f"{label('mean', lang)} {control[:1].lower()}{control[1:]}": t["mean_control"],
                f"{label('mean', lang)} {treatment[:1].lower()}{treatment[1:]}": t["mean_treatment"],
                label("an_difference", lang): t["difference"],
                label("an_ci_lower", lang): t["ci_lower"],
                label("an_ci_upper", lang): t["ci_upper"],
                label("an_hedges_g", lang): t["hedges_g"],
                label("p_value", lang): t["p_value"],
                label("an_p_holm", lang): t["p_holm"],
                label("an_significant", lang): t["significant"],
            }
        )
        return out.round(3)

    def _names(self, lang: str) -> tuple[str, str]:
        """The labels of the control and treatment values (``prijs`` -> "Prijsfolder")."""
        return value_label(self.group_col, self.control, lang), value_label(self.group_col, self.treatment, lang)

    def plot(self, lang: str = "nl"):
        """Forest plot of Hedges' g with 95% CI per outcome; orange where the Holm-corrected p < alpha."""
        lang = check_lang(lang)
        t = self.table.iloc[::-1]
        fig, ax = new_figure(width=7.5, height=0.45 * len(t) + 1.5)
        y = np.arange(len(t))
        colors = [SIGNIFICANT_COLOR if s else NOT_SIGNIFICANT_COLOR for s in t["significant"]]
        for yi, (_, row), col in zip(y, t.iterrows(), colors, strict=True):
            ax.errorbar(
                row["hedges_g"],
                yi,
                xerr=[[row["hedges_g"] - row["g_ci_lower"]], [row["g_ci_upper"] - row["hedges_g"]]],
                fmt="o",
                color=col,
                capsize=3,
            )
        ax.axvline(0, color="black", lw=1)
        ax.set_yticks(y, [display_name(c, lang) for c in t["outcome"]])
        ax.plot([], [], "o", color=SIGNIFICANT_COLOR, label=label("an_significant_holm", lang))
        ax.plot([], [], "o", color=NOT_SIGNIFICANT_COLOR, label=label("an_not_significant", lang))
        # the legend goes under the axes, where it can cover no interval
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize="small", frameon=False)
        control, treatment = (name[:1].lower() + name[1:] for name in self._names(lang))
        title = label(self.title_key, lang).format(treatment=treatment, control=control)
        finish(
            ax,
            title=title,
            xlabel=label("an_hedges_g_axis", lang).format(treatment=treatment, control=control),
            ylabel=label("an_outcome", lang),
        )
        fig.tight_layout()
        return fig


def add_holm(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Set ``p_holm`` (Holm-corrected ``p_value`` over the rows that have one; NaN elsewhere) and ``significant``.

    Examples
    --------
    >>> import pandas as pd
    >>> add_holm(pd.DataFrame({"p_value": [0.01, 0.04, None]}))["p_holm"].round(2).tolist()
    [0.02, 0.04, nan]
    """
    from statsmodels.stats.multitest import multipletests

    table["p_holm"] = np.nan
    ok = table["p_value"].notna()
    if ok.any():
        table.loc[ok, "p_holm"] = multipletests(table.loc[ok, "p_value"].to_numpy(float), method="holm")[1]
    table["significant"] = table["p_holm"] < alpha
    return table


def compare_groups(
    df: pd.DataFrame,
    group_col: str,
    outcomes: Sequence[str],
    *,
    control: str,
    treatment: str,
    alpha: float = 0.05,
    title_key: str = "ab_title",
    lang: str = "nl",
    instrument: Any = None,
) -> ComparisonResult:
    """Compare two groups on several outcomes: Welch t with 95% CI, Hedges' g with 95% CI, Holm-corrected p.

    Parameters
    ----------
    df
        Cleaned survey (items) or a frame with the outcome score columns.
    group_col
        Column holding the two groups.
    outcomes
        Construct ids (or score columns) to compare.
    control, treatment
        The two values of ``group_col``; differences are ``treatment - control``.
    alpha
        Level for ``significant`` (applied to the Holm-corrected p).
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.
    instrument
        The codebook whose items make up the outcome scores (an ``Instrument``, the path of a codebook YAML, or
        None: the shipped one).

    Returns
    -------
    ComparisonResult
        ``.table``: ``outcome, n_control, n_treatment, mean_control, mean_treatment, sd_control, sd_treatment,
        difference, ci_lower, ci_upper, t, dof, p_value, p_holm, significant, hedges_g, g_ci_lower, g_ci_upper``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"arm": ["a"] * 4 + ["b"] * 4, "vertrouwen": [3.0, 4, 3, 4, 6, 5, 6, 5]})
    >>> compare_groups(d, "arm", ["vertrouwen"], control="a", treatment="b").table["difference"].tolist()
    [2.0]
    """
    import pingouin as pg

    lang = check_lang(lang)
    if group_col not in df.columns:
        columns = ", ".join(map(str, df.columns))
        raise SurveyError(label("an_err_group_column", lang).format(column=group_col, columns=columns))
    present = set(df[group_col].dropna().astype(str))
    for value in (control, treatment):
        if str(value) not in present:
            raise SurveyError(
                label("an_err_no_values", lang).format(column=group_col, value=value, values=", ".join(sorted(present)))
            )
    scored = ensure_scores(df, list(outcomes), lang=lang, instrument=resolve_instrument(instrument))
    groups = scored[group_col].astype(str)
    rows = []
    for outcome in outcomes:
        a = scored.loc[groups == str(control), outcome].dropna().to_numpy(float)
        b = scored.loc[groups == str(treatment), outcome].dropna().to_numpy(float)
        row: dict[str, float | str | int] = {"outcome": outcome, "n_control": len(a), "n_treatment": len(b)}
        if min(len(a), len(b)) < 2:
            rows.append(row)
            continue
        res = stats.ttest_ind(b, a, equal_var=False)
        ci = res.confidence_interval(1 - 0.05)
        g = float(pg.compute_effsize(b, a, paired=False, eftype="hedges"))
        g_ci = pg.compute_esci(g, nx=len(b), ny=len(a), eftype="hedges", decimals=12)
        row.update(
            mean_control=float(a.mean()),
            mean_treatment=float(b.mean()),
            sd_control=float(a.std(ddof=1)),
            sd_treatment=float(b.std(ddof=1)),
            difference=float(b.mean() - a.mean()),
            ci_lower=float(ci.low),
            ci_upper=float(ci.high),
            t=float(res.statistic),
            dof=float(res.df),
            p_value=float(res.pvalue),
            hedges_g=g,
            g_ci_lower=float(g_ci[0]),
            g_ci_upper=float(g_ci[1]),
        )
        rows.append(row)
    cols = [
        "outcome",
        "n_control",
        "n_treatment",
        "mean_control",
        "mean_treatment",
        "sd_control",
        "sd_treatment",
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
    table = add_holm(pd.DataFrame(rows).reindex(columns=cols), alpha)
    return ComparisonResult(
        table=table, group_col=group_col, control=str(control), treatment=str(treatment), title_key=title_key
    )


def ab_test(
    df: pd.DataFrame,
    arm: str = "conditie",
    outcomes: Sequence[str] | None = None,
    *,
    control: str = "prijs",
    treatment: str = "zorg",
    alpha: float = 0.05,
    lang: str = "nl",
    instrument: Any = None,
) -> ComparisonResult:
    """Effect of an intervention (two arms) on the five building blocks, satisfaction, trust and recommendation.

    Parameters
    ----------
    df
        Cleaned survey (items) or a frame of construct scores, with the arm column.
    arm
        Column of the arm (default ``"conditie"``: ``prijs`` = lowest-price folder, ``zorg`` = care folder).
    outcomes
        Construct ids; default :data:`AB_OUTCOMES`.
    control, treatment
        Values of ``arm``; differences and effect sizes are ``treatment - control``.
    alpha
        Level for ``significant`` on the Holm-corrected p-values.
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.
    instrument
        The codebook (see :func:`compare_groups`).

    Returns
    -------
    ComparisonResult
        See :func:`compare_groups`; ``.summary(lang)`` and ``.plot(lang)`` (forest plot of Hedges' g).

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
    >>> res = ab_test(recode_reverse(df))
    >>> len(res.table), bool((res.table["p_holm"] >= res.table["p_value"]).all())
    (8, True)
    """
    return compare_groups(
        df,
        arm,
        list(outcomes or AB_OUTCOMES),
        control=control,
        treatment=treatment,
        alpha=alpha,
        title_key="ab_title",
        lang=lang,
        instrument=instrument,
    )


def power_analysis(d: float, n: int, alpha: float = 0.05, *, lang: str = "nl") -> float:
    """Power of a two-sided two-sample t-test for effect size ``d`` with ``n`` respondents per arm.

    Examples
    --------
    >>> round(power_analysis(d=0.5, n=64), 3)
    0.801
    """
    import pingouin as pg

    if n < 2:
        raise SurveyError(label("ab_err_power_n", lang).format(n=n))
    return float(pg.power_ttest(d=d, n=n, alpha=alpha, contrast="two-samples"))


def required_n(d: float, power: float = 0.8, alpha: float = 0.05, *, lang: str = "nl") -> int:
    """Respondents needed *per arm* to detect effect size ``d`` with the given power (two-sided t-test), rounded up.

    Examples
    --------
    >>> required_n(0.2), required_n(0.8, power=0.9)
    (394, 34)
    """
    import pingouin as pg

    if d == 0:
        raise SurveyError(label("ab_err_zero_effect", lang))
    n = pg.power_ttest(d=abs(d), power=power, alpha=alpha, contrast="two-samples")
    return math.ceil(float(n))
