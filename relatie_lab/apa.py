"""APA-7 numbers and sentences in Dutch and English, built from result objects.

One number style per language, used in text and tables alike: Dutch follows the Dutch APA guidelines
(decimal comma, ``95%-BI [0,45; 0,59]``), English uses the decimal point (``95% CI [0.45, 0.59]``). Statistics
that cannot exceed 1 (*p*, *r*, β, α, ω, CFI, TLI, RMSEA, SRMR, *R*²) lose the leading zero; *p* is exact down
to ``p < .001``. Italic statistics are written in Markdown (``*p*``): the notebooks show them as HTML, the Word
export as italic runs. Greek letters and abbreviations (β, χ², CFI) stay upright (APA 7, 6.45).

The sentence texts live in ``data/labels/apa.yaml`` (keys ``apa_*``); the functions here fill them in from
the result objects (:class:`relatie_lab.sem.SEMResult`, the reliability table, :class:`ValidityResult`,
:class:`ComparisonResult`, ...). They also write the guardrails: an improper solution, poor fit, a too small
sample, HTMT above .85 and group means without scalar invariance are named, and what they forbid is not
interpreted.

Examples
--------
>>> number(0.5234, 2, "nl"), number(0.5234, 2, "en", leading_zero=False)
('0,52', '.52')
>>> p_text(0.0004, "en"), p_text(0.0342, "nl")
('*p* < .001', '*p* = ,034')
>>> ci(0.45, 0.59, 2, "nl"), ci(0.45, 0.59, 2, "en")
('95%-BI [0,45; 0,59]', '95% CI [0.45, 0.59]')
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.labels import check_lang, label

__all__ = [
    "CFI_POOR",
    "HTMT_FLAG",
    "MIN_N",
    "MIN_N_SEM",
    "RMSEA_POOR",
    "SCALED_ESTIMATORS",
    "ci",
    "comparison_text",
    "fit_status",
    "fit_text",
    "group_invariance_text",
    "improper_parameters",
    "indirect_text",
    "integer",
    "invariance_text",
    "markdown_to_html",
    "number",
    "p_cell",
    "p_text",
    "paths_text",
    "r_squared",
    "reliability_text",
    "sample_size_text",
    "scaled_names",
    "sentence",
    "use_instrument",
    "uses_scaled_fit",
    "validity_text",
]

#: Fit below which no path is interpreted: CFI < .90 or RMSEA > .10.
CFI_POOR = 0.90
RMSEA_POOR = 0.10
#: HTMT above which two constructs may not be distinct (Henseler et al., 2015).
HTMT_FLAG = 0.85
#: Fewer respondents than this: every estimate is named as uncertain; for a SEM the bar is ``MIN_N_SEM``.
MIN_N = 50
MIN_N_SEM = 200
_DECIMAL = {"nl": ",", "en": "."}
_THOUSANDS = {"nl": ".", "en": ","}
_CI_SEP = {"nl": "; ", "en": ", "}


# ---------------------------------------------------------------------------------------------------------------
# numbers


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def number(value: Any, decimals: int = 2, lang: str = "nl", *, leading_zero: bool = True) -> str:
    """A number in the report's style: ``decimals`` places, the language's decimal mark; "—" when missing.

    ``leading_zero=False`` for statistics that cannot exceed 1 (``.52``, ``-.08``); ``-0.00`` becomes ``0.00``.

    Examples
    --------
    >>> number(-0.0004, 2, "en"), number(1234.5, 1, "nl"), number(float("nan"))
    ('0.00', '1.234,5', '—')
    >>> number(-0.081, 2, "nl", leading_zero=False)
    '-,08'
    """
    lang = check_lang(lang)
    if not _finite(value):
        return "—"
    text = f"{float(value):,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":  # rounds to zero: no minus sign
        text = text.lstrip("-")
    if not leading_zero:
        text = re.sub(r"^(-?)0\.", r"\1.", text)
    return text.translate(str.maketrans({".": _DECIMAL[lang], ",": _THOUSANDS[lang]}))


def integer(value: Any, lang: str = "nl") -> str:
    """A count with the language's thousands separator (``1.200`` / ``1,200``); "—" when missing.

    Examples
    --------
    >>> integer(1200, "nl"), integer(1200.0, "en"), integer(115, "en")
    ('1.200', '1,200', '115')
    """
    return number(value, 0, lang)


def p_cell(p: Any, lang: str = "nl") -> str:
    """A *p*-value for a table cell: three decimals without leading zero, ``< .001`` below .001.

    Examples
    --------
    >>> p_cell(0.03449, "en"), p_cell(0.00001, "nl"), p_cell(1.0, "en")
    ('.034', '< ,001', '1.000')
    """
    lang = check_lang(lang)
    if not _finite(p):
        return "—"
    if float(p) < 0.001:
        return f"< {_DECIMAL[lang]}001"
    return number(p, 3, lang, leading_zero=False)


def p_text(p: Any, lang: str = "nl", symbol: str = "*p*") -> str:
    """A *p*-value for a sentence: ``*p* = .034`` or ``*p* < .001`` (Markdown italics).

    Examples
    --------
    >>> p_text(0.2, "en"), p_text(0.0001, "en", symbol="*p*<sub>Holm</sub>")
    ('*p* = .200', '*p*<sub>Holm</sub> < .001')
    """
    cell = p_cell(p, lang)
    return f"{symbol} {cell}" if cell.startswith("<") else f"{symbol} = {cell}"


def ci(lower: Any, upper: Any, decimals: int = 2, lang: str = "nl", *, leading_zero: bool = True,
       level: int = 95) -> str:  # fmt: skip
    """A confidence interval: ``95% CI [0.45, 0.59]`` (en) or ``95%-BI [0,45; 0,59]`` (nl).

    Examples
    --------
    >>> ci(0.014, 0.027, 3, "en", leading_zero=False, level=90)
    '90% CI [.014, .027]'
    """
    lang = check_lang(lang)
    lo = number(lower, decimals, lang, leading_zero=leading_zero)
    hi = number(upper, decimals, lang, leading_zero=leading_zero)
    return f"{label('apa_ci', lang).format(level=level)} [{lo}{_CI_SEP[lang]}{hi}]"


def sentence(key: str, lang: str = "nl", **fields: Any) -> str:
    """A sentence template from the labels (``apa_*`` keys) with its ``{placeholders}`` filled in.

    Examples
    --------
    >>> sentence("apa_ci", "en", level=90)
    '90% CI'
    """
    text = label(key, lang)
    return text.format(**fields) if fields else text


_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![A-Za-z0-9*])")


def markdown_to_html(text: str) -> str:
    """The small Markdown of the APA sentences (``**bold**``, ``*italic*``) as HTML.

    Examples
    --------
    >>> markdown_to_html("*p* < .001, **sterk**")
    '<em>p</em> &lt; .001, <strong>sterk</strong>'
    """
    import html

    keep = re.findall(r"</?(?:sub|sup)>", text)
    out = html.escape(re.sub(r"</?(?:sub|sup)>", "\x00", text), quote=False)
    for tag in keep:
        out = out.replace("\x00", tag, 1)
    out = _MD_BOLD.sub(r"<strong>\1</strong>", out)
    return _MD_ITALIC.sub(r"<em>\1</em>", out)


# ---------------------------------------------------------------------------------------------------------------
# names shown to a reader


_INSTRUMENT: list[Any] = []  # a researcher's codebook for the names (use_instrument); empty: the shipped one


def use_instrument(instrument: Any) -> None:
    """Take the names of constructs, items and fields from ``instrument`` (None: the shipped codebook)."""
    _INSTRUMENT[:] = [instrument] if instrument is not None else []


def display(key: Any, lang: str = "nl") -> str:
    """The reader's name of an id (construct, item, field, relationship type); the id itself only when unknown."""
    from relatie_lab.plots import display_name

    key = str(key)
    if _INSTRUMENT:
        try:
            return _INSTRUMENT[0].label(key, lang)
        except Exception:  # not in the researcher's codebook: the shipped names and labels
            pass
    name = display_name(key, lang)
    if name == key:
        for candidate in (f"type_{key}", f"report_value_{key}"):
            try:
                return label(candidate, lang)
            except KeyError:
                pass
    return name


def value_name(column: str, value: Any, lang: str = "nl") -> str:
    """The reader's name of a data value of a coded field (``conditie = "zorg"`` -> "Zorgfolder").

    Examples
    --------
    >>> value_name("conditie", "zorg", "en"), value_name("sector", "bank", "en")
    ('Care leaflet', 'Bank')
    """
    from relatie_lab import instrument

    try:
        codes = instrument.field_values(column, lang)
    except (KeyError, ValueError):
        codes = {}
    for code, text in codes.items():
        if str(code) == str(value):
            return text
    name = display(value, lang)
    return name[:1].upper() + name[1:] if name == str(value) else name


# ---------------------------------------------------------------------------------------------------------------
# SEM


#: Estimators whose fit is reported with lavaan's scaled test statistic and indices (``chisq_scaled``, ...).
SCALED_ESTIMATORS = ("MLR", "MLM", "WLSMV", "ULSMV")
#: The indices that have a ``<name>_scaled`` version in lavaan's ``fitMeasures``.
SCALED_INDICES = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper")


def uses_scaled_fit(fit: Any) -> bool:
    """True when ``fit`` was estimated with a robust estimator (MLR, MLM, WLSMV, ULSMV) and has scaled indices.

    Examples
    --------
    >>> uses_scaled_fit(type("R", (), {"estimator": "WLSMV", "fit_indices": {"cfi_scaled": 0.99}})())
    True
    >>> uses_scaled_fit({"cfi": 0.99})
    False
    """
    estimator = str(getattr(fit, "estimator", "ML") or "ML").upper()
    values = getattr(fit, "fit_indices", None)
    return estimator in SCALED_ESTIMATORS and values is not None and "cfi_scaled" in dict(values)


def scaled_names(fit: Any, lang: str = "nl", *, italic: str = "*{}*") -> str:
    """The indices of ``fit`` that are reported scaled, in words: ``"χ², *p*, CFI and TLI"`` (``italic`` formats
    the *p*; ``"<em>{}</em>"`` for HTML). Empty when the fit is not reported scaled.

    Examples
    --------
    >>> fit = type("R", (), {"estimator": "MLR", "fit_indices": {"chisq_scaled": 9.1, "cfi_scaled": 0.99}})()
    >>> scaled_names(fit, "en"), scaled_names(fit, "nl")
    ('χ² and CFI', 'χ² en CFI')
    """
    if not uses_scaled_fit(fit):
        return ""
    values = dict(fit.fit_indices)
    words = {"chisq": "χ²", "pvalue": italic.format("p"), "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA"}
    names = [w for k, w in words.items() if _finite(values.get(f"{k}_scaled"))]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {label('apa_and', lang)} {names[-1]}"


def _fit_indices(fit: Any) -> dict[str, float]:
    """The fit indices a report shows: for a robust estimator the scaled χ², CFI, TLI and RMSEA under the plain
    names (lavaan's ``*.scaled``; SRMR has no scaled version), else the indices as they are."""
    values = getattr(fit, "fit_indices", fit)
    if isinstance(values, pd.DataFrame):
        values = values.iloc[0].to_dict()
    out = {str(k): v for k, v in dict(values).items()}
    if uses_scaled_fit(fit):
        for name in SCALED_INDICES:
            scaled = out.get(f"{name}_scaled")
            if scaled is not None and _finite(float(scaled)):
                out[name] = scaled
    return out


def _group_rows(est: pd.DataFrame) -> pd.DataFrame:
    if "group" in est.columns and len(est["group"].unique()) > 1:
        return est[est["group"] == est["group"].iloc[0]]
    return est


def improper_parameters(fit: Any) -> list[str]:
    """Parameters that make a solution improper (Heywood case): a negative variance or a standardised loading,
    path or correlation outside ±1. Returned as lavaan-like names (``vt_1 ~~ vt_1``).

    Examples
    --------
    >>> est = pd.DataFrame({"lhs": ["F", "a", "F"], "op": ["=~", "~~", "=~"], "rhs": ["a", "a", "b"],
    ...                     "est": [1.0, -0.1, 0.9], "std_all": [1.04, -0.08, 0.8]})
    >>> improper_parameters(type("R", (), {"estimates": est})())
    ['F =~ a', 'a ~~ a']
    """
    est = getattr(fit, "estimates", None)
    if est is None or est.empty:
        return []
    out = []
    for r in est.itertuples():
        std = getattr(r, "std_all", np.nan)
        negative_var = r.op == "~~" and r.lhs == r.rhs and _finite(r.est) and float(r.est) < 0
        beyond_one = r.op in ("=~", "~", "~~") and r.lhs != r.rhs and _finite(std) and abs(float(std)) > 1
        if negative_var or beyond_one:
            out.append(f"{r.lhs} {r.op} {r.rhs}")
    return list(dict.fromkeys(out))


def fit_status(fit: Any) -> str:
    """``"improper"`` (Heywood case), ``"poor"`` (CFI < .90 or RMSEA > .10), ``"acceptable"`` or ``"good"``
    (CFI ≥ .95, RMSEA ≤ .06 and SRMR ≤ .08; Hu & Bentler, 1999). Paths are only interpreted for the last two.

    Examples
    --------
    >>> fit_status({"cfi": 0.97, "rmsea": 0.04, "srmr": 0.03}), fit_status({"cfi": 0.88, "rmsea": 0.05})
    ('good', 'poor')
    """
    if improper_parameters(fit):
        return "improper"
    fi = _fit_indices(fit)
    cfi, rmsea, srmr = (float(fi.get(k, np.nan)) for k in ("cfi", "rmsea", "srmr"))
    if (_finite(cfi) and cfi < CFI_POOR) or (_finite(rmsea) and rmsea > RMSEA_POOR):
        return "poor"
    if _finite(cfi) and cfi >= 0.95 and _finite(rmsea) and rmsea <= 0.06 and (not _finite(srmr) or srmr <= 0.08):
        return "good"
    return "acceptable"


def r_squared(fit: Any, group: Any = None) -> dict[str, float]:
    """*R*² of every endogenous variable (the outcome of a ``~`` path), taken from the result's own
    ``r_squared`` (:attr:`relatie_lab.sem.SEMResult.r_squared`, as lavaan's ``lavInspect(fit, "r2")``); a
    multi-group model gives the R² of ``group`` (default: the first group). ``{}`` when the result has none.

    Examples
    --------
    >>> est = pd.DataFrame({"lhs": ["y", "y", "x"], "op": ["~", "~~", "~~"], "rhs": ["x", "y", "x"],
    ...                     "est": [0.5, 0.75, 1.0], "std_all": [0.5, 0.75, 1.0]})
    >>> fit = type("R", (), {"estimates": est, "r_squared": pd.Series({"y": 0.25, "x_1": 0.6})})()
    >>> r_squared(fit)
    {'y': 0.25}
    """
    own = getattr(fit, "r_squared", None)
    if callable(own):
        own = own()
    if isinstance(own, pd.DataFrame) and {"variable", "r_squared"} <= set(own.columns):
        own = dict(zip(own["variable"], own["r_squared"], strict=True))
    elif isinstance(own, pd.Series):
        if isinstance(own.index, pd.MultiIndex):  # (group, variable)
            groups = own.index.get_level_values(0)
            own = own.xs(groups[0] if group is None else group, level=0) if len(own) else own.droplevel(0)
        own = own.to_dict()
    if not isinstance(own, dict):
        return {}
    est = _group_rows(fit.estimates)
    endogenous = list(dict.fromkeys(est.loc[est["op"] == "~", "lhs"]))
    return {v: float(own[v]) for v in endogenous if v in own and _finite(own[v])}


def fit_text(fit: Any, lang: str = "nl") -> str:
    """The model fit in one APA sentence, with the guardrails (improper solution, poor fit, small N).

    ``fit`` is a :class:`relatie_lab.sem.SEMResult` (or anything with ``fit_indices``, ``estimates``, ``nobs``).
    """
    lang = check_lang(lang)
    fi = _fit_indices(fit)
    status = fit_status(fit)
    stats = sentence(
        "apa_fit_stats",
        lang,
        df=integer(fi.get("df"), lang).replace(_THOUSANDS[lang], ""),
        chisq=number(fi.get("chisq"), 2, lang),
        p=p_text(fi.get("pvalue"), lang),
        cfi=number(fi.get("cfi"), 3, lang, leading_zero=False),
        tli=number(fi.get("tli"), 3, lang, leading_zero=False),
        rmsea=number(fi.get("rmsea"), 3, lang, leading_zero=False),
        rmsea_ci=ci(fi.get("rmsea_ci_lower"), fi.get("rmsea_ci_upper"), 3, lang, leading_zero=False, level=90),
        srmr=number(fi.get("srmr"), 3, lang, leading_zero=False),
    )
    quality = "poor" if status == "improper" and fit_status(fi) == "poor" else status
    if quality == "improper":
        quality = fit_status(fi)
    parts = [sentence(f"apa_fit_{quality}", lang, stats=stats, n=integer(getattr(fit, "nobs", None), lang))]
    if status == "improper":
        parts.append(sentence("apa_guard_improper", lang, parameters=_improper_names(fit, lang)))
    elif status == "poor":
        parts.append(sentence("apa_guard_poor_fit", lang, cfi=number(CFI_POOR, 2, lang, leading_zero=False),
                              rmsea=number(RMSEA_POOR, 2, lang, leading_zero=False)))  # fmt: skip
    if uses_scaled_fit(fit):  # the estimator, and that the values are the scaled ones
        estimator = str(fit.estimator).upper()
        parts.append(sentence("apa_fit_estimator_ordinal" if estimator in ("WLSMV", "ULSMV") else
                              "apa_fit_estimator_robust", lang, estimator=estimator,
                              indices=scaled_names(fit, lang)))  # fmt: skip
    small = sample_size_text(getattr(fit, "nobs", None), lang, sem=True)
    if small:
        parts.append(small)
    return " ".join(parts)


def _improper_names(fit: Any, lang: str) -> str:
    names = []
    for par in improper_parameters(fit)[:4]:
        lhs, op, rhs = par.split(" ")
        if op == "~~" and lhs == rhs:
            names.append(sentence("apa_improper_variance", lang, name=display(lhs, lang)))
        else:
            names.append(f"{display(lhs, lang)} – {display(rhs, lang)}")
    return ", ".join(names)


def paths_text(fit: Any, lang: str = "nl", *, name: Callable[[str], str] | None = None) -> str:
    """The structural paths in APA sentences (β, *b* with its CI, *p*) and *R*² of the outcomes.

    Nothing is interpreted when the solution is improper or the fit poor: then the sentence says why.
    """
    lang = check_lang(lang)
    status = fit_status(fit)
    if status == "improper":
        return sentence("apa_guard_improper_paths", lang)
    if status == "poor":
        return sentence("apa_guard_poor_paths", lang)
    name = name or (lambda v: display(v, lang))
    est = _group_rows(fit.estimates)
    reg = est[est["op"] == "~"]
    out = []
    for r in reg.itertuples():
        stats = sentence(
            "apa_path_stats",
            lang,
            beta=number(r.std_all, 2, lang, leading_zero=False),
            b=number(r.est, 2, lang),
            ci=ci(r.ci_lower, r.ci_upper, 2, lang),
            p=p_text(r.pvalue, lang),
        )
        significant = _finite(r.pvalue) and float(r.pvalue) < 0.05
        key = ("apa_path_positive" if float(r.est) > 0 else "apa_path_negative") if significant else "apa_path_ns"
        out.append(sentence(key, lang, predictor=_lower(name(r.rhs), lang), outcome=_lower(name(r.lhs), lang),
                            stats=stats))  # fmt: skip
    r2 = r_squared(fit)
    if r2:
        parts = [
            f"{_lower(name(v), lang)} ({sentence('apa_r2', lang, r2=number(value, 2, lang, leading_zero=False))})"
            for v, value in r2.items()
        ]
        out.append(sentence("apa_r2_sentence", lang, parts=_join(parts, lang)))
    return " ".join(out)


def indirect_text(indirect: pd.DataFrame, lang: str = "nl") -> str:
    """The indirect effects in APA sentences: estimate, bootstrap CI and whether it excludes zero.

    ``indirect`` is the table of :meth:`SEMResult.indirect_effects` (``effect`` as ``"a -> m -> y"``).
    """
    lang = check_lang(lang)
    out = []
    for r in indirect.itertuples():
        chain = [part.strip() for part in str(r.effect).split("->")]
        if len(chain) < 3:
            continue
        excludes_zero = _finite(r.ci_lower) and (float(r.ci_lower) > 0 or float(r.ci_upper) < 0)
        out.append(sentence(
            "apa_indirect" if excludes_zero else "apa_indirect_ns",
            lang,
            source=_lower(display(chain[0], lang), lang),
            via=_join([_lower(display(c, lang), lang) for c in chain[1:-1]], lang),
            outcome=_lower(display(chain[-1], lang), lang),
            est=number(r.est, 2, lang),
            ci=ci(r.ci_lower, r.ci_upper, 2, lang),
        ))  # fmt: skip
    if out and "n_boot" in indirect.columns:
        out.append(sentence("apa_indirect_method", lang, n_boot=integer(indirect["n_boot"].max(), lang)))
    return " ".join(out)


# ---------------------------------------------------------------------------------------------------------------
# reliability and validity


def reliability_text(table: pd.DataFrame, lang: str = "nl", threshold: float = 0.70) -> str:
    """Range of Cronbach's α and McDonald's ω over the constructs, and the constructs below ``threshold``.

    ``table`` is :func:`relatie_lab.psychometrics.reliability`'s result.

    Examples
    --------
    >>> t = pd.DataFrame({"construct": ["vertrouwen", "commitment"], "cronbach_alpha": [0.81, 0.65],
    ...                   "omega": [0.82, 0.66]})
    >>> print(reliability_text(t, "en"))
    Cronbach's α ranged from .65 (commitment) to .81 (trust) and McDonald's ω from .66 to .82.
    Below .70: commitment (α = .65).
    """
    lang = check_lang(lang)
    t = table.dropna(subset=["cronbach_alpha"])
    if t.empty:
        return ""
    lo, hi = t.loc[t["cronbach_alpha"].idxmin()], t.loc[t["cronbach_alpha"].idxmax()]
    omega = t["omega"].dropna() if "omega" in t else pd.Series(dtype=float)

    def f(v: float) -> str:
        return number(v, 2, lang, leading_zero=False)

    out = [sentence(
        "apa_reliability_range" if len(omega) else "apa_reliability_range_alpha",
        lang,
        alpha_min=f(lo["cronbach_alpha"]), alpha_min_name=_lower(display(lo["construct"], lang), lang),
        alpha_max=f(hi["cronbach_alpha"]), alpha_max_name=_lower(display(hi["construct"], lang), lang),
        omega_min=f(omega.min()) if len(omega) else "", omega_max=f(omega.max()) if len(omega) else "",
    )]  # fmt: skip
    low = t[t["cronbach_alpha"] < threshold]
    if low.empty:
        out.append(sentence("apa_reliability_all_ok", lang, threshold=f(threshold)))
    else:
        names = [f"{_lower(display(r.construct, lang), lang)} (α = {f(r.cronbach_alpha)})" for r in low.itertuples()]
        out.append(sentence("apa_reliability_low", lang, threshold=f(threshold), constructs=_join(names, lang)))
    return " ".join(out)


def validity_text(result: Any, lang: str = "nl") -> str:
    """Fornell-Larcker and HTMT in sentences; every pair with HTMT > .85 is flagged by name.

    ``result`` is :func:`relatie_lab.psychometrics.validity`'s :class:`ValidityResult`.
    """
    lang = check_lang(lang)
    out = []
    fl = result.fornell_larcker
    failing = [_lower(display(c, lang), lang) for c in fl.index[~fl["passes"].astype(bool)]]
    out.append(sentence("apa_fl_fail", lang, constructs=_join(failing, lang)) if failing
               else sentence("apa_fl_ok", lang))  # fmt: skip
    pairs = result.htmt_pairs
    flagged = pairs[pairs["htmt"] > HTMT_FLAG]
    threshold = number(HTMT_FLAG, 2, lang, leading_zero=False)
    if flagged.empty:
        out.append(sentence("apa_htmt_ok", lang, threshold=threshold,
                            max=number(pairs["htmt"].max(), 2, lang)))  # fmt: skip
    for r in flagged.itertuples():
        out.append(sentence("apa_guard_htmt", lang, a=display(r.construct_a, lang),
                            b=_lower(display(r.construct_b, lang), lang), value=number(r.htmt, 2, lang),
                            threshold=threshold))  # fmt: skip
    return " ".join(out)


# ---------------------------------------------------------------------------------------------------------------
# group comparisons


def comparison_text(result: Any, lang: str = "nl", *, means_comparable: bool = True) -> str:
    """Two groups compared (A/B test, freedom of choice): per significant outcome *M*, *SD*, *t*, Holm *p*,
    Hedges' *g* with CI; the others in one sentence. With ``means_comparable=False`` (no scalar invariance)
    no means are compared: the sentence says why.

    ``result`` is a :class:`relatie_lab.ab_testing.ComparisonResult`.
    """
    lang = check_lang(lang)
    if not means_comparable:
        return sentence("apa_guard_no_scalar", lang)
    t = result.table
    column = getattr(result, "group_col", "")
    treatment = value_name(column, result.treatment, lang)
    control = value_name(column, result.control, lang)
    out = []
    for r in t[t["significant"].astype(bool)].itertuples():
        def f(v: float) -> str:
            return number(v, 2, lang)

        out.append(sentence(
            "apa_compare_higher" if r.difference > 0 else "apa_compare_lower",
            lang,
            outcome=_lower(display(r.outcome, lang), lang), treatment=treatment, control=control,
            m1=f(r.mean_treatment), sd1=f(r.sd_treatment), m0=f(r.mean_control), sd0=f(r.sd_control),
            t=f(r.t), df=number(r.dof, 0 if float(r.dof).is_integer() else 1, lang).replace(_THOUSANDS[lang], ""),
            p=p_text(r.p_holm, lang, symbol="*p*<sub>Holm</sub>"), g=f(r.hedges_g),
            ci=ci(r.g_ci_lower, r.g_ci_upper, 2, lang),
        ))  # fmt: skip
    rest = t[~t["significant"].astype(bool) & t["p_holm"].notna()]
    if len(rest):
        names = [_lower(display(o, lang), lang) for o in rest["outcome"]]
        out.append(sentence("apa_compare_ns", lang, outcomes=_join(names, lang), treatment=treatment,
                            control=control))  # fmt: skip
    n = int(t[["n_control", "n_treatment"]].min(axis=None)) if {"n_control", "n_treatment"} <= set(t) else None
    small = sample_size_text(n, lang, per_group=True) if n is not None else ""
    return " ".join([*out, small]).strip()


def invariance_text(result: Any, lang: str = "nl") -> str:
    """Whether group means may be compared: the invariance steps in one sentence; without scalar invariance the
    guardrail sentence (means not compared).

    ``result`` is :func:`relatie_lab.sem.invariance`'s :class:`InvarianceResult`.
    """
    lang = check_lang(lang)
    steps = result.table.set_index("step")
    scalar = steps["decision"].get("scalar") == "supported" and steps["decision"].get("metric") == "supported"
    group = display(getattr(result, "group", ""), lang)
    if scalar:
        return sentence("apa_invariance_scalar", lang, group=_lower(group, lang))
    return sentence("apa_guard_no_scalar", lang)


def group_invariance_text(comparison: Any, lang: str = "nl") -> str:
    """Whether the group means of a construct comparison may be compared, per construct, in one to three
    sentences: the constructs with scalar invariance, those without (their means are not compared, and why) and
    those not tested. ``""`` when invariance was not tested at all.

    ``comparison`` is a :class:`relatie_lab.group_comparison.GroupComparison` (its ``.invariance`` table).

    Examples
    --------
    >>> inv = pd.DataFrame({"construct": ["vertrouwen", "commitment"], "status": ["scalar", "not_scalar"]})
    >>> res = type("C", (), {"invariance": inv, "group": "sector"})()
    >>> group_invariance_text(res, "en").split(" (")[0]
    'The measurement of trust was scalar invariant across sector'
    """
    lang = check_lang(lang)
    inv = getattr(comparison, "invariance", None)
    if inv is None or inv.empty:
        return ""
    group = _lower(display(getattr(comparison, "group", ""), lang), lang)
    by = {s: [_lower(display(c, lang), lang) for c in inv.loc[inv["status"] == s, "construct"]]
          for s in ("scalar", "not_scalar")}  # fmt: skip
    untested = [_lower(display(c, lang), lang) for c in inv.loc[~inv["status"].isin(by), "construct"]]

    def names(parts: list[str], many_key: str = "apa_constructs_n") -> str:
        return _join(parts, lang) if len(parts) <= 4 else sentence(many_key, lang, n=len(parts))

    out = []
    if by["scalar"]:
        many = "apa_constructs_other" if by["not_scalar"] else "apa_constructs_all"
        out.append(sentence("apa_invariance_groups_scalar", lang, constructs=names(by["scalar"], many), group=group))
    if by["not_scalar"]:
        out.append(sentence("apa_guard_no_scalar_groups", lang, constructs=names(by["not_scalar"]), group=group))
    if untested:
        out.append(sentence("apa_invariance_groups_untested", lang, constructs=names(untested)))
    return " ".join(out)


def sample_size_text(n: Any, lang: str = "nl", *, sem: bool = False, per_group: bool = False) -> str:
    """A sentence naming a too small sample (``""`` when it is large enough).

    Fewer than 200 respondents for a structural model, fewer than 50 otherwise (per group when ``per_group``).

    Examples
    --------
    >>> sample_size_text(120, "en", sem=True)
    'With *N* = 120 (fewer than 200) the estimates are uncertain: treat them as indicative.'
    >>> sample_size_text(1200, "en", sem=True)
    ''
    """
    lang = check_lang(lang)
    if not _finite(n):
        return ""
    bar = MIN_N_SEM if sem else MIN_N
    if int(n) >= bar:
        return ""
    key = "apa_guard_small_n_group" if per_group else "apa_guard_small_n"
    return sentence(key, lang, n=integer(n, lang), bar=integer(bar, lang))


# ---------------------------------------------------------------------------------------------------------------
# helpers


def _lower(name: str, lang: str) -> str:
    """A name inside an English sentence starts in lower case ("trust"), a Dutch one too unless it is a proper
    noun or abbreviation (all caps)."""
    if not name or (len(name) > 1 and name[:2].isupper()):
        return name
    return name[0].lower() + name[1:]


def _join(parts: Iterable[str], lang: str) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    word = label("apa_and", lang)
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"
