"""Construct scores compared between groups, for any codebook: means per group, Welch ANOVA, eta squared.

The generic group comparison of the report: every construct of the codebook (or those named) is scored as the
mean of its items (:func:`relatie_lab.scores.construct_scores`), described per group and tested with Welch's
ANOVA (unequal variances allowed; with two groups it equals Welch's t-test, F = t²); p-values are
Holm-corrected over the constructs.

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"sector": ["bank"] * 4 + ["energie"] * 4,
...                   "vt_1": [3.0, 4, 3, 4, 6, 5, 6, 5], "vt_2": [3.0, 4, 4, 3, 6, 6, 5, 5]})
>>> res = compare_constructs(d, "sector", ["vertrouwen"])
>>> res.means["mean"].round(2).tolist()
[3.5, 5.5]
>>> bool(res.tests.loc[0, "p_value"] < 0.01)
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from relatie_lab.ab_testing import add_holm
from relatie_lab.errors import SurveyError
from relatie_lab.labels import check_lang, label

__all__ = ["GroupComparison", "compare_constructs"]


@dataclass
class GroupComparison:
    """``.means`` (construct, group, n, mean, sd), ``.tests`` (construct, f, df1, df2, p_value, p_holm,
    significant, eta_squared); ``.summary(lang)``: one row per construct, a mean column per group."""

    means: pd.DataFrame
    tests: pd.DataFrame
    group: str
    instrument: Any = None

    def summary(self, lang: str = "nl") -> pd.DataFrame:
        """Wide table for a report: construct, mean per group, F, p (Holm) and eta squared."""
        lang = check_lang(lang)
        wide = self.means.pivot_table(index="construct", columns="group", values="mean", sort=False, observed=True)
        from relatie_lab.plots import value_label

        wide.columns = [f"M {value_label(self.group, c, lang)}" for c in wide.columns]  # labels, not data codes
        out = wide.reset_index().merge(
            self.tests[["construct", "f", "p_holm", "eta_squared"]], on="construct", how="left"
        )
        return out.rename(columns={"eta_squared": "η²"})


def _welch_anova(groups: list[np.ndarray]) -> tuple[float, float, float, float]:
    """Welch's ANOVA: (F, df1, df2, p); NaN when a group has fewer than two answers or no variance."""
    k = len(groups)
    n = np.array([len(g) for g in groups], float)
    if k < 2 or (n < 2).any():
        return (np.nan,) * 4
    means = np.array([g.mean() for g in groups])
    var = np.array([g.var(ddof=1) for g in groups])
    if (var <= 0).any():
        return (np.nan,) * 4
    w = n / var
    mw = float((w * means).sum() / w.sum())
    a = float((w * (means - mw) ** 2).sum() / (k - 1))
    lam = float(((1 - w / w.sum()) ** 2 / (n - 1)).sum())
    b = 1 + 2 * (k - 2) / (k**2 - 1) * lam
    f = a / b
    df2 = (k**2 - 1) / (3 * lam)
    return f, float(k - 1), df2, float(stats.f.sf(f, k - 1, df2))


def compare_constructs(
    df: pd.DataFrame,
    group: str,
    constructs: Sequence[str] | None = None,
    *,
    instrument: Any = None,
    alpha: float = 0.05,
    lang: str = "nl",
) -> GroupComparison:
    """Compare construct scores between the groups of ``group``.

    Parameters
    ----------
    df
        Cleaned survey (item columns named by item id) with the ``group`` column.
    group
        The group column; rows without a group are left out.
    constructs
        Construct ids (default: every construct of the codebook with items in ``df``, facets left out).
    instrument
        The codebook (default: the shipped one).
    alpha
        Level of ``significant`` (on the Holm-corrected p).
    lang
        Language of errors: ``"nl"`` (default) or ``"en"``.

    Returns
    -------
    GroupComparison
    """
    from relatie_lab.scores import construct_scores

    lang = check_lang(lang)
    if group not in df.columns:
        columns = ", ".join(map(str, df.columns))
        raise SurveyError(label("an_err_group_column", lang).format(column=group, columns=columns))
    if instrument is None:
        from relatie_lab.instrument import default

        instrument = default()
    if constructs is None:
        table = instrument.constructs()
        constructs = [
            c for c in table.index
            if pd.isna(table.loc[c, "parent"]) and any(i in df.columns for i in instrument.item_ids(c))
        ]  # fmt: skip
    scores = construct_scores(df, list(constructs), instrument=instrument, keep=[], lang=lang)
    labels = df[group].reset_index(drop=True)
    levels = [v for v in pd.unique(labels.dropna())]
    with contextlib.suppress(TypeError):
        levels = sorted(levels)
    means, tests = [], []
    for construct in constructs:
        parts = []
        for level in levels:
            x = scores.loc[labels == level, construct].dropna().to_numpy(float)
            parts.append(x)
            means.append({"construct": construct, "group": level, "n": len(x),
                          "mean": float(x.mean()) if len(x) else np.nan,
                          "sd": float(x.std(ddof=1)) if len(x) > 1 else np.nan})  # fmt: skip
        used = [p for p in parts if len(p)]
        f, df1, df2, p = _welch_anova(used)
        grand = np.concatenate(used) if used else np.array([])
        ss_total = float(((grand - grand.mean()) ** 2).sum()) if len(grand) else np.nan
        ss_between = float(sum(len(x) * (x.mean() - grand.mean()) ** 2 for x in used)) if len(grand) else np.nan
        eta = ss_between / ss_total if ss_total and ss_total > 0 else np.nan
        tests.append({"construct": construct, "f": f, "df1": df1, "df2": df2, "p_value": p, "eta_squared": eta})
    tests_df = add_holm(pd.DataFrame(tests), alpha)
    return GroupComparison(means=pd.DataFrame(means), tests=tests_df, group=group, instrument=instrument)
