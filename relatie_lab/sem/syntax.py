"""Parser for lavaan model syntax, producing a lavaan-like parameter table.

Supported: ``=~`` (measurement), ``~`` (regression), ``~~`` (variance/covariance), ``~ 1``
(intercepts/means), ``:=`` (defined parameters), ``==``, ``<``, ``>`` (linear constraints between labels and
with constants), and the modifiers ``a*x`` (label), ``0.5*x`` (fixed value), ``NA*x`` (free),
``start(0.5)*x`` (start value) and ``c(a1, a2)*x`` (one modifier per group); modifiers given for the same
term twice are merged (``f =~ NA*x1 + a*x1``), as in lavaan. Names may use any letters (``tevredenheid_ë``).
``<~``, ``|``, ``%``, ``efa()``, ``x:z`` and ``group:`` blocks are refused with a message (nl/en) that names
the operator and says what to do instead. Comments start with ``#`` or ``!``; statements end at a newline
or ``;`` and may continue on the next line when a line ends with ``+``, ``*`` or an operator, or the next
line starts with ``+``.

lavaan's defaults for ``sem()`` are added: the first loading of every factor is fixed to 1 (``std_lv``: the
latent variances instead), the residual variance of the only indicator of a factor is fixed to 0, residual
and latent variances are free, covariances between exogenous latent variables are free, residual
covariances between purely dependent variables are free, and observed exogenous covariates are
"fixed.x" (their variances and covariances are fixed at the sample values). Parameters that share a
label are one parameter (same ``free`` index).

Examples
--------
>>> pt = parse_model('''
... visual  =~ x1 + x2 + x3
... textual =~ x4 + x5 + x6
... ''')
>>> pt.loc[pt.op == "=~", ["lhs", "rhs", "free", "ustart"]].head(2)
      lhs rhs  free  ustart
0  visual  x1     0     1.0
1  visual  x2     1     NaN
>>> int(pt.free.max())
13
"""

from __future__ import annotations

import ast
import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "Defined",
    "ModelSyntaxError",
    "ParTable",
    "evaluate_defined",
    "model_variables",
    "parse_model",
]

ParTable = pd.DataFrame

_OPERATORS = (":=", "=~", "~~", "==", "~", "<", ">")
#: A variable name: letters (any script: é, ü, ø, ...), digits, ``_`` and ``.``, not starting with a digit.
_NAME = re.compile(r"^(?:[^\W\d]|\.)[\w.]*$")
#: Operators and forms of lavaan syntax that are not supported, with the key of their explanation in sem.yaml.
_UNSUPPORTED = (
    ("efa(", "sem_op_efa"),
    ("<~", "sem_op_formative"),
    ("~*~", "sem_op_scaling"),
    ("|", "sem_op_threshold"),
    ("%", "sem_op_percent"),
)
_FUNCS = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs}
GROUP_EQUAL_OPTIONS = (
    "loadings",
    "intercepts",
    "means",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
    "regressions",
)


class ModelSyntaxError(SyntaxError):
    """The model text cannot be read; the message names the line and what to change."""


@dataclass
class Defined:
    """A defined parameter ``name := expression`` with the parameter labels it uses."""

    name: str
    expr: str
    names: list[str] = field(default_factory=list)
    line: int = 0


@dataclass
class _Term:
    var: str
    fixed: list[float | None]  # per group: value, or None (free / not given)
    free_forced: list[bool]  # per group: NA* given
    labels: list[str | None]
    start: list[float | None]
    given: bool  # any modifier given


def _err(msg: str, line: int) -> ModelSyntaxError:
    return ModelSyntaxError(f"Model syntax, line {line}: {msg}")


def _unsupported(op: str, key: str, line: int, lang: str) -> ModelSyntaxError:
    """A syntax error in ``lang`` that names the unsupported operator and says what to do instead."""
    from relatie_lab.labels import label

    return ModelSyntaxError(label("sem_err_unsupported_op", lang).format(line=line, op=op, what=label(key, lang)))


def _check_supported(text: str, line: int, lang: str) -> None:
    for op, key in _UNSUPPORTED:
        if op in text:
            raise _unsupported(op.rstrip("("), key, line, lang)
    head = text.split("~", 1)[0].split("=", 1)[0]
    if re.match(r"^\s*(group|level|block)\s*:", text) or (":" in head and ":=" not in text):
        raise _unsupported(":", "sem_op_block", line, lang)
    if ":" in text and ":=" not in text:  # y ~ x:z
        raise _unsupported(":", "sem_op_interaction", line, lang)


def _statements(syntax: str) -> list[tuple[int, str]]:
    """Split the model text in statements with their (first) line number."""
    raw: list[tuple[int, str]] = []
    for nr, line in enumerate(syntax.splitlines(), start=1):
        line = re.split(r"[#!]", line, maxsplit=1)[0]
        for part in line.split(";"):
            if part.strip():
                raw.append((nr, part.strip()))
    out: list[tuple[int, str]] = []
    for nr, text in raw:
        has_op = any(op in text for op in _OPERATORS)
        if out and (
            not has_op
            or text.startswith(("+", "*"))
            or out[-1][1].rstrip().endswith(("+", "*", "=~", "~", ":=", "-", "/", "("))
        ):
            out[-1] = (out[-1][0], out[-1][1] + " " + text)
        else:
            out.append((nr, text))
    return out


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


def _number(tok: str) -> float | None:
    try:
        return float(tok)
    except ValueError:
        return None


def _parse_term(term: str, ngroups: int, line: int, lenient: bool = False) -> _Term:
    pieces = _split_top(term, "*")
    var = pieces[-1]
    if not (_NAME.match(var) or var == "1"):
        raise _err(f"'{var}' is not a valid variable name (use letters, digits and _).", line)
    t = _Term(var, [None] * ngroups, [False] * ngroups, [None] * ngroups, [None] * ngroups, False)
    for mod in pieces[:-1]:
        t.given = True
        kind = "auto"
        m = re.match(r"^(start|label|equal|c)\s*\((.*)\)$", mod, flags=re.S)
        if m:
            kind, inner = m.group(1), m.group(2)
            values = [v.strip().strip("'\"") for v in _split_top(inner, ",")]
        else:
            values = [mod.strip()]
        if len(values) == 1:
            values = values * ngroups
        elif lenient:  # the number of groups is not known yet (reading the variable names only)
            values = (values * ngroups)[:ngroups]
        elif len(values) != ngroups:
            raise _err(
                f"'{mod}' gives {len(values)} values but the model has {ngroups} group(s); "
                "give one value per group.",
                line,
            )
        for g, v in enumerate(values):
            if kind == "start":
                t.start[g] = _number(v)
                if t.start[g] is None:
                    raise _err(f"start value '{v}' is not a number.", line)
            elif kind in ("label", "equal"):
                t.labels[g] = v
            elif v.upper() == "NA":
                t.free_forced[g] = True
            elif _number(v) is not None:
                t.fixed[g] = _number(v)
            elif _NAME.match(v):
                t.labels[g] = v
            else:
                raise _err(f"cannot read the modifier '{v}' in '{term}'.", line)
    return t


def _expr_names(expr: str, line: int) -> list[str]:
    """Check a ``:=`` expression is plain arithmetic; return the names it uses."""
    try:
        tree = ast.parse(expr.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise _err(f"cannot read the formula '{expr}'.", line) from None
    names: list[str] = []
    allowed = (
        ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load, ast.Call,
        ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd,
    )  # fmt: skip
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise _err(f"'{expr}' may only use + - * / ^, numbers, labels and exp/log/sqrt/abs.", line)
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _FUNCS) or len(node.args) != 1:
                raise _err(f"'{expr}': only exp(), log(), sqrt() and abs() are allowed.", line)
        elif isinstance(node, ast.Name) and node.id not in _FUNCS and node.id not in names:
            names.append(node.id)
    return names


def evaluate_defined(expr: str, values: dict[str, float]) -> float:
    """Evaluate a checked ``:=`` expression with the given label values (no ``eval``).

    Examples
    --------
    >>> evaluate_defined("a*b + 2^2", {"a": 2.0, "b": 3.0})
    10.0
    """

    def ev(node: ast.AST) -> float:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return float(values[node.id])
        if isinstance(node, ast.UnaryOp):
            return -ev(node.operand) if isinstance(node.op, ast.USub) else ev(node.operand)
        if isinstance(node, ast.Call):
            return float(_FUNCS[node.func.id](ev(node.args[0])))  # type: ignore[attr-defined]
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            op = node.op
            if isinstance(op, ast.Add):
                return a + b
            if isinstance(op, ast.Sub):
                return a - b
            if isinstance(op, ast.Mult):
                return a * b
            if isinstance(op, ast.Div):
                return a / b if b != 0 else math.nan
            return a**b
        raise ValueError(expr)

    return ev(ast.parse(expr.replace("^", "**"), mode="eval"))


def _merge(old: _Term, new: _Term) -> None:
    """lavaan merges the modifiers of a term given twice (``f =~ NA*x1 + a*x1``): one parameter, both modifiers."""
    for g in range(len(old.fixed)):
        if new.fixed[g] is not None:
            old.fixed[g] = new.fixed[g]
        old.free_forced[g] = old.free_forced[g] or new.free_forced[g]
        old.labels[g] = new.labels[g] or old.labels[g]
        old.start[g] = new.start[g] if new.start[g] is not None else old.start[g]
    old.given = old.given or new.given


def _raw_rows(syntax: str, ngroups: int, lenient: bool = False,
              lang: str = "nl") -> tuple[list[dict], list[Defined], list[dict]]:  # fmt: skip
    rows: list[dict] = []
    defined: list[Defined] = []
    constraints: list[dict] = []
    seen: dict[tuple[str, str, str], dict] = {}
    for line, text in _statements(syntax):
        _check_supported(text, line, lang)
        op = next((o for o in _OPERATORS if o in text), None)
        if op is None:
            raise _err(f"'{text}' has no operator (=~, ~, ~~, :=).", line)
        lhs_text, rhs_text = (s.strip() for s in text.split(op, 1))
        if op == ":=":
            if not _NAME.match(lhs_text):
                raise _err(f"'{lhs_text}' is not a valid name for a defined parameter.", line)
            defined.append(Defined(lhs_text, rhs_text, _expr_names(rhs_text, line), line))
            continue
        if op in ("==", "<", ">"):
            constraints.append({"lhs": lhs_text, "op": op, "rhs": rhs_text, "line": line})
            continue
        if not lhs_text or not rhs_text:
            raise _err(f"'{text}' needs a left and a right side around '{op}'.", line)
        lhs_list = [s.strip() for s in lhs_text.split("+")]
        for lhs in lhs_list:
            if not _NAME.match(lhs):
                raise _err(f"'{lhs}' is not a valid variable name.", line)
        for term in _split_top(rhs_text, "+"):
            if not term:
                raise _err(f"an empty term in '{text}' (a '+' too many?).", line)
            t = _parse_term(term, ngroups, line, lenient)
            this_op = op
            if t.var == "1":
                if op != "~":
                    raise _err("an intercept '1' is only allowed with '~' (e.g. 'y ~ 1').", line)
                this_op = "~1"
            for lhs in lhs_list:
                rhs = "" if this_op == "~1" else t.var
                key = (lhs, this_op, rhs) if this_op != "~~" else (lhs, this_op, rhs) if (rhs, "~~", lhs) not in \
                    seen else (rhs, "~~", lhs)  # fmt: skip
                if key in seen:
                    _merge(seen[key]["term"], t)
                    continue
                row = {"lhs": lhs, "op": this_op, "rhs": rhs, "term": _copy_term(t), "line": line}
                seen[key] = row
                rows.append(row)
    return rows, defined, constraints


def _copy_term(t: _Term) -> _Term:
    return _Term(t.var, list(t.fixed), list(t.free_forced), list(t.labels), list(t.start), t.given)


def _linear_constraints(constraints: list[dict], pt: pd.DataFrame, lang: str) -> list[dict]:
    """``==``, ``<``, ``>`` constraints as linear rows ``sum_k coef_k * label_k  (op)  const``.

    Both sides must be linear in the labels (``a == 2*b``, ``a + b == 1``, ``a > 0.9``, ``a < b``); a label that is
    not in the model or a non-linear side is refused with a message that says so.
    """
    labels = set(pt["label"]) - {""}
    out = []
    for c in constraints:
        coef: dict[str, float] = {}
        const = 0.0
        for side, sign in ((c["lhs"], 1.0), (c["rhs"], -1.0)):
            try:
                terms, k = _linear(ast.parse(side.replace("^", "**"), mode="eval").body)
            except (SyntaxError, ValueError):
                raise _err(f"the constraint '{c['lhs']} {c['op']} {c['rhs']}' must be linear in the labels "
                           "(e.g. 'a == 2*b', 'a + b == 1', 'a > 0').", c["line"]) from None  # fmt: skip
            for name, v in terms.items():
                if name not in labels:
                    raise _err(f"the constraint uses '{name}', which is not a label in the model "
                               "(label a parameter with e.g. 'y ~ a*x').", c["line"])  # fmt: skip
                coef[name] = coef.get(name, 0.0) + sign * v
            const -= sign * k
        out.append({"coef": coef, "op": c["op"], "const": const, "text": f"{c['lhs']} {c['op']} {c['rhs']}",
                    "line": c["line"]})  # fmt: skip
    return out


def _linear(node: ast.AST) -> tuple[dict[str, float], float]:
    """(coefficients, constant) of a linear expression; ValueError when it is not linear."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return {}, float(node.value)
    if isinstance(node, ast.Name):
        return {node.id: 1.0}, 0.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        t, k = _linear(node.operand)
        s = -1.0 if isinstance(node.op, ast.USub) else 1.0
        return {n: s * v for n, v in t.items()}, s * k
    if isinstance(node, ast.BinOp):
        (ta, ka), (tb, kb) = _linear(node.left), _linear(node.right)
        if isinstance(node.op, ast.Add | ast.Sub):
            s = 1.0 if isinstance(node.op, ast.Add) else -1.0
            t = dict(ta)
            for n, v in tb.items():
                t[n] = t.get(n, 0.0) + s * v
            return t, ka + s * kb
        if isinstance(node.op, ast.Mult) and (not ta or not tb):
            scal, (t, k) = (ka, (tb, kb)) if not ta else (kb, (ta, ka))
            return {n: scal * v for n, v in t.items()}, scal * k
        if isinstance(node.op, ast.Div) and not tb and kb != 0:
            return {n: v / kb for n, v in ta.items()}, ka / kb
    raise ValueError("not linear")


def model_variables(pt: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Observed and latent variable names of a parameter table, in order of appearance."""
    latent = list(dict.fromkeys(pt.loc[pt.op == "=~", "lhs"]))
    names: list[str] = []
    for lhs, op, rhs in zip(pt.lhs, pt.op, pt.rhs, strict=True):
        for v in (lhs, rhs) if op != "=~" else (rhs,):
            if v and v not in latent and v not in names:
                names.append(v)
    # order: indicators first (as in lavaan), then other observed
    return names, latent


def parse_model(
    syntax: str,
    *,
    ngroups: int = 1,
    meanstructure: bool = False,
    group_equal: tuple[str, ...] | list[str] = (),
    fixed_x: bool = True,
    group_partial: tuple[str, ...] | list[str] = (),
    std_lv: bool = False,
    orthogonal: bool = False,
    auto_fix_single: bool = True,
    lang: str = "nl",
) -> ParTable:
    """Parse lavaan model syntax into a parameter table with lavaan's ``sem()`` defaults.

    Parameters
    ----------
    syntax : str
        lavaan model syntax.
    ngroups : int or None
        Number of groups; the table gets one block of rows per group (column ``group``, 1-based). ``None``: not
        known yet (one block; ``c(...)`` of any length is accepted), for reading the variable names only.
    meanstructure : bool
        Add intercepts of observed variables (free) and means of latent variables (fixed at 0).
    group_equal : sequence of str
        lavaan's ``group.equal``: ``loadings``, ``intercepts``, ``means``, ``residuals``,
        ``residual.covariances``, ``lv.variances``, ``lv.covariances``, ``regressions``.
    fixed_x : bool
        Treat observed exogenous covariates as fixed (lavaan's default ``fixed.x=TRUE``).
    group_partial : sequence of str
        lavaan's ``group.partial``: parameters exempt from ``group_equal`` (``"f =~ x2"``, ``"x3 ~ 1"``).
    std_lv : bool
        lavaan's ``std.lv``: every latent (residual) variance fixed at 1, all loadings free.
    orthogonal : bool
        lavaan's ``orthogonal``: the exogenous latent variables do not covary (covariances fixed at 0).
    auto_fix_single : bool
        lavaan's ``auto.fix.single``: the residual variance of the only indicator of a factor is fixed at 0.
    lang : {"nl", "en"}
        Language of the message for unsupported syntax (``<~``, ``|``, ``%``, ``efa()``, ``x:z``).

    Returns
    -------
    pandas.DataFrame
        Columns ``id, lhs, op, rhs, group, label, free, ustart, start, user, exo, line``: ``free`` is the
        1-based index of the free parameter (0 when fixed; equal labels share an index); ``ustart``
        the fixed value (NaN when free, or when it is filled in from the data for fixed.x rows).
        ``df.attrs["defined"]`` holds the ``:=`` definitions, ``attrs["observed"]`` and
        ``attrs["latent"]`` the variable names.

    Examples
    --------
    >>> pt = parse_model("f =~ y1 + a*y2 + a*y3\\nab := a^2")
    >>> pt.loc[pt.op == "=~", "free"].tolist()
    [0, 1, 1]
    >>> pt.attrs["defined"][0].names
    ['a']
    """
    if not isinstance(syntax, str):
        raise ModelSyntaxError("The model text is empty: give lavaan syntax such as 'f =~ x1 + x2 + x3'.")
    # Parsing is pure: the same text and options give the same table. Bootstraps, invariance sequences and
    # widgets parse one model many times, so parsed tables are cached and each caller gets its own deep copy.
    table = _parse_cached(syntax, ngroups, meanstructure, tuple(group_equal), fixed_x, tuple(group_partial), std_lv,
                          orthogonal, auto_fix_single, lang)  # fmt: skip
    return table.copy(deep=True)  # pandas deep-copies .attrs (the := definitions) with the table


@functools.lru_cache(maxsize=128)
def _parse_cached(
    syntax: str, ngroups: int | None, meanstructure: bool, group_equal: tuple[str, ...], fixed_x: bool,
    group_partial: tuple[str, ...] = (), std_lv: bool = False, orthogonal: bool = False, auto_fix_single: bool = True,
    lang: str = "nl",
) -> ParTable:  # fmt: skip
    if not syntax.strip():
        raise ModelSyntaxError("The model text is empty: give lavaan syntax such as 'f =~ x1 + x2 + x3'.")
    bad = [g for g in group_equal if g not in GROUP_EQUAL_OPTIONS]
    if bad:
        raise ValueError(f"Unknown group_equal option(s) {bad}; choose from {list(GROUP_EQUAL_OPTIONS)}.")
    lenient = ngroups is None
    ngroups = 1 if ngroups is None else ngroups
    raw, defined, constraints = _raw_rows(syntax, ngroups, lenient, lang)
    if not raw:
        raise ModelSyntaxError("The model has no =~, ~ or ~~ statements.")

    latent = list(dict.fromkeys(r["lhs"] for r in raw if r["op"] == "=~"))
    latent_set = set(latent)
    observed_d: dict[str, None] = {}
    for r in raw:
        for v in ([r["rhs"]] if r["op"] == "=~" else [r["lhs"], r["rhs"]]):
            if v and v not in latent_set:
                observed_d.setdefault(v)
    observed = list(observed_d)
    for r in raw:
        if r["op"] == "=~" and r["rhs"] in latent:
            pass  # higher-order factor: allowed
    indicators = {r["rhs"] for r in raw if r["op"] == "=~"}
    eqs_y = list(dict.fromkeys(r["lhs"] for r in raw if r["op"] == "~"))
    eqs_x = list(dict.fromkeys(r["rhs"] for r in raw if r["op"] == "~"))
    # observed exogenous covariates (fixed.x): predictors only, not indicators, not dependent
    cov_vars = {v for r in raw if r["op"] == "~~" for v in (r["lhs"], r["rhs"])}
    ov_x = [
        v
        for v in observed
        if v in eqs_x and v not in eqs_y and v not in indicators and fixed_x and v not in cov_vars
    ]
    lv_endo = set(eqs_y) | {r["rhs"] for r in raw if r["op"] == "=~" and r["rhs"] in latent}

    # user rows, with defaults for the first loading
    rows: list[dict] = []
    seen_first: set[str] = set()
    for r in raw:
        t: _Term = r["term"]
        for g in range(ngroups):
            fixed = t.fixed[g]
            if (r["op"] == "=~" and r["lhs"] not in seen_first and fixed is None and not t.free_forced[g]
                    and not std_lv):  # fmt: skip
                fixed = 1.0
            rows.append({
                "lhs": r["lhs"], "op": r["op"], "rhs": r["rhs"], "group": g + 1,
                "label": t.labels[g] or "", "fixed": fixed, "start": t.start[g], "user": 1,
                "line": r["line"], "exo": 0,
            })  # fmt: skip
        if r["op"] == "=~":
            seen_first.add(r["lhs"])

    present = {(x["lhs"], x["op"], x["rhs"]) for x in rows}  # a set: no linear scan per added row

    def has(lhs: str, op: str, rhs: str) -> bool:
        return (lhs, op, rhs) in present or (op == "~~" and (rhs, op, lhs) in present)

    def add(lhs: str, op: str, rhs: str, fixed: float | None = None, exo: int = 0) -> None:
        if has(lhs, op, rhs):
            return
        present.add((lhs, op, rhs))
        for g in range(ngroups):
            rows.append({"lhs": lhs, "op": op, "rhs": rhs, "group": g + 1, "label": "", "fixed": fixed,
                         "start": None, "user": 0, "line": 0, "exo": exo})  # fmt: skip

    # auto.fix.single: the only indicator of a factor has no residual variance
    if auto_fix_single:
        n_ind: dict[str, list[str]] = {}
        for r in raw:
            if r["op"] == "=~":
                n_ind.setdefault(r["lhs"], []).append(r["rhs"])
        for inds in n_ind.values():
            if len(inds) == 1 and inds[0] in observed_d:
                add(inds[0], "~~", inds[0], fixed=0.0)
    # std.lv: every latent (residual) variance fixed at 1
    if std_lv:
        for v in latent:
            add(v, "~~", v, fixed=1.0)
    # auto.var: residual variances of observed and latent variables
    for v in [*observed, *latent]:
        if v in ov_x:
            continue
        add(v, "~~", v)
    # auto.cov.lv.x: exogenous latent variables covary
    lv_x = [v for v in latent if v not in lv_endo]
    for i, a in enumerate(lv_x):
        for b in lv_x[i + 1 :]:
            add(a, "~~", b, fixed=0.0 if orthogonal else None)
    # auto.cov.y: purely dependent variables (not predictors, not indicators) covary
    pure_y = [v for v in eqs_y if v not in eqs_x and v not in indicators]
    for i, a in enumerate(pure_y):
        for b in pure_y[i + 1 :]:
            add(a, "~~", b)
    # fixed.x: variances/covariances of observed covariates fixed at sample values (ustart NaN)
    for i, a in enumerate(ov_x):
        for b in ov_x[i:]:
            add(a, "~~", b, fixed=math.nan, exo=1)
    if meanstructure:
        for v in observed:
            add(v, "~1", "", fixed=math.nan if v in ov_x else None, exo=int(v in ov_x))
        for v in latent:
            add(v, "~1", "", fixed=0.0)

    pt = pd.DataFrame(rows)
    # group.equal: automatic shared labels across groups
    if ngroups > 1 and group_equal:
        obs_set = set(observed)

        def kind(r: pd.Series) -> str:
            if r.op == "=~":
                return "loadings"
            if r.op == "~":
                return "regressions"
            if r.op == "~1":
                return "intercepts" if r.lhs in obs_set else "means"
            if r.op == "~~" and r.lhs in obs_set:
                return "residuals" if r.lhs == r.rhs else "residual.covariances"
            if r.op == "~~":
                return "lv.variances" if r.lhs == r.rhs else "lv.covariances"
            return ""

        kinds = pt.apply(kind, axis=1)
        partial = {re.sub(r"\s+", "", p_) for p_ in group_partial}
        exempt = pd.Series([f"{a}{o}{b}" in partial or (o == "~~" and f"{b}{o}{a}" in partial)
                            for a, o, b in zip(pt.lhs, pt.op, pt.rhs, strict=True)], index=pt.index)  # fmt: skip
        auto = kinds.isin(group_equal) & (pt["label"] == "") & (pt["exo"] == 0) & ~exempt
        pt.loc[auto, "label"] = "." + pt.lhs[auto] + pt.op[auto] + pt.rhs[auto]
        if "intercepts" in group_equal and "means" not in group_equal:
            # lavaan frees the latent means in all groups but the first
            free_means = (kinds == "means") & (pt.group > 1) & (pt.user == 0)
            pt.loc[free_means, "fixed"] = None
    # constraints: 'a == b' (labels) makes one parameter, 'a == 0.5' fixes it; the rest goes to the estimator
    other: list[dict] = []
    alias: dict[str, str] = {}
    for c in constraints:
        left, right = c["lhs"], c["rhs"]
        known = set(pt["label"])
        if c["op"] == "==" and left in known and right in known:
            alias[right] = alias.get(left, left)  # one parameter; both labels stay (for := and later constraints)
        elif c["op"] == "==" and (left in known) != (right in known) and _number(right if left in known else left) \
                is not None:  # fmt: skip
            lab, val = (left, _number(right)) if left in known else (right, _number(left))
            pt.loc[pt["label"] == lab, "fixed"] = val
        else:
            other.append(c)
    # free index: shared labels share an index
    # a label on a fixed parameter fixes every parameter with that label (lavaan: equality constraint)
    fixed_labels = {
        lab: val
        for lab, val, exo in zip(pt["label"], pt["fixed"], pt["exo"], strict=True)
        if lab and val is not None and not (isinstance(val, float) and math.isnan(val)) and not exo
    }
    if fixed_labels:
        pt["fixed"] = [fixed_labels.get(lab, val) if lab else val for lab, val in zip(pt["label"], pt["fixed"],
                                                                                    strict=True)]  # fmt: skip
    free = np.zeros(len(pt), dtype=int)
    label_index: dict[str, int] = {}
    k = 0
    for i, r in enumerate(pt.itertuples()):
        if r.fixed is not None and not (isinstance(r.fixed, float) and math.isnan(r.fixed) and r.exo == 0):
            continue
        if r.exo:
            continue
        key = alias.get(r.label, r.label)
        if key and key in label_index:
            free[i] = label_index[key]
            continue
        k += 1
        free[i] = k
        if key:
            label_index[key] = k
    # a label on a fixed parameter plus on a free one: keep fixed (as lavaan warns); not modelled here
    pt["free"] = free
    pt["ustart"] = [np.nan if f is None else float(f) for f in pt["fixed"]]
    pt["start"] = [np.nan if s is None else float(s) for s in pt["start"]]
    pt.loc[pt.free > 0, "ustart"] = np.nan
    pt = pt.drop(columns="fixed")
    pt.insert(0, "id", np.arange(1, len(pt) + 1))
    pt = pt[["id", "lhs", "op", "rhs", "group", "label", "free", "ustart", "start", "user", "exo", "line"]]
    labels = set(pt.label[pt.label != ""])
    for d in defined:
        unknown = [n for n in d.names if n not in labels and n not in {x.name for x in defined}]
        if unknown:
            raise _err(
                f"the formula of '{d.name}' uses {unknown}, which is not a label in the model "
                "(label a parameter with e.g. 'y ~ a*x').",
                d.line,
            )
    ov_order = [v for v in observed]
    pt.attrs["defined"] = defined
    pt.attrs["observed"] = ov_order
    pt.attrs["latent"] = latent
    pt.attrs["ov_x"] = ov_x
    pt.attrs["ngroups"] = ngroups
    pt.attrs["meanstructure"] = meanstructure
    pt.attrs["constraints"] = _linear_constraints(other, pt, lang)
    return pt
