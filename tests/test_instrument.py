"""Tests for relatie_lab.instrument: the shipped codebook and the loader of a researcher's own codebook."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from relatie_lab import instrument
from relatie_lab.errors import SurveyError
from relatie_lab.instrument import Instrument, InstrumentError
from relatie_lab.paths import INSTRUMENT_FILE

CONSTRUCT_IDS = {
    "markt", "gezag", "betekenis",
    "klantbeleving", "gedeelde_waarden", "vertrouwen", "vertrouwen_cognitief", "vertrouwen_affectief",
    "commitment", "betrokkenheid",
    "vertrouwen_blok", "betrokkenheid_organisatie", "keuzevrijheid", "keuzevrijheid_product",
    "keuzevrijheid_kanaal", "rechtvaardigheid", "rechtvaardigheid_sociaal", "rechtvaardigheid_distributief",
    "rechtvaardigheid_procedureel", "invloed", "invloed_specificatie", "invloed_uitvoering", "invloed_achteraf",
    "vertrekneiging", "gevoeligheid_concurrentie", "acceptatie_fouten", "aanbeveling", "feedback",
    "duurzaam_gedrag", "tevredenheid",
}  # fmt: skip


def _ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}_{i}" for i in range(1, n + 1)]


ITEM_IDS = [
    *_ids("markt", 4), *_ids("gezag", 4), *_ids("betekenis", 4), *_ids("kb", 4), *_ids("gw", 3),
    *_ids("vt", 4), *_ids("vc", 3), *_ids("va", 3), *_ids("com", 5), *_ids("eng", 5), *_ids("bo", 3),
    *_ids("kv_prod", 3), *_ids("kv_kan", 2), *_ids("rv_soc", 2), *_ids("rv_dis", 2), *_ids("rv_pro", 2),
    *_ids("inv_spec", 2), *_ids("inv_uitv", 2), *_ids("inv_acht", 2), *_ids("vertrek", 2),
    "concurrentie_1", "fouten_1", "aanbeveling", "feedback_1", "duurzaam_1", "tevredenheid",
]  # fmt: skip


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SPEC = yaml.load(INSTRUMENT_FILE.read_text(encoding="utf-8"), Loader=_LOADER)  # a safe loader


@pytest.fixture
def spec() -> dict:
    return copy.deepcopy(_SPEC)


def _write(tmp_path: Path, spec: dict) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- schema
def test_construct_table_follows_the_contract():
    df = instrument.constructs()
    assert set(df.index) == CONSTRUCT_IDS
    assert df.columns.tolist() == [
        "label_nl", "label_en", "kind", "ladder_level", "block", "parent", "source",
        "description_nl", "description_en",
    ]  # fmt: skip
    assert set(df["kind"]) == {"ladder", "block", "norm", "outcome", "facet"}
    ladder = df[df["kind"] == "ladder"]["ladder_level"].sort_values()
    assert ladder.index.tolist() == ["klantbeleving", "gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid"]
    assert ladder.tolist() == [1, 2, 3, 4, 5]
    assert set(df.loc[df["kind"] == "norm"].index) == {"markt", "gezag", "betekenis"}
    assert set(df.loc[df["kind"] == "block"].index) == {
        "vertrouwen_blok", "betrokkenheid_organisatie", "keuzevrijheid", "rechtvaardigheid", "invloed",
    }  # fmt: skip
    facets = df[df["kind"] == "facet"]
    assert facets["parent"].notna().all()
    assert df.loc["vertrouwen_cognitief", "parent"] == "vertrouwen_blok"
    assert df.loc["invloed_achteraf", "parent"] == "invloed"
    assert pd.isna(df.loc["commitment", "parent"])
    assert (df["source"].str.len() > 5).all()


def test_sources_cite_the_required_literature():
    src = instrument.constructs()["source"]
    assert "Morgan & Hunt (1994)" in src["commitment"]
    assert "Morgan & Hunt (1994)" in src["vertrouwen"]
    assert "Johnson & Grayson (2005)" in src["vertrouwen_affectief"]
    assert "Vivek" in src["betrokkenheid"]
    assert "Hollebeek" in src["betrokkenheid"]
    assert all("Zakharin & Bates (2023)" in src[c] and "Fiske" in src[c] for c in ("markt", "gezag", "betekenis"))
    assert "Cable & DeRue (2002)" in src["gedeelde_waarden"]
    assert "Colquitt (2001)" in src["rechtvaardigheid"]
    assert "Chan, Yim & Lam (2010)" in src["invloed"]
    assert "Yi & Gong (2013)" in src["invloed"]
    assert "Pol (2017)" in src["betrokkenheid_organisatie"]
    assert "ECSI" in src["tevredenheid"]


def test_item_table_follows_the_contract():
    df = instrument.items()
    assert df.index.tolist() == ITEM_IDS
    assert df.index.is_unique
    assert df.columns[:8].tolist() == ["construct", "text_nl", "text_en", "scale", "reverse", "source", "min", "max"]
    assert df["construct"].isin(instrument.constructs().index).all()
    assert df["reverse"].dtype == bool
    assert set(df.loc[df["reverse"]].index) == {"vt_4", "kv_prod_3"}
    assert df.loc["aanbeveling", "scale"] == "nps11"
    assert df.loc["tevredenheid", "scale"] == "grade10"
    others = df.drop(index=["aanbeveling", "tevredenheid"])
    assert (others["scale"] == "agree7").all()
    assert (others[["min", "max"]].to_numpy() == [1, 7]).all()
    assert df.loc["aanbeveling", ["min", "max"]].tolist() == [0, 10]


def test_every_construct_has_items():
    for cid in instrument.constructs().index:
        assert instrument.item_ids(cid), cid


def test_item_ids_include_facets():
    assert instrument.item_ids("vertrouwen_blok") == [*_ids("vc", 3), *_ids("va", 3)]
    assert instrument.item_ids("invloed") == [*_ids("inv_spec", 2), *_ids("inv_uitv", 2), *_ids("inv_acht", 2)]
    assert instrument.item_ids("vertrouwen") == _ids("vt", 4)
    assert instrument.facets("keuzevrijheid") == ["keuzevrijheid_product", "keuzevrijheid_kanaal"]
    assert instrument.items("rechtvaardigheid").shape[0] == 6


def test_both_languages_for_every_text():
    items = instrument.items()
    for col in ("text_nl", "text_en", "short_nl", "short_en", "source"):
        assert (items[col].str.strip().str.len() > 0).all(), col
    # Dutch and English wording differ (a missing translation is often a copy) and use the [ORG] placeholder
    assert (items["text_nl"] != items["text_en"]).all()
    assert items["text_nl"].str.contains(r"\[ORG\]").all()
    assert items["text_en"].str.contains(r"\[ORG\]").all()
    constructs = instrument.constructs()
    for col in ("label_nl", "label_en", "description_nl", "description_en"):
        assert (constructs[col].str.len() > 0).all(), col
    fields = instrument.fields()
    assert (fields[["label_nl", "label_en"]].map(len) > 0).all().all()


def test_scales_and_anchors():
    sc = instrument.scales()
    assert sc.loc["agree7", "anchors_nl"].keys() == set(range(1, 8))
    assert sc.loc["agree7", "anchors_en"][7] == "Strongly agree"
    assert sc.loc["agree7", "anchors_nl"][1] == "Helemaal mee oneens"
    assert sc.loc[["grade10", "nps11"], ["min", "max"]].to_numpy().tolist() == [[1, 10], [0, 10]]


def test_missing_codes_are_instrument_wide_and_scale_aware():
    codes = instrument.missing_codes()
    for code in (-99, 99, "weet niet", "n.v.t.", "don't know", ""):
        assert code in codes
    # 99 and -99 lie outside all three shipped scales, so they stay codes for each of them
    assert {-99, 99} <= set(instrument.missing_codes("nps11"))


def test_missing_code_inside_a_scale_range_is_a_real_answer(spec):
    spec["scales"]["pct"] = {"min": 0, "max": 100, "anchors": {0: {"nl": "niets", "en": "nothing"}}}
    inst = Instrument.from_dict(spec)
    assert 99 not in inst.missing_codes("pct")
    assert -99 in inst.missing_codes("pct")


def test_fields_roles():
    f = instrument.fields()
    assert f.loc["respondent_id", "role"] == "id"
    assert set(f.index[f["role"] == "group"]) == {"organisatie", "sector", "meting", "conditie", "keuze_aanbieder"}
    assert set(f.index[f["role"] == "pii"]) == {"naam", "email", "telefoon", "ip_adres", "postcode"}
    assert f.loc["opmerking", "role"] == "free_text"
    assert f.loc["duur_seconden", "role"] == "timing"
    assert f.loc["startdatum", "role"] == "meta"
    assert instrument.fields("pii").shape[0] == 5
    assert set(instrument.field_values("sector")) == {
        "energie", "bank", "gemeente", "zorgverzekeraar", "waterbedrijf", "pensioenfonds",
    }  # fmt: skip
    assert instrument.field_values("conditie", lang="en")["zorg"] == "Care leaflet"
    assert set(f.index).isdisjoint(instrument.items().index)


def test_ids_are_unique_snake_case():
    ids = [*instrument.constructs().index, *instrument.items().index, *instrument.fields().index]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)
    assert instrument.items().index.is_unique
    assert instrument.constructs().index.is_unique


def test_label_in_both_languages():
    assert instrument.label("commitment") == "Commitment"
    assert instrument.label("gedeelde_waarden") == "Gedeelde waarden"
    assert instrument.label("gedeelde_waarden", lang="en") == "Shared values"
    assert instrument.label("vt_4", lang="en") == "Doubts about trust (reversed)"
    assert instrument.label("sector", lang="en") == "Sector"
    assert instrument.label("email") == "E-mailadres"
    assert instrument.label("aanbeveling", lang="en") == "Recommendation"  # construct wins over item
    with pytest.raises(KeyError, match="not a construct, item, field or scale"):
        instrument.label("bestaat_niet")
    with pytest.raises(ValueError, match="Unknown language"):
        instrument.label("commitment", lang="de")


def test_item_text_replaces_org():
    assert instrument.item_text("vt_1", org="Waterbedrijf Noord") == "Ik kan volledig op Waterbedrijf Noord vertrouwen."
    assert "[ORG]" in instrument.item_text("vt_1", lang="en")


def test_default_is_cached_and_tables_are_copies():
    assert instrument.default() is instrument.default()
    df = instrument.items()
    df.loc["vt_1", "text_nl"] = "veranderd"
    assert instrument.items().loc["vt_1", "text_nl"] != "veranderd"


def test_unknown_construct_is_a_clear_error():
    with pytest.raises(KeyError, match="Unknown construct 'loyaliteit'"):
        instrument.items("loyaliteit")


# ---------------------------------------------------------------------------------------------- own codebooks
def test_roundtrip_of_a_researchers_codebook(tmp_path, spec):
    inst = Instrument.from_yaml(_write(tmp_path, spec))
    pd.testing.assert_frame_equal(inst.items(), instrument.items())
    pd.testing.assert_frame_equal(inst.constructs(), instrument.constructs())


def test_broken_yaml_syntax_names_the_file(tmp_path):
    path = tmp_path / "kapot.yaml"
    path.write_text("scales:\n  agree7: {min: 1, max: 7\nitems: [\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"kapot\.yaml is not valid YAML"):
        Instrument.from_yaml(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InstrumentError, match="does not exist"):
        Instrument.from_yaml(tmp_path / "nergens.yaml")


def test_duplicate_item_id_is_reported_with_line(tmp_path):
    text = INSTRUMENT_FILE.read_text(encoding="utf-8")
    start = text.index("  vt_1:\n")
    end = text.index("  vt_2:\n")
    path = tmp_path / "dubbel.yaml"
    path.write_text(text[:end] + text[start:end] + text[end:], encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"dubbel\.yaml: line \d+: the key 'vt_1' appears twice"):
        Instrument.from_yaml(path)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s["items"]["vt_1"].update(construct="vertrouwn"), "item 'vt_1': construct 'vertrouwn'"),
        (lambda s: s["items"]["vt_1"]["text"].pop("en"), "item 'vt_1': text needs non-empty 'nl' and 'en'"),
        (lambda s: s["items"]["gw_2"].update(scale="agree5"), "item 'gw_2': scale 'agree5' is not defined"),
        (lambda s: s["items"]["vt_4"].update(reverse="ja"), "item 'vt_4': reverse must be true or false"),
        (lambda s: s["items"]["kb_1"].update(source=""), "item 'kb_1': source"),
        (lambda s: s["constructs"]["markt"].update(kind="type"), "construct 'markt': kind 'type'"),
        (lambda s: s["constructs"]["markt"]["label"].update(en=""), "construct 'markt': label needs"),
        (lambda s: s["constructs"]["commitment"].update(ladder_level=6), "ladder_level must be 1-5"),
        (lambda s: s["constructs"]["commitment"].update(ladder_level=3), "both have ladder_level 3"),
        (lambda s: s["constructs"]["invloed_achteraf"].update(parent="invloedd"), "parent 'invloedd'"),
        (lambda s: s["constructs"]["feedback"].update(block="commitment"), "block 'commitment' is not"),
        (
            lambda s: s["constructs"].update(loyaliteit=copy.deepcopy(s["constructs"]["feedback"])),
            "construct 'loyaliteit' has no items",
        ),
        (lambda s: s["scales"]["agree7"]["anchors"].update({8: {"nl": "x", "en": "x"}}), "anchor 8 is outside 1-7"),
        (lambda s: s["scales"]["agree7"]["anchors"][4].pop("nl"), "anchor 4 needs non-empty"),
        (lambda s: s["fields"]["naam"].update(role="persoon"), "field 'naam': role 'persoon'"),
        (lambda s: s["items"]["vt_1"].update(wording="x"), "unknown key(s) ['wording']"),
        (lambda s: s.pop("items"), "section 'items' is missing"),
        (lambda s: s.update(fields=["naam"]), "section 'fields' must be a mapping"),
        (lambda s: s.update(extra={}), "unknown top-level section(s) ['extra']"),
    ],
)
def test_inconsistent_codebook_gives_clear_error(tmp_path, spec, mutate, message):
    mutate(spec)
    path = _write(tmp_path, spec)
    with pytest.raises(InstrumentError) as info:
        Instrument.from_yaml(path)
    text = str(info.value)
    assert message in text
    assert str(path) in text
    assert isinstance(info.value, SurveyError)


def test_all_problems_are_listed_at_once(spec):
    spec["items"]["vt_1"]["scale"] = "nope"
    spec["items"]["vt_2"]["construct"] = "nope"
    with pytest.raises(InstrumentError, match=r"has 2 problem\(s\)"):
        Instrument.from_dict(spec)


def test_minimal_codebook_needs_only_scales_constructs_and_items():
    """kind, description, source, fields and anchors may be left out; a single text serves both languages."""
    inst = Instrument.from_dict(
        {
            "scales": {"tien": {"min": 1, "max": 10}},
            "constructs": {"loyaliteit": {"label": {"nl": "Loyaliteit", "en": "Loyalty"}}},
            "items": {
                "loy_1": {"construct": "loyaliteit", "scale": "tien", "text": "Ik blijf klant.", "reverse": False},
                "loy_2": {"construct": "loyaliteit", "scale": "tien", "reverse": True,
                          "text": {"nl": "Ik overweeg over te stappen.", "en": "I consider switching."}},
            },
        }
    )
    assert inst.constructs().loc["loyaliteit", "kind"] == "construct"
    assert inst.label("loyaliteit", "en") == "Loyalty"
    assert inst.item_text("loy_1", "en") == "Ik blijf klant."
    assert inst.items().loc["loy_2", ["min", "max", "reverse"]].tolist() == [1, 10, True]
    assert inst.fields().empty
    assert inst.scales().loc["tien", "anchors_nl"] == {}
