"""The section decisions (relatie_lab.sections) on a generated matrix of foreign surveys.

Every case is a survey that is not shaped like the demo: each construct missing in turn, one item missing per
construct, a renamed column, a partial mapping, 5/30/100 respondents, no group column, and a survey of other
constructs with its own codebook and model. Each must give a plan in which every section runs, runs partly or is
skipped with the reason and what to add in the user's language, never an exception. Real reports of a few
representative cases are in test_report_context.py.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from relatie_lab import instrument
from relatie_lab.instrument import Instrument
from relatie_lab.paths import PROJECT_DIR
from relatie_lab.scores import recode_reverse
from relatie_lab.sections import (
    MIN_RESPONDENTS,
    SECTIONS,
    STATUSES,
    cfa_model,
    default_model,
    needs_table,
    plan_report,
    read_model,
    sem_size,
)
from relatie_lab.simulate import simulate_survey

EXAMPLE = PROJECT_DIR / "docs" / "examples" / "own_survey"
GROUPS = ["organisatie", "sector", "meting", "conditie", "keuze_aanbieder"]


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = simulate_survey(n=100, seed=3, missing_codes=False)
    return recode_reverse(df)


def _items(construct: str) -> list[str]:
    return instrument.item_ids(construct)


def _top_constructs() -> list[str]:
    table = instrument.constructs()
    return [c for c in table.index if pd.isna(table.loc[c, "parent"])]


def _check(plan) -> None:
    """Every decision is a known status with reasons in words when the section does not run fully."""
    for d in plan.decisions.values():
        assert d.status in STATUSES
        if d.status in ("partial", "skip"):
            assert d.reason, d.id
            assert d.todo, d.id


# ---------------------------------------------------------------------------------------------------------------
# the table


def test_needs_table_has_every_section_once_in_both_languages():
    nl, en = needs_table("nl"), needs_table("en")
    assert nl["section"].tolist() == [s.id for s in SECTIONS]
    assert nl["section"].is_unique
    assert set(nl["notebook"]) == {"01", "02", "03", "04", "05", "06", "07"}
    assert nl.loc[nl["section"] == "reliability", "constructs"].item() == "elk construct in het codeboek"
    assert en.loc[en["section"] == "reliability", "constructs"].item() == "any construct of the codebook"
    assert en.loc[en["section"] == "validity", "min_n"].item() == "more than the number of items in the model"
    assert en.loc[en["section"] == "ab_effects", "group"].item() == "conditie"


def test_needs_table_is_the_one_in_the_docs():
    """docs/sections.md shows the table of the code (regenerate it with relatie_lab.sections.needs_markdown)."""
    from relatie_lab.sections import needs_markdown

    text = (PROJECT_DIR / "docs" / "sections.md").read_text(encoding="utf-8")
    assert needs_markdown("en") in text


def test_demo_shaped_survey_runs_every_section(demo):
    plan = plan_report(demo, lang="en")
    assert {d.id: d.status for d in plan.decisions.values() if d.status != "run"} == {}
    assert plan.complete
    assert plan.model_source == "commitment_trust"
    assert "The report will be complete." in plan.summary()


# ---------------------------------------------------------------------------------------------------------------
# the matrix


@pytest.mark.parametrize("construct", _top_constructs())
def test_each_construct_missing_in_turn(demo, construct):
    plan = plan_report(demo.drop(columns=_items(construct)), lang="nl")
    _check(plan)
    name = instrument.label(construct, "nl")
    affected = [d for d in plan.decisions.values() if name in d.reason]
    for d in affected:
        assert d.status in ("partial", "skip")
        assert _items(construct)[0] in d.todo  # what to add
    uses = [s.id for s in SECTIONS
            if isinstance(s.constructs, tuple) and construct in s.constructs and s.min_constructs]  # fmt: skip
    for section_id in uses:
        assert plan.status(section_id) in ("partial", "skip"), section_id
    if construct in ("gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid"):
        assert plan.model_source == "cfa"
        assert plan.status("sem_fit") == "partial"
        assert f"dit ontbreekt: {name}" in plan.decision("sem_fit").reason
    assert plan.complete == (not uses and construct not in ("gedeelde_waarden", "vertrouwen", "commitment",
                                                           "betrokkenheid"))  # fmt: skip


def test_each_construct_missing_words_in_english(demo):
    plan = plan_report(demo.drop(columns=_items("commitment")), lang="en")
    d = plan.decision("ladder_funnel")
    assert d.status == "partial"
    assert d.reason == "The ladder runs without the rung(s) Commitment: no items of these constructs in the data."
    assert d.todo.startswith("Add the columns (for example com_1, com_2")
    assert d.constructs == ["klantbeleving", "gedeelde_waarden", "vertrouwen", "betrokkenheid"]
    assert "missing: Commitment" in plan.decision("types_moderation").reason
    assert "The report will be incomplete" in plan.summary()


def test_one_item_missing_per_construct(demo):
    first = [instrument.items().index[instrument.items()["construct"] == c][0] for c in instrument.constructs().index
             if (instrument.items()["construct"] == c).sum() > 1]  # fmt: skip
    plan = plan_report(demo.drop(columns=first), lang="en")
    _check(plan)
    for section_id in ("reliability", "validity", "sem_fit", "sem_paths", "sem_indirect", "ladder_funnel",
                       "ladder_model", "types_distribution", "blocks_scorecard"):  # fmt: skip
        assert plan.status(section_id) == "run", section_id
    assert plan.model_source == "commitment_trust"


@pytest.mark.parametrize(("n", "expected"), [(5, "skip"), (30, "run"), (100, "run")])
def test_respondents(demo, n, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = simulate_survey(n=max(n, 30), seed=5, missing_codes=False)
    df = recode_reverse(df).head(n)
    plan = plan_report(df, lang="en")
    _check(plan)
    assert plan.status("reliability") == expected
    if n < MIN_RESPONDENTS:
        assert f"Too few respondents: {n}, this section needs at least {MIN_RESPONDENTS}." in plan.decision(
            "reliability").reason  # fmt: skip
        assert plan.status("sem_fit") == "skip"
        assert "Too few respondents for the model: 5 respondents for 17 questions (items)" in plan.decision(
            "sem_fit").reason  # fmt: skip
        assert "Collect at least 18 respondents." in plan.decision("sem_fit").todo
    elif n == 30:
        assert "30 respondents for 55 free parameters" in " ".join(plan.decision("sem_fit").notes)


def test_sem_rule_is_fit_sems(demo):
    """n <= p: fit_sem refuses, and the plan skips; one more respondent and both go ahead."""
    from relatie_lab.errors import SurveyError
    from relatie_lab.models import commitment_trust
    from relatie_lab.sem import fit_sem

    model = commitment_trust()
    n, p, _q = sem_size(demo.head(17), model)
    assert (n, p) == (17, 17)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(SurveyError, match="Too few respondents"):
            fit_sem(demo.head(17), model, lang="en")
    assert plan_report(demo.head(17), lang="en").status("sem_fit") == "skip"
    assert plan_report(demo.head(18), lang="en").status("sem_fit") == "run"


def test_no_group_column(demo):
    plan = plan_report(demo.drop(columns=GROUPS), lang="nl")
    _check(plan)
    assert plan.status("sample") == "run"
    assert plan.status("ladder_funnel") == "run"
    assert plan.status("ladder_groups") == "skip"
    assert "De groepskolom 'sector' ontbreekt" in plan.decision("ladder_groups").reason
    todo = "Voeg de kolom 'sector' toe (of koppel uw eigen kolom eraan met --mapping)."
    assert plan.decision("ladder_groups").todo == todo
    assert plan.status("blocks_scorecard") == "partial"
    assert "zonder vergelijking tussen groepen" in plan.decision("blocks_scorecard").reason
    assert plan.status("ab_effects") == "skip"
    assert plan.status("group_comparison") == "skip"
    assert "een groepsveld uit het codeboek" in plan.decision("group_comparison").reason


def test_group_comparison_falls_back_to_another_group_field(demo):
    plan = plan_report(demo.drop(columns=["sector"]), groups={"group_comparison": "sector"}, lang="en")
    assert plan.status("group_comparison") == "run"
    assert plan.decision("group_comparison").group == "organisatie"


def test_ab_test_needs_both_arms(demo):
    plan = plan_report(demo.assign(conditie="prijs").iloc[:50], lang="en")
    assert plan.status("ab_effects") == "skip"
    assert "'conditie' is missing or has fewer than two groups" in plan.decision("ab_effects").reason
    plan = plan_report(demo.assign(conditie=["a", "b"] * 50), lang="en")
    assert "does not hold the two arms 'prijs' and 'zorg' (found: a, b)" in plan.decision("ab_effects").reason


def test_renamed_and_partly_mapped_columns(tmp_path, demo):
    """com_1 -> comm_1 and a mapping of two commitment items: the report runs on what is linked."""
    from relatie_lab.loaders import load_survey

    raw = demo.rename(columns={"com_1": "comm_1", "com_2": "Q7", "com_3": "Q8", "com_4": "Q9", "com_5": "Q10"})
    path = tmp_path / "eigen.csv"
    raw.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = load_survey(path, {"Q7": "com_2", "Q8": "com_3"}, salt="zout", lang="en")
    assert {"comm_1", "Q9", "Q10"} <= set(survey.unused_columns)
    plan = plan_report(survey.data, lang="en")
    _check(plan)
    assert plan.status("ladder_funnel") == "run"  # commitment measured by the two linked items
    assert plan.model_source == "commitment_trust"


# ---------------------------------------------------------------------------------------------------------------
# a survey with its own codebook and model


@pytest.fixture(scope="module")
def own():
    from relatie_lab.loaders import load_survey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = load_survey(EXAMPLE / "winkel_enquete.csv", instrument=EXAMPLE / "codebook.yaml", salt="zout")
    return survey


def test_own_codebook_and_model(own):
    plan = plan_report(own.data, own.instrument, model=read_model(EXAMPLE / "model.lav"), lang="en")
    _check(plan)
    shown = {d.id: d.status for d in plan.decisions.values() if d.shown}
    assert shown == dict.fromkeys(
        ["sample", "quality_issues", "missing", "unused_columns", "reliability", "validity", "group_comparison",
         "sem_fit", "sem_paths", "sem_indirect"], "run")  # fmt: skip
    assert plan.decision("group_comparison").group == "regio"
    assert plan.decision("sem_fit").constructs == ["kwaliteit", "tevredenheid_klant", "loyaliteit"]
    assert plan.complete
    assert plan.model_source == "user"
    assert own.unused_columns == ["kassa"]
    assert "email" in own.dropped_columns


def test_own_codebook_without_model_gets_a_cfa(own):
    plan = plan_report(own.data, own.instrument, lang="nl")
    assert plan.model_source == "cfa"
    assert plan.status("sem_fit") == "run"
    assert plan.status("sem_paths") == "not_applicable"
    assert plan.status("sem_indirect") == "not_applicable"
    assert "factoranalyse (CFA) van elk construct met twee of meer vragen" in plan.decision("sem_fit").notes[0]
    assert cfa_model(own.data, own.instrument).splitlines() == [
        "kwaliteit =~ kw_1 + kw_2 + kw_3", "tevredenheid_klant =~ tev_1 + tev_2 + tev_3",
        "loyaliteit =~ loy_1 + loy_2 + loy_3"]  # fmt: skip


def test_own_model_with_a_column_not_in_the_data(own):
    model = read_model(EXAMPLE / "model.lav").replace("loy_3", "loy_4")
    plan = plan_report(own.data, own.instrument, model=model, lang="nl")
    assert plan.status("sem_fit") == "skip"
    assert plan.decision("sem_fit").reason == "Het model gebruikt kolommen die niet in de data staan: loy_4."


def test_default_model_is_commitment_trust_when_present(demo):
    syntax, source = default_model(demo)
    assert source == "commitment_trust"
    assert "indirect := a*b" in syntax


@pytest.mark.parametrize(("text", "words"), [("", "is empty"), ("f =~ ", "does not hold valid lavaan syntax")])
def test_broken_model_file(tmp_path, text, words):
    from relatie_lab.errors import SurveyError

    path = tmp_path / "m.lav"
    path.write_text(text)
    with pytest.raises(SurveyError, match=words):
        read_model(path, "en")
    with pytest.raises(SurveyError, match="bestaat niet"):
        read_model(tmp_path / "geen.lav", "nl")


def test_plan_accepts_a_codebook_path(own):
    plan = plan_report(own.data, str(EXAMPLE / "codebook.yaml"))
    assert plan.status("reliability") == "run"
    assert isinstance(own.instrument, Instrument)
    assert Path(EXAMPLE / "codebook.yaml").is_file()


def test_pol_notebooks_apply_only_with_their_constructs(own):
    from relatie_lab.sections import notebook_applies

    assert [notebook_applies(n, own.instrument) for n in ("01", "02", "03", "04", "05", "06", "07")] == [
        True, True, True, False, False, False, False]  # fmt: skip
    assert all(notebook_applies(n) for n in ("01", "04", "07"))


def test_choice_section_needs_ja_and_nee(demo):
    plan = plan_report(demo.assign(keuze_aanbieder=["wel", "niet"] * 50), lang="en")
    assert plan.status("blocks_choice") == "skip"
    assert "does not hold the values 'ja' and 'nee' (found: niet, wel)" in plan.decision("blocks_choice").reason


# ---------------------------------------------------------------------------------------------------------------
# Pol's questionnaire under a codebook of one's own (the renamed items q1, q2, ...)


def _decisions(plan, rename=lambda text: text) -> dict:
    return {d.id: (d.status, d.constructs, d.group, rename(d.model or ""), rename(d.reason), rename(d.todo))
            for d in plan.decisions.values()}  # fmt: skip


def test_renamed_codebook_gets_the_plan_of_the_shipped_one(codebooks):
    shipped = plan_report(codebooks.frame, lang="en")
    renamed = plan_report(codebooks.renamed, codebooks.renamed_instrument, lang="en")
    assert shipped.complete
    assert renamed.complete
    assert _decisions(renamed, codebooks.shipped_ids) == _decisions(shipped)
    assert renamed.model_source == shipped.model_source == "commitment_trust"
    commitment = [codebooks.names[i] for i in _items("commitment")]
    partly = plan_report(codebooks.renamed.drop(columns=commitment), codebooks.renamed_path, lang="en")
    expected = plan_report(codebooks.frame.drop(columns=_items("commitment")), lang="en")
    assert _decisions(partly, codebooks.shipped_ids) == _decisions(expected)
    assert partly.status("ladder_funnel") == "partial"
    assert commitment[0] in partly.decision("ladder_funnel").todo  # the codebook's own ids, not com_1
