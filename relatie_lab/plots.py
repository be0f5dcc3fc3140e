"""Shared plotting style for relatie_lab: one seaborn theme, one colour per relationship type, titled figures.

Every plot function in the package draws with :func:`theme`, labels its axes and title in Dutch or English
(``lang="nl" | "en"``) and returns the matplotlib ``Figure``. :func:`savefig` writes a figure atomically, so a
report never picks up a half-written image.

Examples
--------
>>> fig, ax = new_figure()
>>> _ = ax.bar(["markt", "gezag"], [1, 2], color=[type_color("markt"), type_color("gezag")])
>>> finish(ax, title="Voorbeeld", xlabel="Type", ylabel="Aantal")
>>> ax.get_title()
'Voorbeeld'
>>> import tempfile, pathlib
>>> out = savefig(fig, pathlib.Path(tempfile.mkdtemp()) / "voorbeeld.png")
>>> out.stat().st_size > 0
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from relatie_lab.atomic import atomic_path

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "RELATIONSHIP_TYPES",
    "SIGNIFICANT_COLOR",
    "TYPE_COLORS",
    "display_name",
    "finish",
    "new_figure",
    "savefig",
    "theme",
    "type_color",
    "value_label",
]

#: The three relationship types in Pol's order, plus "gemengd" (mixed).
RELATIONSHIP_TYPES: tuple[str, ...] = ("markt", "gezag", "betekenis")

#: One fixed colour per relationship type (colour-blind safe, Okabe-Ito), used by every plot in the package.
TYPE_COLORS: dict[str, str] = {
    "markt": "#E69F00",  # orange: the market deal
    "gezag": "#0072B2",  # blue: authority
    "betekenis": "#009E73",  # green: care for each other and the surroundings
    "gemengd": "#999999",  # grey: no type dominates
}

#: Colour for a statistically significant change or difference; grey for one that is not.
SIGNIFICANT_COLOR = "#D55E00"
NOT_SIGNIFICANT_COLOR = "#7F7F7F"


def theme() -> None:
    """Apply the relatie_lab seaborn theme (white grid, readable font sizes).

    Examples
    --------
    >>> theme()
    >>> import matplotlib
    >>> matplotlib.rcParams["axes.grid"]
    True
    """
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)


def type_color(relationship_type: str) -> str:
    """The colour of a relationship type (``markt``, ``gezag``, ``betekenis``, ``gemengd``); grey when unknown.

    Examples
    --------
    >>> type_color("betekenis"), type_color("onbekend")
    ('#009E73', '#999999')
    """
    return TYPE_COLORS.get(str(relationship_type), TYPE_COLORS["gemengd"])


def display_name(key: str, lang: str = "nl") -> str:
    """Display name of a construct, item, field (instrument) or label key (labels files); the key itself if unknown.

    Examples
    --------
    >>> display_name("sector", "en"), display_name("type_gemengd", "en"), display_name("x_1")
    ('Sector', 'Mixed', 'x_1')
    """
    from relatie_lab import instrument
    from relatie_lab.labels import label

    try:
        return instrument.label(key, lang)
    except (KeyError, ValueError):
        pass
    for candidate in (key, f"an_{key}"):
        try:
            return label(candidate, lang)
        except KeyError:
            pass
    return str(key)


def value_label(column: str, value: object, lang: str = "nl") -> str:
    """Label of a coded value of a field (``conditie`` = ``zorg`` -> "Zorgfolder"); the value itself if unknown.

    Examples
    --------
    >>> value_label("conditie", "zorg", "en"), value_label("meting", 3)
    ('Care leaflet', '3')
    """
    from relatie_lab import instrument

    try:
        codes = instrument.field_values(column, lang)
    except (KeyError, ValueError):
        codes = {}
    return next((text for code, text in codes.items() if str(code) == str(value)), str(value))


def new_figure(ncols: int = 1, *, width: float = 7.0, height: float = 4.5, **kwargs) -> tuple[Figure, Axes]:
    """A new themed figure with ``ncols`` axes side by side (``Axes`` or an array of them).

    Examples
    --------
    >>> fig, axes = new_figure(2)
    >>> len(axes)
    2
    """
    import matplotlib.pyplot as plt

    theme()
    fig, ax = plt.subplots(1, ncols, figsize=(width * ncols if ncols > 1 else width, height), **kwargs)
    return fig, ax


def finish(ax: Axes, *, title: str, xlabel: str | None = None, ylabel: str | None = None) -> None:
    """Give ``ax`` its title and axis labels (every relatie_lab figure is titled and labelled).

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> finish(ax, title="Trechter", xlabel="Aandeel", ylabel="Trede")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Aandeel', 'Trede')
    """
    ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)


def savefig(fig: Figure, path: str | os.PathLike[str], *, dpi: int = 150, **kwargs) -> Path:
    """Save ``fig`` to ``path`` atomically (the format follows the suffix) and return the path.

    The image is written to a temporary file beside ``path`` and moved into place when complete.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> fig, ax = new_figure()
    >>> savefig(fig, pathlib.Path(tempfile.mkdtemp()) / "figuur.svg").suffix
    '.svg'
    """
    path = Path(path)
    fmt = kwargs.pop("format", None) or (path.suffix.lstrip(".") or "png")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight", **kwargs)
    return path
