"""Unit tests of relatie_lab.notebook: the helpers the report notebooks call (APA tables, records, sample table)."""

from __future__ import annotations

import json

import pandas as pd

from relatie_lab import notebook as nb


def test_apa_table_formats_numbers_and_p_values_in_apa_style():
    df = pd.DataFrame(
        {
            "outcome": ["vertrouwen", "commitment", "betrokkenheid"],
            "estimate": [0.51234, -0.0004, 1.5],
            "p_value": [0.00002, 0.0345, 0.5],
            "cfi": [0.9712, 0.9, 1.0],
            "n": [200.0, 150.0, 99.0],
        }
    )
    t = nb.apa_table(df, "en")
    assert t.frame[1].tolist() == ["0.51", "0.00", "1.50"]  # 2 decimals, no "-0.00"
    assert t.frame[2].tolist() == ["< .001", ".035", ".500"]  # p: 3 decimals, no leading zero
    assert t.frame[3].tolist() == [".97", ".90", "1.00"]  # bounded statistic: no leading zero
    assert t.frame[4].tolist() == ["200", "150", "99"]  # counts without decimals
    assert t.headers[2] == "<em>p</em>"
    assert t.headers[4] == "<em>N</em>"
    nl = nb.apa_table(df.assign(n=[1200.0, 150.0, 99.0]), "nl")  # one number style per language, tables too
    assert nl.frame[1].tolist() == ["0,51", "0,00", "1,50"]
    assert nl.frame[2].tolist() == ["< ,001", ",035", ",500"]
    assert nl.frame[3].tolist() == [",97", ",90", "1,00"]
    assert nl.frame[4].tolist() == ["1.200", "150", "99"]
    assert nl._repr_html_().count('class="num"') == 12


def test_apa_table_missing_values_bools_and_localised_headers():
    # an analysis summary with its own (Dutch) column labels: the p column is still recognised
    df = pd.DataFrame({"Uitkomst": ["a", "b"], "p-waarde": [0.2, float("nan")], "Significant": [True, False]})
    t = nb.apa_table(df, "nl")
    assert t.frame[1].tolist() == [",200", "—"]  # Dutch APA: decimal comma in tables as in the text
    assert t.frame[2].tolist() == ["ja", "nee"]
    assert t.headers[:2] == ["Uitkomst", "<em>p</em>"]


def test_apa_table_html_has_caption_note_and_number_placeholder():
    t = nb.apa_table(pd.DataFrame({"mean": [4.25]}), "nl", caption="Scores <b>", note="<em>Noot.</em> x")
    markup = t._repr_html_()
    assert '<table class="apa">' in markup
    assert '<span class="apa-number"></span>' in markup
    assert "<em>Scores &lt;b&gt;</em>" in markup  # caption text is escaped
    assert '<p class="apa-note"><em>Noot.</em> x</p>' in markup
    assert '<td class="num">4,25</td>' in markup
    assert "Scores <b>" in repr(t)


def test_apa_table_index_columns():
    df = pd.DataFrame({"share": [0.5]}, index=pd.Index(["bank"], name="sector"))
    t = nb.apa_table(df, "en", index=True, decimals=1)
    assert t.frame.iloc[0].tolist() == ["Bank", "0.5"]  # a coded value of a group field: its label
    assert t.headers[0] == "Sector"


def test_record_merges_and_writes_plain_json(tmp_path):
    import numpy as np

    nb.record(tmp_path, n=np.int64(3), cfi=np.float64(0.5))
    nb.record(tmp_path, rmsea=float("nan"))
    nb.record(None, ignored=1)  # no output dir: nothing happens
    assert json.loads((tmp_path / nb.RESULTS_FILE).read_text()) == {"n": 3, "cfi": 0.5, "rmsea": None}


def test_sample_table_counts_groups_and_total():
    t = nb.sample_table(pd.DataFrame({"sector": ["bank", None, "bank"]}), "sector", "nl")
    assert t["group"].tolist() == ["Bank", "Ontbrekend", "Totaal"]  # the label of the value, not the code
    assert t["n"].tolist() == [2, 1, 3]
    assert nb.sample_table(pd.DataFrame({"x": [1]}), "sector", "en")["group"].tolist() == ["Total"]


def test_strip_personal_columns_removes_names_and_emails():
    df = pd.DataFrame(
        {"respondent_id": ["1", "2"], "naam": ["Anna de Vries", "Piet Bakker"], "email": ["a@x.nl", "p@y.nl"],
         "vt_1": [5.0, 6.0]}
    )
    clean = nb.strip_personal_columns(df)
    assert list(clean.columns) == ["respondent_id", "vt_1"]


def test_figure_gets_caption_from_its_title_and_dutch_decimal_commas():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0.1, 0.35])
    ax.set_title("Trechter")
    shown = nb.figure(fig, lang="nl")
    assert shown.caption == "Trechter"
    assert ax.get_title() == ""  # APA: the title is the caption above the figure, not in the image
    assert all("," in t.get_text() and "." not in t.get_text() for t in ax.get_yticklabels())
    markup = shown._repr_html_()
    assert '<span class="apa-fig-number">Figuur</span>' in markup
    assert 'alt="Trechter"' in markup
    bundle = shown._repr_mimebundle_()
    assert bundle[nb.FIGURE_MIME] == {"caption": "Trechter", "note": ""}
    plt.close(fig)


def test_indirect_table_shows_the_library_s_own_defined_parameter_once():
    effects = pd.DataFrame({
        "effect": ["vertrouwen -> commitment -> betrokkenheid", "indirect", "via_mijn_pad"],
        "kind": ["indirect", "defined", "defined"], "est": [0.47, 0.47, 0.47], "boot_se": [0.04] * 3,
        "ci_lower": [0.4] * 3, "ci_upper": [0.53] * 3, "ci": ["percentile"] * 3, "n_boot": [1000] * 3,
        "n_failed": [0] * 3,
    })  # fmt: skip
    table = nb.indirect_table(effects, "en")
    assert table["effect"].tolist() == ["Trust → Commitment → Customer engagement", "via_mijn_pad"]  # own names stay


def _wlsmv_fit():
    from types import SimpleNamespace

    indices = {"chisq": 174.1, "df": 115.0, "pvalue": 0.0003, "cfi": 0.99, "tli": 0.98, "rmsea": 0.02,
               "srmr": 0.03, "chisq_scaled": 150.5, "pvalue_scaled": 0.014, "cfi_scaled": 0.981,
               "tli_scaled": 0.977, "rmsea_scaled": 0.0325}  # fmt: skip
    est = pd.DataFrame({
        "lhs": ["commitment", "betrokkenheid", "indirect"], "op": ["~", "~", ":="], "rhs": ["vertrouwen", "commitment",
        "a*b"], "label": ["a", "b", "indirect"], "est": [0.6, 0.5, 0.3], "se": [0.1, 0.1, 0.05],
        "pvalue": [0.001, 0.001, 0.001], "ci_lower": [0.4, 0.3, 0.2], "ci_upper": [0.8, 0.7, 0.4],
    })  # fmt: skip
    return SimpleNamespace(estimator="WLSMV", fit_indices=indices, estimates=est)


def test_fit_table_of_wlsmv_shows_the_scaled_values_and_names_the_estimator():
    fit = _wlsmv_fit()
    table = nb.fit_table(fit, "en")
    assert table.columns.tolist() == ["chisq_scaled", "df", "pvalue_scaled", "cfi_scaled", "tli_scaled",
                                      "rmsea_scaled", "srmr"]  # fmt: skip
    assert table["cfi_scaled"].iloc[0] == fit.fit_indices["cfi_scaled"]
    assert "Estimator: WLSMV" in table.attrs["note"]
    shown = nb.apa_table(table, "nl", note=table.attrs["note"], decimals=3)
    assert shown.headers[3] == "CFI (geschaald)"
    assert shown.frame.iloc[0, 3] == ",981"
    assert "Schatter: WLSMV" in nb.fit_table(fit, "nl").attrs["note"]
    fit.estimator = "ML"
    assert nb.fit_table(fit, "en").columns.tolist()[:4] == ["chisq", "df", "pvalue", "cfi"]


def test_defined_table_gives_the_delta_method_rows_with_the_paths_in_words():
    table = nb.defined_table(_wlsmv_fit(), "en")
    assert table["effect"].tolist() == ["indirect: (Trust → Commitment) × (Commitment → Customer engagement)"]
    assert table[["est", "se", "ci_lower", "ci_upper"]].iloc[0].tolist() == [0.3, 0.05, 0.2, 0.4]
    assert "delta-method" in table.attrs["note"]
    assert nb.sem_options("wlsmv") == {"estimator": "WLSMV", "ordered": True}
