"""Tests for relatie_lab.apa: one number style per language, exact p, and sentences with their guardrails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relatie_lab import apa
from relatie_lab.ab_testing import ComparisonResult


@pytest.mark.parametrize(
    ("value", "decimals", "lang", "leading_zero", "expected"),
    [
        (0.5234, 2, "nl", True, "0,52"),
        (0.5234, 2, "en", True, "0.52"),
        (0.5234, 2, "nl", False, ",52"),
        (-0.081, 2, "en", False, "-.08"),
        (-0.001, 2, "nl", True, "0,00"),
        (1234.5, 1, "nl", True, "1.234,5"),
        (1234.5, 1, "en", True, "1,234.5"),
        (float("nan"), 2, "en", True, "—"),
        (None, 2, "nl", True, "—"),
    ],
)
def test_number_style_per_language(value, decimals, lang, leading_zero, expected):
    assert apa.number(value, decimals, lang, leading_zero=leading_zero) == expected


@pytest.mark.parametrize(
    ("p", "lang", "cell", "text"),
    [
        (0.00049, "en", "< .001", "*p* < .001"),
        (0.00049, "nl", "< ,001", "*p* < ,001"),
        (0.0342, "en", ".034", "*p* = .034"),
        (0.0342, "nl", ",034", "*p* = ,034"),
        (0.001, "en", ".001", "*p* = .001"),
    ],
)
def test_p_exact_down_to_001(p, lang, cell, text):
    assert apa.p_cell(p, lang) == cell
    assert apa.p_text(p, lang) == text


def test_ci_separator_and_words_per_language():
    assert apa.ci(0.45, 0.59, 2, "nl") == "95%-BI [0,45; 0,59]"
    assert apa.ci(0.45, 0.59, 2, "en") == "95% CI [0.45, 0.59]"


def test_markdown_to_html_italic_and_subscript():
    assert apa.markdown_to_html("*p*<sub>Holm</sub> < .05") == "<em>p</em><sub>Holm</sub> &lt; .05"
    assert apa.markdown_to_html("χ²(2) = 1 * 2") == "χ²(2) = 1 * 2"  # a lone star is no emphasis


def _est(rows):
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci_lower", "ci_upper",
                                       "std_all"])  # fmt: skip


class _Fit:
    def __init__(self, est, fit_indices, nobs=500):
        self.estimates = est
        self.fit_indices = fit_indices
        self.nobs = nobs


GOOD = {"chisq": 174.123, "df": 115, "pvalue": 0.0003, "cfi": 0.9941, "tli": 0.991, "rmsea": 0.0212,
        "rmsea_ci_lower": 0.0141, "rmsea_ci_upper": 0.0273, "srmr": 0.031}  # fmt: skip
PATHS = [
    ("vertrouwen", "=~", "vt_1", 1.0, np.nan, np.nan, np.nan, np.nan, np.nan, 0.8),
    ("commitment", "~", "vertrouwen", 0.61, 0.05, 12.2, 1e-9, 0.52, 0.70, 0.523),
    ("betrokkenheid", "~", "commitment", 0.05, 0.04, 1.2, 0.23, -0.03, 0.13, 0.046),
    ("commitment", "~~", "commitment", 0.4, 0.05, 8.0, 1e-9, 0.3, 0.5, 0.726),
    ("betrokkenheid", "~~", "betrokkenheid", 0.9, 0.05, 8.0, 1e-9, 0.8, 1.0, 0.998),
]


def test_fit_text_good_fit_in_both_languages():
    fit = _Fit(_est(PATHS), GOOD)
    assert apa.fit_text(fit, "en") == (
        "The model fit the data well (*N* = 500): χ²(115) = 174.12, *p* < .001, CFI = .994, TLI = .991, "
        "RMSEA = .021, 90% CI [.014, .027], SRMR = .031."
    )
    assert apa.fit_text(fit, "nl") == (
        "Het model past goed bij de gegevens (*N* = 500): χ²(115) = 174,12, *p* < ,001, CFI = ,994, TLI = ,991, "
        "RMSEA = ,021, 90%-BI [,014; ,027], SRMR = ,031."
    )


def test_paths_text_beta_b_ci_and_r2():
    fit = _Fit(_est(PATHS), GOOD)
    fit.r_squared = pd.Series({"commitment": 0.274, "betrokkenheid": 0.002, "vt_1": 0.64})  # as SEMResult's
    text = apa.paths_text(fit, "en")
    expected = "The path from trust to commitment was positive (β = .52, *b* = 0.61, 95% CI [0.52, 0.70], *p* < .001)."
    assert expected in text
    assert "was not significant" in text
    assert "*R*² = .27" in text


def test_r_squared_is_the_results_own_for_the_endogenous_variables():
    fit = _Fit(_est(PATHS), GOOD)
    assert apa.r_squared(fit) == {}  # no R² of its own: none is made up
    fit.r_squared = {"commitment": 0.3, "betrokkenheid": 0.01, "vt_1": 0.64}
    assert apa.r_squared(fit) == {"commitment": 0.3, "betrokkenheid": 0.01}


def test_r_squared_of_a_multigroup_sem_is_its_groups():
    from relatie_lab.sem import fit_sem

    rng = np.random.default_rng(5)
    x = rng.normal(size=400)
    g = np.repeat(["a", "b"], 200)
    y = np.where(g == "a", 0.3, 0.8) * x + rng.normal(size=400)
    fit = fit_sem(pd.DataFrame({"x": x, "y": y, "g": g}), "y ~ x", group="g")
    for group in ("a", "b"):
        assert apa.r_squared(fit, group=group) == {"y": pytest.approx(fit.r_squared[(group, "y")], abs=1e-12)}
    assert apa.r_squared(fit) == apa.r_squared(fit, group="a")
    assert apa.r_squared(fit, group="b")["y"] > apa.r_squared(fit, group="a")["y"]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_poor_fit_gets_no_path_interpretation(lang):
    poor = GOOD | {"cfi": 0.87}
    fit = _Fit(_est(PATHS), poor)
    assert apa.fit_status(fit) == "poor"
    words = {"nl": "worden de paden niet geïnterpreteerd", "en": "the paths are not interpreted"}[lang]
    assert words in apa.fit_text(fit, lang)
    assert "β" not in apa.paths_text(fit, lang)
    assert apa.fit_status(_Fit(_est(PATHS), GOOD | {"rmsea": 0.11})) == "poor"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_heywood_case_is_not_interpreted(lang):
    rows = [*PATHS, ("vertrouwen", "=~", "vt_2", 1.3, 0.1, 13.0, 1e-9, 1.1, 1.5, 1.04),
            ("vt_3", "~~", "vt_3", -0.02, 0.01, -2.0, 0.05, -0.04, 0.0, -0.03)]  # fmt: skip
    fit = _Fit(_est(rows), GOOD)
    assert apa.improper_parameters(fit) == ["vertrouwen =~ vt_2", "vt_3 ~~ vt_3"]
    assert apa.fit_status(fit) == "improper"
    words = {"nl": "niet toelaatbaar", "en": "improper"}[lang]
    assert words in apa.fit_text(fit, lang)
    assert words in apa.paths_text(fit, lang)
    assert "β" not in apa.paths_text(fit, lang)


@pytest.mark.parametrize(("lang", "words"), [("nl", "Met *N* = 120 (minder dan 200)"),
                                             ("en", "With *N* = 120 (fewer than 200)")])  # fmt: skip
def test_small_n_is_named(lang, words):
    assert words in apa.fit_text(_Fit(_est(PATHS), GOOD, nobs=120), lang)
    assert apa.sample_size_text(1200, lang, sem=True) == ""


def test_reliability_text_range_and_low_constructs():
    table = pd.DataFrame({"construct": ["vertrouwen", "commitment", "klantbeleving"],
                          "cronbach_alpha": [0.91, 0.65, 0.78], "omega": [0.92, 0.66, 0.80]})  # fmt: skip
    nl = apa.reliability_text(table, "nl")
    assert nl.startswith("Cronbachs α loopt van ,65 (commitment) tot ,91 (vertrouwen)")
    assert "Onder ,70: commitment (α = ,65)." in nl
    assert "Every construct reached .70" in apa.reliability_text(table.iloc[[0, 2]], "en")


class _Validity:
    fornell_larcker = pd.DataFrame({"passes": [True, False]}, index=["vertrouwen", "commitment"])
    htmt_pairs = pd.DataFrame({"construct_a": ["vertrouwen"], "construct_b": ["commitment"], "htmt": [0.88]})


def test_htmt_above_085_is_flagged():
    en = apa.validity_text(_Validity(), "en")
    assert "the HTMT of Trust and commitment was 0.88 (above .85)" in en
    assert "not met for commitment" in en
    assert "boven ,85" in apa.validity_text(_Validity(), "nl")


def _comparison():
    table = pd.DataFrame({
        "outcome": ["vertrouwen", "tevredenheid"], "n_control": [600, 600], "n_treatment": [600, 600],
        "mean_control": [4.8, 7.1], "mean_treatment": [5.12, 7.15], "sd_control": [1.05, 1.2],
        "sd_treatment": [1.01, 1.1], "difference": [0.32, 0.05], "t": [5.3, 0.7], "dof": [1198.0, 1197.6],
        "p_value": [1e-7, 0.48], "p_holm": [2e-7, 0.48], "significant": [True, False], "hedges_g": [0.31, 0.04],
        "g_ci_lower": [0.19, -0.07], "g_ci_upper": [0.42, 0.15],
    })  # fmt: skip
    return ComparisonResult(table=table, group_col="conditie", control="prijs", treatment="zorg")


def test_comparison_text_hedges_g_holm_and_value_labels():
    en = apa.comparison_text(_comparison(), "en")
    assert en.startswith(
        "On trust, the ‘Care leaflet’ group (*M* = 5.12, *SD* = 1.01) scored higher than the ‘Price leaflet’ group "
        "(*M* = 4.80, *SD* = 1.05), *t*(1198) = 5.30, *p*<sub>Holm</sub> < .001, *g* = 0.31, 95% CI [0.19, 0.42]."
    )
    assert "On satisfaction the ‘Care leaflet’ and ‘Price leaflet’ groups did not differ significantly" in en
    assert "‘Zorgfolder’" in apa.comparison_text(_comparison(), "nl")
    assert "prijs " not in en
    assert "zorg " not in en


@pytest.mark.parametrize(("lang", "words"), [("nl", "groepsgemiddelden worden niet vergeleken"),
                                             ("en", "group means are not compared")])  # fmt: skip
def test_group_means_not_compared_without_scalar_invariance(lang, words):
    assert words in apa.comparison_text(_comparison(), lang, means_comparable=False)

    class _Inv:
        group = "sector"
        table = pd.DataFrame({"step": ["configural", "metric", "scalar"],
                              "decision": ["baseline", "supported", "not_supported"]})  # fmt: skip

    assert words in apa.invariance_text(_Inv(), lang)
    _Inv.table = _Inv.table.assign(decision=["baseline", "supported", "supported"])
    assert words not in apa.invariance_text(_Inv(), lang)


def test_indirect_text_from_the_bootstrap_table():
    table = pd.DataFrame({"effect": ["gedeelde_waarden -> vertrouwen -> commitment", "ind"],
                          "est": [0.21, 0.21], "ci_lower": [0.15, 0.15], "ci_upper": [0.27, 0.27],
                          "n_boot": [1000, 1000]})  # fmt: skip
    en = apa.indirect_text(table, "en")
    assert en.count("The indirect effect") == 1  # a := parameter without a chain is not repeated
    assert "of shared values via trust on commitment was 0.21, 95% CI [0.15, 0.27]; the interval excludes zero" in en
    assert "1,000 bootstrap draws" in en
    assert "1.000 bootstrap-trekkingen" in apa.indirect_text(table, "nl")


SCALED = {**GOOD, "chisq_scaled": 150.5, "df_scaled": 115, "pvalue_scaled": 0.0141, "cfi_scaled": 0.981,
          "tli_scaled": 0.977, "rmsea_scaled": 0.0325, "rmsea_ci_lower_scaled": 0.017,
          "rmsea_ci_upper_scaled": 0.045}  # fmt: skip


@pytest.mark.parametrize(("lang", "stats", "words"), [
    ("en", "χ²(115) = 150.50, *p* = .014, CFI = .981, TLI = .977, RMSEA = .033, 90% CI [.017, .045], SRMR = .031",
     "Estimator: WLSMV (the answers as ordinal categories"),
    ("nl", "χ²(115) = 150,50, *p* = ,014, CFI = ,981, TLI = ,977, RMSEA = ,033, 90%-BI [,017; ,045], SRMR = ,031",
     "Schatter: WLSMV (de antwoorden als ordinale categorieën"),
])  # fmt: skip
def test_fit_text_of_wlsmv_names_the_estimator_and_uses_the_scaled_values(lang, stats, words):
    fit = _Fit(_est(PATHS), SCALED)
    fit.estimator = "WLSMV"
    text = apa.fit_text(fit, lang)
    assert stats in text
    assert words in text
    fit.estimator = "ML"  # the same indices under ML: the plain values, no estimator sentence
    assert "174" in apa.fit_text(fit, lang)
    assert words not in apa.fit_text(fit, lang)


def test_fit_text_of_mlr_says_which_indices_are_scaled():
    scaled = {k: v for k, v in SCALED.items() if not k.startswith("rmsea_") or not k.endswith("_scaled")}
    fit = _Fit(_est(PATHS), {k: v for k, v in scaled.items() if k != "rmsea_scaled"})  # MLR: no scaled RMSEA here
    fit.estimator = "MLR"
    text = apa.fit_text(fit, "en")
    assert "RMSEA = .021" in text  # the plain RMSEA, said as such
    assert "standard errors); χ², *p*, CFI and TLI are the scaled values." in text
