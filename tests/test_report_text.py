"""Tests for relatie_lab.report_text: the visible text of a report and the internal names it must not hold."""

from __future__ import annotations

from relatie_lab import notebook as nb
from relatie_lab.report_text import internal_names, known_ids, visible_text


def test_known_ids_hold_codes_not_plain_words():
    ids = known_ids()
    for code in ("vt_1", "gedeelde_waarden", "kv_prod_3", "duur_seconden", "straightlining", "congeneric",
                 "tau_equivalent", "personal_data"):  # fmt: skip
        assert code in ids
    assert "commitment" not in ids  # also the English and Dutch word
    assert "sector" not in ids


def test_visible_text_leaves_out_markup_images_and_reproducibility():
    page = ('<html><head><style>.vt_1 {}</style></head><body><h1>Vertrouwen</h1><img alt="vt_2" src="x">'
            '<p>Item <code>vt_3</code></p><section class="reproducibility">relatie_lab 0.1, vt_4</section></body>')
    text = visible_text(page)
    assert internal_names(text) == ["vt_3"]


def test_tables_name_the_codes_inside_messages_and_checks():
    import pandas as pd

    quality = pd.DataFrame({"severity": ["info", "warning"], "check": ["reversed", "straightlining"],
                            "message": ["omgescoord: vt_4, kv_prod_3", "kolom duur_seconden"]})  # fmt: skip
    for lang in ("nl", "en"):
        table = nb.apa_table(quality, lang)
        shown = " ".join(str(v) for v in table.frame.to_numpy().ravel())
        assert internal_names(shown) == [], shown
    nl = nb.apa_table(quality, "nl").frame
    assert nl[1].tolist() == ["Omgescoorde items", "Steeds hetzelfde antwoord"]
    assert nl[2].tolist()[1] == "kolom Invulduur (seconden)"


def test_codes_of_a_codebook_of_ones_own(codebooks):
    import pandas as pd

    own = codebooks.renamed_instrument
    trust_item = codebooks.names["vt_4"]
    assert trust_item in known_ids(own)
    assert "vt_4" not in known_ids(own)
    assert known_ids(codebooks.renamed_path) == known_ids(own)
    assert "vt_4" in known_ids()
    assert trust_item not in known_ids()
    text = f"Vertrouwen ({trust_item}) en gedeelde_waarden"
    assert internal_names(text, own) == ["gedeelde_waarden", trust_item]
    table = pd.DataFrame({"message": [f"omgescoord: {trust_item}"]})
    try:
        nb.use_instrument(own)  # a report with this codebook: its item ids are named in the tables
        shown = nb.apa_table(table, "en").frame.iloc[0, 0]
    finally:
        nb.use_instrument(None)
    assert shown == f"omgescoord: {own.label(trust_item, 'en')}"
    assert internal_names(shown, own) == []
