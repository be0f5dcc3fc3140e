"""Construct scores compared between groups, for any codebook: means per group, Welch ANOVA, eta squared.

The generic group comparison of the report: every construct of the codebook (or those named) is scored as the
mean of its items (:func:`relatie_lab.scores.construct_scores`), described per group and tested with Welch's
ANOVA (unequal variances allowed; with two groups it equals Welch's t-test, F = t²); p-values are
Holm-corrected over the constructs.

Means are only compared when they mean the same thing in every group: with ``invariance=True`` (the default) the
measurement model of every construct with at least three items is tested across the groups once
(:func:`scalar_invariance`: configural, metric, scalar; :func:`relatie_lab.invariance`). A construct without
scalar invariance keeps its descriptive means, but its F, *p* and eta squared are not shown in the summary
table and the report's sentence (:func:`relatie_lab.apa.group_invariance_text`) says why.

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
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label

__all__ = ["MIN_ITEMS_INVARIANCE", "GroupComparison", "compare_constructs", "scalar_invariance"]

#: Fewer items than this: the construct's invariance is not tested (a one-factor model needs three to be testable).
MIN_ITEMS_INVARIANCE = 3
#: ``status`` of a construct in :func:`scalar_invariance`.
INVARIANCE_STATUSES = ("scalar", "not_scalar", "too_few_items", "not_estimated")


@dataclass
class GroupComparison:
    """``.means`` (construct, group, n, mean, sd), ``.tests`` (construct, f, df1, df2, p_value, p_holm,
    significant, eta_squared, comparable); ``.invariance`` (see :func:`scalar_invariance`; None when not
    tested); ``.summary(lang)``: one row per construct, a mean column per group."""

    means: pd.DataFrame
    tests: pd.DataFrame
    group: str
    instrument: Any = None
    invariance: pd.DataFrame | None = None

    def summary(self, lang: str = "nl") -> pd.DataFrame:
        """Wide table for a report: construct, mean per group, F, p (Holm) and eta squared."""
        lang = check_lang(lang)
        wide = self.means.pivot_table(index="construct", columns="group", values="mean", sort=False, observed=True)
        from relatie_lab.plots import value_label

        wide.columns = [f"M {value_label(self.group, c, lang)}" for c in wide.columns]  # labels, not data codes
        out = wide.reset_index().merge(
            self.tests[["construct", "f", "p_holm", "eta_squared"]], on="construct", how="left"
        )
        if self.invariance is not None:  # without scalar invariance the means are not compared
            status = out["construct"].map(self.invariance.set_index("construct")["status"])
            out.loc[status.eq("not_scalar").to_numpy(), ["f", "p_holm", "eta_squared"]] = np.nan
            out[label("gc_invariance", lang)] = [label(f"gc_invariance_{s}", lang) if isinstance(s, str) else ""
                                                 for s in status]  # fmt: skip
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
    invariance: bool = True,
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
    invariance
        Test first whether the means may be compared (:func:`scalar_invariance`; ``.invariance`` and
        ``.tests["comparable"]``); False skips the test.
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
    instrument = resolve_instrument(instrument)
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
    inv = None
    if invariance:
        inv = scalar_invariance(df, group, list(constructs), instrument=instrument, lang=lang)
        tests_df["comparable"] = ~tests_df["construct"].map(inv.set_index("construct")["status"]).eq("not_scalar")
    return GroupComparison(means=pd.DataFrame(means), tests=tests_df, group=group, instrument=instrument,
                           invariance=inv)  # fmt: skip


def _measurement_model(df: pd.DataFrame, construct: str, instrument: Any) -> tuple[str, list[str]]:
    """lavaan syntax of a construct's measurement model and its items in ``df``: one factor per facet when every
    item belongs to a facet with at least two items in the data (correlated facets), else one factor."""
    items = [i for i in instrument.item_ids(construct) if i in df.columns]
    facets = {f: [i for i in instrument.item_ids(f) if i in df.columns] for f in instrument.facets(construct)}
    facets = {f: v for f, v in facets.items() if v}
    in_facets = [i for v in facets.values() for i in v]
    if len(facets) >= 2 and all(len(v) >= 2 for v in facets.values()) and sorted(in_facets) == sorted(items):
        return "\n".join(f"{f} =~ {' + '.join(v)}" for f, v in facets.items()), items
    return f"{construct} =~ {' + '.join(items)}", items


def scalar_invariance(
    df: pd.DataFrame,
    group: str,
    constructs: Sequence[str],
    *,
    instrument: Any = None,
    lang: str = "nl",
) -> pd.DataFrame:
    """Test, per construct, whether its group means may be compared: the measurement model across the groups
    (configural, metric, scalar; :func:`relatie_lab.invariance`, listwise, ML).

    One multi-group CFA sequence per construct with at least :data:`MIN_ITEMS_INVARIANCE` items in ``df``: one
    factor, or one per facet when the construct has facets. A step holds when the CFI drops by less than .01
    (Cheung & Rensvold, 2002). Listwise deletion keeps the check fast (a few seconds for the demo's 6 sectors);
    the model's own warnings are not shown, a model that cannot be estimated is ``not_estimated``.

    Parameters
    ----------
    df, group, instrument, lang
        As in :func:`compare_constructs`.
    constructs
        Construct ids.

    Returns
    -------
    DataFrame
        One row per construct: ``construct, n_items, delta_cfi_metric, delta_cfi_scalar, status`` with
        ``status`` one of ``scalar``, ``not_scalar``, ``too_few_items``, ``not_estimated``.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=(300, 1))
    >>> d = pd.DataFrame(4 + f @ [[0.9, 0.8, 0.7]] + rng.normal(size=(300, 3)) * 0.5,
    ...                  columns=["gw_1", "gw_2", "gw_3"])
    >>> d["sector"] = np.repeat(["bank", "energie"], 150)
    >>> scalar_invariance(d, "sector", ["gedeelde_waarden"])["status"].tolist()
    ['scalar']
    """
    import warnings

    from relatie_lab.sem.invariance import invariance

    lang = check_lang(lang)
    instrument = resolve_instrument(instrument)
    rows = []
    for construct in constructs:
        model, items = _measurement_model(df, construct, instrument)
        row: dict[str, Any] = {"construct": construct, "n_items": len(items), "delta_cfi_metric": np.nan,
                               "delta_cfi_scalar": np.nan, "status": "too_few_items"}  # fmt: skip
        if len(items) >= MIN_ITEMS_INVARIANCE:
            data = df.loc[df[group].notna(), [*items, group]]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    steps = invariance(data, model, group, missing="listwise", lang=lang).table.set_index("step")
            except Exception:  # a model that cannot be estimated is reported as such, not raised
                row["status"] = "not_estimated"
            else:
                decision = steps["decision"]
                row["delta_cfi_metric"] = float(steps.loc["metric", "delta_cfi"])
                row["delta_cfi_scalar"] = float(steps.loc["scalar", "delta_cfi"])
                ok = decision["metric"] == "supported" and decision["scalar"] == "supported"
                row["status"] = "scalar" if ok else "not_scalar"
        rows.append(row)
    return pd.DataFrame(rows, columns=["construct", "n_items", "delta_cfi_metric", "delta_cfi_scalar", "status"])
