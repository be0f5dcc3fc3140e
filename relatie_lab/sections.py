"""What each report section needs, and what it does with the data at hand: run fully, run partly or skip.

:data:`SECTIONS` is the one table of needs (rendered in ``docs/sections.md`` by :func:`needs_table`): per section
the notebook it lives in, the constructs it uses, how many of them must be present, how many items each needs,
the minimum number of respondents and the group column. :func:`plan_report` applies the table to a survey (a
DataFrame of item columns, as :func:`relatie_lab.load_survey` gives it) and a codebook and decides per section:

- ``run``: everything the section needs is there;
- ``partial``: the section runs on what is there (the ladder without a missing rung, the SEM with the
  constructs present, the scorecard without a second wave, ...); the reason says what is left out;
- ``skip``: the section cannot run; the reason says what is missing and ``todo`` what to add;
- ``not_applicable``: the codebook has none of the section's constructs (Pol's own sections with a codebook of
  other constructs, indirect effects of a model without ``:=``): the section is left out of the report and does
  not make it incomplete.

The same decisions drive the report notebooks (:mod:`relatie_lab.notebook`), ``relatie-lab validate`` (which
predicts the report) and the exit status of ``relatie-lab report``. This module knows no reports or notebooks;
it reads data, the codebook and lavaan syntax only.

Examples
--------
>>> from relatie_lab.simulate import simulate_survey
>>> df, _ = simulate_survey(n=200, seed=1, missing_codes=False)
>>> plan = plan_report(df.drop(columns=["com_1", "com_2", "com_3", "com_4", "com_5"]), lang="en")
>>> plan.status("ladder_funnel"), plan.status("reliability")
('partial', 'run')
>>> print(plan.decision("ladder_funnel").reason)
The ladder runs without the rung(s) Commitment: no items of these constructs in the data.
>>> plan.complete
False
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label

__all__ = [
    "MIN_RESPONDENTS",
    "SECTIONS",
    "STATUSES",
    "ReportPlan",
    "SectionDecision",
    "SectionNeed",
    "cfa_model",
    "default_model",
    "misspelt_columns",
    "needs_markdown",
    "needs_table",
    "notebook_applies",
    "plan_report",
    "read_model",
    "section",
    "sem_size",
]

#: Below this many respondents no report is made (a clear refusal instead of a report of empty sections).
MIN_RESPONDENTS = 10
#: Similarity (difflib ratio, 0-1) from which an unknown column is taken for a misspelt item id.
SIMILARITY = 0.8
#: The decisions, from best to worst; ``failed`` is added by the report when a section raised an error.
STATUSES: tuple[str, ...] = ("run", "partial", "skip", "not_applicable")

LADDER = ("klantbeleving", "gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid")
NORMS = ("markt", "gezag", "betekenis")
CT_CONSTRUCTS = ("gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid")
BLOCKS = ("vertrouwen_blok", "betrokkenheid_organisatie", "keuzevrijheid", "rechtvaardigheid", "invloed")
CHOICE = ("vertrouwen", "commitment", "betrokkenheid")
AB_OUTCOMES = (*BLOCKS, "tevredenheid", "vertrouwen", "aanbeveling")
ANY = "*"  # any construct of the codebook
MODEL = "model"  # the constructs of the SEM model


@dataclass(frozen=True)
class SectionNeed:
    """What one report section needs.

    Attributes
    ----------
    id, notebook, title_key
        Section id, the report notebook it is in (``"03"``), the label key of its heading.
    constructs
        Construct ids it uses; ``"*"`` any construct of the codebook, ``"model"`` those of the SEM model.
    min_constructs
        How many of them must have items in the data (fewer: skip; fewer than all: partial).
    min_items
        Items each construct needs in the data to count.
    min_n
        Respondents needed; ``"sem"`` is fit_sem's rule (more respondents than observed variables).
    group, group_need
        The group column (a field name, or ``"*"`` any group field of the codebook) and whether it is
        ``"required"`` (skip without it), ``"optional"`` (partial without it) or ``"used"`` (runs either way).
    pol
        One of Pol's own sections: it appears only when the codebook has its constructs.
    group_param
        The notebook's ``group`` parameter replaces ``group`` (False: the section always uses its own column).
    """

    id: str
    notebook: str
    title_key: str
    constructs: tuple[str, ...] | str = ()
    min_constructs: int = 0
    min_items: int = 1
    min_n: int | str = 1
    group: str | None = None
    group_need: str = "used"
    pol: bool = False
    group_param: bool = True


SECTIONS: tuple[SectionNeed, ...] = (
    SectionNeed("sample", "01", "report_nb01_sample", group="sector", group_need="used"),
    SectionNeed("quality_issues", "01", "report_nb01_issues"),
    SectionNeed("missing", "01", "report_nb01_missing", ANY, 1),
    SectionNeed("unused_columns", "01", "report_nb01_unused"),
    SectionNeed("reliability", "02", "report_nb02_reliability", ANY, 1, min_items=2, min_n=MIN_RESPONDENTS),
    SectionNeed("validity", "02", "report_nb02_validity", ANY, 2, min_items=2, min_n="sem"),
    SectionNeed("group_comparison", "02", "report_nb02_groups", ANY, 1, min_n=MIN_RESPONDENTS, group=ANY,
                group_need="required"),
    SectionNeed("sem_fit", "03", "report_nb03_fit", MODEL, 1, min_n="sem"),
    SectionNeed("sem_paths", "03", "report_nb03_paths", MODEL, 1, min_n="sem"),
    SectionNeed("sem_indirect", "03", "report_nb03_indirect", MODEL, 1, min_n="sem"),
    SectionNeed("ladder_funnel", "04", "report_nb04_funnel", LADDER, 2, min_n=MIN_RESPONDENTS, pol=True),
    SectionNeed("ladder_groups", "04", "report_nb04_groups", LADDER, 2, min_n=MIN_RESPONDENTS, group="sector",
                group_need="required", pol=True),
    SectionNeed("ladder_model", "04", "report_nb04_model", LADDER, 2, min_n="sem", pol=True),
    SectionNeed("types_distribution", "05", "report_nb05_distribution", NORMS, 3, min_n=MIN_RESPONDENTS,
                group="sector", group_need="used", pol=True),
    SectionNeed("types_moderation", "05", "report_nb05_moderation", (*NORMS, "vertrouwen", "commitment"), 5,
                min_n=MIN_RESPONDENTS, pol=True),
    SectionNeed("blocks_scorecard", "06", "report_nb06_scorecard", BLOCKS, 1, min_n=MIN_RESPONDENTS, group="meting",
                group_need="optional", pol=True),
    SectionNeed("blocks_choice", "06", "report_nb06_choice", CHOICE, 1, min_n=MIN_RESPONDENTS,
                group="keuze_aanbieder", group_need="required", pol=True, group_param=False),
    SectionNeed("ab_effects", "07", "report_nb07_effects", AB_OUTCOMES, 1, min_n=MIN_RESPONDENTS, group="conditie",
                group_need="required", pol=True),
    SectionNeed("ab_types", "07", "report_nb07_types", (*NORMS, "tevredenheid"), 4, min_n=MIN_RESPONDENTS,
                group="conditie", group_need="required", pol=True),
    SectionNeed("ab_power", "07", "report_nb07_power", AB_OUTCOMES, 0, pol=True),
)
_BY_ID = {s.id: s for s in SECTIONS}
# the values a section's group column must hold (the two arms of the A/B test, with and without a choice)
_VALUES = {"ab_effects": ("prijs", "zorg"), "ab_types": ("prijs", "zorg"), "blocks_choice": ("ja", "nee")}


@dataclass
class SectionDecision:
    """The decision for one section: ``status`` (see :data:`STATUSES`), ``reason`` and ``todo`` in the plan's
    language, and what the section runs on (``constructs``, ``group``, ``model``)."""

    id: str
    notebook: str
    title_key: str
    status: str
    reason: str = ""
    todo: str = ""
    constructs: list[str] = field(default_factory=list)
    group: str | None = None
    model: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def runs(self) -> bool:
        """True when the section runs (fully or partly)."""
        return self.status in ("run", "partial")

    @property
    def shown(self) -> bool:
        """True when the section appears in the report (everything but ``not_applicable``)."""
        return self.status != "not_applicable"


@dataclass
class ReportPlan:
    """Per-section decisions for one survey; ``.table`` is tidy, ``.summary(lang)`` readable."""

    decisions: dict[str, SectionDecision]
    n: int
    lang: str = "nl"
    model_source: str = "none"  # user / commitment_trust / cfa / none

    def decision(self, section_id: str) -> SectionDecision:
        """The decision for ``section_id`` (a :data:`SECTIONS` id)."""
        if section_id not in self.decisions:
            raise KeyError(f"Unknown report section {section_id!r}; known: {', '.join(self.decisions)}.")
        return self.decisions[section_id]

    def status(self, section_id: str) -> str:
        """``run``, ``partial``, ``skip`` or ``not_applicable``."""
        return self.decision(section_id).status

    @property
    def complete(self) -> bool:
        """True when every section that applies runs fully."""
        return all(d.status in ("run", "not_applicable") for d in self.decisions.values())

    @property
    def table(self) -> pd.DataFrame:
        """One row per section: ``section, notebook, title, status, reason, todo``."""
        rows = [
            {"section": d.id, "notebook": d.notebook, "title": label(d.title_key, self.lang), "status": d.status,
             "reason": d.reason, "todo": d.todo}
            for d in self.decisions.values()
        ]
        return pd.DataFrame(rows, columns=["section", "notebook", "title", "status", "reason", "todo"])

    def summary(self, lang: str | None = None) -> str:
        """The plan as lines of text: ``[status] title: reason. todo``; not-applicable sections left out."""
        lang = check_lang(lang or self.lang)
        lines = [label("sec_plan_title", lang)]
        for d in self.decisions.values():
            if d.status == "not_applicable":
                continue
            line = f"  [{label(f'sec_status_{d.status}', lang)}] {d.notebook} {label(d.title_key, lang)}"
            detail = " ".join(t for t in (d.reason, d.todo, *d.notes) if t)
            lines.append(f"{line}: {detail}" if detail else line)
        key = "sec_plan_complete" if self.complete else "sec_plan_incomplete"
        lines.append(label(key, lang))
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# models


def read_model(path: str | Path | None, lang: str = "nl") -> str | None:
    """The lavaan syntax in ``path`` (a ``.lav`` text file), or None; a missing or empty file is a SurveyError."""
    from relatie_lab.errors import SurveyError

    if path is None:
        return None
    path = Path(path)
    if not path.is_file():
        raise SurveyError(label("sec_err_model_missing", lang).format(file=path))
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise SurveyError(label("sec_err_model_empty", lang).format(file=path))
    try:
        from relatie_lab.sem.syntax import parse_model

        parse_model(text)
    except Exception as exc:  # the parser's own errors, in plain words
        raise SurveyError(label("sec_err_model_syntax", lang).format(file=path, detail=exc)) from None
    return text


def _own_items(inst: Any, construct: str, data: pd.DataFrame) -> list[str]:
    """Items that belong to ``construct`` itself (not its facets) and have answers in ``data``."""
    items = inst.items()
    own = items.index[items["construct"] == construct]
    return [i for i in own if i in data.columns and data[i].notna().any()]


def cfa_model(data: pd.DataFrame, instrument: Any = None, *, min_items: int = 2) -> str | None:
    """A CFA of every construct with at least ``min_items`` of its own items in ``data`` (None if fewer than one).

    Examples
    --------
    >>> import pandas as pd
    >>> print(cfa_model(pd.DataFrame({"vt_1": [1.0], "vt_2": [2.0], "com_1": [3.0]})), end="")
    vertrouwen =~ vt_1 + vt_2
    """
    inst = resolve_instrument(instrument)
    lines = []
    for construct in inst.constructs().index:
        own = _own_items(inst, construct, data)
        if len(own) >= min_items:
            lines.append(f"{construct} =~ {' + '.join(own)}")
    return "\n".join(lines) + "\n" if lines else None


def default_model(data: pd.DataFrame, instrument: Any = None, lang: str = "nl") -> tuple[str | None, str]:
    """The SEM the report fits without ``--model``: ``(syntax, source)``.

    The Commitment-Trust model when the codebook has its constructs and the data items of each
    (``source="commitment_trust"``), else a CFA (``"cfa"``) of the ladder's constructs with two or more items
    (Pol's codebook) or of every construct with two or more items (any other codebook), else ``(None, "none")``.
    """
    inst = resolve_instrument(instrument)
    known = set(inst.constructs().index)
    if set(CT_CONSTRUCTS) <= known and all(_present_items(inst, c, data) for c in CT_CONSTRUCTS):
        from relatie_lab.models import commitment_trust

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return commitment_trust(available=_answered(data), lang=lang, instrument=inst), "commitment_trust"
    if set(LADDER) & known:  # Pol's codebook without the whole model: a CFA of the ladder's constructs present
        ladder_items = [i for c in LADDER if c in known for i in inst.item_ids(c)]
        cfa = cfa_model(data[[c for c in data.columns if c in ladder_items]], inst)
        if cfa:
            return cfa, "cfa"
    cfa = cfa_model(data, inst)
    return (cfa, "cfa") if cfa else (None, "none")


def sem_size(data: pd.DataFrame, model: str) -> tuple[int, int, int]:
    """``(n, p, q)``: respondents with an answer, observed variables and free parameters of ``model`` on ``data``.

    fit_sem refuses a model when ``n <= p`` and warns when ``5 * q > n``; :func:`plan_report` applies the same rule.
    """
    from relatie_lab.sem.syntax import parse_model

    pt = parse_model(model, meanstructure=True)  # fit_sem's default FIML estimates the intercepts too
    observed = [str(v) for v in pt.attrs["observed"]]
    present = [v for v in observed if v in data.columns]
    n = int(data[present].notna().any(axis=1).sum()) if present else 0
    return n, len(observed), int(pt["free"].max() or 0)


def _model_parts(model: str) -> tuple[list[str], list[str], bool, bool]:
    """(latent variables, observed variables, has regressions, has defined parameters) of lavaan syntax."""
    from relatie_lab.sem.syntax import parse_model

    pt = parse_model(model)
    latent = [str(v) for v in pt.attrs.get("latent", [])]
    observed = [str(v) for v in pt.attrs["observed"]]
    has_paths = bool((pt["op"] == "~").any())
    has_defined = bool(pt.attrs.get("defined"))
    return latent, observed, has_paths, has_defined


# ---------------------------------------------------------------------------------------------------------------
# planning


def _answered(data: pd.DataFrame) -> list[str]:
    return [c for c in data.columns if data[c].notna().any()]


def _present_items(inst: Any, construct: str, data: pd.DataFrame) -> list[str]:
    """Items of ``construct`` (facets included) with at least one answer in ``data``."""
    try:
        ids = inst.item_ids(construct)
    except KeyError:
        return []
    return [i for i in ids if i in data.columns and data[i].notna().any()]


def _group_ok(data: pd.DataFrame, column: str) -> bool:
    if column not in data.columns:
        return False
    counts = data[column].dropna().astype(str).value_counts()
    return int((counts >= 2).sum()) >= 2


def _group_column(need: SectionNeed, data: pd.DataFrame, inst: Any, override: str | None) -> str | None:
    """The group column a section uses: the override (a notebook's ``group``) or the need's, else any group field
    of the codebook with two or more groups of two or more respondents (for the generic sections)."""
    wanted = override or need.group
    if wanted and wanted != ANY and _group_ok(data, wanted):
        return wanted
    if need.group == ANY or not need.pol:
        for column in inst.fields("group").index:
            if column != wanted and _group_ok(data, column) and data[column].nunique() <= 20:
                return column
    return None


class _Texts:
    def __init__(self, inst: Any, lang: str) -> None:
        self.inst = inst
        self.lang = lang

    def __call__(self, key: str, **kw: Any) -> str:
        return label(f"sec_{key}", self.lang).format(**kw)

    def names(self, constructs: list[str]) -> str:
        out = []
        for c in constructs:
            try:
                out.append(self.inst.label(c, self.lang))
            except KeyError:
                out.append(c)
        return ", ".join(out)

    def items(self, constructs: list[str]) -> str:
        ids = []
        for c in constructs:
            with contextlib.suppress(KeyError):
                ids += self.inst.item_ids(c)[:5]
        return ", ".join(dict.fromkeys(ids))


def plan_report(
    data: pd.DataFrame,
    instrument: Any = None,
    *,
    model: str | None = None,
    groups: dict[str, str | None] | None = None,
    lang: str = "nl",
) -> ReportPlan:
    """Decide for every report section whether it runs fully, partly or is skipped, and why.

    Parameters
    ----------
    data
        The survey: item columns named by item id (reverse-keyed items recoded), group and id columns.
    instrument
        The codebook (an ``Instrument`` or the path of a codebook YAML; default: the shipped one).
    model
        lavaan syntax for the SEM section (``--model``); default: :func:`default_model`.
    groups
        ``{section id: group column}`` overriding the table's group column (the notebooks' ``group`` parameter).
    lang
        Language of the reasons: ``"nl"`` (default) or ``"en"``.

    Returns
    -------
    ReportPlan
    """
    lang = check_lang(lang)
    inst = resolve_instrument(instrument)
    t = _Texts(inst, lang)
    table = inst.constructs()
    known = list(table.index)
    top = [c for c in known if pd.isna(table.loc[c, "parent"])]
    n = len(data)
    model_source = "user"
    if model is None:
        model, model_source = default_model(data, inst, lang)
    decisions: dict[str, SectionDecision] = {}
    overrides = groups or {}
    for need in SECTIONS:
        d = SectionDecision(need.id, need.notebook, need.title_key, "run")
        decisions[need.id] = d
        # which constructs
        if need.constructs == ANY and need.id == "validity" and set(LADDER) & set(known):
            wanted = [c for c in LADDER if c in known]  # Pol's codebook: validity of the ladder's constructs
        elif need.constructs == ANY:
            wanted = top
        elif need.constructs == MODEL:
            wanted = []
        else:
            wanted = list(need.constructs)
        if need.pol and not set(wanted) & set(known):
            d.status = "not_applicable"
            continue
        in_codebook = [c for c in wanted if c in known]
        present = [c for c in in_codebook if len(_present_items(inst, c, data)) >= need.min_items]
        d.constructs = present
        reasons: list[str] = []
        todos: list[str] = []
        status = "run"

        def worse(new: str, current: str) -> str:
            order = ("run", "partial", "skip")
            return new if order.index(new) > order.index(current) else current

        if need.constructs == MODEL:
            status, reasons, todos = _plan_model(need, d, data, model, model_source, n, t)
        elif need.min_constructs:
            absent = [c for c in in_codebook if c not in present]
            if len(present) < need.min_constructs:
                status = "skip"
                if need.constructs == ANY:
                    reasons.append(t("few_constructs", k=need.min_constructs, items=need.min_items))
                    todos.append(t("todo_constructs"))
                else:
                    reasons.append(t("missing_constructs", constructs=t.names(absent or in_codebook),
                                     k=need.min_constructs, items=need.min_items))
                    todos.append(t("todo_items", items=t.items(absent or in_codebook)))
            elif absent and need.constructs != ANY and need.id not in ("ab_effects", "blocks_choice"):
                status = "partial"
                key = "partial_ladder" if need.constructs == LADDER else "partial_constructs"
                reasons.append(t(key, constructs=t.names(absent)))
                todos.append(t("todo_items", items=t.items(absent)))
            elif absent and need.constructs != ANY:
                status = "partial"
                reasons.append(t("partial_constructs", constructs=t.names(absent)))
                todos.append(t("todo_items", items=t.items(absent)))
            elif need.id == "reliability":
                few = [c for c in top if 0 < len(_present_items(inst, c, data)) < need.min_items]
                few = [c for c in few if not inst.facets(c)]
                if few:
                    d.notes.append(t("note_one_item", constructs=t.names(few)))
        # respondents
        if status != "skip" and isinstance(need.min_n, int) and n < need.min_n:
            status = "skip"
            reasons.append(t("few_respondents", n=n, k=need.min_n))
            todos.append(t("todo_respondents", k=need.min_n))
        if status != "skip" and need.min_n == "sem" and need.constructs != MODEL:
            syntax = _section_model(need, data, inst, present)
            if syntax is None:
                status = "skip"
                reasons.append(t("few_constructs", k=need.min_constructs, items=need.min_items))
                todos.append(t("todo_constructs"))
            else:
                n_sem, p, q = sem_size(data, syntax)
                d.model = syntax
                if n_sem <= p:
                    status = "skip"
                    reasons.append(t("sem_too_few", n=n_sem, p=p))
                    todos.append(t("todo_respondents", k=p + 1))
                elif 5 * q > n_sem:
                    d.notes.append(t("sem_few_note", n=n_sem, q=q, need=5 * q))
        # group column
        if need.group is not None and status != "skip":
            column = _group_column(need, data, inst, overrides.get(need.id))
            d.group = column
            if column is None and need.group_need != "used":
                wanted_group = overrides.get(need.id) or need.group
                shown = wanted_group if wanted_group != ANY else t("any_group")
                if need.group_need == "required":
                    status = worse("skip", status)
                    reasons.append(t("no_group", column=shown))
                else:
                    status = worse("partial", status)
                    reasons.append(t("no_group_partial", column=shown))
                todos.append(t("todo_group", column=shown))
        if need.id in _VALUES and status != "skip" and d.group:
            values = set(data[d.group].dropna().astype(str))
            if not set(_VALUES[need.id]) <= values:
                status = "skip"
                key = "ab_arms" if need.id.startswith("ab_") else "choice_values"
                reasons.append(t(key, column=d.group, values=", ".join(sorted(values)) or "-"))
                todos.append(t(f"todo_{key}", column=d.group))
        d.status = status
        d.reason = " ".join(dict.fromkeys(reasons))
        d.todo = " ".join(dict.fromkeys(todos))
    # the indirect effects and the paths follow the model
    return ReportPlan(decisions=decisions, n=n, lang=lang, model_source=model_source)


def _section_model(need: SectionNeed, data: pd.DataFrame, inst: Any, present: list[str]) -> str | None:
    """The SEM a section fits (for the too-few-respondents rule): the ladder chain or a CFA of its constructs."""
    if need.id == "ladder_model":
        from relatie_lab.models import ladder

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return ladder(available=_answered(data), rungs=present, instrument=inst)
            except Exception:
                return None
    return cfa_model(data[[c for c in data.columns if c in _items_of(inst, present)]], inst)


def _items_of(inst: Any, constructs: list[str]) -> set[str]:
    out: set[str] = set()
    for c in constructs:
        with contextlib.suppress(KeyError):
            out |= set(inst.item_ids(c))
    return out


def _plan_model(
    need: SectionNeed, d: SectionDecision, data: pd.DataFrame, model: str | None, source: str, n: int, t: _Texts
) -> tuple[str, list[str], list[str]]:
    """Status, reasons and todos of the SEM sections."""
    if model is None:
        return "skip", [t("no_model")], [t("todo_model")]
    d.model = model
    latent, observed, has_paths, has_defined = _model_parts(model)
    d.constructs = latent
    absent = [v for v in observed if v not in data.columns or not data[v].notna().any()]
    if absent:
        return "skip", [t("model_items_missing", items=", ".join(absent))], [t("todo_model_items")]
    if need.id == "sem_paths" and not has_paths:
        return "not_applicable", [], []
    if need.id == "sem_indirect" and not has_defined:
        return "not_applicable", [], []
    reasons: list[str] = []
    todos: list[str] = []
    status = "run"
    n_sem, p, q = sem_size(data, model)
    if n_sem <= p:
        return "skip", [t("sem_too_few", n=n_sem, p=p)], [t("todo_respondents", k=p + 1)]
    if 5 * q > n_sem:
        d.notes.append(t("sem_few_note", n=n_sem, q=q, need=5 * q))
    if source == "cfa":
        inst = t.inst
        if set(CT_CONSTRUCTS) <= set(inst.constructs().index):
            absent_ct = [c for c in CT_CONSTRUCTS if not _present_items(inst, c, data)]
            status = "partial"
            reasons.append(t("sem_cfa_instead", constructs=t.names(absent_ct)))
            todos.append(t("todo_items", items=t.items(absent_ct)))
        elif need.id == "sem_fit":
            d.notes.append(t("sem_cfa_note"))
    return status, reasons, todos


def section(section_id: str) -> SectionNeed:
    """The needs of one section (a :data:`SECTIONS` id)."""
    return _BY_ID[section_id]


def needs_table(lang: str = "nl") -> pd.DataFrame:
    """:data:`SECTIONS` as a readable table (the one in ``docs/sections.md``).

    Examples
    --------
    >>> needs_table("en").loc[0, ["section", "notebook"]].tolist()
    ['sample', '01']
    """
    lang = check_lang(lang)
    rows = []
    for s in SECTIONS:
        if s.constructs == ANY:
            constructs = label("sec_any_construct", lang)
        elif s.constructs == MODEL:
            constructs = label("sec_model_constructs", lang)
        else:
            constructs = ", ".join(s.constructs) or "—"
        rows.append(
            {
                "section": s.id,
                "notebook": s.notebook,
                "title": label(s.title_key, lang),
                "constructs": constructs,
                "min_constructs": s.min_constructs,
                "min_items": s.min_items if s.constructs else 0,
                "min_n": s.min_n if isinstance(s.min_n, int) else label("sec_sem_rule", lang),
                "group": "—" if s.group is None else (label("sec_any_group", lang) if s.group == ANY else s.group),
                "group_need": label(f"sec_group_{s.group_need}", lang) if s.group else "—",
                "pol": s.pol,
            }
        )
    return pd.DataFrame(rows)


def needs_markdown(lang: str = "en") -> str:
    """:func:`needs_table` as a Markdown table (the one in ``docs/sections.md``).

    Examples
    --------
    >>> needs_markdown("en").splitlines()[0].startswith("| section | notebook |")
    True
    """
    table = needs_table(lang)
    table["pol"] = table["pol"].map({True: "Pol", False: ""})
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def misspelt_columns(columns: list[str], instrument: Any = None, lang: str = "nl") -> pd.DataFrame:
    """Unknown columns that look like a misspelt item or field id of the codebook.

    A column matches an id that is not in the data when their similarity (:class:`difflib.SequenceMatcher` ratio
    on the lower-cased names) is at least :data:`SIMILARITY` (0.8): ``comm_1`` -> ``com_1`` (0.91),
    ``vt1`` -> ``vt_1`` (0.86), but not ``kassa`` -> ``kv_kan_1``.

    Returns
    -------
    DataFrame
        ``column, suggestion, similarity, message`` (the message in ``lang``), best match per column.

    Examples
    --------
    >>> misspelt_columns(["comm_1", "kassa", "vt_2"], lang="en")[["column", "suggestion"]].values.tolist()
    [['comm_1', 'com_1']]
    >>> misspelt_columns(["comm_1"])["message"].item()
    'comm_1: bedoelde u com_1?'
    """
    import difflib

    lang = check_lang(lang)
    inst = resolve_instrument(instrument)
    present = {str(c).lower() for c in columns}
    ids = [str(i) for i in [*inst.items().index, *inst.fields().index] if str(i).lower() not in present]
    rows = []
    for column in columns:
        name = str(column)
        if name.lower() in {i.lower() for i in inst.items().index} | {f.lower() for f in inst.fields().index}:
            continue
        best, score = None, 0.0
        for candidate in ids:
            ratio = difflib.SequenceMatcher(None, name.lower(), candidate.lower()).ratio()
            if ratio > score:
                best, score = candidate, ratio
        if best is not None and score >= SIMILARITY:
            message = label("sec_misspelt", lang).format(column=name, suggestion=best)
            rows.append({"column": name, "suggestion": best, "similarity": score, "message": message})
    return pd.DataFrame(rows, columns=["column", "suggestion", "similarity", "message"])


def notebook_applies(number: str, instrument: Any = None) -> bool:
    """False when every section of report notebook ``number`` (``"05"``) is one of Pol's and the codebook has none
    of its constructs: the report then leaves the notebook out (it would show nothing). Unknown numbers: True.

    Examples
    --------
    >>> notebook_applies("04"), notebook_applies("99")
    (True, True)
    """
    inst = resolve_instrument(instrument)
    known = set(inst.constructs().index)
    needs = [s for s in SECTIONS if s.notebook == number]
    if not needs:
        return True
    return any(not s.pol or set(s.constructs) & known for s in needs)
