"""Tests for relatie_lab.path_diagram: a layered layout in which no two boxes or labels overlap, R² shown."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest

from relatie_lab.path_diagram import layers, plot_path

matplotlib.use("Agg")


class _Engine:
    def __init__(self, lv):
        self.lv = lv


class _Result:
    """The parts of a SEMResult the diagram reads: estimates, engine.lv, fit_indices, group_labels, r_squared."""

    def __init__(self, structure: dict[str, list[str]], n_items: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        latent = list(dict.fromkeys([*structure, *itertools.chain.from_iterable(structure.values())]))
        rows = []
        for f in latent:
            for i in range(1, n_items + 1):
                rows.append((f, "=~", f"{f[:4]}_{i}", 1.0, 0.01, rng.uniform(0.6, 0.9)))
        for lhs, preds in structure.items():
            for rhs in preds:
                beta = rng.uniform(-0.5, 0.7)
                rows.append((lhs, "~", rhs, beta, 0.01 if abs(beta) > 0.1 else 0.4, beta))
            rows.append((lhs, "~~", lhs, 0.5, 0.001, rng.uniform(0.3, 0.9)))
        self.estimates = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est", "pvalue", "std_all"])
        self.engine = _Engine(latent)
        var = self.estimates.query("op == '~~' and lhs == rhs")  # R² as SEMResult.r_squared gives it
        self.r_squared = pd.Series(1.0 - var["std_all"].to_numpy(), index=var["lhs"].to_numpy())
        self.fit_indices = {"cfi": 0.97, "rmsea": 0.04, "srmr": 0.03}
        self.group_labels = []


TWELVE = {  # 12 latent variables in four layers, with paths that skip a layer and paths that cross
    "m1": ["x1", "x2"], "m2": ["x2", "x3"], "m3": ["x3", "x4", "x1"], "m4": ["x4"],
    "y1": ["m1", "m2", "x1"], "y2": ["m2", "m3", "m4"], "y3": ["m4", "x4"],
    "z": ["y1", "y2", "y3", "m1"],
}  # fmt: skip
CHAIN = {"vertrouwen": ["gedeelde_waarden"], "commitment": ["vertrouwen", "gedeelde_waarden"],
         "betrokkenheid": ["commitment"]}  # fmt: skip


def _boxes(fig):
    """Window extents of every node/item box and every label, keyed by the artist's gid."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    shapes = {p.get_gid(): p.get_window_extent(renderer) for p in ax.patches if p.get_gid()}
    texts = {t.get_gid(): t.get_window_extent(renderer) for t in ax.texts if t.get_gid()}
    return shapes, texts


def _overlap(a, b, pad=0.5):
    return a.x0 < b.x1 - pad and b.x0 < a.x1 - pad and a.y0 < b.y1 - pad and b.y0 < a.y1 - pad


def _own(text_gid: str, shape_gid: str) -> bool:
    """A node's or item's name sits inside its own box."""
    kind, _, name = text_gid.partition(":")
    return (kind, name) in {("name", shape_gid.partition(":")[2]), ("itemname", shape_gid.partition(":")[2])}


@pytest.mark.parametrize(("structure", "n_items"), [(TWELVE, 3), (TWELVE, 0), (CHAIN, 4)],
                         ids=["twelve_latents", "twelve_structural_only", "ct_chain"])  # fmt: skip
def test_no_two_boxes_or_labels_overlap(structure, n_items):
    import matplotlib.pyplot as plt

    result = _Result(structure, max(n_items, 1))
    fig = plot_path(result, "nl", indicators=n_items > 0, title=False)
    shapes, texts = _boxes(fig)
    assert len([g for g in shapes if g.startswith("node:")]) == len(result.engine.lv)
    for (g1, b1), (g2, b2) in itertools.combinations(shapes.items(), 2):
        assert not _overlap(b1, b2), f"{g1} overlaps {g2}"
    for (g1, b1), (g2, b2) in itertools.combinations(texts.items(), 2):
        assert not _overlap(b1, b2), f"label {g1} overlaps label {g2}"
    for (gt, bt), (gs, bs) in itertools.product(texts.items(), shapes.items()):
        if _own(gt, gs):
            assert bs.x0 <= bt.x0, f"the name {gt} sticks out of its box"
            assert bt.x1 <= bs.x1, f"the name {gt} sticks out of its box"
        else:
            assert not _overlap(bt, bs), f"label {gt} overlaps {gs}"
    plt.close(fig)


def test_r2_on_every_endogenous_construct_and_layers():
    import matplotlib.pyplot as plt

    result = _Result(TWELVE, 3)
    fig = plot_path(result, "en", names={"z": "Loyalty"})
    r2 = {t.get_gid()[3:]: t.get_text() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("r2:")}
    assert set(r2) == set(TWELVE)
    est = result.estimates
    z_res = est.query("lhs == 'z' and op == '~~'")["std_all"].iloc[0]
    assert r2["z"] == f"R² = {1 - z_res:.2f}".replace("0.", ".")
    assert "Loyalty" in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)
    fig = plot_path(result, "en", number_items=True)  # a report: no item codes in the figure
    items = [t.get_text() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("itemname:")]
    assert set(items) == {"1", "2", "3"}
    order = layers(est, result.engine.lv)
    assert order["x1"] == 0
    assert order["m3"] == 1
    assert order["z"] == 3
    plt.close(fig)
