"""Word export of a report: the same headings, APA tables (real Word tables), figures and text as the HTML.

:func:`write_docx` reads the executed report notebooks: Markdown outputs become headings and paragraphs
(``*italic*`` statistics stay italic), the APA tables of :mod:`relatie_lab.notebook` (their JSON beside the
HTML) become Word tables with APA rules (a line above and below the header and under the last row, no vertical
lines), and the figures become pictures with their number and caption. Uses python-docx.

Examples
--------
>>> import tempfile, pathlib
>>> out = write_docx([], pathlib.Path(tempfile.mkdtemp()) / "rapport.docx", lang="en", title="Report")
>>> from docx import Document
>>> Document(out).paragraphs[0].text
'Report'
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from relatie_lab.atomic import atomic_path
from relatie_lab.labels import check_lang, label
from relatie_lab.notebook import FIGURE_MIME, TABLE_MIME

__all__ = ["add_markdown", "add_table", "write_docx"]

HIDDEN_TAGS = ("parameters", "injected-parameters", "report-hide")
_INLINE = re.compile(r"(<(/?)(em|strong|sub|sup|code|b|i)>)")


def _runs(paragraph: Any, markup: str) -> None:
    """Add ``markup`` (small HTML: em, strong, sub, sup, code) to ``paragraph`` as formatted runs."""
    state = {"em": 0, "strong": 0, "sub": 0, "sup": 0, "code": 0}
    alias = {"i": "em", "b": "strong"}
    pos = 0
    for match in _INLINE.finditer(markup):
        _add_run(paragraph, markup[pos : match.start()], state)
        tag = alias.get(match.group(3), match.group(3))
        state[tag] += -1 if match.group(2) else 1
        pos = match.end()
    _add_run(paragraph, markup[pos:], state)


def _add_run(paragraph: Any, text: str, state: dict[str, int]) -> None:
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    if not text:
        return
    run = paragraph.add_run(text)
    run.italic = bool(state["em"]) or None
    run.bold = bool(state["strong"]) or None
    if state["sub"]:
        run.font.subscript = True
    if state["sup"]:
        run.font.superscript = True


def add_markdown(doc: Any, text: str) -> None:
    """Add Markdown (headings ``#``/``##``, paragraphs, ``> notes``, ``- lists``, inline emphasis) to ``doc``."""
    from relatie_lab.apa import markdown_to_html

    for block in re.split(r"\n\s*\n", text.strip()):
        block = block.strip()
        if not block:
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", block)
        if heading:
            text = html.unescape(re.sub(r"<[^>]+>", "", heading.group(2))).strip()
            doc.add_heading(text, level=len(heading.group(1)))
            continue
        if all(line.lstrip().startswith(("- ", "* ")) for line in block.splitlines()):
            for line in block.splitlines():
                _runs(doc.add_paragraph(style="List Bullet"), markdown_to_html(line.lstrip()[2:]))
            continue
        quote = block.startswith(">")
        lines = [re.sub(r"^>\s?", "", line) for line in block.splitlines()]
        paragraph = doc.add_paragraph(style="Quote" if quote else None)
        _runs(paragraph, markdown_to_html(" ".join(line.strip() for line in lines)))


def _border(cell: Any, **edges: str) -> None:
    """Set cell borders: ``top="single"``, ``bottom="nil"``, ..."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for edge in ("top", "left", "bottom", "right"):
        value = edges.get(edge, "nil")
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), value)
        if value != "nil":
            element.set(qn("w:sz"), "6")
            element.set(qn("w:color"), "000000")
        borders.append(element)


def add_table(doc: Any, number: int, data: dict[str, Any], lang: str) -> Any:
    """An APA table: bold number, italic caption, a Word table with horizontal rules only, and the note."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc.add_paragraph().add_run(f"{label('report_table', lang)} {number}").bold = True
    if data.get("caption"):
        doc.add_paragraph().add_run(data["caption"]).italic = True
    headers: list[str] = data.get("headers", [])
    rows: list[list[str]] = data.get("rows", [])
    table = doc.add_table(rows=len(rows) + 1, cols=max(len(headers), 1))
    for j, head in enumerate(headers):
        cell = table.rows[0].cells[j]
        _runs(cell.paragraphs[0], head)
        _border(cell, top="single", bottom="single")
    numeric = re.compile(r"^(< ?)?[-+]?[\d.,]*\d$|^—$")
    for i, row in enumerate(rows, start=1):
        last = i == len(rows)
        for j, value in enumerate(row):
            cell = table.rows[i].cells[j]
            _runs(cell.paragraphs[0], html.escape(str(value)))
            if numeric.match(str(value)):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _border(cell, bottom="single" if last else "nil")
    if data.get("note"):
        _runs(doc.add_paragraph(), str(data["note"]))
    return table


def _add_figure(doc: Any, number: int, png: bytes, caption: str, note: str, lang: str) -> None:
    from docx.shared import Cm

    from relatie_lab.apa import markdown_to_html

    doc.add_paragraph().add_run(f"{label('report_figure', lang)} {number}").bold = True
    if caption:
        doc.add_paragraph().add_run(caption).italic = True
    doc.add_picture(io.BytesIO(png), width=Cm(15))
    if note:
        _runs(doc.add_paragraph(), markdown_to_html(note))


def _cells(paths: Iterable[Path]) -> Iterable[Any]:
    import nbformat

    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if set(cell.metadata.get("tags", [])) & set(HIDDEN_TAGS):
                continue
            yield cell


def write_docx(
    executed: Sequence[str | os.PathLike[str]],
    path: str | os.PathLike[str],
    *,
    lang: str = "nl",
    title: str = "",
    subtitle: str = "",
    before: Sequence[str] = (),
    after: Sequence[str] = (),
) -> Path:
    """Write the executed report notebooks ``executed`` as one Word document to ``path`` (atomically).

    ``before`` and ``after`` are Markdown blocks put before and after the notebooks (the summary page, the
    reproducibility section). Tables and figures are numbered in order, as in the HTML report.
    """
    from docx import Document
    from docx.shared import Pt

    lang = check_lang(lang)
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    doc.core_properties.title = title
    doc.core_properties.language = lang
    if title:
        doc.add_heading(title, level=0)
    if subtitle:
        _runs(doc.add_paragraph(), subtitle)
    for block in before:
        add_markdown(doc, block)
    n_table = n_figure = 0
    for cell in _cells([Path(p) for p in executed]):
        if cell.cell_type == "markdown":
            add_markdown(doc, cell.source)
            continue
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if TABLE_MIME in data:
                n_table += 1
                add_table(doc, n_table, data[TABLE_MIME], lang)
            elif FIGURE_MIME in data and "image/png" in data:
                n_figure += 1
                meta = data[FIGURE_MIME]
                _add_figure(doc, n_figure, base64.b64decode(data["image/png"]), meta.get("caption", ""),
                            meta.get("note", ""), lang)  # fmt: skip
            elif "image/png" in data:
                n_figure += 1
                _add_figure(doc, n_figure, base64.b64decode(data["image/png"]), "", "", lang)
            elif "text/markdown" in data:
                add_markdown(doc, data["text/markdown"])
    for block in after:
        add_markdown(doc, block)
    path = Path(path)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path
