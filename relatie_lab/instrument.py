"""The instrument (codebook): constructs, items, scales and non-item fields, in Dutch and English.

The shipped default lives in ``relatie_lab/data/instrument.yaml``; a researcher can load a codebook of
their own with :meth:`Instrument.from_yaml`. The YAML has the sections ``scales``, ``constructs`` and
``items`` (required) and ``fields``, ``meta`` and ``missing_codes`` (optional):

- ``scales``: ``{id: {min, max, label: {nl, en}?, anchors: {value: {nl, en}}?}}``;
- ``missing_codes``: ``{numeric: [...], text: [...]}``, codes that mean "no answer" for every item
  (a numeric code only where it lies outside the item's scale, so 99 stays a real answer on a 0-100
  scale); the default is ``-99, 99, "weet niet", "n.v.t.", "don't know", ""``;
- ``constructs``: ``{id: {label, kind?, description?, source?, ladder_level?, block?, parent?}}`` with
  ``kind`` one of ``ladder, block, norm, outcome, facet`` (Pol's kinds; a facet names its ``parent``) or
  ``construct`` (a plain construct: the default when ``kind`` is left out);
- ``items``: ``{id: {construct, text: {nl, en}, short: {nl, en}?, scale, reverse, source?}}``;

A minimal codebook of one's own needs only ``scales`` (min, max), ``constructs`` (labels) and ``items``
(construct, scale, text, reverse). A text may be one string, used for both languages.
- ``fields``: ``{column: {role, label: {nl, en}, values?: {code: {nl, en}}}}`` with ``role`` one of
  ``id, group, meta, timing, pii, free_text``.

The module-level functions (:func:`constructs`, :func:`items`, ...) use the cached default instrument.

Examples
--------
>>> from relatie_lab import instrument
>>> instrument.item_ids("vertrouwen")
['vt_1', 'vt_2', 'vt_3', 'vt_4']
>>> instrument.items().loc["vt_4", "reverse"]
np.True_
>>> instrument.label("commitment", lang="en")
'Commitment'
>>> instrument.item_ids("keuzevrijheid")
['kv_prod_1', 'kv_prod_2', 'kv_prod_3', 'kv_kan_1', 'kv_kan_2']
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from relatie_lab.errors import SurveyError
from relatie_lab.labels import check_lang
from relatie_lab.paths import INSTRUMENT_FILE

__all__ = [
    "FIELD_ROLES",
    "KINDS",
    "Instrument",
    "InstrumentError",
    "constructs",
    "default",
    "facets",
    "field_values",
    "fields",
    "item_ids",
    "item_text",
    "items",
    "label",
    "missing_codes",
    "scales",
]

KINDS: tuple[str, ...] = ("ladder", "block", "norm", "outcome", "facet", "construct")
FIELD_ROLES: tuple[str, ...] = ("id", "group", "meta", "timing", "pii", "free_text")
LANGS: tuple[str, ...] = ("nl", "en")
DEFAULT_MISSING: dict[str, list[Any]] = {
    "numeric": [-99, 99],
    "text": ["weet niet", "n.v.t.", "don't know", ""],
}
_REQUIRED_SECTIONS = ("scales", "constructs", "items")
_OPTIONAL_SECTIONS = ("fields", "meta", "missing_codes")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CONSTRUCT_KEYS = {"kind", "label", "description", "source", "ladder_level", "block", "parent"}
_ITEM_KEYS = {"construct", "text", "short", "scale", "reverse", "source"}
_SCALE_KEYS = {"min", "max", "label", "anchors"}
_FIELD_KEYS = {"role", "label", "values"}


class InstrumentError(SurveyError):
    """The codebook (instrument YAML) is broken; the message lists every problem and where it is."""


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
    """A safe YAML loader that refuses duplicate keys (plain YAML silently keeps the last one)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            mark = key_node.start_mark
            raise InstrumentError(
                f"line {mark.line + 1}: the key {key!r} appears twice. "
                "Every construct, item, scale and field id must be unique; rename or remove one of them."
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _texts(value: Any) -> dict[str, str] | None:
    """``value`` as ``{nl, en}`` if it is a mapping with non-empty text in both languages, else None."""
    if not isinstance(value, dict):
        return None
    if set(value) != set(LANGS):
        return None
    if not all(isinstance(value[lang], str) and value[lang].strip() for lang in LANGS):
        return None
    return value


def _na(value: Any) -> Any:
    return pd.NA if value is None else value


@dataclass(frozen=True)
class Instrument:
    """A codebook: scales, constructs, items and non-item fields, with Dutch and English texts.

    Build it with :meth:`from_yaml` (or :meth:`from_dict`); both validate the content.

    Parameters
    ----------
    spec : dict
        The parsed YAML (sections ``scales``, ``constructs``, ``items``, ``fields``, optionally
        ``meta`` and ``missing_codes``).
    source : str
        Where the spec came from (a file path), used in error messages.

    Examples
    --------
    >>> inst = Instrument.from_yaml(INSTRUMENT_FILE)
    >>> inst.constructs().loc["klantbeleving", "ladder_level"]
    np.int64(1)
    >>> inst.scales().loc["agree7", ["min", "max"]].tolist()
    [1, 7]
    """

    spec: dict = field(repr=False)
    source: str = "<dict>"
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------------------------------ loading
    @classmethod
    def from_yaml(cls, path: str | Path) -> Instrument:
        """Load and validate a codebook YAML file; a broken file raises :class:`InstrumentError`."""
        path = Path(path)
        if not path.is_file():
            raise InstrumentError(f"Instrument file {path} does not exist. Check the path.")
        try:
            spec = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # a SafeLoader
        except InstrumentError as exc:
            raise InstrumentError(f"Instrument file {path}: {exc}") from None
        except yaml.YAMLError as exc:
            raise InstrumentError(
                f"Instrument file {path} is not valid YAML: {exc}. Check indentation and quoting "
                "(a text that starts with '[' such as \"[ORG] ...\" must be put in quotes)."
            ) from None
        except UnicodeDecodeError:
            raise InstrumentError(f"Instrument file {path} is not UTF-8 text; save it as UTF-8.") from None
        return cls.from_dict(spec, source=str(path))

    @classmethod
    def from_dict(cls, spec: Any, source: str = "<dict>") -> Instrument:
        """Build and validate an instrument from an already parsed mapping."""
        if not isinstance(spec, dict):
            raise InstrumentError(
                f"Instrument {source}: expected a mapping with the sections {', '.join(_REQUIRED_SECTIONS)}, "
                f"got {type(spec).__name__}."
            )
        inst = cls(spec=_normalise(spec), source=source)
        inst.validate()
        return inst

    # ------------------------------------------------------------------------------------------ checks
    def validate(self) -> Instrument:
        """Check the codebook's internal consistency; raise :class:`InstrumentError` listing every problem.

        Returns the instrument itself, so ``Instrument(spec).validate().items()`` chains.
        """
        problems = _problems(self.spec)
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise InstrumentError(
                f"Instrument {self.source} has {len(problems)} problem(s):\n{lines}\n"
                "Fix them in the YAML file; docs/architecture.md describes the schema."
            )
        return self

    # ------------------------------------------------------------------------------------------ tables
    def _cached(self, key: str, build: Any) -> pd.DataFrame:
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def constructs(self) -> pd.DataFrame:
        """Constructs indexed by id.

        Returns
        -------
        DataFrame
            Columns ``label_nl, label_en, kind, ladder_level`` (Int64, NA outside the ladder),
            ``block`` (block id or NA), ``parent`` (construct id of which this is a facet, or NA),
            ``source, description_nl, description_en``.
        """
        return self._cached("constructs", self._constructs_table).copy()

    def _constructs_table(self) -> pd.DataFrame:
        rows = []
        for cid, c in self.spec["constructs"].items():
            rows.append(
                {
                    "construct": cid,
                    "label_nl": c["label"]["nl"],
                    "label_en": c["label"]["en"],
                    "kind": c["kind"],
                    "ladder_level": _na(c.get("ladder_level")),
                    "block": _na(c.get("block")),
                    "parent": _na(c.get("parent")),
                    "source": c.get("source", ""),
                    "description_nl": c["description"]["nl"].strip(),
                    "description_en": c["description"]["en"].strip(),
                }
            )
        df = pd.DataFrame(rows).set_index("construct")
        df["ladder_level"] = df["ladder_level"].astype("Int64")
        return df

    def items(self, construct: str | None = None) -> pd.DataFrame:
        """Items indexed by id, in codebook order; with ``construct`` only its items (facets included).

        Returns
        -------
        DataFrame
            Columns ``construct, text_nl, text_en, scale, reverse, source, min, max, short_nl,
            short_en``; ``min``/``max`` are the scale's range.
        """
        table = self._cached("items", self._items_table)
        if construct is None:
            return table.copy()
        return table[table["construct"].isin(set(self._family(construct)))].copy()

    def _items_table(self) -> pd.DataFrame:
        scales = self.spec["scales"]
        rows = []
        for iid, it in self.spec["items"].items():
            short = it.get("short") or it["text"]
            rows.append(
                {
                    "item": iid,
                    "construct": it["construct"],
                    "text_nl": it["text"]["nl"],
                    "text_en": it["text"]["en"],
                    "scale": it["scale"],
                    "reverse": bool(it["reverse"]),
                    "source": it.get("source", ""),
                    "min": int(scales[it["scale"]]["min"]),
                    "max": int(scales[it["scale"]]["max"]),
                    "short_nl": short["nl"],
                    "short_en": short["en"],
                }
            )
        columns = ["item", "construct", "text_nl", "text_en", "scale", "reverse", "source", "min", "max"]
        return pd.DataFrame(rows, columns=[*columns, "short_nl", "short_en"]).set_index("item")

    def scales(self) -> pd.DataFrame:
        """Scales indexed by id: ``min, max, anchors_nl, anchors_en`` (dicts value -> text), ``label_nl, label_en``."""
        rows = []
        for sid, s in self.spec["scales"].items():
            anchors = s.get("anchors") or {}
            lab = s.get("label") or {"nl": sid, "en": sid}
            rows.append(
                {
                    "scale": sid,
                    "min": int(s["min"]),
                    "max": int(s["max"]),
                    "anchors_nl": {int(k): v["nl"] for k, v in anchors.items()},
                    "anchors_en": {int(k): v["en"] for k, v in anchors.items()},
                    "label_nl": lab["nl"],
                    "label_en": lab["en"],
                }
            )
        return pd.DataFrame(rows).set_index("scale")

    def fields(self, role: str | None = None) -> pd.DataFrame:
        """Non-item columns indexed by name: ``role, label_nl, label_en``; ``role=`` keeps one role."""
        rows = [
            {"field": name, "role": f["role"], "label_nl": f["label"]["nl"], "label_en": f["label"]["en"]}
            for name, f in self.spec["fields"].items()
        ]
        table = self._cached(
            "fields", lambda: pd.DataFrame(rows, columns=["field", "role", "label_nl", "label_en"]).set_index("field")
        )
        return (table if role is None else table[table["role"] == role]).copy()

    # ------------------------------------------------------------------------------------------ lookups
    def meta(self) -> dict[str, Any]:
        """The optional ``meta`` section (name, version, translation note), as a copy.

        Examples
        --------
        >>> "eigen vertaling" in default().meta()["translation"]["nl"]
        True
        """
        return copy.deepcopy(self.spec.get("meta") or {})

    def missing_codes(self, scale: str | None = None) -> list[Any]:
        """Codes that mean "no answer": numbers first, then texts.

        With ``scale`` only the numeric codes outside that scale's range are returned (a code inside the
        range is a real answer there). Text codes are meant to be compared after ``str.strip().lower()``.

        Examples
        --------
        >>> missing_codes()
        [-99, 99, 'weet niet', 'n.v.t.', "don't know", '']
        """
        codes = self.spec.get("missing_codes") or DEFAULT_MISSING
        numeric = list(codes.get("numeric", []))
        if scale is not None:
            s = self._get(self.spec["scales"], scale, "scale")
            numeric = [c for c in numeric if not s["min"] <= c <= s["max"]]
        return [*numeric, *codes.get("text", [])]

    def facets(self, construct: str) -> list[str]:
        """Direct facets (child constructs) of ``construct``, in codebook order."""
        self._get(self.spec["constructs"], construct, "construct")
        return [cid for cid, c in self.spec["constructs"].items() if c.get("parent") == construct]

    def item_ids(self, construct: str) -> list[str]:
        """Item ids of ``construct``, items of its facets included, in codebook order."""
        key = f"item_ids:{construct}"
        if key not in self._cache:
            self._cache[key] = self.items(construct).index.tolist()
        return list(self._cache[key])

    def item_text(self, item: str, lang: str = "nl", org: str | None = None) -> str:
        """Full wording of ``item``; with ``org`` the placeholder ``[ORG]`` is replaced by that name."""
        lang = check_lang(lang)
        text = self._get(self.spec["items"], item, "item")["text"][lang]
        return text if org is None else text.replace("[ORG]", org)

    def field_values(self, name: str, lang: str = "nl") -> dict[Any, str]:
        """Labels of the codes of a field (e.g. ``sector``), ``{}`` if the field has no coded values."""
        lang = check_lang(lang)
        f = self._get(self.spec["fields"], name, "field")
        return {code: text[lang] for code, text in (f.get("values") or {}).items()}

    def label(self, key: str, lang: str = "nl") -> str:
        """Label of a construct, an item (its short text), a field or a scale, in ``lang``.

        A key that is both a construct and an item (``aanbeveling``, ``tevredenheid``) gives the
        construct label.
        """
        lang = check_lang(lang)
        for section, sub in (("constructs", "label"), ("items", "short"), ("fields", "label"), ("scales", "label")):
            entry = self.spec[section].get(key)
            if entry is not None:
                texts = entry.get(sub) or entry.get("text")
                if texts:
                    return texts[lang]
        raise KeyError(
            f"{key!r} is not a construct, item, field or scale of instrument {self.source}. "
            "See instrument.constructs(), items() and fields() for the ids."
        )

    # ------------------------------------------------------------------------------------------ helpers
    def _get(self, section: dict, key: str, what: str) -> dict:
        try:
            return section[key]
        except KeyError:
            known = ", ".join(list(section)[:12])
            raise KeyError(f"Unknown {what} {key!r} in instrument {self.source}; known: {known}, ...") from None

    def _family(self, construct: str) -> list[str]:
        """``construct`` and all its facets, recursively."""
        self._get(self.spec["constructs"], construct, "construct")
        out = [construct]
        for child in self.facets(construct):
            out.extend(self._family(child))
        return out


def _both(value: Any) -> Any:
    """A plain text as ``{nl, en}`` (the same text in both languages); anything else unchanged."""
    return {lang: value for lang in LANGS} if isinstance(value, str) and value.strip() else value


def _normalise(spec: dict) -> dict:
    """Fill in what a minimal codebook may leave out: ``fields``, a construct's ``kind`` (``construct``) and
    ``description`` (its label), and single texts for both languages."""
    spec = copy.deepcopy(spec)
    spec.setdefault("fields", {})
    if spec["fields"] is None:
        spec["fields"] = {}
    for c in (spec.get("constructs") or {}).values() if isinstance(spec.get("constructs"), dict) else []:
        if isinstance(c, dict):
            c.setdefault("kind", "construct")
            for key in ("label", "description"):
                if key in c:
                    c[key] = _both(c[key])
            c.setdefault("description", c.get("label"))
    for it in (spec.get("items") or {}).values() if isinstance(spec.get("items"), dict) else []:
        if isinstance(it, dict):
            for key in ("text", "short"):
                if key in it:
                    it[key] = _both(it[key])
    for sc in (spec.get("scales") or {}).values() if isinstance(spec.get("scales"), dict) else []:
        if isinstance(sc, dict) and "label" in sc:
            sc["label"] = _both(sc["label"])
    return spec


def _problems(spec: dict) -> list[str]:
    """Every consistency problem of a parsed codebook, as plain sentences."""
    problems: list[str] = []
    for section in _REQUIRED_SECTIONS:
        if not isinstance(spec.get(section), dict) or not spec[section]:
            problems.append(f"section '{section}' is missing or empty (it must be a mapping id -> entry).")
    if not isinstance(spec.get("fields", {}), dict):
        problems.append("section 'fields' must be a mapping column -> entry.")
    unknown = set(spec) - set(_REQUIRED_SECTIONS) - set(_OPTIONAL_SECTIONS)
    if unknown:
        problems.append(f"unknown top-level section(s) {sorted(unknown)}; allowed: "
                        f"{list(_REQUIRED_SECTIONS + _OPTIONAL_SECTIONS)}.")
    if problems:
        return problems
    scales, constructs, items = (spec[s] for s in _REQUIRED_SECTIONS)
    fields = spec.get("fields") or {}

    def check_entry(kind: str, key: Any, entry: Any, allowed: set[str]) -> bool:
        if not isinstance(key, str) or not _ID.match(key):
            problems.append(f"{kind} id {key!r} is not a lower-case snake_case name (letters, digits, _).")
        if not isinstance(entry, dict):
            problems.append(f"{kind} '{key}' must be a mapping, got {type(entry).__name__}.")
            return False
        extra = set(entry) - allowed
        if extra:
            problems.append(f"{kind} '{key}' has unknown key(s) {sorted(extra)}; allowed: {sorted(allowed)}.")
        return True

    for sid, s in scales.items():
        if not check_entry("scale", sid, s, _SCALE_KEYS):
            continue
        lo, hi = s.get("min"), s.get("max")
        if not (isinstance(lo, int) and isinstance(hi, int) and lo < hi):
            problems.append(f"scale '{sid}' needs whole numbers min < max (got min={lo!r}, max={hi!r}).")
            continue
        if "label" in s and _texts(s["label"]) is None:
            problems.append(f"scale '{sid}': label needs non-empty 'nl' and 'en' texts.")
        if "anchors" not in s:
            continue  # anchors are optional
        anchors = s.get("anchors")
        if not isinstance(anchors, dict) or not anchors:
            problems.append(f"scale '{sid}': anchors must list at least the end points in nl and en.")
            continue
        for value, text in anchors.items():
            if not isinstance(value, int) or not lo <= value <= hi:
                problems.append(f"scale '{sid}': anchor {value!r} is outside {lo}-{hi}.")
            if _texts(text) is None:
                problems.append(f"scale '{sid}': anchor {value!r} needs non-empty 'nl' and 'en' texts.")

    missing = spec.get("missing_codes")
    if missing is not None:
        if not isinstance(missing, dict) or set(missing) - {"numeric", "text"}:
            problems.append("missing_codes must be a mapping with the keys 'numeric' and/or 'text'.")
        else:
            if not all(isinstance(c, int | float) for c in missing.get("numeric", [])):
                problems.append("missing_codes.numeric must be a list of numbers.")
            if not all(isinstance(c, str) for c in missing.get("text", [])):
                problems.append("missing_codes.text must be a list of texts (quote them).")

    ladder_levels: dict[int, str] = {}
    for cid, c in constructs.items():
        if not check_entry("construct", cid, c, _CONSTRUCT_KEYS):
            continue
        if c.get("kind") not in KINDS:
            problems.append(f"construct '{cid}': kind {c.get('kind')!r} is not one of {list(KINDS)}.")
        for key in ("label", "description"):
            if _texts(c.get(key)) is None:
                problems.append(f"construct '{cid}': {key} needs non-empty 'nl' and 'en' texts.")
        if "source" in c and (not isinstance(c["source"], str) or not c["source"].strip()):
            problems.append(f"construct '{cid}': source (the scale or theory it comes from) is empty.")
        level = c.get("ladder_level")
        if level is not None:
            if not isinstance(level, int) or not 1 <= level <= 5:
                problems.append(f"construct '{cid}': ladder_level must be 1-5, got {level!r}.")
            elif level in ladder_levels:
                problems.append(f"constructs '{ladder_levels[level]}' and '{cid}' both have ladder_level {level}.")
            else:
                ladder_levels[level] = cid
        if c.get("kind") == "ladder" and level is None:
            problems.append(f"construct '{cid}' is a ladder construct but has no ladder_level.")
        parent = c.get("parent")
        if parent is not None:
            if parent == cid or parent not in constructs:
                problems.append(f"construct '{cid}': parent {parent!r} is not another construct.")
        elif c.get("kind") == "facet":
            problems.append(f"construct '{cid}' is a facet but names no parent.")
        block = c.get("block")
        if block is not None and (block not in constructs or constructs[block].get("kind") != "block"):
            problems.append(f"construct '{cid}': block {block!r} is not a construct of kind 'block'.")
    # parent cycles
    for cid in constructs:
        seen, cur = {cid}, constructs[cid].get("parent") if isinstance(constructs[cid], dict) else None
        while isinstance(cur, str) and cur in constructs and isinstance(constructs[cur], dict):
            if cur in seen:
                problems.append(f"construct '{cid}': the parent chain loops back ({cur!r}).")
                break
            seen.add(cur)
            cur = constructs[cur].get("parent")

    has_items: set[str] = set()
    for iid, it in items.items():
        if not check_entry("item", iid, it, _ITEM_KEYS):
            continue
        if it.get("construct") not in constructs:
            problems.append(f"item '{iid}': construct {it.get('construct')!r} is not defined under constructs.")
        else:
            has_items.add(it["construct"])
        if _texts(it.get("text")) is None:
            problems.append(f"item '{iid}': text needs non-empty 'nl' and 'en' wording.")
        if "short" in it and _texts(it["short"]) is None:
            problems.append(f"item '{iid}': short needs non-empty 'nl' and 'en' texts.")
        if it.get("scale") not in scales:
            problems.append(f"item '{iid}': scale {it.get('scale')!r} is not defined under scales.")
        if not isinstance(it.get("reverse"), bool):
            problems.append(f"item '{iid}': reverse must be true or false, got {it.get('reverse')!r}.")
        if "source" in it and (not isinstance(it["source"], str) or not it["source"].strip()):
            problems.append(f"item '{iid}': source (the scale it is adapted from) is empty.")
        if iid in fields:
            problems.append(f"'{iid}' is both an item and a field; column names must be unique.")

    # every construct needs items, its own or its facets'
    def covered(cid: str, depth: int = 0) -> bool:
        if cid in has_items:
            return True
        kids = [k for k, c in constructs.items() if isinstance(c, dict) and c.get("parent") == cid]
        return depth < 10 and any(covered(k, depth + 1) for k in kids)

    for cid in constructs:
        if not covered(cid):
            problems.append(f"construct '{cid}' has no items (neither its own nor through facets).")

    for name, f in fields.items():
        if not check_entry("field", name, f, _FIELD_KEYS):
            continue
        if f.get("role") not in FIELD_ROLES:
            problems.append(f"field '{name}': role {f.get('role')!r} is not one of {list(FIELD_ROLES)}.")
        if _texts(f.get("label")) is None:
            problems.append(f"field '{name}': label needs non-empty 'nl' and 'en' texts.")
        values = f.get("values")
        if values is not None:
            if not isinstance(values, dict):
                problems.append(f"field '{name}': values must be a mapping code -> {{nl, en}}.")
            else:
                for code, text in values.items():
                    if _texts(text) is None:
                        problems.append(f"field '{name}': value {code!r} needs non-empty 'nl' and 'en' labels.")
    return problems


@cache
def default() -> Instrument:
    """The shipped default instrument (loaded once and cached)."""
    return Instrument.from_yaml(INSTRUMENT_FILE)


def resolve(instrument: Instrument | str | Path | None = None) -> Instrument:
    """The codebook to use: ``instrument`` itself, the YAML file it names (``--instrument``), or the shipped one.

    Examples
    --------
    >>> resolve() is default()
    True
    >>> resolve(INSTRUMENT_FILE).constructs().equals(default().constructs())
    True
    """
    if instrument is None:
        return default()
    if isinstance(instrument, str | Path):
        return Instrument.from_yaml(instrument)
    return instrument


def constructs() -> pd.DataFrame:
    """Constructs of the default instrument; see :meth:`Instrument.constructs`."""
    return default().constructs()


def items(construct: str | None = None) -> pd.DataFrame:
    """Items of the default instrument; see :meth:`Instrument.items`."""
    return default().items(construct)


def scales() -> pd.DataFrame:
    """Scales of the default instrument; see :meth:`Instrument.scales`."""
    return default().scales()


def fields(role: str | None = None) -> pd.DataFrame:
    """Non-item fields of the default instrument; see :meth:`Instrument.fields`."""
    return default().fields(role)


def missing_codes(scale: str | None = None) -> list[Any]:
    """Missing-value codes of the default instrument; see :meth:`Instrument.missing_codes`."""
    return default().missing_codes(scale)


def facets(construct: str) -> list[str]:
    """Facets of a construct in the default instrument; see :meth:`Instrument.facets`."""
    return default().facets(construct)


def item_ids(construct: str) -> list[str]:
    """Item ids of a construct (facets included) in the default instrument."""
    return default().item_ids(construct)


def item_text(item: str, lang: str = "nl", org: str | None = None) -> str:
    """Wording of an item of the default instrument; see :meth:`Instrument.item_text`."""
    return default().item_text(item, lang, org)


def field_values(name: str, lang: str = "nl") -> dict[Any, str]:
    """Code labels of a field of the default instrument; see :meth:`Instrument.field_values`."""
    return default().field_values(name, lang)


def label(key: str, lang: str = "nl") -> str:
    """Label of a construct, item, field or scale of the default instrument, in ``lang``."""
    return default().label(key, lang)
