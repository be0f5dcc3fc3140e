"""Tests of relatie_lab.plots: type colours, display names, atomic savefig."""

import matplotlib.pyplot as plt
import pytest

from relatie_lab.plots import TYPE_COLORS, display_name, finish, new_figure, savefig, type_color


def test_every_type_has_its_own_colour():
    assert set(TYPE_COLORS) == {"markt", "gezag", "betekenis", "gemengd"}
    assert len(set(TYPE_COLORS.values())) == 4
    assert type_color("onbekend") == TYPE_COLORS["gemengd"]


def test_display_name_in_both_languages():
    assert display_name("commitment", "en") == "Commitment"
    assert display_name("sector", "nl") == "Sector"
    assert display_name("relationship_type", "nl") == "Relatietype"
    assert display_name("type_betekenis", "en") == "Meaningful relationship"
    assert display_name("geen_label") == "geen_label"


def test_savefig_writes_atomically(tmp_path):
    fig, ax = new_figure()
    ax.plot([1, 2], [3, 4])
    finish(ax, title="Titel", xlabel="x", ylabel="y")
    target = tmp_path / "sub" / "fig.png"
    assert savefig(fig, target) == target
    assert target.read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in target.parent.iterdir()] == ["fig.png"]  # no temporary file left behind
    svg = savefig(fig, tmp_path / "fig.svg")
    assert svg.read_text().lstrip().startswith("<?xml")
    plt.close(fig)


def test_savefig_leaves_old_file_on_failure(tmp_path):
    fig, _ = new_figure()
    target = tmp_path / "fig.png"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="not-a-format"):
        savefig(fig, target, format="not-a-format")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]
    plt.close(fig)
