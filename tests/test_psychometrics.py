"""relatie_lab.psychometrics against semTools 0.5.6 / psych 2.2.9 (tests/fixtures/lavaan/ct_reliability.json).

The reference values were made by tests/fixtures/lavaan/make_fixtures.R on simulated Commitment-Trust data (N=400
complete; N=350 with 8% missing answers). Tolerance 1e-3 (issue 3).
"""

from __future__ import annotations

import json
import re
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relatie_lab.errors import DataQualityWarning, ModelWarning, SurveyError
from relatie_lab.psychometrics import cronbach_alpha, htmt, reliability, validity

FIXTURES = Path(__file__).parent / "fixtures" / "lavaan"
TOL = 1e-3
DATA = {"complete": "ct_complete.csv", "missing": "ct_missing.csv", "demo": "demo_ct.csv"}


@cache
def reference() -> dict:
    return json.loads((FIXTURES / "ct_reliability.json").read_text(encoding="utf-8"))


@cache
def _data(kind: str) -> pd.DataFrame:
    data = pd.read_csv(FIXTURES / DATA[kind])
    if kind != "demo":  # the simulated files store vt_4 reverse-keyed (recoded as in make_fixtures.R)
        data["vt_4"] = 8 - data["vt_4"]
    return data


def data(kind: str) -> pd.DataFrame:
    return _data(kind).copy()


def constructs() -> dict[str, list[str]]:
    return reference()["constructs"]


def joint_reference(kind: str) -> dict:
    """cor_lv, ave, htmt, htmt2 of the joint CFA for the data set ``kind``."""
    if kind == "demo":
        return reference()["demo"]
    joint, prefix = reference()["joint"], "" if kind == "complete" else "fiml_"
    return {key: joint[prefix + key] for key in ("cor_lv", "ave", "htmt", "htmt2")}


def matrix(entry: dict) -> pd.DataFrame:
    return pd.DataFrame(entry["values"], index=entry["names"], columns=entry["names"])


@cache
def _table(kind: str) -> pd.DataFrame:
    return reliability(_data(kind), constructs())


@pytest.mark.parametrize("kind", ["complete", "missing", "demo"])
def test_reliability_matches_semtools_and_psych(kind):
    """alpha (psych::alpha raw_alpha, Feldt CI), omega (compRelSEM), CR (std. loadings) and AVE (semTools::AVE).

    # R: psych::alpha(data[, items]); fit <- cfa("<c> =~ <items>", data, missing = "ml"); compRelSEM(fit); AVE(fit)
    """
    ref = pd.DataFrame(reference()[kind]["one_factor"]).set_index("construct")
    table = _table(kind).set_index("construct")
    assert list(table.index) == list(ref.index)
    assert (table["n_items"] == ref["n_items"]).all()
    assert (table["n"] == ref["n"]).all()
    pairs = {
        "cronbach_alpha": "alpha_raw",
        "alpha_ci_lower": "alpha_feldt_lower",
        "alpha_ci_upper": "alpha_feldt_upper",
        "omega": "omega",
        "composite_reliability": "cr_std",
        "ave": "ave",
    }
    for ours, theirs in pairs.items():
        diff = (table[ours] - ref[theirs]).abs()
        assert diff.max() < TOL, f"{ours} differs from R's {theirs}: {diff.to_dict()}"


def test_alpha_agrees_with_pingouin():
    """pingouin.cronbach_alpha gives the same alpha; its interval is rounded to 3 decimals."""
    import pingouin

    values = data("missing")[constructs()["commitment"]]
    alpha, lower, upper = cronbach_alpha(values)
    p_alpha, p_ci = pingouin.cronbach_alpha(values, nan_policy="pairwise")
    assert alpha == pytest.approx(p_alpha, abs=1e-12)
    assert [lower, upper] == pytest.approx(list(p_ci), abs=5.01e-4)


@pytest.mark.parametrize("kind", ["complete", "missing", "demo"])
def test_htmt_matches_semtools(kind):
    """# R: semTools::htmt(model, data, htmt2 = FALSE) and htmt2 = TRUE (missing = "ml" for missing answers)."""
    joint = joint_reference(kind)
    for geometric, key in ((False, "htmt"), (True, "htmt2")):
        ours = htmt(data(kind), constructs(), geometric=geometric)
        theirs = matrix(joint[key])
        assert np.abs(ours.loc[theirs.index, theirs.columns].to_numpy() - theirs.to_numpy()).max() < TOL


@pytest.mark.parametrize("kind", ["complete", "missing", "demo"])
def test_fornell_larcker_matches_lavaan(kind):
    """sqrt(AVE) on the diagonal, latent correlations off it, from one joint CFA.

    # R: fit <- cfa(joint_model, data, missing = "ml"); lavInspect(fit, "cor.lv"); semTools::AVE(fit)
    """
    joint = joint_reference(kind)
    result = validity(data(kind), constructs())
    names = list(constructs())
    cor = matrix(joint["cor_lv"]).loc[names, names]
    ave = pd.Series(joint["ave"])[names]
    expected = cor.to_numpy().copy()
    np.fill_diagonal(expected, np.sqrt(ave.to_numpy()))
    table = result.fornell_larcker
    assert np.abs(table[names].to_numpy() - expected).max() < TOL
    assert np.abs(result.ave[names].to_numpy() - ave.to_numpy()).max() < TOL
    off = np.abs(cor.to_numpy()) - np.eye(len(names))
    assert table["passes"].tolist() == list(np.sqrt(ave.to_numpy()) > off.max(axis=1))
    assert np.abs(result.htmt.loc[names, names].to_numpy() - matrix(joint["htmt"]).to_numpy()).max() < TOL


def _two_similar_constructs(n: int = 300, r: float = 0.97, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 3))
    f[:, 1] = r * f[:, 0] + np.sqrt(1 - r**2) * f[:, 1]
    cols = {}
    for k, name in enumerate(("a", "b", "c")):
        for i in range(1, 4):
            cols[f"{name}{i}"] = 0.8 * f[:, k] + 0.6 * rng.normal(size=n)
    return pd.DataFrame(cols)


def test_validity_flags_constructs_that_are_not_distinct():
    df = _two_similar_constructs()
    spec = {"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"], "c": ["c1", "c2", "c3"]}
    result = validity(df, spec)
    fl = result.fornell_larcker
    assert fl["passes"].tolist() == [False, False, True]
    pairs = result.htmt_pairs.set_index(["construct_a", "construct_b"])
    assert bool(pairs.loc[("a", "b"), "above_090"])
    assert not pairs.loc[("a", "c"), "above_085"]
    nl, en = result.summary(), result.summary("en")
    assert "niet voldaan voor a, b" in nl
    assert "not met for a, b" in en
    assert "HTMT a - b" in en
    assert "above 0.90" in en
    assert "boven 0,90" in nl


def test_two_item_construct_is_tau_equivalent_and_omega_equals_alpha():
    df = _two_similar_constructs()
    table = reliability(df, {"a": ["a1", "a2"]})
    row = table.iloc[0]
    assert row["model"] == "tau_equivalent"
    assert row["omega"] == pytest.approx(row["cronbach_alpha"], abs=1e-6)


def test_constructs_from_the_instrument():
    """Default: every instrument construct with >= 2 of its own items in the data; ids take the instrument's items."""
    df = data("complete")
    table = reliability(df[["gw_1", "gw_2", "gw_3", "vt_1", "vt_2", "vt_3", "vt_4", "com_1"]])
    assert table["construct"].tolist() == ["gedeelde_waarden", "vertrouwen"]
    assert table["n_items"].tolist() == [3, 4]
    by_id = reliability(df, ["commitment"])
    assert by_id.loc[0, "n_items"] == 5
    assert by_id.loc[0, "omega"] == pytest.approx(_table("complete").set_index("construct").loc["commitment", "omega"])


def test_missing_item_is_reported_and_left_out():
    df = data("complete").drop(columns=["com_5"])
    with pytest.warns(DataQualityWarning, match="com_5"):
        table = reliability(df, ["commitment"])
    assert table.loc[0, "n_items"] == 4


def test_unrecoded_reverse_item_is_reported():
    df = data("complete")
    df["vt_4"] = 8 - df["vt_4"]  # back to the questionnaire's reverse keying
    with pytest.warns(DataQualityWarning, match="vt_4"):
        reliability(df, {"vertrouwen": constructs()["vertrouwen"]})


def test_listwise_uses_complete_rows_only():
    df = data("missing")
    items = constructs()["commitment"]
    table = reliability(df, {"commitment": items}, missing="listwise")
    assert table.loc[0, "n"] == int(df[items].notna().all(axis=1).sum())


def test_bad_input_gives_plain_errors():
    df = data("complete")
    with pytest.raises(SurveyError, match="none of its items"):
        reliability(df, {"x": ["nope_1", "nope_2"]})
    df["gw_1"] = df["gw_1"].astype(str)
    with pytest.raises(SurveyError, match="gw_1"):
        reliability(df, {"gedeelde_waarden": ["gw_1", "gw_2", "gw_3"]})
    with pytest.raises(SurveyError, match="two constructs"):
        validity(df, {"vertrouwen": constructs()["vertrouwen"]})
    with pytest.raises(ValueError, match="missing"):
        reliability(df, missing="pairwise")


def test_single_item_construct_gives_empty_row_and_warning():
    df = data("complete")
    with pytest.warns(DataQualityWarning, match="only one item"):
        table = reliability(df, {"x": ["gw_1"], "gedeelde_waarden": ["gw_1", "gw_2", "gw_3"]}, lang="en")
    assert table["n_items"].tolist() == [1, 3]
    assert table.loc[0, ["cronbach_alpha", "omega", "composite_reliability", "ave"]].isna().all()
    assert table.loc[1, ["cronbach_alpha", "omega"]].notna().all()


def test_package_level_call():
    """``relatie_lab.reliability(...)`` is the function of issue 3, not a module."""
    import relatie_lab

    df = data("complete")
    spec = {"vertrouwen": constructs()["vertrouwen"]}
    pd.testing.assert_frame_equal(relatie_lab.reliability(df, spec), reliability(df, spec))


@pytest.mark.slow
def test_demo_survey_all_constructs():
    """On the shipped demo survey (a loaded SurveyData) every multi-item construct gets a row; two-item ones are
    tau-equivalent (omega = alpha up to the N vs N-1 and FIML vs pairwise difference) and the values are plausible."""
    import relatie_lab
    from relatie_lab import instrument
    from relatie_lab.paths import DEMO_CSV

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # the demo's careless respondents are flagged
        survey = relatie_lab.load_survey(DEMO_CSV)
    table = reliability(survey).set_index("construct")
    counts = instrument.items().groupby("construct").size()
    assert set(table.index) == set(counts.index[counts >= 2])
    assert (table["n_items"] == counts[table.index]).all()
    assert table[["cronbach_alpha", "omega", "composite_reliability", "ave"]].notna().all().all()
    assert table["omega"].between(0.5, 1).all()
    assert table["ave"].between(0.2, 1).all()
    assert (table["alpha_ci_lower"] < table["cronbach_alpha"]).all()
    assert (table["cronbach_alpha"] < table["alpha_ci_upper"]).all()
    two = table[table["n_items"] == 2]
    assert (two["model"] == "tau_equivalent").all()
    assert np.abs(two["omega"] - two["cronbach_alpha"]).max() < 0.02


@pytest.mark.parametrize(
    ("lang", "absent", "single", "negative"),
    [
        ("nl", "staan niet in de data", "maar een item", r"correleert negatief .*\(r = -0,\d\d\)"),
        ("en", "are not in the data", "only one item", r"correlates negatively .*\(r = -0\.\d\d\)"),
    ],
)
def test_reliability_warnings_in_both_languages(lang, absent, single, negative):
    df = data("complete").drop(columns=["com_5"])
    df["vt_4"] = 8 - df["vt_4"]  # back to the questionnaire's reverse keying
    spec = {"commitment": constructs()["commitment"], "x": ["gw_1"], "vertrouwen": constructs()["vertrouwen"]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reliability(df, spec, lang=lang)
    messages = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    for pattern in (f"'commitment'.*com_5.*{absent}", f"'x'.*{single}", f"'vertrouwen'.*vt_4.*{negative}"):
        assert any(re.search(pattern, m) for m in messages), (pattern, messages)


@pytest.mark.parametrize(
    ("lang", "prefix", "few", "absent"),
    [
        ("nl", "CFA voor de validiteit", "Weinig respondenten", "staan niet in de data"),
        ("en", "Validity CFA", "Few respondents", "are not in the data"),
    ],
)
def test_validity_warnings_in_both_languages(lang, prefix, few, absent):
    spec = {"gedeelde_waarden": ["gw_1", "gw_2", "gw_3", "gw_9"], "vertrouwen": ["vt_1", "vt_2", "vt_3"]}
    df = data("complete").head(40)  # too few respondents for the joint CFA: the engine warns
    with pytest.warns(DataQualityWarning, match=f"gw_9 {absent}"), pytest.warns(ModelWarning) as caught:
        result = validity(df, spec, lang=lang)
    model_messages = [str(w.message) for w in caught if issubclass(w.category, ModelWarning)]
    assert any(m.startswith(f"{prefix}: {few}") for m in model_messages), model_messages
    assert any(m.startswith(few) for m in result.warnings), result.warnings


def test_language_is_checked():
    with pytest.raises(ValueError, match="Unknown language"):
        validity(data("complete"), constructs(), lang="de")


# --- a codebook of one's own --------------------------------------------------------------------------------------

TOP_RUNGS = ["vertrouwen", "commitment", "betrokkenheid"]


def test_renamed_codebook_gives_the_same_reliability_and_validity(codebooks):
    own = codebooks.renamed_instrument
    shipped = reliability(codebooks.frame)
    pd.testing.assert_frame_equal(reliability(codebooks.renamed, instrument=own), shipped)
    assert len(shipped) >= 20
    assert shipped["omega"].notna().all()
    shipped_val = validity(codebooks.frame, TOP_RUNGS)
    renamed_val = validity(codebooks.renamed, TOP_RUNGS, instrument=codebooks.renamed_path)
    pd.testing.assert_frame_equal(renamed_val.fornell_larcker, shipped_val.fornell_larcker)
    pd.testing.assert_frame_equal(renamed_val.htmt, shipped_val.htmt)
    with pytest.raises(SurveyError, match="No construct of the instrument"):
        reliability(codebooks.renamed)


def test_loaded_survey_brings_its_own_codebook(codebooks, tmp_path):
    from relatie_lab.loaders import load_survey

    path = tmp_path / "survey.csv"
    codebooks.renamed_raw.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the data-quality warnings of the simulated careless respondents
        survey = load_survey(path, instrument=codebooks.renamed_instrument, salt="zout")
    spec = ["vertrouwen", "commitment"]
    expected = reliability(survey.data, spec, instrument=codebooks.renamed_instrument)
    pd.testing.assert_frame_equal(reliability(survey, spec), expected)
    assert expected["n_items"].tolist() == [4, 5]


def test_own_items_of_a_pol_construct_are_used(codebooks):
    # the swapped codebook measures trust by the commitment items and commitment by the trust items
    own = reliability(codebooks.frame, ["vertrouwen"], instrument=codebooks.swapped)
    expected = reliability(codebooks.frame, ["commitment"])
    pd.testing.assert_frame_equal(own.drop(columns="construct"), expected.drop(columns="construct"))
    assert own["n_items"].tolist() == [5]
