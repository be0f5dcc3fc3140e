"""What a report notebook holds on to: the data, the codebook, the model and the plan of its sections.

A report notebook starts with :func:`report_context` and wraps every section in ``with ctx.section(id) as sec:``.
The section shows its heading, says in the report's language when it runs partly or is skipped (what is missing
and what to add, from :func:`relatie_lab.sections.plan_report`), and runs its body only when ``sec.runs``. An
error inside a section never stops the report: the section is marked "could not be computed" with the message
in the report's language, the traceback goes to the log file beside the report (never into the HTML), and the
status is recorded in ``sections.json`` for :mod:`relatie_lab.report`.

Examples
--------
>>> log_filename("en"), log_filename("nl")
('report.log', 'rapport.log')
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import pandas as pd

from relatie_lab.atomic import write_text
from relatie_lab.labels import check_lang, label
from relatie_lab.sections import SECTIONS, ReportPlan, SectionDecision, plan_report, read_model

__all__ = ["SECTIONS_FILE", "ReportContext", "Section", "load_instrument", "log_filename", "report_context"]

#: Per-section statuses written by the notebooks, read by :func:`relatie_lab.report.build_report`.
SECTIONS_FILE = "sections.json"


def log_filename(lang: str = "nl") -> str:
    """Name of the log file beside the report: ``rapport.log`` (Dutch) or ``report.log`` (English)."""
    return {"nl": "rapport.log", "en": "report.log"}[check_lang(lang)]


def load_instrument(path: str | os.PathLike[str] | None) -> Any:
    """The codebook at ``path`` (YAML), or the shipped one when ``path`` is None (see
    :func:`relatie_lab.instrument.resolve`)."""
    from relatie_lab.instrument import resolve

    return resolve(None if path is None else Path(path))


def _note(kind: str, title: str, lines: list[str]) -> None:
    import html

    from IPython.display import HTML, display

    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    display(HTML(f'<div class="section-note section-{kind}"><p><strong>{html.escape(title)}</strong></p>{body}</div>'))


class Section:
    """One report section inside a notebook: ``with ctx.section("ladder_funnel") as sec: if sec.runs: ...``."""

    def __init__(self, ctx: ReportContext, decision: SectionDecision, after: str | None = None) -> None:
        self.ctx = ctx
        self.decision = decision
        if after is not None and after in ctx.failed and decision.runs:  # builds on a section that failed
            title = label(ctx.plan.decision(after).title_key, ctx.lang)
            self.decision = SectionDecision(
                decision.id, decision.notebook, decision.title_key, "skip",
                reason=label("sec_after_failed", ctx.lang).format(title=title),
            )  # fmt: skip

    # what the body uses
    @property
    def runs(self) -> bool:
        return self.decision.runs

    @property
    def constructs(self) -> list[str]:
        return list(self.decision.constructs)

    @property
    def group(self) -> str | None:
        return self.decision.group

    @property
    def model(self) -> str | None:
        return self.decision.model

    def __enter__(self) -> Section:
        from relatie_lab.notebook import heading

        d, lang = self.decision, self.ctx.lang
        if not d.shown:
            return self
        heading(d.title_key, lang, level=2)
        todo = f"{label('sec_note_todo', lang)}: {d.todo}" if d.todo else ""
        if d.status == "skip":
            _note("skip", label("sec_note_skip", lang), [d.reason, todo, *d.notes])
        elif d.status == "partial":
            _note("partial", label("sec_note_partial", lang), [d.reason, todo, *d.notes])
        elif d.notes:
            _note("info", label("report_warning", lang), d.notes)
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        status, message = self.decision.status, ""
        if exc is not None and isinstance(exc, Exception):
            from relatie_lab.errors import SurveyError

            lang = self.ctx.lang
            if isinstance(exc, SurveyError):
                message = str(exc)
            else:
                message = label("sec_unexpected", lang).format(error=f"{type(exc).__name__}: {exc}")
            status = "failed"
            self.ctx.failed.add(self.decision.id)
            log = self.ctx.write_log(self.decision.id, exc_type, exc, tb)
            lines = [label("sec_note_failed", lang).format(message=message)]
            if log:
                lines.append(label("sec_note_failed_log", lang).format(log=log))
            _note("failed", label("sec_status_failed", lang).capitalize(), lines)
        self.ctx.record(self.decision, status, message)
        return exc is not None and isinstance(exc, Exception)


class ReportContext:
    """The data, codebook, model and section plan of one report notebook; see :func:`report_context`."""

    def __init__(
        self, data: pd.DataFrame, instrument: Any, plan: ReportPlan, *, notebook: str, lang: str,
        output_dir: str | os.PathLike[str] | None, model: str | None,
    ) -> None:  # fmt: skip
        self.data = data
        self.instrument = instrument
        self.plan = plan
        self.notebook = notebook
        self.lang = lang
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.user_model = model
        self.failed: set[str] = set()

    def section(self, section_id: str, after: str | None = None) -> Section:
        """The section ``section_id`` as a context manager (see :class:`Section`); ``after`` names a section whose
        results it uses: when that one failed, this one is skipped with a note."""
        return Section(self, self.plan.decision(section_id), after)

    def present_items(self, construct: str) -> list[str]:
        """Items of ``construct`` (facets included) in the data; ``[]`` when the codebook has no such construct."""
        if construct not in self.instrument.constructs().index:
            return []
        return [i for i in self.instrument.item_ids(construct) if i in self.data.columns]

    def unused_columns(self) -> list[str]:
        """Columns of the data that are in no codebook (kept in the processed data, used in no analysis)."""
        from relatie_lab.quality import FLAG_COLUMNS

        known = set(self.instrument.items().index) | set(self.instrument.fields().index) | set(FLAG_COLUMNS)
        return [str(c) for c in self.data.columns if c not in known]

    def with_facets(self, constructs: list[str]) -> list[str]:
        """``constructs`` each followed by its facets that have items in the data."""
        out: list[str] = []
        for c in constructs:
            out.append(c)
            for facet in self.instrument.facets(c):
                if any(i in self.data.columns for i in self.instrument.item_ids(facet)):
                    out.append(facet)
        return out

    def sem_key(self, key: str) -> str:
        """``key`` for the Commitment-Trust model, ``key + "_generic"`` for any other model."""
        return key if self.plan.model_source == "commitment_trust" else f"{key}_generic"

    def r2_text(self, fit: Any) -> str:
        """Explained variance (R²) of every dependent variable of a SEM fit, as one sentence ("" if none); the
        values are the fit's own (:func:`relatie_lab.apa.r_squared`, i.e. ``SEMResult.r_squared``)."""
        from relatie_lab.apa import r_squared

        parts = []
        for v, r2 in r_squared(fit).items():
            try:
                name = self.instrument.label(v, self.lang)
            except KeyError:
                name = v
            parts.append(f"{name} {r2:.2f}".replace("0.", ".", 1))
        return label("report_nb03_r2", self.lang).format(values="; ".join(parts)) if parts else ""

    @property
    def shown(self) -> bool:
        """True when at least one section of this notebook appears in the report."""
        return any(d.shown for d in self.plan.decisions.values() if d.notebook == self.notebook)

    def title(self, title_key: str, intro_key: str, **fields: Any) -> None:
        """The notebook's title and introduction, only when one of its sections appears in the report."""
        from relatie_lab.notebook import explain, heading

        if self.shown:
            heading(title_key, self.lang, level=1)
            explain(intro_key, self.lang, **fields)

    def sem_title(self) -> None:
        """Title of the SEM notebook: the Commitment-Trust model, or a generic SEM with what it estimates."""
        if self.plan.model_source == "commitment_trust":
            self.title("report_nb03_title", "report_nb03_intro")
        else:
            what = label("report_nb03_model_user" if self.plan.model_source == "user" else "report_nb03_model_cfa",
                         self.lang)  # fmt: skip
            self.title("report_nb03_title_generic", "report_nb03_intro_generic", what=what)

    def record(self, decision: SectionDecision, status: str, message: str = "") -> None:
        """Add this section's status to ``sections.json`` (nothing when the notebook runs without a report)."""
        if self.output_dir is None:
            return
        path = self.output_dir / SECTIONS_FILE
        rows = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        rows = [r for r in rows if r.get("section") != decision.id]
        rows.append({"notebook": decision.notebook, "section": decision.id, "status": status,
                     "reason": decision.reason, "todo": decision.todo, "message": message})  # fmt: skip
        write_text(path, json.dumps(rows, indent=2, ensure_ascii=False) + "\n")

    def write_log(self, section_id: str, exc_type: Any, exc: BaseException, tb: Any) -> str | None:
        """Append the traceback to the log beside the report; return the log's file name (None without a report)."""
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        entry = f"[{stamp}] {self.notebook} {section_id}\n{text}\n"
        if self.output_dir is None:
            print(entry, file=sys.stderr)
            return None
        name = log_filename(self.lang)
        path = self.output_dir / name
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        write_text(path, old + entry)
        return name


def report_context(
    data_path: str | os.PathLike[str],
    mapping_path: str | os.PathLike[str] | None = None,
    *,
    notebook: str,
    instrument_path: str | os.PathLike[str] | None = None,
    model_path: str | os.PathLike[str] | None = None,
    lang: str = "nl",
    group: str | None = None,
    output_dir: str | os.PathLike[str] | None = None,
) -> ReportContext:
    """Set up a report notebook: plot theme, the survey (without personal data), the codebook, the model, the plan.

    Parameters
    ----------
    data_path, mapping_path
        The processed survey (``.parquet``, from the report) or a raw survey file and its mapping.
    notebook
        The notebook's number (``"03"``): which sections it holds.
    instrument_path, model_path
        A codebook YAML (``--instrument``) and a lavaan model file (``--model``); default the shipped codebook
        and :func:`relatie_lab.sections.default_model`.
    lang, group, output_dir
        The notebook's parameters: report language, its group column, the report folder (None by hand).
    """
    from relatie_lab import notebook as nb

    lang = check_lang(lang)
    nb.setup_notebook(lang)
    inst = load_instrument(instrument_path)
    nb.use_instrument(inst)
    data = nb.load_data(data_path, mapping_path, instrument=inst)
    model = read_model(model_path, lang)
    groups = {s.id: group for s in SECTIONS if s.notebook == notebook and s.group is not None and s.group_param}
    groups = {k: v for k, v in groups.items() if v}
    plan = plan_report(data, inst, model=model, groups=groups, lang=lang)
    return ReportContext(data, inst, plan, notebook=notebook, lang=lang, output_dir=output_dir, model=model)
