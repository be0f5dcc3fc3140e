"""The summary page of a report: three to six key findings in plain words, each with its number and a link.

Each report notebook turns its result objects into a :class:`Finding` (:func:`fit_finding`,
:func:`strongest_path_finding`, :func:`ladder_finding`, :func:`types_finding`, :func:`ab_finding`) and
stores it with :func:`save_finding` in ``findings.json`` beside the report; :func:`summary_html` puts them on
the first page, in report order, each linking to the section (heading) it comes from. The texts are in the
labels (``sum_*`` in ``data/labels/apa.yaml``) and the numbers in the report's APA style (:mod:`relatie_lab.apa`).

Examples
--------
>>> f = fit_finding({"cfi": 0.994, "rmsea": 0.021, "srmr": 0.03}, "en")
>>> f.text
'The structural model fits the data well (CFI = .994, RMSEA = .021).'
>>> f.section
'report_nb03_fit'
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from relatie_lab import apa
from relatie_lab.atomic import write_text
from relatie_lab.labels import check_lang, label

__all__ = [
    "FINDINGS_FILE",
    "Finding",
    "ab_finding",
    "fit_finding",
    "key_findings",
    "ladder_finding",
    "link_sections",
    "load_findings",
    "save_finding",
    "strongest_path_finding",
    "summary_html",
    "types_finding",
]

#: The findings of a report, written by the notebooks, read by :func:`relatie_lab.report.build_report`.
FINDINGS_FILE = "findings.json"
#: Order of the findings on the summary page.
ORDER = ("fit", "path", "ladder", "types", "ab")


@dataclass(frozen=True)
class Finding:
    """One key finding: ``kind`` (one of :data:`ORDER`), ``text`` (Markdown, report language) and the label key
    of the section heading it links to."""

    kind: str
    text: str
    section: str


def fit_finding(fit: Any, lang: str = "nl", section: str = "report_nb03_fit") -> Finding:
    """Model fit in words, with CFI and RMSEA; an improper solution or poor fit is said as such."""
    lang = check_lang(lang)
    fi = apa._fit_indices(fit)
    status = apa.fit_status(fit) if hasattr(fit, "estimates") else apa.fit_status(fi)
    text = apa.sentence(
        f"sum_fit_{status}",
        lang,
        cfi=apa.number(fi.get("cfi"), 3, lang, leading_zero=False),
        rmsea=apa.number(fi.get("rmsea"), 3, lang, leading_zero=False),
    )
    return Finding("fit", text, section)


def strongest_path_finding(fit: Any, lang: str = "nl", section: str = "report_nb03_paths") -> Finding | None:
    """The strongest significant structural path (largest |β|) with β and *p*; None when there is none.
    When the fit is poor or the solution improper the finding says that the paths are not interpreted."""
    lang = check_lang(lang)
    status = apa.fit_status(fit)
    if status in ("poor", "improper"):
        return Finding("path", apa.sentence(f"apa_guard_{status}_paths", lang), section)
    reg = apa._group_rows(fit.estimates)
    reg = reg[(reg["op"] == "~") & (reg["pvalue"] < 0.05)]
    if reg.empty:
        return None
    row = reg.loc[reg["std_all"].abs().idxmax()]
    text = apa.sentence(
        "sum_path",
        lang,
        predictor=apa.display(row["rhs"], lang),
        outcome=apa._lower(apa.display(row["lhs"], lang), lang),
        beta=apa.number(row["std_all"], 2, lang, leading_zero=False),
        p=apa.p_text(row["pvalue"], lang),
    )
    return Finding("path", text, section)


def ladder_finding(funnel: Any, lang: str = "nl", section: str = "report_nb04_funnel") -> Finding | None:
    """Where the ladder breaks: the rung with the largest drop, its drop and the share that reaches it."""
    lang = check_lang(lang)
    breaks = funnel.breaks
    if breaks.empty:
        return None
    row = breaks.iloc[0]
    text = apa.sentence(
        "sum_ladder",
        lang,
        rung=apa._lower(apa.display(row["rung"], lang), lang),
        share=apa.number(100 * row["share"], 0, lang),
        drop=apa.number(100 * row["drop"], 0, lang),
    )
    return Finding("ladder", text, section)


def types_finding(types: Any, lang: str = "nl", section: str = "report_nb05_distribution") -> Finding | None:
    """The dominant relationship type per group (the type with the largest share), grouped by type."""
    lang = check_lang(lang)
    dist = types.distribution
    group = types.by or "_all"
    dist = dist[dist["relationship_type"] != "gemengd"] if "gemengd" in set(dist["relationship_type"]) else dist
    if dist.empty:
        return None
    top = dist.loc[dist.groupby(group, observed=True)["share"].idxmax()]
    parts = []
    for kind, rows in top.groupby("relationship_type", sort=False):
        groups = [apa.value_name(types.by, g, lang) for g in rows[group]] if types.by else []
        share = apa.number(100 * rows["share"].mean(), 0, lang)
        name = apa.display(f"type_{kind}", lang) if kind else str(kind)
        parts.append(apa.sentence("sum_types_part", lang, type=apa._lower(name, lang),
                                  groups=apa._join(groups, lang), share=share))  # fmt: skip
    key = "sum_types" if types.by else "sum_types_all"
    return Finding("types", apa.sentence(key, lang, parts="; ".join(parts)), section)


def ab_finding(result: Any, lang: str = "nl", section: str = "report_nb07_effects") -> Finding:
    """The A/B effect: the largest significant Hedges' *g* (Holm-corrected), or that there is none."""
    lang = check_lang(lang)
    t = result.table
    column = getattr(result, "group_col", "")
    treatment = apa.value_name(column, result.treatment, lang)
    control = apa.value_name(column, result.control, lang)
    sig = t[t["significant"].astype(bool)]
    if sig.empty:
        return Finding("ab", apa.sentence("sum_ab_none", lang, treatment=treatment, control=control), section)
    row = sig.loc[sig["hedges_g"].abs().idxmax()]
    text = apa.sentence(
        "sum_ab_higher" if row["hedges_g"] > 0 else "sum_ab_lower",
        lang,
        treatment=treatment,
        control=control,
        outcome=apa._lower(apa.display(row["outcome"], lang), lang),
        g=apa.number(row["hedges_g"], 2, lang),
        p=apa.p_text(row["p_holm"], lang, symbol="*p*<sub>Holm</sub>"),
        n_sig=apa.integer(len(sig), lang),
        n=apa.integer(int(t["p_holm"].notna().sum()), lang),
    )
    return Finding("ab", text, section)


def key_findings(*, fit: Any = None, ladder: Any = None, types: Any = None, ab: Any = None,
                 lang: str = "nl") -> list[Finding]:  # fmt: skip
    """The key findings of the results at hand, in summary order (for your own notebook or report).

    Examples
    --------
    >>> [f.kind for f in key_findings(fit={"cfi": 0.97, "rmsea": 0.04}, lang="en")]
    ['fit']
    """
    found = []
    if fit is not None:
        found.append(fit_finding(fit, lang))
        if hasattr(fit, "estimates"):
            found.append(strongest_path_finding(fit, lang))
    if ladder is not None:
        found.append(ladder_finding(ladder, lang))
    if types is not None:
        found.append(types_finding(types, lang))
    if ab is not None:
        found.append(ab_finding(ab, lang))
    return [f for f in found if f is not None]


def save_finding(output_dir: str | os.PathLike[str] | None, finding: Finding | None) -> None:
    """Add (or replace, by kind) a finding in ``output_dir/findings.json``; nothing when either is None.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> save_finding(d, Finding("fit", "Goed.", "report_nb03_fit"))
    >>> [f.kind for f in load_findings(d)]
    ['fit']
    """
    if output_dir is None or finding is None:
        return
    path = Path(output_dir) / FINDINGS_FILE
    current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    current = [f for f in current if f.get("kind") != finding.kind] + [asdict(finding)]
    write_text(path, json.dumps(current, indent=2, ensure_ascii=False) + "\n")


def load_findings(output_dir: str | os.PathLike[str]) -> list[Finding]:
    """The findings in ``output_dir/findings.json`` in summary order (``[]`` when there is none)."""
    path = Path(output_dir) / FINDINGS_FILE
    if not path.is_file():
        return []
    items = [Finding(**f) for f in json.loads(path.read_text(encoding="utf-8"))]
    return sorted(items, key=lambda f: ORDER.index(f.kind) if f.kind in ORDER else len(ORDER))


def summary_html(findings: list[Finding], lang: str = "nl", anchors: dict[str, str] | None = None) -> str:
    """The summary page: a heading, one sentence of introduction and the findings as a list with links.

    ``anchors`` maps a section's label key to the id of its heading in the report; without it the links point
    to ``#section-<key>``.

    Examples
    --------
    >>> page = summary_html([Finding("fit", "Past *goed*.", "report_nb03_fit")], "en", {"report_nb03_fit": "sec-7"})
    >>> "<em>goed</em>" in page and 'href="#sec-7"' in page
    True
    """
    lang = check_lang(lang)
    anchors = anchors or {}
    items = []
    for f in findings:
        target = anchors.get(f.section, f"section-{f.section}")
        section = _section_name(f.section, lang)
        link = f'<a href="#{html.escape(target)}">{html.escape(label("sum_see", lang).format(section=section))}</a>'
        items.append(f'<li class="finding finding-{html.escape(f.kind)}">{apa.markdown_to_html(f.text)} {link}</li>')
    if not items:
        items.append(f"<li>{html.escape(label('sum_none', lang))}</li>")
    return (
        f'<section class="report-summary"><h1>{html.escape(label("sum_title", lang))}</h1>'
        f"<p>{html.escape(label('sum_intro', lang))}</p><ul class=\"findings\">{''.join(items)}</ul></section>"
    )


def link_sections(body: str, lang: str = "nl") -> str:
    """Point the summary's ``#section-<key>`` links at the heading (``<h1|h2 id=...>``) whose text is the label
    ``key`` in ``lang``; a link whose section is not in the report is dropped (the finding stays).

    Examples
    --------
    >>> page = '<a href="#section-report_nb03_fit">x</a><h2 id="sec-4">Modelfit<a class="anchor-link">¶</a></h2>'
    >>> link_sections(page, "nl")[:22]
    '<a href="#sec-4">x</a>'
    """
    anchors = {}
    for match in re.finditer(r'<h[1-3] id="([^"]+)">(.*?)</h[1-3]>', body, flags=re.S):
        text = html.unescape(re.sub(r"<a class=\"anchor-link\".*?</a>|<[^>]+>", "", match.group(2))).strip()
        anchors.setdefault(text.rstrip("¶").strip(), match.group(1))

    def link(match: re.Match[str]) -> str:
        key = match.group(1)
        target = anchors.get(_section_name(key, lang))
        return f'<a href="#{target}">{match.group(2)}</a>' if target else ""

    return re.sub(r'<a href="#section-([A-Za-z0-9_]+)">(.*?)</a>', link, body, flags=re.S)


def _section_name(key: str, lang: str) -> str:
    try:
        return label(key, lang)
    except KeyError:
        return key

