"""Tests of relatie_lab.scores: mean construct scores, the min_answered rule and reverse-key recoding."""

import numpy as np
import pandas as pd
import pytest

from relatie_lab import instrument
from relatie_lab.errors import DataQualityWarning, SurveyError
from relatie_lab.scores import construct_items, construct_scores, ensure_scores, recode_reverse


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c"],
            "sector": ["bank", "bank", "gemeente"],
            "com_1": [6.0, 2.0, 4.0],
            "com_2": [7.0, np.nan, 4.0],
            "com_3": [5.0, np.nan, np.nan],
            "com_4": [6.0, np.nan, np.nan],
            "com_5": [6.0, 3.0, 1.0],
        }
    )


def test_mean_of_answered_items_and_counts():
    s = construct_scores(_frame(), ["commitment"])
    assert s["n_answered_commitment"].tolist() == [5, 2, 3]
    assert s.loc[0, "commitment"] == pytest.approx(6.0)
    # c answered 3 of 5 (>= half): mean of the answered three
    assert s.loc[2, "commitment"] == pytest.approx(3.0)
    # b answered 2 of 5 (< half): missing, not the mean 2.5 of two items
    assert np.isnan(s.loc[1, "commitment"])
    assert s[["respondent_id", "sector"]].equals(_frame()[["respondent_id", "sector"]])


def test_min_answered_is_a_parameter():
    s = construct_scores(_frame(), ["commitment"], min_answered=0.4)
    assert s.loc[1, "commitment"] == pytest.approx(2.5)
    s = construct_scores(_frame(), ["commitment"], min_answered=1.0)
    assert s["commitment"].notna().tolist() == [True, False, False]


def test_parent_score_uses_the_items_of_its_facets():
    rng = np.random.default_rng(3)
    items = construct_items("vertrouwen_blok")
    assert set(construct_items("vertrouwen_cognitief")) < set(items)
    df = pd.DataFrame(rng.integers(1, 8, size=(20, len(items))).astype(float), columns=items)
    s = construct_scores(df, ["vertrouwen_blok", "vertrouwen_cognitief", "vertrouwen_affectief"])
    np.testing.assert_allclose(s["vertrouwen_blok"], df[items].mean(axis=1))
    np.testing.assert_allclose(s["vertrouwen_cognitief"], df[construct_items("vertrouwen_cognitief")].mean(axis=1))


def test_default_scores_every_construct_with_items_in_the_frame():
    s = construct_scores(_frame())
    assert [c for c in s.columns if not c.startswith("n_answered_")] == ["respondent_id", "sector", "commitment"]


def test_errors_are_plain_language():
    with pytest.raises(SurveyError, match=r"Onbekend construct 'loyaliteit'. Kies een van .*commitment"):
        construct_scores(_frame(), ["loyaliteit"])
    with pytest.raises(SurveyError, match=r"Geen enkel item van construct 'vertrouwen'.*Controleer de kolomnamen"):
        construct_scores(_frame(), ["vertrouwen"])
    with pytest.raises(SurveyError, match="method='mean'"):
        construct_scores(_frame(), ["commitment"], method="sum")
    with pytest.raises(SurveyError, match="min_answered moet een aandeel"):
        construct_scores(_frame(), ["commitment"], min_answered=0)


@pytest.mark.parametrize(
    ("lang", "unknown", "no_items", "no_scores"),
    [
        ("nl", "Onbekend construct 'loyaliteit'", "Geen enkel item van construct 'vertrouwen'",
         "Geen enkele respondent heeft genoeg antwoorden voor commitment.*verlaag min_answered"),
        ("en", "Unknown construct 'loyaliteit'", "None of the items of construct 'vertrouwen'",
         "No respondent has enough answers for commitment.*lower min_answered"),
    ],
)  # fmt: skip
def test_score_messages_are_dutch_by_default_and_english_on_request(lang, unknown, no_items, no_scores):
    with pytest.raises(SurveyError, match=unknown):
        construct_scores(_frame(), ["loyaliteit"], lang=lang)
    with pytest.raises(SurveyError, match=no_items):
        construct_scores(_frame(), ["vertrouwen"], lang=lang)
    empty = _frame().assign(**{item: np.nan for item in construct_items("commitment")})
    with pytest.warns(DataQualityWarning, match=no_scores):
        ensure_scores(empty, ["commitment"], lang=lang)


def test_recode_reverse_uses_the_instrument():
    reverse = instrument.items().query("reverse").index.tolist()
    assert "vt_4" in reverse
    df = pd.DataFrame({"vt_4": [1.0, 2.0, np.nan], "vt_1": [1.0, 2.0, 3.0]})
    out = recode_reverse(df)
    assert out["vt_4"].tolist()[:2] == [7.0, 6.0]
    assert np.isnan(out["vt_4"].iloc[2])
    assert out["vt_1"].tolist() == [1.0, 2.0, 3.0]
    pd.testing.assert_frame_equal(recode_reverse(out), df)


def test_ensure_scores_keeps_existing_and_adds_missing():
    df = _frame().assign(vertrouwen=[1.0, 2.0, 3.0])
    out = ensure_scores(df, ["vertrouwen", "commitment"])
    assert out["vertrouwen"].tolist() == [1.0, 2.0, 3.0]
    assert "commitment" in out


def test_values_outside_the_scale_are_refused():
    df = _frame()
    df.loc[1, "com_2"] = -99.0
    with pytest.raises(SurveyError, match=r"'com_2' heeft 1 waarde\(n\) buiten de schaal 1-7 \(rijen 1; .*waarde -99"):
        construct_scores(df, ["commitment"])
    with pytest.raises(SurveyError, match=r"'com_2' has 1 value\(s\) outside its scale 1-7 \(rows 1; .*load_survey"):
        construct_scores(df, ["commitment"], lang="en")


# --- a codebook of one's own --------------------------------------------------------------------------------------


def test_renamed_codebook_gives_the_same_scores(codebooks):
    shipped = construct_scores(codebooks.frame)
    own = construct_scores(codebooks.renamed, instrument=codebooks.renamed_instrument)
    pd.testing.assert_frame_equal(own, shipped)
    assert set(instrument.constructs().index) <= set(shipped.columns)  # every construct scored
    by_path = ensure_scores(codebooks.renamed, ["klantbeleving", "markt"], instrument=codebooks.renamed_path)
    pd.testing.assert_series_equal(by_path["markt"], shipped["markt"])
    recoded = recode_reverse(codebooks.renamed_raw, instrument=codebooks.renamed_path)
    pd.testing.assert_frame_equal(recoded, codebooks.renamed)
    assert construct_items("vertrouwen", instrument=codebooks.renamed_instrument) == [
        codebooks.names[i] for i in construct_items("vertrouwen")
    ]
    with pytest.raises(SurveyError, match="kb_1"):  # the shipped codebook finds none of the renamed items
        construct_scores(codebooks.renamed, ["klantbeleving"])


def test_own_items_of_a_pol_construct_are_used(codebooks):
    shipped = construct_scores(codebooks.frame, ["vertrouwen", "commitment"])
    own = construct_scores(codebooks.frame, ["vertrouwen", "commitment"], instrument=codebooks.swapped)
    pd.testing.assert_series_equal(own["vertrouwen"], shipped["commitment"], check_names=False)
    pd.testing.assert_series_equal(own["commitment"], shipped["vertrouwen"], check_names=False)
    assert (own["n_answered_vertrouwen"].max(), shipped["n_answered_vertrouwen"].max()) == (5, 4)
    assert not np.allclose(own["vertrouwen"], shipped["vertrouwen"], equal_nan=True)


# --- factor scores -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def complete() -> pd.DataFrame:
    from relatie_lab.simulate import simulate_survey

    df, _ = simulate_survey(n=600, seed=5, missing_codes=False, mcar_rate=0.0, mar_rate=0.0, careless_rate=0.0)
    return recode_reverse(df)


def test_factor_scores_match_semopy_on_complete_data(complete):
    import semopy

    items = construct_items("commitment")
    s = construct_scores(complete, ["commitment"], method="factor")
    model = semopy.Model("F =~ " + " + ".join(items))
    model.fit(complete[items].astype(float))
    ref = model.predict_factors(complete[items].astype(float))["F"].to_numpy()  # semopy's regression scores
    np.testing.assert_allclose(s["commitment"], ref, atol=5e-3)
    assert s["commitment"].mean() == pytest.approx(0.0, abs=1e-8)
    means = construct_scores(complete, ["commitment"])["commitment"]
    assert np.corrcoef(s["commitment"], means)[0, 1] > 0.95


def test_factor_scores_use_the_answered_items(complete):
    rng = np.random.default_rng(0)
    items = construct_items("commitment")
    holes = complete.copy()
    holes[items] = holes[items].astype(float).mask(rng.random((len(holes), len(items))) < 0.15)
    full = construct_scores(complete, ["commitment"], method="factor")["commitment"]
    part = construct_scores(holes, ["commitment"], method="factor")
    ok = part["commitment"].notna()
    assert (part.loc[~ok, "n_answered_commitment"] < 3).all()  # too few answers: missing, not a biased score
    assert np.corrcoef(full[ok], part.loc[ok, "commitment"])[0, 1] > 0.9
    # a respondent with all items answered gets the same score as in the complete data up to the refit
    whole = (part["n_answered_commitment"] == len(items)).to_numpy()
    assert np.corrcoef(full[whole], part.loc[whole, "commitment"])[0, 1] > 0.999


def test_factor_scores_need_three_items(complete):
    with pytest.raises(SurveyError, match=r"minstens 3.*Gebruik method='mean'"):
        construct_scores(complete, ["keuzevrijheid_kanaal"], method="factor")
    with pytest.raises(SurveyError, match=r"at least 3.*Use method='mean'"):
        construct_scores(complete, ["keuzevrijheid_kanaal"], method="factor", lang="en")
    from relatie_lab.errors import ModelWarning

    few = complete[["respondent_id", *construct_items("commitment"), *construct_items("keuzevrijheid_kanaal")]]
    with pytest.warns(ModelWarning, match="keuzevrijheid_kanaal"):
        s = construct_scores(few, method="factor")
    assert "commitment" in s
    assert "keuzevrijheid_kanaal" not in s
