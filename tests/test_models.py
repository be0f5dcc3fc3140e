"""relatie_lab.models: the library's syntax parses, uses only instrument ids, and fits the shipped demo survey."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import relatie_lab
from relatie_lab import instrument
from relatie_lab.errors import ModelWarning, SurveyError
from relatie_lab.models import MODELS, building_blocks, commitment_trust, ladder, model_syntax
from relatie_lab.paths import DEMO_CSV
from relatie_lab.sem.syntax import parse_model

VARIANTS = [
    ("commitment_trust", {}),
    ("ladder", {}),
    ("ladder", {"direct": False}),
    ("building_blocks", {}),
    ("building_blocks", {"facets": "first_order"}),
    ("building_blocks", {"trust": "block"}),
]


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the demo's careless respondents are flagged with a warning
        return relatie_lab.load_survey(DEMO_CSV).data


def _latents_and_items(syntax: str) -> tuple[set[str], set[str]]:
    pt = parse_model(syntax)
    loadings = pt[pt["op"] == "=~"]
    latents = set(loadings["lhs"])
    return latents, set(loadings["rhs"]) - latents


@pytest.mark.parametrize(("name", "kw"), VARIANTS)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_syntax_parses_and_uses_instrument_ids(name, kw, lang):
    syntax = model_syntax(name, lang=lang, **kw)
    latents, items = _latents_and_items(syntax)
    assert latents <= set(instrument.constructs().index)
    assert items <= set(instrument.items().index)
    for latent in latents - {"keuzevrijheid", "rechtvaardigheid", "invloed", "vertrouwen_blok"}:
        assert set(instrument.item_ids(latent)) <= items, latent
    assert syntax.splitlines()[0].startswith("# ")


def test_comments_follow_the_language():
    nl, en = commitment_trust(), commitment_trust(lang="en")
    assert "Meetmodel" in nl
    assert "Measurement model" in en
    strip = [line.split("#")[0].strip() for line in nl.splitlines()]
    assert strip == [line.split("#")[0].strip() for line in en.splitlines()]  # only the comments differ
    with pytest.raises(ValueError, match="language"):
        commitment_trust(lang="de")


def test_commitment_trust_has_the_labelled_indirect_effect():
    pt = parse_model(commitment_trust())
    paths = pt[pt["op"] == "~"].set_index(["lhs", "rhs"])["label"]
    assert paths[("commitment", "vertrouwen")] == "a"
    assert paths[("betrokkenheid", "commitment")] == "b"
    assert "gedeelde_waarden" in set(pt.loc[(pt["op"] == "~") & (pt["lhs"] == "commitment"), "rhs"])
    assert "indirect := a*b" in commitment_trust()


def test_ladder_chain_and_direct_paths():
    chain = parse_model(ladder(direct=False))
    regressions = chain[chain["op"] == "~"]
    assert list(zip(regressions["rhs"], regressions["lhs"], strict=True)) == [
        ("klantbeleving", "gedeelde_waarden"),
        ("gedeelde_waarden", "vertrouwen"),
        ("vertrouwen", "commitment"),
        ("commitment", "betrokkenheid"),
    ]
    direct = parse_model(ladder())
    pairs = set(zip(direct.loc[direct["op"] == "~", "rhs"], direct.loc[direct["op"] == "~", "lhs"], strict=True))
    assert {("klantbeleving", "vertrouwen"), ("gedeelde_waarden", "commitment")} <= pairs
    assert "keten := l1*l2*l3*l4" in ladder()


def test_building_blocks_structure():
    second = parse_model(building_blocks())
    assert {"keuzevrijheid_product", "keuzevrijheid_kanaal"} == set(
        second.loc[(second["op"] == "=~") & (second["lhs"] == "keuzevrijheid"), "rhs"]
    )
    two_facet = second[(second["op"] == "=~") & (second["lhs"] == "keuzevrijheid")]
    assert (two_facet["free"] == 0).all()
    assert (two_facet["ustart"] == 1).all()
    first = parse_model(building_blocks(facets="first_order"))
    assert set(first.loc[(first["op"] == "=~") & (first["lhs"] == "keuzevrijheid"), "rhs"]) == set(
        instrument.item_ids("keuzevrijheid")
    )
    for pt, trust in ((second, "vertrouwen"), (parse_model(building_blocks(trust="block")), "vertrouwen_blok")):
        preds = set(pt.loc[(pt["op"] == "~") & (pt["lhs"] == trust), "rhs"])
        assert preds == {"betrokkenheid_organisatie", "keuzevrijheid", "rechtvaardigheid", "invloed"}
        assert trust in set(pt.loc[(pt["op"] == "~") & (pt["lhs"] == "commitment"), "rhs"])


def test_items_override_and_available():
    syntax = commitment_trust(items={"vertrouwen": ["vt_1", "vt_2", "vt_3"]})
    assert "vertrouwen =~ vt_1 + vt_2 + vt_3\n" in syntax
    columns = [item for item in instrument.items().index if item not in ("com_5", "gw_2", "gw_3")]
    with pytest.warns(ModelWarning) as record:
        syntax = commitment_trust(available=columns)
    messages = " ".join(str(w.message) for w in record)
    assert "com_5" in messages
    assert "gw_2, gw_3" in messages
    assert "commitment =~ com_1 + com_2 + com_3 + com_4\n" in syntax
    assert "gw_1 ~~ 0*gw_1" in syntax  # one item left: measured without error
    parse_model(syntax)
    with pytest.raises(SurveyError, match="betrokkenheid"), pytest.warns(ModelWarning):
        commitment_trust(available=[c for c in columns if not c.startswith("eng_")])
    with pytest.raises(SurveyError, match="geen construct van het instrument"):
        commitment_trust(items={"trust": ["vt_1"]})


@pytest.mark.parametrize(
    ("lang", "dropped", "no_items", "unknown"),
    [
        ("nl", r"com_5 van 'commitment' staan niet in de data .* controleer dan de kolomnamen",
         r"'betrokkenheid' heeft geen items in de data \(verwacht: eng_1.*haal het construct uit het model",
         r"'trust', maar dat is geen construct .*construct-ids van het instrument: .*vertrouwen"),
        ("en", r"com_5 of 'commitment' are not in the data .* check the column names",
         r"'betrokkenheid' has no items in the data \(expected: eng_1.*remove the construct from the model",
         r"'trust', which is not a construct .*construct ids: .*vertrouwen"),
    ],
)  # fmt: skip
def test_model_messages_are_dutch_by_default_and_english_on_request(lang, dropped, no_items, unknown):
    columns = [item for item in instrument.items().index if item != "com_5" and not item.startswith("eng_")]
    with pytest.raises(SurveyError, match=no_items), pytest.warns(ModelWarning, match=dropped):
        commitment_trust(available=columns, lang=lang)
    with pytest.raises(SurveyError, match=unknown):
        commitment_trust(items={"trust": ["vt_1"]}, lang=lang)


def test_missing_facet_is_left_out_of_a_second_order_block():
    columns = [item for item in instrument.items().index if not item.startswith(("rv_soc_", "kv_kan_"))]
    with pytest.warns(ModelWarning) as record:
        syntax = building_blocks(available=columns)
    messages = " ".join(str(w.message) for w in record)
    assert "rechtvaardigheid_sociaal" in messages
    assert "keuzevrijheid_kanaal" in messages
    assert "rechtvaardigheid =~ 1*rechtvaardigheid_distributief + 1*rechtvaardigheid_procedureel" in syntax
    assert "keuzevrijheid =~ kv_prod_1 + kv_prod_2 + kv_prod_3\n" in syntax  # one facet left: first order
    latents, items = _latents_and_items(syntax)
    assert items <= set(columns)
    assert "keuzevrijheid_kanaal" not in latents


def test_model_syntax_and_registry():
    assert set(MODELS) == {"commitment_trust", "ladder", "building_blocks"}
    assert model_syntax("ladder", direct=False) == ladder(direct=False)
    with pytest.raises(ValueError, match="Onbekend model 'nope'; kies een van: building_blocks, commitment_trust"):
        model_syntax("nope")
    with pytest.raises(ValueError, match="Unknown model 'nope'; choose from: building_blocks, commitment_trust"):
        model_syntax("nope", lang="en")
    with pytest.raises(ValueError, match="facets moet een van 'second_order', 'first_order' zijn"):
        building_blocks(facets="third_order")
    with pytest.raises(ValueError, match="facets must be one of 'second_order', 'first_order'"):
        building_blocks(facets="third_order", lang="en")
    assert relatie_lab.models.commitment_trust() == commitment_trust()


def _fit(demo: pd.DataFrame, syntax: str):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelWarning)  # no Heywood case, no convergence trouble
        return relatie_lab.fit_sem(demo, syntax)


def _path(result, lhs: str, rhs: str) -> pd.Series:
    est = result.estimates
    return est[(est["op"] == "~") & (est["lhs"] == lhs) & (est["rhs"] == rhs)].iloc[0]


@pytest.mark.parametrize("name", ["commitment_trust", "ladder"])
def test_fits_the_demo_survey(demo, name):
    """FIML fit on the shipped demo data (N = 1200): the theory's paths are positive and significant."""
    result = _fit(demo, model_syntax(name))
    assert result.fit_indices["nobs"] == len(demo)
    assert result.fit_indices["cfi"] > 0.95
    for lhs, rhs in (("vertrouwen", "gedeelde_waarden"), ("commitment", "vertrouwen"), ("betrokkenheid", "commitment")):
        row = _path(result, lhs, rhs)
        assert row["est"] > 0, (lhs, rhs)
        assert row["pvalue"] < 0.001, (lhs, rhs)
    defined = result.estimates[result.estimates["op"] == ":="].iloc[0]
    assert defined["est"] > 0
    assert defined["ci_lower"] > 0


@pytest.mark.slow
def test_building_blocks_fit_the_demo_survey(demo):
    """Second-order blocks fitted with FIML on the demo data: the blocks predict trust, trust predicts commitment."""
    result = _fit(demo, building_blocks())
    assert result.fit_indices["cfi"] > 0.95
    assert _path(result, "commitment", "vertrouwen")["pvalue"] < 0.001
    for block in ("betrokkenheid_organisatie", "rechtvaardigheid"):
        row = _path(result, "vertrouwen", block)
        assert row["est"] > 0, block
        assert row["pvalue"] < 0.001, block


# --- a codebook of one's own --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kw"), VARIANTS)
def test_renamed_codebook_gives_the_same_syntax(codebooks, name, kw):
    renamed = model_syntax(name, instrument=codebooks.renamed_instrument, available=codebooks.renamed, **kw)
    assert not _latents_and_items(renamed)[1] & set(instrument.items().index)  # only the codebook's own ids
    assert codebooks.shipped_ids(renamed) == model_syntax(name, available=codebooks.frame, **kw)
    assert model_syntax(name, instrument=codebooks.renamed_path, **kw) == model_syntax(
        name, instrument=codebooks.renamed_instrument, **kw)


def test_own_items_of_a_pol_construct_are_used(codebooks):
    # the swapped codebook measures trust by the commitment items and commitment by the trust items
    syntax = commitment_trust(instrument=codebooks.swapped)
    lines = syntax.splitlines()
    assert "vertrouwen =~ com_1 + com_2 + com_3 + com_4 + com_5" in lines
    assert "commitment =~ vt_1 + vt_2 + vt_3 + vt_4" in lines
    assert "gedeelde_waarden =~ bo_1 + bo_2 + bo_3" in ladder(instrument=codebooks.swapped).splitlines()
