"""Tests for relatie_lab.summary: key findings in plain words with their numbers and links, NL and EN."""

from __future__ import annotations

import pandas as pd
import pytest

from relatie_lab import summary
from relatie_lab.ab_testing import ComparisonResult
from relatie_lab.ladder import LadderResult
from relatie_lab.relationship_types import RelationshipProfile


class _Fit:
    def __init__(self, cfi=0.994, rmsea=0.021):
        self.fit_indices = {"cfi": cfi, "rmsea": rmsea, "srmr": 0.03}
        self.estimates = pd.DataFrame({
            "lhs": ["commitment", "vertrouwen"], "op": ["~", "~"], "rhs": ["vertrouwen", "gedeelde_waarden"],
            "est": [0.61, 0.4], "pvalue": [1e-9, 1e-9], "std_all": [0.51, 0.47],
        })  # fmt: skip
        self.nobs = 1200


def test_fit_and_strongest_path_in_both_languages():
    assert summary.fit_finding(_Fit(), "nl").text == (
        "Het structurele model past goed bij de gegevens (CFI = ,994, RMSEA = ,021)."
    )
    path = summary.strongest_path_finding(_Fit(), "en")
    assert path.text == "The strongest relationship in the model: Trust → commitment (β = .51, *p* < .001)."
    assert path.section == "report_nb03_paths"


def test_poor_fit_finding_does_not_interpret_paths():
    poor = _Fit(cfi=0.85)
    assert "not interpreted" in summary.fit_finding(poor, "en").text
    assert "β" not in summary.strongest_path_finding(poor, "en").text


def test_ladder_types_and_ab_findings_use_labels_not_codes():
    funnel = pd.DataFrame({"rung": ["klantbeleving", "gedeelde_waarden"], "level": [1, 2], "share": [0.79, 0.525],
                           "drop": [0.21, 0.267], "is_break": [False, True]})  # fmt: skip
    ladder = summary.ladder_finding(LadderResult(levels=pd.DataFrame(), funnel=funnel, by=None), "nl")
    assert ladder.text.startswith("De ladder breekt bij gedeelde waarden: 52% van de klanten bereikt die trede, 27")

    dist = pd.DataFrame({"sector": ["bank", "bank", "gemeente", "gemeente"],
                         "relationship_type": ["markt", "betekenis", "gezag", "markt"],
                         "share": [0.3, 0.4, 0.7, 0.1]})  # fmt: skip
    types = summary.types_finding(RelationshipProfile(pd.DataFrame(), dist, "sector", 0.5), "en")
    assert types.text == ("The most common relationship type per group: meaningful relationship in Bank (on average "
                          "40%); authority relationship in Municipality (on average 70%).")
    table = pd.DataFrame({"outcome": ["vertrouwen", "tevredenheid"], "hedges_g": [0.44, 0.26],
                          "p_holm": [1e-6, 1e-4], "significant": [True, True]})  # fmt: skip
    ab = summary.ab_finding(ComparisonResult(table, "conditie", "prijs", "zorg"), "nl")
    assert ab.text == ("‘Zorgfolder’ verhoogt vertrouwen het meest ten opzichte van ‘Prijsfolder’ (*g* = 0,44, "
                       "*p*<sub>Holm</sub> < ,001); 2 van de 2 uitkomsten verschillen significant.")


@pytest.mark.parametrize(("lang", "title"), [("nl", "Samenvatting"), ("en", "Summary")])
def test_summary_page_orders_findings_and_links_sections(tmp_path, lang, title):
    summary.save_finding(tmp_path, summary.Finding("ab", "A/B *g*.", "report_nb07_effects"))
    summary.save_finding(tmp_path, summary.fit_finding(_Fit(), lang))
    summary.save_finding(tmp_path, summary.fit_finding(_Fit(), lang))  # a rerun replaces, never duplicates
    found = summary.load_findings(tmp_path)
    assert [f.kind for f in found] == ["fit", "ab"]
    page = summary.summary_html(found, lang, {"report_nb03_fit": "sec-9"})
    assert f"<h1>{title}</h1>" in page
    assert 'href="#sec-9"' in page
    assert "A/B <em>g</em>." in page
