"""Tests for relatie_lab.docx_export: an executed notebook becomes a Word file with headings, APA tables and figures."""

from __future__ import annotations

import matplotlib
import nbformat
import pandas as pd
import pytest
from docx import Document

from relatie_lab import notebook as nb
from relatie_lab.docx_export import write_docx

matplotlib.use("Agg")


def _output(obj) -> nbformat.NotebookNode:
    bundle = obj._repr_mimebundle_()
    return nbformat.v4.new_output("display_data", data=bundle)


@pytest.fixture
def executed(tmp_path):
    import matplotlib.pyplot as plt

    table = nb.apa_table(
        pd.DataFrame({"construct": ["vertrouwen", "commitment"], "cronbach_alpha": [0.8123, 0.9], "n": [1200, 1199]}),
        "nl",
        caption="Betrouwbaarheid per construct",
        note="<em>Noot.</em> Twee constructen.",
    )
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("Een lijn")
    figure = nb.figure(fig, lang="nl")
    plt.close(fig)
    notebook = nbformat.v4.new_notebook()
    hidden = nbformat.v4.new_markdown_cell("# Alleen in het notebook")
    hidden.metadata["tags"] = ["report-hide"]
    code = nbformat.v4.new_code_cell("")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": "# Betrouwbaarheid"}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "Cronbachs α is *ruim* voldoende (*p* < ,001)."}),
        _output(table),
        _output(figure),
    ]
    notebook.cells = [hidden, code]
    path = tmp_path / "01_test.ipynb"
    nbformat.write(notebook, path)
    return path


def test_word_file_holds_headings_apa_tables_figures_and_italic_statistics(executed, tmp_path):
    out = write_docx([executed], tmp_path / "rapport.docx", lang="nl", title="Rapport",
                     before=["# Samenvatting\n\n- Het model past *goed*."])  # fmt: skip
    doc = Document(out)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Rapport"
    assert "Samenvatting" in texts
    assert "Betrouwbaarheid" in texts
    assert "Alleen in het notebook" not in texts  # report-hide cells stay out, as in the HTML
    assert "Tabel 1" in texts
    assert "Betrouwbaarheid per construct" in texts
    assert "Figuur 1" in texts
    assert "Een lijn" in texts  # the figure's title became its caption
    assert len(doc.inline_shapes) == 1
    assert len(doc.tables) == 1
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells == [["Construct", "α", "N"], ["Vertrouwen", ",81", "1.200"], ["Commitment", ",90", "1.199"]]
    sentence = next(p for p in doc.paragraphs if p.text.startswith("Cronbachs"))
    italic = [r.text for r in sentence.runs if r.italic]
    assert italic == ["ruim", "p"]
    header_n = doc.tables[0].rows[0].cells[2].paragraphs[0].runs
    assert [r.italic for r in header_n] == [True]  # N in italics, as in the HTML header


def test_word_table_has_apa_rules_only(executed, tmp_path):
    from docx.oxml.ns import qn

    doc = Document(write_docx([executed], tmp_path / "r.docx", lang="en"))
    table = doc.tables[0]

    def edges(cell):
        borders = cell._tc.tcPr.find(qn("w:tcBorders"))
        return {e.tag.split("}")[1]: e.get(qn("w:val")) for e in borders}

    assert edges(table.rows[0].cells[0]) == {"top": "single", "left": "nil", "bottom": "single", "right": "nil"}
    assert edges(table.rows[1].cells[0])["bottom"] == "nil"
    assert edges(table.rows[-1].cells[0])["bottom"] == "single"
    assert "Table 1" in [p.text for p in doc.paragraphs]
