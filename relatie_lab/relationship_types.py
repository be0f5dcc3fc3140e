"""Relationship types (Pol, after Fiske's relational models): which of markt, gezag and betekenis dominates?

Every respondent answers relational-norm items for the three types. :func:`relationship_profile` scores each type
(mean of its items), centres the three scores on the respondent's own mean (ipsatised scores: how much a type
stands out *for this respondent*, whatever his general agreement level) and names the dominant type.

The rule
--------
The dominant type is the type with the highest score. It is reported as the respondent's type only when it leads
the second-highest type by at least ``threshold`` scale points; otherwise the type is ``"gemengd"`` (mixed: no type
clearly dominates, as Pol notes most relationships hold elements of all three). The lead is the same on raw and on
ipsatised scores (centring shifts all three scores of a respondent by the same amount). A respondent without a score
on one of the three types (too few answers, see :func:`relatie_lab.scores.construct_scores`) gets no type (NaN).
With ``threshold=0`` every respondent with three scores gets the type with the highest score (ties: ``gemengd``).

:func:`type_distribution` gives the share of each type per group (sector or organisation) with Wilson 95% CIs.

Examples
--------
>>> import pandas as pd
>>> scores = pd.DataFrame({"markt": [6.0, 4.0, 5.0], "gezag": [3.0, 4.2, 3.0], "betekenis": [4.0, 4.1, 6.5]})
>>> relationship_profile(scores, threshold=0.5)["relationship_type"].tolist()
['markt', 'gemengd', 'betekenis']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.errors import SurveyError
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label
from relatie_lab.plots import RELATIONSHIP_TYPES, display_name, finish, type_color
from relatie_lab.scores import CARRY_COLUMNS, ensure_scores

__all__ = ["MIXED", "RelationshipProfile", "relationship_profile", "type_distribution", "type_label"]

#: The label of a respondent for whom no type clearly dominates.
MIXED = "gemengd"
TYPE_ORDER: tuple[str, ...] = (*RELATIONSHIP_TYPES, MIXED)
DEFAULT_THRESHOLD = 0.5


def type_label(relationship_type: str, lang: str = "nl") -> str:
    """Display name of a relationship type (``markt``, ``gezag``, ``betekenis``, ``gemengd``) in ``lang``.

    Examples
    --------
    >>> type_label("betekenis"), type_label("gemengd", "en")
    ('Betekenisrelatie', 'Mixed')
    """
    return label(f"type_{relationship_type}", lang)


def relationship_profile(
    df: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    by: str | Sequence[str] | None = None,
    lang: str = "nl",
    instrument: Any = None,
) -> pd.DataFrame:
    """Each respondent's profile over markt, gezag and betekenis, and his dominant relationship type.

    Parameters
    ----------
    df
        Cleaned survey (item columns ``markt_1..``, ``gezag_1..``, ``betekenis_1..``) or a frame that already has
        the score columns ``markt``, ``gezag``, ``betekenis``.
    threshold
        Minimum lead (scale points, 1-7 scale) of the top type over the second for the respondent to get that type;
        smaller leads give ``"gemengd"``. Default 0.5.
    by
        Group column(s) to carry over (e.g. ``"sector"``); ``respondent_id`` and the group fields present are
        always carried over.
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.
    instrument
        The codebook whose items make up the three type scores (an ``Instrument``, the path of a codebook YAML,
        or None: the shipped one).

    Returns
    -------
    pandas.DataFrame
        One row per respondent: carried-over columns; ``markt, gezag, betekenis`` (mean scores);
        ``markt_centred, gezag_centred, betekenis_centred`` (score minus the respondent's mean of the three);
        ``dominant_type`` (highest score), ``second_type``, ``margin`` (lead of the top over the second) and
        ``relationship_type`` (``dominant_type`` if ``margin >= threshold``, else ``"gemengd"``; NaN without scores).

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
    >>> prof = relationship_profile(recode_reverse(df))
    >>> set(prof["relationship_type"].dropna()) <= {"markt", "gezag", "betekenis", "gemengd"}
    True
    """
    lang = check_lang(lang)
    if threshold < 0:
        raise SurveyError(label("types_err_threshold", lang).format(value=threshold))
    types = list(RELATIONSHIP_TYPES)
    scored = ensure_scores(df, types, lang=lang, instrument=resolve_instrument(instrument))
    carry = [c for c in CARRY_COLUMNS if c in scored]
    if by is not None:
        for col in [by] if isinstance(by, str) else by:
            if col not in scored:
                columns = ", ".join(map(str, scored.columns))
                raise SurveyError(label("an_err_group_column", lang).format(column=col, columns=columns))
            if col not in carry:
                carry.append(col)
    out = scored[carry].copy()
    values = scored[types].astype(float)
    out[types] = values
    centred = values.sub(values.mean(axis=1), axis=0)
    for t in types:
        out[f"{t}_centred"] = centred[t]
    complete = values.notna().all(axis=1).to_numpy()
    arr = values.to_numpy()
    order = np.argsort(-np.where(np.isnan(arr), -np.inf, arr), axis=1, kind="stable")
    top = np.take_along_axis(arr, order[:, :1], axis=1)[:, 0]
    second = np.take_along_axis(arr, order[:, 1:2], axis=1)[:, 0]
    names = np.array(types, dtype=object)
    margin = np.where(complete, top - second, np.nan)
    dominant = np.where(complete, names[order[:, 0]], None)
    out["dominant_type"] = pd.Series(dominant, index=out.index, dtype=object)
    out["second_type"] = pd.Series(np.where(complete, names[order[:, 1]], None), index=out.index, dtype=object)
    out["margin"] = margin
    clear = complete & (margin >= threshold) & (margin > 0)
    rtype = np.where(clear, dominant, np.where(complete, MIXED, None))
    out["relationship_type"] = pd.Series(rtype, index=out.index, dtype=object)
    out.attrs["threshold"] = float(threshold)
    return out


def _wilson(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(k, np.maximum(n, 1), alpha=0.05, method="wilson")
    return np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)


@dataclass
class RelationshipProfile:
    """Result of :func:`type_distribution`: the per-respondent ``profile`` and the ``distribution`` table."""

    profile: pd.DataFrame
    distribution: pd.DataFrame
    by: str | None
    threshold: float

    def summary(self, lang: str = "nl") -> pd.DataFrame:
        """The distribution as a readable table: one row per group, one column per type (share in %)."""
        lang = check_lang(lang)
        group = self.by or "_all"
        wide = self.distribution.pivot_table(index=group, columns="relationship_type", values="share", observed=True)
        wide = (100 * wide.reindex(columns=[t for t in TYPE_ORDER if t in wide.columns])).round(1)
        wide.columns = [type_label(t, lang) for t in wide.columns]
        n = self.distribution.groupby(group, observed=True)["n_group"].first()
        wide.insert(0, label("n_respondents", lang), n)
        wide.index.name = display_name(self.by, lang) if self.by else None
        return wide

    def plot(self, lang: str = "nl"):
        """Stacked bars of the type shares per group, beside a radar of the mean ipsatised profile per group."""
        return _plot_types(self, lang=lang)


def type_distribution(
    df: pd.DataFrame,
    *,
    by: str | None = "sector",
    threshold: float = DEFAULT_THRESHOLD,
    lang: str = "nl",
    instrument: Any = None,
) -> RelationshipProfile:
    """Share of each relationship type (markt, gezag, betekenis, gemengd) per group, with Wilson 95% CIs.

    Parameters
    ----------
    df
        Cleaned survey, or the output of :func:`relationship_profile`.
    by
        ``"sector"``, ``"organisatie"`` (or any group column); ``None`` for the whole sample.
    threshold
        Passed to :func:`relationship_profile` (ignored when ``df`` is already a profile).
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.
    instrument
        The codebook, passed to :func:`relationship_profile`.

    Returns
    -------
    RelationshipProfile
        ``.distribution``: columns ``<by>, relationship_type, n, n_group, share, ci_lower, ci_upper`` (respondents
        without a type left out of ``n_group``); ``.profile``; ``.summary(lang)``; ``.plot(lang)``.

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
    >>> res = type_distribution(recode_reverse(df), by="sector")
    >>> bool(res.distribution.groupby("sector")["share"].sum().round(6).eq(1).all())
    True
    """
    lang = check_lang(lang)
    if "relationship_type" in df.columns:
        profile = df
    else:
        profile = relationship_profile(df, threshold=threshold, by=by, lang=lang, instrument=instrument)
    thr = float(profile.attrs.get("threshold", threshold))
    data = profile.dropna(subset=["relationship_type"]).copy()
    group = by or "_all"
    if by is None:
        data[group] = "totaal"
    elif by not in data.columns:
        columns = ", ".join(map(str, data.columns))
        raise SurveyError(label("an_err_group_column", lang).format(column=by, columns=columns))
    data["relationship_type"] = pd.Categorical(data["relationship_type"], categories=list(TYPE_ORDER))
    counts = data.groupby([group, "relationship_type"], observed=False).size().rename("n").reset_index()
    counts["n_group"] = counts.groupby(group, observed=True)["n"].transform("sum")
    counts = counts[counts["n_group"] > 0].reset_index(drop=True)
    counts["share"] = counts["n"] / counts["n_group"]
    lo, hi = _wilson(counts["n"].to_numpy(), counts["n_group"].to_numpy())
    counts["ci_lower"], counts["ci_upper"] = lo, hi
    counts["relationship_type"] = counts["relationship_type"].astype(str)
    counts["n"] = counts["n"].astype(int)
    counts["n_group"] = counts["n_group"].astype(int)
    if by is None:
        profile = profile.assign(_all="totaal")
    return RelationshipProfile(profile=profile, distribution=counts, by=by, threshold=thr)


def _plot_types(result: RelationshipProfile, lang: str = "nl"):
    """Figure: stacked bars of type shares per group (left) and a radar of the mean centred profile (right)."""
    import matplotlib.pyplot as plt

    lang = check_lang(lang)
    group = result.by or "_all"
    fig = plt.figure(figsize=(13, 5))
    from relatie_lab.plots import theme

    theme()
    ax = fig.add_subplot(1, 2, 1)
    wide = result.distribution.pivot_table(index=group, columns="relationship_type", values="share", observed=True)
    wide = wide.reindex(columns=[t for t in TYPE_ORDER if t in wide.columns]).fillna(0)
    from relatie_lab.plots import value_label

    names = [value_label(result.by, g, lang) if result.by else "" for g in wide.index]  # labels, not codes
    bottom = np.zeros(len(wide))
    for t in wide.columns:
        ax.bar(names, wide[t].to_numpy(), bottom=bottom, color=type_color(t), label=type_label(t, lang))
        bottom += wide[t].to_numpy()
    ax.set_ylim(0, 1)
    ax.legend(title=label("an_relationship_type", lang), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.tick_params(axis="x", rotation=30)
    group_label = display_name(result.by, lang) if result.by else ""
    finish(ax, title=label("types_share_title", lang), xlabel=group_label, ylabel=label("an_share", lang))

    radar = fig.add_subplot(1, 2, 2, projection="polar")
    types = list(RELATIONSHIP_TYPES)
    angles = np.linspace(0, 2 * np.pi, len(types), endpoint=False)
    closed = np.append(angles, angles[0])
    profile = result.profile
    means = profile.groupby(group, observed=True)[[f"{t}_centred" for t in types]].mean()
    palette = plt.get_cmap("tab10")
    for i, (name, row) in enumerate(means.iterrows()):
        vals = np.append(row.to_numpy(), row.to_numpy()[0])
        radar.plot(closed, vals, color=palette(i % 10), label=value_label(result.by, name, lang) if result.by else "")
    full = np.linspace(0, 2 * np.pi, 100)
    radar.plot(full, np.zeros_like(full), color="black", lw=0.8, ls="--")  # the respondent's own mean
    radar.set_rlabel_position(90)
    radar.tick_params(axis="y", labelsize="x-small")
    ticks = radar.get_yticks()
    radar.set_yticks(ticks[::2] if len(ticks) > 5 else ticks)  # every other ring labelled: no overlapping numbers
    radar.set_xticks(angles)
    radar.set_xticklabels([type_label(t, lang) for t in types])
    for tick, t in zip(radar.get_xticklabels(), types, strict=True):
        tick.set_color(type_color(t))
    radar.legend(loc="upper left", bbox_to_anchor=(1.1, 1.05), fontsize="small")
    radar.set_title(label("types_profile_title", lang), pad=18)
    radar.set_xlabel(label("types_profile_axis", lang))
    radar.set_ylabel("")
    fig.tight_layout()
    return fig
