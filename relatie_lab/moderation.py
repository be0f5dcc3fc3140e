"""Relationship type (or sector) as moderator: does an effect differ between groups? (seeds 003 and 004)

Pol's taboo trade-offs: a communal "zorg voor elkaar" message may work for customers in a betekenis relationship
and irritate those in a markt relationship; trust may weigh more for commitment in a public (gezag) relationship
than in a private one. Two tools:

- :func:`moderated_regression`: OLS of ``y`` on ``x``, the moderator and their interaction (statsmodels), with
  ``x`` centred (and a numeric moderator centred), the test of the interaction and the *simple slopes*: the effect
  of ``x`` within each moderator level (or at the moderator's mean and +/- 1 SD) with 95% CIs.
- :func:`multigroup_comparison`: the same question in a latent-variable model, with the SEM engine's multi-group fit
  and invariance sequence (:func:`relatie_lab.sem.invariance`): the structural paths per group and a chi-square
  difference test of equal paths across groups (given metric invariance).

``x`` may be a construct (``"vertrouwen"``), a numeric column, or a two-valued column such as the A/B arm
``conditie`` (coded 0 = ``x_reference``, 1 = the other value). The moderator may be a group column, a numeric
column, ``"relationship_type"`` (computed with :func:`relatie_lab.relationship_types.relationship_profile`) or
``"publiek_privaat"`` (``"publiek"`` for the sectors in :data:`PUBLIC_SECTORS`, else ``"privaat"``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> d = pd.DataFrame({"x": rng.normal(size=400), "g": np.repeat(["a", "b"], 200)})
>>> d["y"] = np.where(d["g"] == "a", 0.2, 0.8) * d["x"] + rng.normal(scale=0.5, size=400)
>>> res = moderated_regression(d, "x", "y", "g")
>>> res.simple_slopes["slope"].round(1).tolist()
[0.2, 0.8]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.errors import SurveyError
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label
from relatie_lab.plots import display_name, finish, new_figure, type_color
from relatie_lab.scores import ensure_scores

__all__ = [
    "ModeratedRegression",
    "MultigroupComparison",
    "free_path_labels",
    "moderated_regression",
    "multigroup_comparison",
]

RELATIONSHIP_TYPE = "relationship_type"
#: Pseudo-column ``"publiek" | "privaat"`` derived from ``sector`` (seed 003: public vs private organisations).
PUBLIC_PRIVATE = "publiek_privaat"
#: Sectors counted as public (monopolists with an authority relationship and no choice of provider).
PUBLIC_SECTORS: tuple[str, ...] = ("gemeente", "waterbedrijf", "pensioenfonds")
DERIVED = (RELATIONSHIP_TYPE, PUBLIC_PRIVATE)



def _counts_text(counts: pd.Series) -> str:
    """Group sizes for a message: ``gezag 5, markt 3`` (plain numbers, largest first)."""
    return ", ".join(f"{k} {int(v)}" for k, v in counts.items())

def _with_columns(
    df: pd.DataFrame, columns: list[str], threshold: float | None, lang: str = "nl", instrument: Any = None
) -> pd.DataFrame:
    """``df`` with construct scores for the constructs among ``columns``, and the derived columns if asked."""
    instrument = resolve_instrument(instrument)
    known = set(instrument.constructs().index)
    need = [c for c in columns if c not in df.columns and c not in DERIVED]
    constructs = [c for c in need if c in known]
    unknown = [c for c in need if c not in constructs]
    if unknown:
        raise SurveyError(label("mod_err_unknown_columns", lang).format(names=", ".join(unknown)))
    out = ensure_scores(df, constructs, lang=lang, instrument=instrument) if constructs else df.reset_index(drop=True)
    if RELATIONSHIP_TYPE in columns and RELATIONSHIP_TYPE not in out.columns:
        from relatie_lab.relationship_types import DEFAULT_THRESHOLD, relationship_profile

        prof = relationship_profile(out, threshold=DEFAULT_THRESHOLD if threshold is None else threshold, lang=lang,
                                    instrument=instrument)  # fmt: skip
        out = out.assign(**{RELATIONSHIP_TYPE: prof[RELATIONSHIP_TYPE].to_numpy()})
    if PUBLIC_PRIVATE in columns and PUBLIC_PRIVATE not in out.columns:
        if "sector" not in out.columns:
            raise SurveyError(label("mod_err_no_sector", lang).format(name=PUBLIC_PRIVATE))
        kind = np.where(out["sector"].isin(PUBLIC_SECTORS), "publiek", "privaat")
        out = out.assign(**{PUBLIC_PRIVATE: pd.Series(kind, index=out.index).where(out["sector"].notna())})
    return out


@dataclass
class ModeratedRegression:
    """Result of :func:`moderated_regression`."""

    x: str
    y: str
    moderator: str
    categorical: bool
    coefficients: pd.DataFrame
    simple_slopes: pd.DataFrame
    interaction_test: dict[str, float]
    data: pd.DataFrame = field(repr=False)
    model: Any = field(repr=False)
    x_coding: dict[str, int] | None = None

    def summary(self, lang: str = "nl") -> pd.DataFrame:
        """Simple slopes per moderator level (slope, CI, p), with the interaction test in ``.attrs``."""
        lang = check_lang(lang)
        t = self.simple_slopes.drop(columns=["moderator_value"] if self.categorical else [])
        if self.moderator == RELATIONSHIP_TYPE:
            t = t.assign(moderator_level=[display_name(f"type_{v}", lang) for v in t["moderator_level"]])
        t = t.rename(
            columns={
                "moderator_level": display_name(self.moderator, lang),
                "moderator_value": label("mod_moderator_value", lang),
                "slope": label("mod_simple_slope", lang),
                "se": label("std_error", lang),
                "ci_lower": label("an_ci_lower", lang),
                "ci_upper": label("an_ci_upper", lang),
                "p_value": label("p_value", lang),
                "n": label("n_respondents", lang),
            }
        ).round(3)
        t.attrs["interaction_test"] = self.interaction_test
        return t

    def plot(self, lang: str = "nl"):
        """Predicted ``y`` over ``x`` per moderator level (lines) over the respondents (dots).

        A two-valued ``x`` (e.g. the A/B arm) is drawn on a categorical axis: the predicted mean with its 95% CI
        per arm and moderator level, the axis fitted to those intervals.
        """
        lang = check_lang(lang)
        if self.x_coding:
            return self._plot_binary(lang)
        fig, ax = new_figure(width=7.0, height=4.5)
        d = self.data
        palette = _palette(self.simple_slopes["moderator_level"].tolist(), self.moderator)
        xs = np.linspace(d["_x"].min(), d["_x"].max(), 50)
        for level, color in palette.items():
            row = self.simple_slopes[self.simple_slopes["moderator_level"] == level].iloc[0]
            if self.categorical:
                part = d[d["_m"].astype(str) == str(level)]
                ax.scatter(part["_x_raw"], part["_y"], s=8, alpha=0.25, color=color)
                m_value = level
            else:
                m_value = row["moderator_value"] - float(d["_m_raw"].mean())
            pred = self._predict(xs, m_value)
            name = display_name(f"type_{level}", lang) if self.moderator == RELATIONSHIP_TYPE else str(level)
            ax.plot(xs + self._x_mean, pred, color=color, lw=2.5, label=f"{name}: b = {_b(row['slope'], lang)}")
        if not self.categorical:
            ax.scatter(d["_x_raw"], d["_y"], s=8, alpha=0.2, color="#666666")
        return self._finish(fig, ax, lang)

    def _plot_binary(self, lang: str):
        from relatie_lab.plots import value_label

        fig, ax = new_figure(width=7.0, height=4.5)
        levels = self.simple_slopes["moderator_level"].tolist()
        palette = _palette(levels, self.moderator)
        codes = sorted(self.x_coding, key=self.x_coding.get)
        offsets = np.linspace(-0.12, 0.12, max(len(palette), 1))
        for (level, color), dx in zip(palette.items(), offsets, strict=True):
            m_value = level if self.categorical else (
                self.simple_slopes.loc[self.simple_slopes["moderator_level"] == level, "moderator_value"].iloc[0]
                - float(self.data["_m_raw"].mean()))  # fmt: skip
            xs = np.array([0.0, 1.0]) - self._x_mean
            new = pd.DataFrame({"_x": xs, "_m": [m_value] * 2})
            pred = self.model.get_prediction(new).summary_frame(alpha=0.05)
            mean, lo, hi = (pred[c].to_numpy() for c in ("mean", "mean_ci_lower", "mean_ci_upper"))
            slope = self.simple_slopes[self.simple_slopes["moderator_level"] == level].iloc[0]["slope"]
            name = display_name(f"type_{level}", lang) if self.moderator == RELATIONSHIP_TYPE else str(level)
            ax.errorbar(np.array([0, 1]) + dx, mean, yerr=[mean - lo, hi - mean], fmt="o-", color=color, lw=2,
                        capsize=3, label=f"{name}: b = {_b(slope, lang)}")  # fmt: skip
        ax.set_xticks([0, 1], [value_label(self.x, c, lang) for c in codes])
        ax.set_xlim(-0.5, 1.5)
        return self._finish(fig, ax, lang)

    def _finish(self, fig: Any, ax: Any, lang: str):
        """Legend beside the axes (it covers no respondent and no line), title and axis labels; returns ``fig``."""
        ax.legend(title=display_name(self.moderator, lang), fontsize="small", loc="upper left",
                  bbox_to_anchor=(1.02, 1.0), frameon=False)  # fmt: skip
        title = label("mod_title", lang).format(
            x=display_name(self.x, lang), y=display_name(self.y, lang), m=display_name(self.moderator, lang)
        )
        finish(ax, title=title, xlabel=display_name(self.x, lang), ylabel=display_name(self.y, lang))
        fig.tight_layout()
        return fig

    @property
    def _x_mean(self) -> float:
        return float(self.data["_x_raw"].mean())

    def _predict(self, xs_centred: np.ndarray, m_value: Any) -> np.ndarray:
        if self.categorical:
            new = pd.DataFrame({"_x": xs_centred, "_m": [m_value] * len(xs_centred)})
        else:
            new = pd.DataFrame({"_x": xs_centred, "_m": np.full(len(xs_centred), m_value)})
        return np.asarray(self.model.predict(new))


def _b(value: float, lang: str) -> str:
    """A slope in the report's number style (decimal comma in Dutch)."""
    from relatie_lab.apa import number

    return number(value, 2, lang)


def _palette(levels: list[Any], moderator: str) -> dict[Any, str]:
    import matplotlib.pyplot as plt

    if moderator == RELATIONSHIP_TYPE:
        return {lv: type_color(lv) for lv in levels}
    cmap = plt.get_cmap("tab10")
    return {lv: cmap(i % 10) for i, lv in enumerate(levels)}


def moderated_regression(
    df: pd.DataFrame,
    x: str,
    y: str,
    moderator: str,
    *,
    reference: Any = None,
    x_reference: Any = None,
    threshold: float | None = None,
    min_group: int = 10,
    lang: str = "nl",
    instrument: Any = None,
) -> ModeratedRegression:
    """OLS ``y ~ x * moderator`` with centred ``x``, the interaction test and simple slopes with 95% CIs.

    Parameters
    ----------
    df
        Cleaned survey (items) or a frame with the needed columns.
    x, y
        Construct ids or columns. A two-valued ``x`` (e.g. ``"conditie"``) is coded 0/1 (0 = ``x_reference``,
        default the first value in sort order) before centring, so its slope is the arm difference.
    moderator
        Group column (``"sector"``, ``"relationship_type"``, ``"publiek_privaat"``, ``"keuze_aanbieder"``...) or a
        numeric column (more than two distinct numbers), which is centred; its simple slopes are at mean - 1 SD,
        mean and mean + 1 SD.
    reference
        Reference level of a categorical moderator (default: the first in sort order).
    threshold
        Threshold of :func:`relatie_lab.relationship_types.relationship_profile` when the moderator is
        ``"relationship_type"``.
    min_group
        Levels of a categorical moderator with fewer respondents are left out (with their count in ``.attrs``).
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.
    instrument
        The codebook whose items make up the construct scores (an ``Instrument``, the path of a codebook YAML, or
        None: the shipped one); also for the relationship types.

    Returns
    -------
    ModeratedRegression
        ``.coefficients`` (``term, est, se, t, p_value, ci_lower, ci_upper``), ``.simple_slopes``
        (``moderator_level, moderator_value, slope, se, t, p_value, ci_lower, ci_upper, n``),
        ``.interaction_test`` (``{"statistic", "df_num", "df_denom", "p_value"}``: F-test of all interaction terms),
        ``.summary(lang)``, ``.plot(lang)``.

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
    >>> res = moderated_regression(recode_reverse(df), "vertrouwen", "commitment", "sector")
    >>> bool(res.simple_slopes["ci_lower"].le(res.simple_slopes["ci_upper"]).all())
    True
    """
    import statsmodels.formula.api as smf

    lang = check_lang(lang)
    data = _with_columns(df, [x, y, moderator], threshold, lang, instrument)
    d = pd.DataFrame({"_x_in": data[x], "_y": pd.to_numeric(data[y], errors="coerce"), "_m": data[moderator]})
    n_in = len(d)
    d = d.dropna().reset_index(drop=True)
    x_coding = None
    if not pd.api.types.is_numeric_dtype(d["_x_in"]) or d["_x_in"].nunique() == 2:
        values = sorted(d["_x_in"].unique(), key=str)
        if len(values) != 2:
            raise SurveyError(label("mod_err_x_values", lang).format(x=x, n=len(values)))
        ref = values[0] if x_reference is None else x_reference
        if ref not in values:
            raise SurveyError(label("mod_err_x_reference", lang).format(ref=ref, x=x, values=values))
        other = values[1] if ref == values[0] else values[0]
        x_coding = {str(ref): 0, str(other): 1}
        d["_x_raw"] = (d["_x_in"] == other).astype(float)
    else:
        d["_x_raw"] = d["_x_in"].astype(float)
    d["_x"] = d["_x_raw"] - d["_x_raw"].mean()
    categorical = not pd.api.types.is_numeric_dtype(d["_m"]) or d["_m"].nunique() <= 2
    dropped: dict[str, int] = {}
    if categorical:
        d["_m"] = d["_m"].astype(str)
        counts = d["_m"].value_counts()
        small = counts[counts < min_group]
        dropped = {str(k): int(v) for k, v in small.items()}
        d = d[~d["_m"].isin(small.index)].reset_index(drop=True)
        levels = sorted(d["_m"].unique())
        if len(levels) < 2:
            raise SurveyError(
                label("mod_err_two_groups", lang).format(
                    moderator=moderator, k=min_group, x=x, y=y, counts=_counts_text(counts)
                )
            )
        ref = levels[0] if reference is None else str(reference)
        if ref not in levels:
            text = label("mod_err_reference", lang).format(reference=reference, moderator=moderator, levels=levels)
            raise SurveyError(text)
        formula = f"_y ~ _x * C(_m, Treatment(reference={ref!r}))"
    else:
        d["_m_raw"] = d["_m"].astype(float)
        d["_m"] = d["_m_raw"] - d["_m_raw"].mean()
        formula = "_y ~ _x * _m"
    model = smf.ols(formula, data=d).fit()
    names = list(model.params.index)
    coef = pd.DataFrame(
        {
            "term": names,
            "est": model.params.to_numpy(),
            "se": model.bse.to_numpy(),
            "t": model.tvalues.to_numpy(),
            "p_value": model.pvalues.to_numpy(),
            "ci_lower": model.conf_int()[0].to_numpy(),
            "ci_upper": model.conf_int()[1].to_numpy(),
        }
    )
    inter = [i for i, n in enumerate(names) if n.startswith("_x:")]
    r = np.zeros((len(inter), len(names)))
    for row, i in enumerate(inter):
        r[row, i] = 1.0
    ftest = model.f_test(r)
    interaction = {
        "statistic": float(np.squeeze(ftest.fvalue)),
        "df_num": float(ftest.df_num),
        "df_denom": float(ftest.df_denom),
        "p_value": float(np.squeeze(ftest.pvalue)),
    }
    slope_rows = []
    ix = names.index("_x")
    if categorical:
        for level in levels:
            c = np.zeros(len(names))
            c[ix] = 1.0
            if level != ref:
                c[names.index(f"_x:C(_m, Treatment(reference={ref!r}))[T.{level}]")] = 1.0
            slope_rows.append((level, np.nan, c, int((d["_m"] == level).sum())))
    else:
        sd = float(d["_m_raw"].std(ddof=1))
        mean = float(d["_m_raw"].mean())
        for name, v in (("-1 SD", -sd), ("M", 0.0), ("+1 SD", sd)):
            c = np.zeros(len(names))
            c[ix] = 1.0
            c[names.index("_x:_m")] = v
            slope_rows.append((name, mean + v, c, len(d)))
    rows = []
    for level, value, c, n in slope_rows:
        tt = model.t_test(c)
        ci = np.asarray(tt.conf_int()).ravel()
        rows.append(
            {
                "moderator_level": level,
                "moderator_value": value if not categorical else np.nan,
                "slope": float(np.squeeze(tt.effect)),
                "se": float(np.squeeze(tt.sd)),
                "t": float(np.squeeze(tt.tvalue)),
                "p_value": float(np.squeeze(tt.pvalue)),
                "ci_lower": float(ci[0]),
                "ci_upper": float(ci[1]),
                "n": n,
            }
        )
    slopes = pd.DataFrame(rows)
    slopes.attrs["n_excluded_missing"] = n_in - len(d) - sum(dropped.values())
    slopes.attrs["dropped_small_groups"] = dropped
    return ModeratedRegression(
        x=x,
        y=y,
        moderator=moderator,
        categorical=categorical,
        coefficients=coef,
        simple_slopes=slopes,
        interaction_test=interaction,
        data=d,
        model=model,
        x_coding=x_coding,
    )


@dataclass
class MultigroupComparison:
    """Result of :func:`multigroup_comparison`."""

    group: str
    paths: pd.DataFrame
    equality_test: dict[str, float]
    invariance: pd.DataFrame
    fits: dict[str, Any] = field(repr=False)

    def summary(self, lang: str = "nl") -> pd.DataFrame:
        """Structural paths per group (estimate, SE, CI, p, standardised), equality test in ``.attrs``."""
        lang = check_lang(lang)
        p = self.paths
        t = pd.DataFrame(
            {
                display_name(self.group, lang): p["group"],
                label("mod_path", lang): [
                    f"{display_name(r, lang)} → {display_name(lhs, lang)}"
                    for lhs, r in zip(p["lhs"], p["rhs"], strict=True)
                ],
                label("estimate", lang): p["est"],
                label("std_error", lang): p["se"],
                label("an_ci_lower", lang): p["ci_lower"],
                label("an_ci_upper", lang): p["ci_upper"],
                label("p_value", lang): p["pvalue"],
                "std_all": p["std_all"],
            }
        ).round(3)
        t.attrs["equality_test"] = self.equality_test
        return t

    def plot(self, lang: str = "nl"):
        """Dot-and-CI of each structural path per group."""
        lang = check_lang(lang)
        p = self.paths.copy()
        p["path"] = [
            f"{display_name(r, lang)} → {display_name(lhs, lang)}" for lhs, r in zip(p["lhs"], p["rhs"], strict=True)
        ]
        paths = list(dict.fromkeys(p["path"]))
        groups = list(dict.fromkeys(p["group"]))
        palette = _palette(groups, self.group)
        fig, ax = new_figure(width=7.5, height=0.6 * len(paths) * max(1, len(groups) / 2) + 1.5)
        offsets = np.linspace(-0.25, 0.25, len(groups)) if len(groups) > 1 else [0.0]
        for g, off in zip(groups, offsets, strict=True):
            part = p[p["group"] == g]
            ys = np.array([paths.index(x) for x in part["path"]]) + off
            ax.errorbar(
                part["est"],
                ys,
                xerr=[part["est"] - part["ci_lower"], part["ci_upper"] - part["est"]],
                fmt="o",
                capsize=3,
                color=palette[g],
                label=str(g),
            )
        ax.axvline(0, color="black", lw=1)
        ax.set_yticks(range(len(paths)), paths)
        ax.legend(title=display_name(self.group, lang), fontsize="small")
        finish(
            ax,
            title=label("mod_multigroup_title", lang).format(g=display_name(self.group, lang)),
            xlabel=label("estimate", lang),
            ylabel=label("mod_path", lang),
        )
        fig.tight_layout()
        return fig


def free_path_labels(syntax: str) -> str:
    r"""``syntax`` without labels on regression paths and without ``:=`` lines.

    In a multi-group model a label on a path (``commitment ~ a*vertrouwen``) holds that path equal in every
    group (as in lavaan), which would hide the group difference this comparison looks for.

    Examples
    --------
    >>> print(free_path_labels("F =~ x1 + x2\ny ~ a*F + 0.5*z\nab := a*2"))
    F =~ x1 + x2
    y ~ F + 0.5*z
    """
    out = []
    for line in syntax.splitlines():
        code = line.split("#", 1)[0]
        if ":=" in code:
            continue
        if "~" in code and "=~" not in code and "~~" not in code:
            line = re.sub(r"(?<![\w.])[A-Za-z_][\w.]*\s*\*\s*", "", line)
        out.append(line)
    return "\n".join(out)


def multigroup_comparison(
    df: pd.DataFrame,
    model: str | None,
    group: str,
    *,
    threshold: float | None = None,
    min_group: int = 30,
    instrument: Any = None,
    **fit_kwargs: Any,
) -> MultigroupComparison:
    """Compare the structural paths of ``model`` across groups with the SEM engine (multi-group SEM).

    Fits the model per group with equal loadings (metric invariance, so the latent scales are comparable), then
    with equal loadings *and* equal regressions, and tests the difference (chi-square difference test): a small p
    means at least one path differs between groups (with ``estimator="MLR"`` the Satorra-Bentler scaled
    difference, as lavaan's ``lavTestLRT``). The metric model is the one of the invariance sequence
    (configural, metric, scalar) of :func:`relatie_lab.sem.invariance`, whose table is kept beside it. Labels on
    regression paths are removed first (:func:`free_path_labels`), since a label would hold a path equal in
    every group.

    Parameters
    ----------
    df
        Cleaned survey with the item columns and ``group``.
    model
        lavaan syntax; ``None`` uses :func:`relatie_lab.models.commitment_trust`.
    group
        Group column (``"sector"``, ``"keuze_aanbieder"``...), ``"publiek_privaat"`` (public vs private sector) or
        ``"relationship_type"`` (respondents of type ``gemengd`` or without a type are left out).
    min_group
        Groups with fewer respondents are left out (a multi-group SEM needs enough respondents per group).
    instrument
        The codebook whose items measure the constructs of the default model and make up the relationship types
        (an ``Instrument``, the path of a codebook YAML, or None: the shipped one).
    **fit_kwargs
        Passed to :func:`relatie_lab.fit_sem` (e.g. ``estimator="MLR"``); ``lang="en"`` also sets the language
        of this function's own errors (default ``"nl"``).

    Returns
    -------
    MultigroupComparison
        ``.paths`` (``group, lhs, op, rhs, est, se, pvalue, ci_lower, ci_upper, std_all`` of the metric model),
        ``.equality_test`` (``chisq_diff, df_diff, p_value``), ``.invariance`` (the table of ``invariance``),
        ``.fits`` (``{"metric": ..., "equal_paths": ..., "invariance": InvarianceResult}``), ``.summary(lang)``,
        ``.plot(lang)``.

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=1200, seed=1, missing_codes=False, mcar_rate=0, mar_rate=0)
    >>> res = multigroup_comparison(recode_reverse(df), None, "publiek_privaat")
    >>> sorted(res.paths["group"].unique()), res.equality_test["df_diff"]
    (['privaat', 'publiek'], 4.0)
    """
    from relatie_lab import models as model_library
    from relatie_lab.sem import fit_sem
    from relatie_lab.sem.invariance import invariance, lrt

    instrument = resolve_instrument(instrument)
    lang = check_lang(fit_kwargs.get("lang", "nl"))
    syntax = model if model is not None else model_library.commitment_trust(instrument=instrument)
    data = _with_columns(df, [group], threshold, lang, instrument)
    data = data[data[group].notna()]
    if group == RELATIONSHIP_TYPE:
        from relatie_lab.relationship_types import MIXED

        data = data[data[group] != MIXED]
    counts = data[group].value_counts()
    keep = counts[counts >= min_group].index
    data = data[data[group].isin(keep)].reset_index(drop=True)
    if len(keep) < 2:
        raise SurveyError(label("mod_err_multigroup", lang).format(group=group, k=min_group,
                                                                   counts=_counts_text(counts)))  # fmt: skip
    data[group] = data[group].astype(str)
    syntax = free_path_labels(syntax)
    inv_kwargs = {k: v for k, v in fit_kwargs.items() if k in ("missing", "estimator", "lang")}
    inv = invariance(data, syntax, group, **inv_kwargs)
    metric = inv.fits["metric"]
    equal = fit_sem(data, syntax, group=group, group_equal=("loadings", "regressions"), **fit_kwargs)
    est = metric.estimates
    paths = est[est["op"] == "~"]
    cols = ["group", "lhs", "op", "rhs", "est", "se", "pvalue", "ci_lower", "ci_upper", "std_all"]
    paths = paths[[c for c in cols if c in paths.columns]].reset_index(drop=True)
    f1, f0 = metric.fit_indices, equal.fit_indices
    robust = str(fit_kwargs.get("estimator", "ML")).upper() == "MLR"
    c1, c0 = (f1.get("scaling_factor"), f0.get("scaling_factor")) if robust else (None, None)
    d_chi, d_df, p = lrt(f1["chisq"], f1["df"], f0["chisq"], f0["df"], c1, c0)
    test = {"chisq_diff": d_chi, "df_diff": float(d_df), "p_value": p}
    return MultigroupComparison(
        group=group,
        paths=paths,
        equality_test=test,
        invariance=inv.table,
        fits={"metric": metric, "equal_paths": equal, "invariance": inv},
    )
