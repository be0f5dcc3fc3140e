"""The path diagram of a fitted SEM: a layered layout without overlaps, drawn with matplotlib.

The structural variables stand in layers from left to right (a variable's layer is one more than that of its
deepest predictor); within a layer they are ordered by the mean position of their predictors, which keeps
arrows short and crossings few. Every node is sized to its (wrapped) name and every layer to its widest node
and indicator row, so no two boxes overlap for any number of variables; the coefficient labels are then placed
along their arrows where they touch no node and no other label. Endogenous constructs carry their *R*².
:meth:`relatie_lab.sem.SEMResult.plot` delegates here.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem import fit_sem
>>> rng = np.random.default_rng(1)
>>> f = rng.normal(size=(300, 1)); g = 0.5 * f + rng.normal(size=(300, 1))
>>> df = pd.DataFrame(np.hstack([f @ [[1, .8, .7]], g @ [[1, .9, .8]]]) + rng.normal(size=(300, 6)) * .5,
...                   columns=["a1", "a2", "a3", "b1", "b2", "b3"])
>>> res = fit_sem(df, "A =~ a1 + a2 + a3\\nB =~ b1 + b2 + b3\\nB ~ A")
>>> fig = plot_path(res, lang="en")
>>> sorted(t.get_gid() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("r2:"))
['r2:B']
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.labels import check_lang, label

__all__ = ["layers", "plot_path"]

#: Inches per data unit of a diagram drawn in its own figure (text has a fixed size in points).
SCALE = 0.62
_LATENT_FONT = 9.0
_ITEM_FONT = 6.5
_CHAR = 0.62  # average character width in ems (DejaVu Sans), generous
_ARC_CLEARANCE = 0.6
_COLOR = "#1f4e79"


def layers(est: pd.DataFrame, latent: list[str]) -> dict[str, int]:
    """Structural order: a variable's layer is one more than the deepest of its predictors.

    Examples
    --------
    >>> est = pd.DataFrame({"lhs": ["b", "c", "c"], "op": ["~", "~", "~"], "rhs": ["a", "b", "a"]})
    >>> layers(est, ["a", "b", "c"])
    {'a': 0, 'b': 1, 'c': 2}
    """
    reg = est[est.op == "~"]
    nodes = list(dict.fromkeys([*latent, *reg.lhs, *reg.rhs]))
    preds = {v: set(reg.rhs[reg.lhs == v]) for v in nodes}
    layer: dict[str, int] = {}

    def depth(v: str, seen: frozenset = frozenset()) -> int:
        if v in layer:
            return layer[v]
        if v in seen:
            return 0
        d = 1 + max((depth(u, seen | {v}) for u in preds[v]), default=-1)
        layer[v] = d
        return d

    for v in nodes:
        depth(v)
    return {v: layer[v] for v in nodes}


def _units(points: float) -> float:
    """Points -> data units of a diagram in its own figure."""
    return points / 72.0 / SCALE


def _namer(names: Any) -> Any:
    """``names`` as a function: a mapping (missing keys unchanged), a callable, or None (the variable names)."""
    if names is None:
        return str
    if callable(names):
        return names
    return lambda v: str(names.get(v, v))


def _coef(value: float, lang: str, leading_zero: bool = False) -> str:
    from relatie_lab.apa import number

    return number(value, 2, lang, leading_zero=leading_zero)


def _fit(value: float, lang: str) -> str:
    from relatie_lab.apa import number

    return number(value, 3, lang, leading_zero=False)


def _node_sizes(pos_names: dict[str, str], latent: set[str]) -> tuple[dict[str, str], dict[str, tuple[float, float]]]:
    """Wrapped name and (half width, half height) of every structural node."""
    wrapped, half = {}, {}
    for v, name in pos_names.items():
        lines = textwrap.wrap(name, 16) or [name]
        wrapped[v] = "\n".join(lines)
        text_w = _units(_LATENT_FONT * _CHAR * max(map(len, lines)))
        text_h = _units(_LATENT_FONT * 1.25 * len(lines))
        if v in latent:  # an ellipse round the text's box: semi-axes sqrt(2) times the half box
            half[v] = (max(1.2, 0.72 * text_w + 0.15), max(0.45, 0.72 * text_h + 0.1))
        else:
            half[v] = (max(1.0, text_w / 2 + 0.2), max(0.35, text_h / 2 + 0.12))
    return wrapped, half


def _order(by_layer: dict[int, list[str]], preds: dict[str, list[str]]) -> dict[int, list[str]]:
    """Order every layer by the mean rank of its nodes' predictors (barycentre heuristic), one sweep."""
    rank: dict[str, float] = {}
    out = {}
    for k in sorted(by_layer):
        vs = by_layer[k]

        def key(v: str, vs: list[str] = vs) -> tuple[float, int]:
            ranks = [rank[u] for u in preds.get(v, []) if u in rank]
            return (float(np.mean(ranks)) if ranks else vs.index(v), vs.index(v))

        ordered = sorted(vs, key=key) if k else vs
        out[k] = ordered
        for i, v in enumerate(ordered):
            rank[v] = i - (len(ordered) - 1) / 2
    return out


def _skip_arc(ax: Any, pos: dict, half: dict, layer: dict, source: str, target: str, top: float):
    """A path that skips a layer, drawn as an arc over the nodes in between; its label sits on top of the arc.

    The arc leaves the top of the source and enters the top of the target (clear of the straight arrows and
    their labels) and rises until its label clears every node under it (``top`` is the highest node edge
    between them). Returns the label position and points on the arc.
    """
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path as MplPath

    (x0, y0), (x1, y1) = pos[source], pos[target]
    sign = 1.0 if x1 >= x0 else -1.0
    (w0, h0), (w1, h1) = half[source], half[target]
    start = np.array([x0 + sign * 0.5 * w0, y0 + 0.87 * h0])  # 60 degrees round the node's outline
    end = np.array([x1 - sign * 0.5 * w1, y1 + 0.87 * h1])
    apex = max(top, y0 + h0, y1 + h1) + _ARC_CLEARANCE
    chord = float(np.hypot(*(end - start)))
    height = max(apex - (start[1] + end[1]) / 2, 0.2 * chord / 2)
    mid = (start + end) / 2
    normal = np.array([-(end - start)[1], (end - start)[0]]) / max(chord, 1e-9) * sign
    if normal[1] < 0:
        normal = -normal
    control = mid + 2 * height * normal
    path = MplPath([start, control, end], [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])
    ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=12, color=_COLOR, lw=1.6, zorder=1))
    t = np.linspace(0, 1, 25)[:, None]
    curve = (1 - t) ** 2 * start + 2 * t * (1 - t) * control + t**2 * end
    apex_point = 0.25 * start + 0.5 * control + 0.25 * end
    return float(apex_point[0]), float(apex_point[1]), [tuple(p) for p in curve]


def _fit_limits(ax: Any, points: list[tuple[float, float]], margin: float = 0.3) -> None:
    """Axis limits that hold every node, box and arc (``points``) and every text with its background box."""
    xs, ys = zip(*points, strict=True) if points else ((0.0,), (0.0,))
    lims = [min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin]
    ax.set_xlim(lims[0], lims[1])
    ax.set_ylim(lims[2], lims[3])
    get_renderer = getattr(ax.figure.canvas, "get_renderer", None)
    if get_renderer is None:  # a backend that cannot measure text: the margins must do
        return
    renderer = get_renderer()
    for _ in range(2):  # text has a fixed size in points: measure it at the current scale, widen, measure again
        ax.apply_aspect()
        to_data = ax.transData.inverted()
        boxes = [t.get_window_extent(renderer).transformed(to_data) for t in ax.texts if t.get_visible()]
        wanted = [
            min([lims[0], *(b.x0 - margin / 2 for b in boxes)]),
            max([lims[1], *(b.x1 + margin / 2 for b in boxes)]),
            min([lims[2], *(b.y0 - margin / 2 for b in boxes)]),
            max([lims[3], *(b.y1 + margin / 2 for b in boxes)]),
        ]
        if wanted == lims:
            break
        lims = wanted
        ax.set_xlim(lims[0], lims[1])
        ax.set_ylim(lims[2], lims[3])


def _box(cx: float, cy: float, w: float, h: float) -> tuple[float, float, float, float]:
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float], pad: float = 0.04) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _text_box(text: str, x: float, y: float, size: float, bold: bool = False) -> tuple[float, float, float, float]:
    w = _units(size * (_CHAR + (0.08 if bold else 0)) * len(text)) + _units(2 * size * 0.5)
    h = _units(size * 1.25) + _units(size * 0.5)
    return _box(x, y, w, h)


def _blocked(a: tuple[float, float], b: tuple[float, float], boxes: list[tuple[float, float, float, float]]) -> bool:
    """Whether the straight segment ``a``-``b`` runs through any of ``boxes``."""
    t = np.linspace(0.0, 1.0, 80)[:, None]
    pts = np.asarray(a) + t * (np.asarray(b) - np.asarray(a))
    return any(((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)).any()
               for x0, y0, x1, y1 in boxes)  # fmt: skip


def plot_path(result: Any, lang: str = "nl", ax: Any = None, group: Any = None, *, indicators: bool = True,
              title: bool = True, names: Any = None, number_items: bool = False):  # fmt: skip
    """Draw the path diagram of a fitted model (matplotlib only, no graphviz) and return the Figure.

    Parameters
    ----------
    result
        A :class:`relatie_lab.sem.SEMResult`.
    lang
        ``"nl"`` or ``"en"``: names of the constructs and number style (``,52`` / ``.52``).
    ax
        Draw into this axes (default: a new figure sized to the diagram).
    group
        Group of a multi-group model (default: the first).
    indicators
        Draw the items under their constructs (the measurement part); ``False`` for the structural part only.
    title
        Put the fit in the title (a report gives the figure an APA caption instead).
    names
        The reader's names of the variables: a mapping or a function (default: the variable names as in the
        model; a report passes the instrument's labels).
    number_items
        Show the items as 1, 2, ... within their construct instead of by their column names (a report: no codes).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle

    lang = check_lang(lang)
    est = result.estimates
    g = None
    if "group" in est:
        g = group if group is not None else result.group_labels[0]
        est = est[est["group"] == g]
    latent = list(result.engine.lv)
    layer = layers(est, latent)
    reg = est[est.op == "~"]
    preds = {v: list(reg.rhs[reg.lhs == v]) for v in layer}
    load = est[(est.op == "=~")] if indicators else est.iloc[0:0]
    items = {f: list(load.rhs[load.lhs == f]) for f in layer}
    name = _namer(names)
    wrapped, half = _node_sizes({v: name(v) for v in layer}, set(latent))
    item_text = {i: str(j) if number_items else str(i) for f in items for j, i in enumerate(items[f], start=1)}
    item_w = {i: max(0.8, _units(_ITEM_FONT * _CHAR * len(item_text[i])) + 0.2) for f in items for i in items[f]}
    item_pitch = {f: max([item_w[i] for i in its] + [0.8]) + 0.12 for f, its in items.items()}
    row_w = {f: item_pitch[f] * len(its) for f, its in items.items()}

    by_layer: dict[int, list[str]] = {}
    for v, k in layer.items():
        by_layer.setdefault(k, []).append(v)
    by_layer = _order(by_layer, preds)
    # every layer is as wide as its widest node or indicator row, plus room for the arrows and their labels
    col_w = {k: max(max(2 * half[v][0], row_w[v]) for v in vs) for k, vs in by_layer.items()}
    gap = 2.2
    x_of, x = {}, 0.0
    for k in sorted(by_layer):
        x_of[k] = x + col_w[k] / 2
        x += col_w[k] + gap
    ind_drop = 1.6
    pos: dict[str, tuple[float, float]] = {}
    for k, vs in by_layer.items():
        pitch = [2 * half[v][1] + (ind_drop + 0.25 if items[v] else 0) + 1.3 for v in vs]
        ys, y = [], 0.0
        for p in pitch:
            ys.append(y)
            y -= p
        shift = -(ys[0] + ys[-1]) / 2 if ys else 0.0
        for v, yv in zip(vs, ys, strict=True):
            pos[v] = (x_of[k], yv + shift)

    own = ax is None
    if own:
        fig = plt.figure()
        ax = fig.add_axes((0, 0, 1, 1))
    else:
        fig = ax.figure
    placed: list[tuple[float, float, float, float]] = []  # node and label boxes, data units
    points: list[tuple[float, float]] = []
    for v, (x0, y0) in pos.items():
        w, h = half[v]
        if v in latent:
            ax.add_patch(Ellipse((x0, y0), 2 * w, 2 * h, fc="#dbe9f6", ec=_COLOR, lw=1.4, zorder=2, gid=f"node:{v}"))
        else:
            ax.add_patch(Rectangle((x0 - w, y0 - h), 2 * w, 2 * h, fc="white", ec="#333333", zorder=2,
                                   gid=f"node:{v}"))  # fmt: skip
        ax.text(x0, y0, wrapped[v], ha="center", va="center", fontsize=_LATENT_FONT, zorder=3, gid=f"name:{v}",
                linespacing=1.1)  # fmt: skip
        placed.append(_box(x0, y0, 2 * w, 2 * h))
        points += [(x0 + sx * w, y0 + sy * h) for sx in (-1, 1) for sy in (-1, 1)]
        its = load[load.lhs == v]
        pitch = item_pitch[v]
        for j, r in enumerate(its.itertuples()):
            bx = x0 + (j - (len(its) - 1) / 2) * pitch
            by = y0 - h - ind_drop + 0.25
            bw = item_w[r.rhs]
            ax.add_patch(Rectangle((bx - bw / 2, by - 0.25), bw, 0.5, fc="white", ec="#555555", zorder=2,
                                   gid=f"item:{r.rhs}"))  # fmt: skip
            ax.text(bx, by, item_text[r.rhs], ha="center", va="center", fontsize=_ITEM_FONT, zorder=3,
                    gid=f"itemname:{r.rhs}")
            placed.append(_box(bx, by, bw, 0.5))
            points += [(bx + sx * bw / 2, by + sy * 0.25) for sx in (-1, 1) for sy in (-1, 1)]
            top = (x0 + (bx - x0) * 0.35, y0 - h)  # leave the ellipse under the centre, fanning out
            ax.add_patch(FancyArrowPatch(top, (bx, by + 0.25), arrowstyle="-|>", mutation_scale=8, color="#555555",
                                         lw=0.8, zorder=1))  # fmt: skip
            t = 0.62
            lx, ly = top[0] + t * (bx - top[0]), top[1] + t * (by + 0.25 - top[1])
            ax.text(lx, ly, _coef(r.std_all, lang), fontsize=6, ha="center", va="center", color=_COLOR, zorder=4,
                    bbox={"fc": "white", "ec": "none", "pad": 0.3}, gid=f"loading:{v}:{r.rhs}")  # fmt: skip
            placed.append(_text_box(_coef(r.std_all, lang), lx, ly, 6))
    # R² above the endogenous constructs
    from relatie_lab.apa import r_squared

    for v, value in r_squared(result, group=g).items():
        if v not in pos or not np.isfinite(value):
            continue
        x0, y0 = pos[v]
        w, h = half[v]
        text = f"R² = {_coef(value, lang)}"
        ly = y0 - h - 0.38 if not items[v] else y0 + h + 0.38
        lx = x0 + (0.55 * w if items[v] else 0.0)
        ax.text(lx, ly, text, ha="center", va="center", fontsize=8, style="italic", color="#333333", zorder=4,
                bbox={"fc": "white", "ec": "none", "pad": 0.3}, gid=f"r2:{v}")  # fmt: skip
        placed.append(_text_box(text, lx, ly, 8))
    # structural paths: straight where nothing is in the way, else an arc over the nodes it skips
    placed_node = {}  # a node with its indicator row, and a little room
    for v, (x, y) in pos.items():
        w = max(half[v][0], row_w[v] / 2) + 0.15
        below = half[v][1] + (ind_drop + 0.5 if items[v] else 0.15)
        placed_node[v] = (x - w, y - below, x + w, y + half[v][1] + 0.15)
    for r in reg.itertuples():
        if r.lhs not in pos or r.rhs not in pos:
            continue
        (x0, y0), (x1, y1) = pos[r.rhs], pos[r.lhs]
        lo, hi = sorted((layer[r.rhs], layer[r.lhs]))
        between = [v for v in pos if lo < layer[v] < hi]
        star = "*" if np.isfinite(r.pvalue) and r.pvalue < 0.05 else ""
        text = f"{_coef(r.std_all, lang)}{star}"
        if hi - lo > 1 and between and _blocked((x0, y0), (x1, y1), [placed_node[v] for v in between]):
            near = [v for v in between if min(y0, y1) - 1.5 <= pos[v][1] <= max(y0, y1) + 1.5]
            top = max([pos[v][1] + half[v][1] for v in near], default=max(y0, y1))
            lx, ly, curve = _skip_arc(ax, pos, half, layer, r.rhs, r.lhs, top)
            points += curve
            candidates = [(lx, ly), (lx, ly + 0.35), (lx, ly - 0.35)]
        else:
            sx = 1.0 if x1 >= x0 else -1.0
            start = np.array([x0 + sx * half[r.rhs][0], y0])
            end = np.array([x1 - sx * half[r.lhs][0], y1])
            ax.add_patch(FancyArrowPatch(tuple(start), tuple(end), arrowstyle="-|>", mutation_scale=12, color=_COLOR,
                                         lw=1.6, zorder=1))  # fmt: skip
            candidates = [tuple(start + t * (end - start) + np.array([0, 0.25 if abs(y1 - y0) < 1e-9 else 0]))
                          for t in (0.5, 0.35, 0.65, 0.25, 0.75, 0.42, 0.58)]  # fmt: skip
        box = None
        for cx, cy in candidates:
            box = _text_box(text, cx, cy, 9, bold=True)
            if not any(_overlaps(box, other) for other in placed):
                lx, ly = cx, cy
                break
        else:
            lx, ly = candidates[0]
            box = _text_box(text, lx, ly, 9, bold=True)
        placed.append(box)
        ax.text(lx, ly, text, ha="center", va="center", fontsize=9, fontweight="bold", color=_COLOR,
                bbox={"fc": "white", "ec": "none", "pad": 0.5}, zorder=4, gid=f"path:{r.rhs}:{r.lhs}")  # fmt: skip
    ax.set_aspect("equal")
    if own:
        xs, ys = zip(*points, strict=True)
        m = 0.5
        x_lo, x_hi, y_lo, y_hi = min(xs) - m, max(xs) + m, min(ys) - m, max(ys) + m
        for b in placed:
            x_lo, x_hi = min(x_lo, b[0] - 0.1), max(x_hi, b[2] + 0.1)
            y_lo, y_hi = min(y_lo, b[1] - 0.1), max(y_hi, b[3] + 0.1)
        fig.set_size_inches((x_hi - x_lo) * SCALE, (y_hi - y_lo) * SCALE)
        ax.set_xlim(x_lo, x_hi)
        ax.set_ylim(y_lo, y_hi)
    else:
        _fit_limits(ax, points)
    ax.axis("off")
    if title:
        fi = result.fit_indices
        ax.set_title(
            f"{label('sem_title', lang)} ({label('sem_std_all', lang).lower()}) — CFI {_fit(fi['cfi'], lang)}, "
            f"RMSEA {_fit(fi['rmsea'], lang)}, SRMR {_fit(fi['srmr'], lang)}",
            fontsize=10,
        )
    return fig
