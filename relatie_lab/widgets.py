"""Interactive widgets for the lecture notebooks (``notebooks/colleges/``).

Every widget is a thin ipywidgets layer around a *pure* function that turns the settings into a
:class:`WidgetView` (a matplotlib figure, a tidy table and an explanatory text). The pure functions are tested
directly; the widgets only read their controls, call the function and show the figure (as a PNG in an
``ipywidgets.Image``) and the text (an ``ipywidgets.HTML``). So a widget is updated and checked the same way with
or without a browser: set ``widget.controls["n"].value = 500`` and read ``widget.view``.

=========================  ==============================  ===================================================
widget                     pure function                   concept
=========================  ==============================  ===================================================
:func:`simulate_and_estimate`  :func:`chain_view`          a known chain gedeelde waarden -> vertrouwen ->
                                                           commitment -> betrokkenheid, refitted with
                                                           :func:`relatie_lab.fit_sem`; mediation a x b
:func:`ladder_explorer`    :func:`ladder_view`             the Ladder van Betrokkenheid as a funnel
:func:`relatie_quiz`       :func:`quiz_view`               "Welke relatie heb jij?": markt, gezag, betekenis
:func:`ab_planner`         :func:`ab_view`                 power, required N and a simulated A/B experiment
=========================  ==============================  ===================================================

The simulation model of :func:`simulate_chain`
----------------------------------------------
Four standardised latent variables form a chain: ``vertrouwen = c * gedeelde_waarden + e``, ``commitment =
a * vertrouwen + e``, ``betrokkenheid = b * commitment + e``, each residual with variance ``1 - path**2`` so that
every latent variable has variance 1 and the paths are standardised coefficients. Each construct has the items of
the library's Commitment-Trust model (:func:`relatie_lab.models.commitment_trust`: gw 3, vt 4, com 5, eng 5
items), continuous, ``4 + loading * latent + noise * N(0, 1)`` with loadings 1.0, 0.9, 0.8, 0.85, 0.75 (the first
item is the marker, so the unstandardised estimates aim at the true paths). That model also has a direct path
gedeelde waarden -> commitment, which is 0 in this population. The indirect effect of trust on engagement through
commitment is ``a * b``.

Examples
--------
>>> df, truth = simulate_chain(a=0.5, b=0.4, n=100, seed=1)
>>> truth
{'c': 0.6, 'a': 0.5, 'direct': 0.0, 'b': 0.4, 'indirect': 0.2}

In a notebook (the lecture notebooks are one line each)::

    import relatie_lab as rl
    rl.widgets.ab_planner()                       # Dutch
    w = rl.widgets.ab_planner(lang="en")          # English
    w.controls["n"].value = 200                   # what a student does with the slider
    w.view.table                                  # the numbers behind the figure
"""

from __future__ import annotations

import html
import io
import math
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from relatie_lab.errors import SurveyError
from relatie_lab.labels import check_lang, label

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "CHAIN",
    "QUIZ_ITEMS",
    "SECTORS",
    "LectureWidget",
    "WidgetView",
    "ab_planner",
    "ab_view",
    "chain_model",
    "chain_view",
    "demo_data",
    "estimate_chain",
    "figure_png",
    "ladder_explorer",
    "ladder_view",
    "power_curve",
    "quiz_view",
    "relatie_quiz",
    "simulate_and_estimate",
    "simulate_chain",
    "simulate_experiment",
]

#: The chain of the Commitment-Trust model that :func:`simulate_and_estimate` simulates, in causal order.
CHAIN: tuple[str, ...] = ("gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid")
_LOADINGS: tuple[float, ...] = (1.0, 0.9, 0.8, 0.85, 0.75)
#: Path name -> (outcome, predictor) in the Commitment-Trust model, in the order the widget lists them; ``direct``
#: (gedeelde waarden -> commitment) is in the model but 0 in the simulated population.
_PATHS: dict[str, tuple[str, str]] = {
    "c": ("vertrouwen", "gedeelde_waarden"),
    "a": ("commitment", "vertrouwen"),
    "direct": ("commitment", "gedeelde_waarden"),
    "b": ("betrokkenheid", "commitment"),
}
_SIMULATED_PATHS: tuple[str, ...] = ("c", "a", "b")
#: Sectors of the instrument (field ``sector``), the organisations of the quiz.
SECTORS: tuple[str, ...] = ("bank", "gemeente", "energie", "zorgverzekeraar", "waterbedrijf", "pensioenfonds")
#: The relational-norm items of the quiz, interleaved so that the types are not grouped.
QUIZ_ITEMS: tuple[str, ...] = tuple(f"{t}_{i}" for i in range(1, 5) for t in ("markt", "gezag", "betekenis"))
_BLUE = "#4C72B0"


# ------------------------------------------------------------------------------------------------------------------
# shared pieces
@dataclass
class WidgetView:
    """What a widget shows for one setting: ``figure`` (matplotlib), ``table`` (tidy DataFrame), ``text`` (HTML).

    ``result`` holds the analysis object behind it where there is one (the ``SEMResult`` of the refitted model).
    """

    figure: Figure
    table: pd.DataFrame
    text: str
    result: Any = None


def figure_png(fig: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes (what the widget's ``Image`` shows).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure_png(Figure(figsize=(1, 1)))[:4]
    b'\\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _new_figure(width: float, height: float) -> Figure:
    """A themed figure outside pyplot (no global figure list, nothing shown twice in a notebook).

    The axes are placed by hand (``fig.add_axes``): a layout engine costs an extra drawing pass per update.
    """
    from matplotlib.figure import Figure

    from relatie_lab.plots import theme

    theme()
    return Figure(figsize=(width, height))


@cache
def _demo_data_cached() -> pd.DataFrame:
    from relatie_lab.paths import DEMO_CSV

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if DEMO_CSV.exists():
            from relatie_lab.loaders import load_survey

            return load_survey(DEMO_CSV, salt="relatie_lab-colleges").data
        from relatie_lab.scores import recode_reverse
        from relatie_lab.simulate import simulate_survey

        df, _ = simulate_survey(n=600, seed=2024, missing_codes=False, personal_data=False)
        return recode_reverse(df)


def demo_data() -> pd.DataFrame:
    """The shipped demo survey, cleaned (reverse-keyed items recoded); simulated when the file is absent.

    Returns a copy, so a notebook may change it freely.
    """
    return _demo_data_cached().copy()


# ------------------------------------------------------------------------------------------------------------------
# 1. simulate and estimate
def chain_model(lang: str = "nl") -> str:
    """The Commitment-Trust model that :func:`estimate_chain` fits: :func:`relatie_lab.models.commitment_trust`.

    Examples
    --------
    >>> print(chain_model().strip().splitlines()[-1])
    indirect := a*b
    """
    from relatie_lab.models import commitment_trust

    return commitment_trust(lang=check_lang(lang))


@cache
def _chain_items() -> dict[str, tuple[str, ...]]:
    """Construct -> its items in :func:`chain_model`."""
    items = {}
    for line in chain_model().splitlines():
        if "=~" in line and not line.lstrip().startswith("#"):
            lhs, rhs = line.split("=~")
            items[lhs.strip()] = tuple(i.strip() for i in rhs.split("+"))
    if set(items) != set(CHAIN):
        raise SurveyError(f"The Commitment-Trust model measures {sorted(items)}, not the chain {list(CHAIN)}.")
    return items


def _check_path(name: str, value: float) -> float:
    if not -0.95 <= value <= 0.95:
        raise SurveyError(f"Path {name} must lie between -0.95 and 0.95 (got {value}); it is a standardised effect.")
    return float(value)


def simulate_chain(
    a: float = 0.5, b: float = 0.4, c: float = 0.6, n: int = 200, noise: float = 0.8, seed: int | None = None
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Draw ``n`` respondents from the chain model with known paths (see the module docstring).

    Parameters
    ----------
    a, b, c
        True standardised paths vertrouwen -> commitment (a), commitment -> betrokkenheid (b) and
        gedeelde waarden -> vertrouwen (c), each between -0.95 and 0.95.
    n
        Number of respondents (at least 20).
    noise
        Standard deviation of the measurement error of every item (0 < noise <= 5).
    seed
        Seed of the random draw (``None``: a fresh sample every call).

    Returns
    -------
    (DataFrame, dict)
        The items of the model (``gw_1..3, vt_1..4, com_1..5, eng_1..5``; float, one row per respondent) and the
        truth ``{"c", "a", "direct", "b", "indirect"}`` (``direct`` = 0).

    Examples
    --------
    >>> df, truth = simulate_chain(n=50, seed=1)
    >>> df.shape, truth["indirect"]
    ((50, 17), 0.2)
    """
    a, b, c = _check_path("a", a), _check_path("b", b), _check_path("c", c)
    if n < 20:
        raise SurveyError(f"A sample needs at least 20 respondents to fit the model (got n={n}).")
    if not 0 < noise <= 5:
        raise SurveyError(f"noise is the standard deviation of the measurement error: use 0 < noise <= 5 ({noise}).")
    rng = np.random.default_rng(seed)
    latent = {"gedeelde_waarden": rng.normal(size=n)}
    for name in _SIMULATED_PATHS:
        lhs, rhs = _PATHS[name]
        beta = {"a": a, "b": b, "c": c}[name]
        latent[lhs] = beta * latent[rhs] + math.sqrt(1 - beta**2) * rng.normal(size=n)
    columns = {}
    for construct, items in _chain_items().items():
        for item, loading in zip(items, _LOADINGS, strict=False):
            columns[item] = 4.0 + loading * latent[construct] + noise * rng.normal(size=n)
    truth = {"c": c, "a": a, "direct": 0.0, "b": b, "indirect": round(a * b, 12)}
    return pd.DataFrame(columns), truth


def estimate_chain(df: pd.DataFrame, lang: str = "nl") -> tuple[Any, pd.DataFrame]:
    """Fit :func:`chain_model` with :func:`relatie_lab.fit_sem` and return the fit and the four key estimates.

    Returns
    -------
    (SEMResult, DataFrame)
        The fit and a table with ``path`` (``c, a, direct, b, indirect``), ``est, se, ci_lower, ci_upper,
        std_all`` (the indirect effect's CI by the delta method).

    Examples
    --------
    >>> df, truth = simulate_chain(n=300, seed=2)
    >>> fit, table = estimate_chain(df)
    >>> table["path"].tolist()
    ['c', 'a', 'direct', 'b', 'indirect']
    """
    from relatie_lab.sem import fit_sem

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_sem(df, chain_model(lang), lang=check_lang(lang))
    est = fit.estimates
    rows = []
    for name, (lhs, rhs) in _PATHS.items():
        rows.append(est[(est["lhs"] == lhs) & (est["op"] == "~") & (est["rhs"] == rhs)].assign(path=name))
    rows.append(est[(est["op"] == ":=") & (est["lhs"] == "indirect")].assign(path="indirect"))
    table = pd.concat(rows, ignore_index=True)
    if len(table) != len(_PATHS) + 1:
        raise SurveyError("The Commitment-Trust model lacks one of the paths c, a, b or the indirect effect a*b.")
    return fit, table[["path", "est", "se", "ci_lower", "ci_upper", "std_all"]]


def _draw_chain_diagram(ax: Any, table: pd.DataFrame, lang: str) -> None:
    """The structural part of the model: four latent variables, the paths with ``estimate (true value)``.

    A light drawing (a dozen artists) instead of the full path diagram of ``SEMResult.plot()``: the widget redraws it
    on every slider move. The items are listed under each construct.
    """
    from matplotlib.patches import Ellipse, FancyArrowPatch

    from relatie_lab.plots import display_name

    rows = table.set_index("path")
    x = {construct: 0.9 + 2.8 * i for i, construct in enumerate(CHAIN)}
    for construct, xc in x.items():
        ax.add_patch(Ellipse((xc, 0.0), 1.5, 0.75, fc="#dbe9f6", ec="#1f4e79", lw=1.4))
        ax.text(xc, 0.0, display_name(construct, lang), ha="center", va="center", fontsize=9)
        items = _chain_items()[construct]
        ax.text(xc, -0.62, f"{items[0]} … {items[-1]}", ha="center", va="center", fontsize=8, color="#555555")
    for path, (lhs, rhs) in _PATHS.items():
        row = rows.loc[path]
        star = "*" if row["ci_lower"] > 0 or row["ci_upper"] < 0 else ""
        text = f"{path}: {row['est']:.2f}{star} ({row['truth']:.2f})"
        color = _BLUE if row["covered"] else "#D55E00"
        if path == "direct":
            arrow = FancyArrowPatch(
                (x[rhs] + 0.3, 0.38),
                (x[lhs] - 0.3, 0.38),
                arrowstyle="-|>",
                mutation_scale=14,
                color=color,
                lw=1.6,
                connectionstyle="arc3,rad=-0.3",
            )
            ax.text((x[rhs] + x[lhs]) / 2, 1.28, text, ha="center", fontsize=9.5, color=color, fontweight="bold")
        else:
            arrow = FancyArrowPatch(
                (x[rhs] + 0.77, 0.0), (x[lhs] - 0.77, 0.0), arrowstyle="-|>", mutation_scale=14, color=color, lw=1.8
            )
            ax.text(
                (x[rhs] + x[lhs]) / 2,
                0.12,
                text,
                ha="center",
                va="bottom",
                fontsize=9.5,
                color=color,
                fontweight="bold",
            )
        ax.add_patch(arrow)
    ind = rows.loc["indirect"]
    ax.text(
        x["commitment"],
        -1.05,
        f"{label('wg_path_indirect', lang)}: {ind['est']:.2f} ({ind['truth']:.2f})",
        ha="center",
        fontsize=9.5,
        color=_BLUE if ind["covered"] else "#D55E00",
    )
    ax.set_xlim(0, x[CHAIN[-1]] + 0.9)
    ax.set_ylim(-1.25, 1.6)
    ax.axis("off")
    ax.set_title(label("wg_diagram_title", lang), fontsize=10)


def chain_view(
    a: float = 0.5,
    b: float = 0.4,
    c: float = 0.6,
    n: int = 200,
    noise: float = 0.8,
    seed: int | None = 0,
    lang: str = "nl",
) -> WidgetView:
    """Simulate a sample from the chain, refit the model and show the estimates against the truth.

    Returns
    -------
    WidgetView
        ``figure``: the path diagram of the fit (standardised) beside the estimates with 95% CIs and the true values;
        ``table``: ``path, label, truth, est, se, ci_lower, ci_upper, std_all, covered``; ``text``: mediation.

    Examples
    --------
    >>> v = chain_view(n=400, seed=3, lang="en")
    >>> v.table[["path", "truth"]].values.tolist()
    [['c', 0.6], ['a', 0.5], ['direct', 0.0], ['b', 0.4], ['indirect', 0.2]]
    """
    from relatie_lab.plots import SIGNIFICANT_COLOR

    lang = check_lang(lang)
    df, truth = simulate_chain(a=a, b=b, c=c, n=n, noise=noise, seed=seed)
    fit, table = estimate_chain(df, lang=lang)
    table.insert(1, "label", [label(f"wg_path_{p}", lang) for p in table["path"]])
    table.insert(2, "truth", [truth[p] for p in table["path"]])
    table["covered"] = (table["ci_lower"] <= table["truth"]) & (table["truth"] <= table["ci_upper"])

    fig = _new_figure(11.0, 7.0)
    ax_path = fig.add_axes((0.01, 0.53, 0.98, 0.38))
    ax = fig.add_axes((0.34, 0.08, 0.43, 0.37))
    _draw_chain_diagram(ax_path, table, lang)
    y = np.arange(len(table))[::-1]
    ax.scatter(
        table["truth"],
        y,
        marker="D",
        s=140,
        facecolor="none",
        edgecolor="black",
        lw=2,
        zorder=4,
        label=label("wg_truth", lang),
    )
    for yi, row in zip(y, table.itertuples(), strict=True):
        color = _BLUE if row.covered else SIGNIFICANT_COLOR
        ax.errorbar(
            row.est,
            yi,
            xerr=[[row.est - row.ci_lower], [row.ci_upper - row.est]],
            fmt="o",
            color=color,
            capsize=4,
            lw=2,
            zorder=5,
        )
    ax.errorbar([], [], xerr=[], fmt="o", color=_BLUE, lw=2, label=label("wg_estimate_ci", lang))
    if not table["covered"].all():
        ax.errorbar([], [], xerr=[], fmt="o", color=SIGNIFICANT_COLOR, lw=2, label=label("wg_missed", lang))
    ax.axvline(0, color="grey", lw=0.8)
    lo = min(-0.3, float(table["ci_lower"].min()) - 0.05)
    hi = max(1.0, float(table["ci_upper"].max()) + 0.05)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.6, len(table) - 0.4)
    ax.set_yticks(y, table["label"])
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    ax.set_title(label("wg_sim_estimates_title", lang).format(n=n))
    ax.set_xlabel(label("wg_sim_axis", lang))

    ind = table.set_index("path").loc["indirect"]
    text = label("wg_sim_text", lang).format(
        a_true=truth["a"],
        b_true=truth["b"],
        ind_true=truth["indirect"],
        n=n,
        ind_est=ind["est"],
        ind_lo=ind["ci_lower"],
        ind_hi=ind["ci_upper"],
        covered=int(table["covered"].sum()),
        k=len(table),
    )
    return WidgetView(figure=fig, table=table, text=text, result=fit)


# ------------------------------------------------------------------------------------------------------------------
# 2. the ladder
def _ladder_scores(df: pd.DataFrame) -> pd.DataFrame:
    from relatie_lab.ladder import LADDER
    from relatie_lab.scores import ensure_scores

    return ensure_scores(df, list(LADDER))


def _select(df: pd.DataFrame, sector: str | None, organisation: str | None) -> pd.DataFrame:
    out = df
    if sector is not None:
        if "sector" not in df.columns:
            raise SurveyError("The survey has no column 'sector'; choose 'all' or add the column.")
        out = out[out["sector"].astype(str) == str(sector)]
    if organisation is not None:
        if "organisatie" not in df.columns:
            raise SurveyError("The survey has no column 'organisatie'; choose 'all' or add the column.")
        out = out[out["organisatie"].astype(str) == str(organisation)]
    return out


def ladder_view(
    df: pd.DataFrame,
    threshold: float = 5.0,
    sector: str | None = None,
    organisation: str | None = None,
    lang: str = "nl",
) -> WidgetView:
    """The funnel of the Ladder van Betrokkenheid for a selection, beside the funnel of all respondents.

    Parameters
    ----------
    df
        Cleaned survey (items) or a frame with the five rung scores; ``sector``/``organisatie`` columns to select.
    threshold
        Score (1-7) a respondent must reach on a rung (see :func:`relatie_lab.ladder.ladder_levels`).
    sector, organisation
        Selection (``None``: all).

    Returns
    -------
    WidgetView
        ``table``: the funnel of the selection (:func:`relatie_lab.ladder.ladder_funnel`) with ``share_all``
        (share of all respondents reaching the rung) added.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"klantbeleving": [6, 6, 4, 7], "gedeelde_waarden": [5, 3, 6, 6],
    ...                   "vertrouwen": [6, 6, 6, 6], "commitment": [4, 6, 6, 6], "betrokkenheid": [6, 6, 6, 3],
    ...                   "sector": ["bank", "bank", "gemeente", "bank"]})
    >>> ladder_view(s, threshold=5, sector="bank").table["n_reached"].tolist()
    [3, 2, 2, 1, 0]
    """
    from relatie_lab.ladder import ladder_funnel
    from relatie_lab.plots import SIGNIFICANT_COLOR, display_name

    lang = check_lang(lang)
    if not 1 <= threshold <= 7:
        raise SurveyError(f"The threshold is a score on the 1-7 scale (got {threshold}).")
    selected = _select(df, sector, organisation)
    if selected.empty:
        raise SurveyError(label("wg_no_respondents", lang))
    funnel = ladder_funnel(selected, thresholds=threshold, lang=lang).funnel
    everyone = ladder_funnel(df, thresholds=threshold, lang=lang).funnel
    table = funnel.assign(share_all=everyone["share"].to_numpy())
    group = organisation or sector
    group_name = str(group) if group is not None else label("wg_everyone", lang)

    fig = _new_figure(10.0, 4.6)
    ax = fig.add_axes((0.22, 0.11, 0.76, 0.81))
    y = np.arange(len(table))  # bottom rung at the bottom: a ladder
    colors = [SIGNIFICANT_COLOR if br else _BLUE for br in table["is_break"]]
    ax.barh(y, table["share"], left=-table["share"] / 2, color=colors, height=0.7, label=group_name)
    if group is not None:
        ax.barh(
            y,
            table["share_all"],
            left=-table["share_all"] / 2,
            fill=False,
            ls="--",
            ec="black",
            height=0.7,
            label=label("wg_everyone", lang),
        )
    for yi, share in zip(y, table["share"], strict=True):
        ax.text(0, yi, f"{100 * share:.0f}%", ha="center", va="center", color="white", fontweight="bold")
    for yi, row in zip(y, table.itertuples(), strict=True):
        if row.is_break:
            edge = max(row.share, row.share_all if group is not None else 0) / 2
            ax.annotate(
                f"← {label('ladder_break', lang)}",
                (edge, yi),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                color=SIGNIFICANT_COLOR,
                fontweight="bold",
            )
    names = [f"{row.level}. {display_name(row.rung, lang)}" for row in table.itertuples()]
    ax.set_yticks(y, names)
    ax.set_xlim(-0.55, 0.8)  # room on the right for "the ladder breaks here"
    ax.set_xticks([])
    from matplotlib.patches import Patch

    handles = [Patch(color=_BLUE, label=group_name)]
    if group is not None:
        handles.append(Patch(fill=False, ls="--", ec="black", label=label("wg_everyone", lang)))
    ax.legend(handles=handles, loc="upper right", fontsize="small")
    ax.set_title(f"{label('wg_ladder_title', lang)}: {group_name} (N = {int(table['n_total'].iloc[0])})")
    ax.set_xlabel(label("ladder_share_reached", lang))

    brk = table[table["is_break"]].iloc[0] if table["is_break"].any() else table.iloc[0]
    text = label("wg_ladder_text", lang).format(
        group=group_name,
        n=int(table["n_total"].iloc[0]),
        top=100 * float(table["share"].iloc[-1]),
        rung=display_name(brk["rung"], lang),
        drop=100 * float(brk["drop"]),
        threshold=float(threshold),
    )
    return WidgetView(figure=fig, table=table, text=text)


# ------------------------------------------------------------------------------------------------------------------
# 3. quiz: welke relatie heb jij?
def _org_phrase(sector: str | None, lang: str) -> str:
    if sector in SECTORS:
        return label(f"wg_org_{sector}", lang)
    return str(sector) if sector else label("organisation", lang).lower()


def quiz_item_text(item: str, sector: str | None = "bank", lang: str = "nl") -> str:
    """The wording of a relational-norm item with ``[ORG]`` filled in for the chosen organisation.

    Examples
    --------
    >>> quiz_item_text("gezag_1", "bank")
    'Mijn bank stelt de regels vast en ik houd me daaraan.'
    """
    from relatie_lab import instrument

    lang = check_lang(lang)
    text = str(instrument.items().loc[item, f"text_{lang}"])
    phrase = _org_phrase(sector, lang)
    if text.startswith("[ORG]"):
        text = phrase[:1].upper() + phrase[1:] + text[len("[ORG]") :]
    return text.replace("[ORG]", phrase)


def _quiz_comparison(df: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    from relatie_lab.relationship_types import relationship_profile

    return relationship_profile(df, lang=lang)


def quiz_view(
    answers: Mapping[str, float],
    comparison: pd.DataFrame,
    sector: str | None = "bank",
    lang: str = "nl",
    threshold: float = 0.5,
) -> WidgetView:
    """The student's markt/gezag/betekenis profile for one organisation, next to a comparison group.

    Parameters
    ----------
    answers
        ``{item_id: 1..7}`` for the relational-norm items (:data:`QUIZ_ITEMS`; missing items are left out of the
        means).
    comparison
        Class or demo data: a cleaned survey with the norm items, or the output of
        :func:`relatie_lab.relationship_types.relationship_profile`; the rows of ``sector`` are used when the
        frame has that sector, else all rows.
    sector
        The organisation (a sector of the instrument: ``bank``, ``gemeente``, ...).
    threshold
        Lead the dominant type needs (see :func:`relatie_lab.relationship_types.relationship_profile`).

    Returns
    -------
    WidgetView
        ``table``: one row per type with ``relationship_type, score`` (the student's), ``group_mean``,
        ``percentile`` (share of the group scoring lower, in %), and the student's ``is_dominant``.

    Examples
    --------
    >>> comp = pd.DataFrame({"markt": [5.0, 3.0], "gezag": [4.0, 4.0], "betekenis": [3.0, 6.0]})
    >>> answers = {f"betekenis_{i}": 7 for i in range(1, 5)} | {f"markt_{i}": 2 for i in range(1, 5)}
    >>> v = quiz_view(answers | {f"gezag_{i}": 4 for i in range(1, 5)}, comp, sector=None)
    >>> row = v.table.set_index("relationship_type").loc["betekenis"]
    >>> float(row["score"]), bool(row["is_dominant"])
    (7.0, True)
    """
    from relatie_lab.plots import RELATIONSHIP_TYPES, type_color
    from relatie_lab.relationship_types import MIXED, TYPE_ORDER, relationship_profile, type_label

    lang = check_lang(lang)
    unknown = set(answers) - set(QUIZ_ITEMS)
    if unknown:
        raise SurveyError(f"Unknown quiz items {sorted(unknown)}; the items are {', '.join(QUIZ_ITEMS)}.")
    student = relationship_profile(pd.DataFrame([dict(answers)], dtype=float), threshold=threshold, lang=lang).iloc[0]
    profile = comparison if "relationship_type" in comparison.columns else _quiz_comparison(comparison, lang)
    group = profile
    group_name = label("wg_everyone", lang)
    if sector is not None and "sector" in profile.columns and (profile["sector"].astype(str) == sector).any():
        group = profile[profile["sector"].astype(str) == sector]
        group_name = str(sector)
    types = list(RELATIONSHIP_TYPES)
    rows = []
    for t in types:
        scores = group[t].dropna().to_numpy(float)
        rows.append(
            {
                "relationship_type": t,
                "score": float(student[t]),
                "group_mean": float(scores.mean()) if len(scores) else np.nan,
                "percentile": 100 * float((scores < student[t]).mean()) if len(scores) else np.nan,
                "is_dominant": student["relationship_type"] == t,
            }
        )
    table = pd.DataFrame(rows)

    fig = _new_figure(12.0, 4.2)
    ax = fig.add_axes((0.12, 0.13, 0.48, 0.77))
    ax_types = fig.add_axes((0.68, 0.2, 0.31, 0.70))
    rng = np.random.default_rng(0)
    for i, t in enumerate(types):
        scores = group[t].dropna().to_numpy(float)
        yi = len(types) - 1 - i
        ax.scatter(scores, yi + rng.uniform(-0.25, 0.25, len(scores)), s=8, alpha=0.35, color=type_color(t))
        if len(scores):
            ax.boxplot(
                scores, positions=[yi], orientation="horizontal", widths=0.5, showfliers=False, manage_ticks=False
            )
        ax.scatter(
            [student[t]],
            [yi],
            marker="*",
            s=450,
            color="black",
            zorder=5,
            label=label("wg_quiz_you", lang) if i == 0 else None,
        )
    ax.set_yticks(range(len(types))[::-1], [type_label(t, lang) for t in types])
    ax.set_xlim(0.8, 7.2)
    ax.set_xlabel(label("wg_quiz_score_axis", lang))
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize="small", markerscale=0.5, frameon=False)
    ax.set_title(label("wg_quiz_dist_title", lang).format(n=len(group), group=group_name))
    counts = group["relationship_type"].dropna().value_counts(normalize=True).reindex(list(TYPE_ORDER)).fillna(0)
    bars = ax_types.bar(
        [type_label(t, lang) for t in TYPE_ORDER], counts.to_numpy(), color=[type_color(t) for t in TYPE_ORDER]
    )
    own = student["relationship_type"]
    if isinstance(own, str) and own in TYPE_ORDER:
        bar = bars[list(TYPE_ORDER).index(own)]
        bar.set_edgecolor("black")
        bar.set_linewidth(3)
        ax_types.annotate(
            label("wg_quiz_you", lang),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontweight="bold",
        )
    ax_types.set_ylim(0, 1)
    ax_types.set_ylabel(label("an_share", lang))
    ax_types.tick_params(axis="x", rotation=20)
    ax_types.set_title(label("wg_quiz_types_title", lang))

    own_type = own if isinstance(own, str) else MIXED
    text = label("wg_quiz_text", lang).format(
        org=_org_phrase(sector, lang),
        type=type_label(own_type, lang),
        markt=float(student["markt"]),
        gezag=float(student["gezag"]),
        betekenis=float(student["betekenis"]),
        group=group_name,
        n=len(group),
        share=100 * float(counts.get(own_type, 0.0)),
        threshold=float(threshold),
    )
    return WidgetView(figure=fig, table=table, text=text)


# ------------------------------------------------------------------------------------------------------------------
# 4. A/B planner
def power_curve(d: float, n: np.ndarray | list[int], alpha: float = 0.05) -> pd.DataFrame:
    """Power of a two-sided two-sample t-test for effect size ``d`` at each ``n`` per arm (vectorised).

    The same non-central t computation as :func:`relatie_lab.ab_testing.power_analysis` (pingouin), for many n at once.

    Examples
    --------
    >>> power_curve(0.5, [64])["power"].round(3).tolist()
    [0.801]
    """
    from scipy import stats

    n_arr = np.asarray(n, dtype=float)
    if (n_arr < 2).any():
        raise SurveyError("Every n must be at least 2 respondents per arm.")
    dof = 2 * n_arr - 2
    tcrit = stats.t.ppf(1 - alpha / 2, dof)
    nc = abs(d) * np.sqrt(n_arr / 2)
    power = stats.nct.sf(tcrit, dof, nc) + stats.nct.cdf(-tcrit, dof, nc)
    return pd.DataFrame({"n": n_arr.astype(int), "power": power})


def simulate_experiment(d: float, n: int, seed: int | None = None) -> pd.DataFrame:
    """One simulated A/B experiment: ``n`` respondents per arm, scores N(0, 1) under ``prijs``, N(d, 1) under ``zorg``.

    Examples
    --------
    >>> simulate_experiment(0.5, 10, seed=1).groupby("conditie").size().tolist()
    [10, 10]
    """
    if n < 2:
        raise SurveyError(f"n must be at least 2 respondents per arm (got {n}).")
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "conditie": ["prijs"] * n + ["zorg"] * n,
            "score": np.concatenate([rng.normal(0.0, 1.0, n), rng.normal(d, 1.0, n)]),
        }
    )


def ab_view(d: float = 0.3, n: int = 100, seed: int | None = 0, alpha: float = 0.05, lang: str = "nl") -> WidgetView:
    """Plan an A/B test: power at ``n`` per arm, the N needed for 80% power, and one simulated experiment.

    Returns
    -------
    WidgetView
        ``table``: one row with ``d, n, alpha, power, n_80`` (NaN when ``d == 0``), and the simulated experiment's
        ``difference, ci_lower, ci_upper, p_value, significant`` (Welch, :func:`relatie_lab.ab_testing.compare_groups`).

    Examples
    --------
    >>> int(ab_view(d=0.8, n=26, seed=0).table.loc[0, "n_80"])
    26
    """
    from relatie_lab.ab_testing import compare_groups, power_analysis, required_n
    from relatie_lab.plots import NOT_SIGNIFICANT_COLOR, SIGNIFICANT_COLOR

    lang = check_lang(lang)
    power = power_analysis(d=d, n=n, alpha=alpha, lang=lang)
    n80 = float(required_n(d, power=0.8, alpha=alpha, lang=lang)) if d != 0 else np.nan
    experiment = simulate_experiment(d, n, seed=seed)
    res = compare_groups(
        experiment, "conditie", ["score"], control="prijs", treatment="zorg", alpha=alpha, lang=lang
    ).table
    r = res.iloc[0]
    table = pd.DataFrame(
        [
            {
                "d": float(d),
                "n": int(n),
                "alpha": float(alpha),
                "power": power,
                "n_80": n80,
                "difference": float(r["difference"]),
                "ci_lower": float(r["ci_lower"]),
                "ci_upper": float(r["ci_upper"]),
                "p_value": float(r["p_value"]),
                "significant": bool(r["p_value"] < alpha),
            }
        ]
    )

    fig = _new_figure(12.0, 4.2)
    ax = fig.add_axes((0.07, 0.13, 0.52, 0.78))
    ax_exp = fig.add_axes((0.63, 0.13, 0.345, 0.78))
    n_max = int(max(50, 2 * n, 1.3 * n80 if np.isfinite(n80) else 0))
    curve = power_curve(d, np.unique(np.linspace(2, n_max, 200).astype(int)), alpha=alpha)
    ax.plot(curve["n"], curve["power"], color=_BLUE, lw=2)
    ax.axhline(0.8, color="grey", ls="--", lw=1)
    ax.axvline(n, color="black", lw=1)
    ax.scatter([n], [power], color="black", zorder=5, s=50)
    ax.annotate(f"{power:.0%}", (n, power), textcoords="offset points", xytext=(8, -12))
    if np.isfinite(n80):
        ax.axvline(n80, color="grey", ls=":", lw=1)
        ax.annotate(f"N = {int(n80)}", (n80, 0.8), textcoords="offset points", xytext=(4, 8), color="dimgrey")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, n_max)
    ax.set_xlabel(label("wg_n_axis", lang))
    ax.set_ylabel(label("wg_power_axis", lang))
    ax.set_title(label("wg_power_curve_title", lang).format(d=d, alpha=alpha))

    row = table.iloc[0]
    color = SIGNIFICANT_COLOR if row["significant"] else NOT_SIGNIFICANT_COLOR
    ax_exp.errorbar(
        [row["difference"]],
        [0],
        xerr=[[row["difference"] - row["ci_lower"]], [row["ci_upper"] - row["difference"]]],
        fmt="o",
        color=color,
        capsize=6,
        lw=2.5,
        label=label("wg_estimate_ci", lang),
    )
    ax_exp.scatter(
        [d], [0], marker="D", s=140, facecolor="none", edgecolor="black", lw=2, zorder=4, label=label("wg_truth", lang)
    )
    ax_exp.axvline(0, color="grey", lw=1)
    span = max(1.0, abs(d) + 0.2, float(np.nanmax(np.abs(table[["ci_lower", "ci_upper"]].to_numpy()))) + 0.1)
    ax_exp.set_xlim(-span, span)
    ax_exp.set_yticks([])
    ax_exp.set_xlabel(label("wg_difference_axis", lang))
    ax_exp.legend(loc="upper left", fontsize="small")
    ax_exp.set_title(label("wg_experiment_title", lang))

    if d == 0:
        verdict = label("wg_verdict_false_alarm" if row["significant"] else "wg_verdict_null_ok", lang)
    else:
        verdict = label("wg_verdict_sig" if row["significant"] else "wg_verdict_nonsig", lang)
    text = label("wg_ab_text", lang).format(
        d=d,
        n=n,
        power=power,
        alpha=alpha,
        n80="—" if not np.isfinite(n80) else int(n80),
        diff=row["difference"],
        lo=row["ci_lower"],
        hi=row["ci_upper"],
        p="< 0.001" if row["p_value"] < 0.001 else f"= {row['p_value']:.3f}",
        verdict=verdict,
    )
    return WidgetView(figure=fig, table=table, text=text)


# ------------------------------------------------------------------------------------------------------------------
# the thin ipywidgets layer
class LectureWidget(widgets.VBox):
    """A lecture widget: title, controls, figure (``image``, PNG) and text (``text``, HTML) in a ``VBox``.

    ``controls`` maps a name to an ipywidgets control; ``compute(values, draw)`` returns a :class:`WidgetView` for the
    current control values (``draw`` counts the updates: the widgets use it in the seed, so that every change draws a
    new random sample). Every change of a control recomputes and shows the view; ``view`` holds the last one and
    ``last_error`` the last error message (``None`` after a successful update). An error is shown in the text, not
    lost in the kernel log.
    """

    def __init__(
        self,
        title: str,
        controls: dict[str, widgets.Widget],
        compute: Callable[[dict[str, Any], int], WidgetView],
        lang: str = "nl",
        control_box: widgets.Widget | None = None,
        buttons: list[widgets.Button] | None = None,
    ) -> None:
        image = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="1100px"))
        text = widgets.HTML(layout=widgets.Layout(max_width="1100px"))
        children = [widgets.HTML(f"<h3>{title}</h3>"), control_box or widgets.VBox(list(controls.values()))]
        if buttons:
            children.append(widgets.HBox(buttons))
        super().__init__(children=[*children, image, text])
        self.controls = controls
        self.compute = compute
        self.lang = check_lang(lang)
        self.image = image
        self.text = text
        self.draws = 0
        self.last_error: str | None = None
        self.view: WidgetView | None = None
        self._suspended = 0
        self.add_class("rl-lecture-widget")
        image.add_class("rl-figure")
        text.add_class("rl-text")
        for button in buttons or []:
            button.on_click(lambda _button: self.update())
        for control in controls.values():
            control.observe(self._changed, names="value")
        self.update()

    @contextmanager
    def suspend(self) -> Iterator[None]:
        """Change several controls without an update for each; call :meth:`update` afterwards."""
        self._suspended += 1
        try:
            yield
        finally:
            self._suspended -= 1

    def _changed(self, _change: dict) -> None:
        if not self._suspended:
            self.update()

    def values(self) -> dict[str, Any]:
        """The current value of every control."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> None:
        """Recompute the view from the controls (a new random draw each time) and show it."""
        self.draws += 1
        try:
            view = self.compute(self.values(), self.draws)
        except Exception as exc:
            message = str(exc) if isinstance(exc, SurveyError) else f"{type(exc).__name__}: {exc}"
            self.last_error = message
            text = label("wg_error", self.lang).format(message=html.escape(message))
            self.text.value = f'<div class="rl-widget-error" style="color:#b00020">{text}</div>'
            return
        self.last_error = None
        self.view = view
        self.image.value = figure_png(view.figure)
        self.text.value = view.text


def _slider(kind: str, description: str, value: float, lo: float, hi: float, step: float) -> widgets.Widget:
    cls = widgets.IntSlider if kind == "int" else widgets.FloatSlider
    return cls(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        continuous_update=False,
        style={"description_width": "150px"},
        layout=widgets.Layout(width="460px"),
    )


def simulate_and_estimate(lang: str = "nl", seed: int = 0) -> LectureWidget:
    """Widget: sliders for the three paths, sample size and noise; each change draws and refits (:func:`chain_view`).

    A button draws a new sample with the same settings. ``seed`` fixes the sequence of samples.
    """
    lang = check_lang(lang)
    controls = {
        "c": _slider("float", label("wg_slider_c", lang), 0.6, -0.9, 0.9, 0.05),
        "a": _slider("float", label("wg_slider_a", lang), 0.5, -0.9, 0.9, 0.05),
        "b": _slider("float", label("wg_slider_b", lang), 0.4, -0.9, 0.9, 0.05),
        "n": _slider("int", label("wg_slider_n", lang), 200, 30, 2000, 10),
        "noise": _slider("float", label("wg_slider_noise", lang), 0.8, 0.1, 3.0, 0.1),
    }
    box = widgets.HBox(
        [widgets.VBox([controls["c"], controls["a"], controls["b"]]), widgets.VBox([controls["n"], controls["noise"]])]
    )

    def compute(v: dict[str, Any], draw: int) -> WidgetView:
        return chain_view(a=v["a"], b=v["b"], c=v["c"], n=v["n"], noise=v["noise"], seed=seed + draw, lang=lang)

    button = widgets.Button(
        description=label("wg_new_sample", lang), icon="refresh", layout=widgets.Layout(width="auto")
    )
    return LectureWidget(label("wg_sim_title", lang), controls, compute, lang, control_box=box, buttons=[button])


def ladder_explorer(df: pd.DataFrame | None = None, lang: str = "nl") -> LectureWidget:
    """Widget: a threshold slider and sector/organisation dropdowns; the funnel updates (:func:`ladder_view`).

    ``df``: a cleaned survey (default: the demo data, :func:`demo_data`).
    """
    lang = check_lang(lang)
    scores = _ladder_scores(demo_data() if df is None else df)
    all_ = label("wg_all", lang)
    sectors = sorted(scores["sector"].dropna().astype(str).unique()) if "sector" in scores else []

    def organisations(sector: str) -> list[tuple[str, str]]:
        # "" stands for "all" (a Dropdown value of None would mean "nothing selected")
        if "organisatie" not in scores:
            return [(all_, "")]
        part = scores if not sector else scores[scores["sector"].astype(str) == sector]
        return [(all_, "")] + [(o, o) for o in sorted(part["organisatie"].dropna().astype(str).unique())]

    controls = {
        "threshold": _slider("float", label("wg_threshold", lang), 5.0, 3.0, 6.5, 0.25),
        "sector": widgets.Dropdown(
            options=[(all_, "")] + [(s, s) for s in sectors], value="", description=label("sector", lang)
        ),
        "organisation": widgets.Dropdown(options=organisations(""), value="", description=label("organisation", lang)),
    }

    def compute(v: dict[str, Any], _draw: int) -> WidgetView:
        return ladder_view(
            scores,
            threshold=v["threshold"],
            sector=v["sector"] or None,
            organisation=v["organisation"] or None,
            lang=lang,
        )

    widget = LectureWidget(label("wg_ladder_title", lang), controls, compute, lang)

    def sector_changed(change: dict) -> None:
        with widget.suspend():
            controls["organisation"].options = organisations(change["new"])
            controls["organisation"].value = ""
        widget.update()

    # a new sector gives new organisation options: one update for both changes
    controls["sector"].unobserve(widget._changed, names="value")
    controls["sector"].observe(sector_changed, names="value")
    return widget


def relatie_quiz(df: pd.DataFrame | None = None, lang: str = "nl", sector: str = "bank") -> LectureWidget:
    """Widget "Welke relatie heb jij?": the twelve relational-norm items as sliders for a chosen organisation.

    The student's markt/gezag/betekenis profile is shown next to the class data ``df`` (a cleaned survey with the
    norm items; default: the demo data), see :func:`quiz_view`.
    """
    lang = check_lang(lang)
    comparison = _quiz_comparison(demo_data() if df is None else df, lang)
    org = widgets.Dropdown(
        options=[(_org_phrase(s, lang), s) for s in SECTORS], value=sector, description=label("wg_quiz_org", lang)
    )
    item_labels = {
        item: widgets.HTML(quiz_item_text(item, sector, lang), layout=widgets.Layout(width="560px"))
        for item in QUIZ_ITEMS
    }
    sliders = {
        item: widgets.IntSlider(
            value=4, min=1, max=7, step=1, continuous_update=False, layout=widgets.Layout(width="300px")
        )
        for item in QUIZ_ITEMS
    }
    rows = [widgets.HBox([item_labels[i], sliders[i]]) for i in QUIZ_ITEMS]
    box = widgets.VBox([widgets.HTML(f"<p>{label('wg_quiz_intro', lang)}</p>"), org, *rows])
    controls: dict[str, widgets.Widget] = {"sector": org, **sliders}

    def compute(v: dict[str, Any], _draw: int) -> WidgetView:
        for item in QUIZ_ITEMS:
            item_labels[item].value = quiz_item_text(item, v["sector"], lang)
        answers = {item: v[item] for item in QUIZ_ITEMS}
        return quiz_view(answers, comparison, sector=v["sector"], lang=lang)

    return LectureWidget(label("wg_quiz_title", lang), controls, compute, lang, control_box=box)


def ab_planner(lang: str = "nl", seed: int = 0) -> LectureWidget:
    """Widget: effect size d and N per arm -> power, N for 80% power and a simulated experiment (:func:`ab_view`).

    Every change (and the button) runs a new simulated experiment.
    """
    lang = check_lang(lang)
    controls = {
        "d": _slider("float", label("wg_effect_size", lang), 0.3, 0.0, 1.5, 0.05),
        "n": _slider("int", label("wg_n_per_arm", lang), 100, 10, 1000, 10),
    }

    def compute(v: dict[str, Any], draw: int) -> WidgetView:
        return ab_view(d=v["d"], n=v["n"], seed=seed + draw, lang=lang)

    button = widgets.Button(
        description=label("wg_new_experiment", lang), icon="refresh", layout=widgets.Layout(width="auto")
    )
    return LectureWidget(label("wg_ab_title", lang), controls, compute, lang, buttons=[button])


# ------------------------------------------------------------------------------------------------------------------
# SEM power (Monte Carlo, small reps): how many respondents to find trust -> commitment?
SEM_POWER_N: tuple[int, ...] = (50, 100, 200, 400)


def sem_power_model(path: float, loading: float) -> str:
    """Population model of the widget: trust and commitment with three items each, ``commitment ~ path*trust``.

    Examples
    --------
    >>> print(sem_power_model(0.2, 0.7).splitlines()[-1])
    commitment ~ 0.2*vertrouwen
    """
    items = {"vertrouwen": ("vt_1", "vt_2", "vt_3"), "commitment": ("com_1", "com_2", "com_3")}
    lines = [f"{f} =~ " + " + ".join(f"{loading}*{i}" for i in its) for f, its in items.items()]
    return "\n".join([*lines, f"commitment ~ {path}*vertrouwen"])


def sem_power_view(path: float = 0.2, loading: float = 0.7, reps: int = 100, n: tuple[int, ...] = SEM_POWER_N,
                   seed: int | None = 0, lang: str = "nl") -> WidgetView:  # fmt: skip
    """Monte Carlo power of the path trust -> commitment (:func:`relatie_lab.power_sem`, in this process).

    Returns
    -------
    WidgetView
        ``table``: ``n, power, coverage, converged`` of the path per N; ``result`` the :class:`PowerResult`.

    Examples
    --------
    >>> view = sem_power_view(path=0.4, reps=20, n=(100,), seed=1)
    >>> view.table.columns.tolist()
    ['n', 'power', 'coverage', 'converged']
    """
    from relatie_lab.sem.power import power_sem

    lang = check_lang(lang)
    res = power_sem(sem_power_model(path, loading), n=list(n), reps=int(reps), seed=seed, client="local",
                    progress=False, lang=lang)  # fmt: skip
    table = res.table[res.table["parameter"] == "commitment ~ vertrouwen"][["n", "power", "coverage", "converged"]]
    table = table.reset_index(drop=True)
    fig = _new_figure(7.0, 4.0)
    ax = fig.add_axes((0.11, 0.14, 0.85, 0.76))
    ax.plot(table["n"], table["power"], marker="o", color=_BLUE, lw=2)
    ax.axhline(0.8, color="grey", ls="--", lw=1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(label("power_plot_x", lang))
    ax.set_ylabel(label("power_plot_y", lang))
    ax.set_title(label("power_widget_title", lang))
    target = int(table["n"].iloc[-1])
    power = float(table["power"].iloc[-1])
    reached = table[table["power"] >= 0.8]
    if len(reached):
        target, power = int(reached["n"].iloc[0]), float(reached["power"].iloc[0])
    se = math.sqrt(max(power * (1 - power), 0.0025) / max(int(reps), 1))
    text = "<p>" + html.escape(label("power_widget_text", lang).format(n=target, path=path, power=power, se=se,
                                                                      reps=int(reps))) + "</p>"  # fmt: skip
    return WidgetView(figure=fig, table=table, text=text, result=res)


def sem_power_planner(lang: str = "nl", seed: int = 0) -> LectureWidget:
    """Widget: the path trust -> commitment, the loadings and the replications -> Monte Carlo power per N.

    Small ``reps`` (50-300) keep it quick in a lecture (a second or two); the text states the Monte Carlo error.
    """
    lang = check_lang(lang)
    controls = {
        "path": _slider("float", label("power_widget_path", lang), 0.2, 0.05, 0.6, 0.05),
        "loading": _slider("float", label("power_widget_loading", lang), 0.7, 0.4, 0.9, 0.05),
        "reps": _slider("int", label("power_widget_reps", lang), 100, 50, 300, 50),
    }

    def compute(v: dict[str, Any], draw: int) -> WidgetView:
        return sem_power_view(path=v["path"], loading=v["loading"], reps=v["reps"], seed=seed + draw, lang=lang)

    return LectureWidget(label("power_widget_title", lang), controls, compute, lang)
