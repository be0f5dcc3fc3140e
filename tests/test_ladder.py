"""Tests of relatie_lab.ladder: the level rule, the funnel, the break, and recovery of the simulated funnel."""


import numpy as np
import pandas as pd
import pytest

from relatie_lab.errors import SurveyError
from relatie_lab.ladder import LADDER, ladder_funnel, ladder_levels


def _scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": list("abcdef"),
            "sector": ["bank"] * 3 + ["gemeente"] * 3,
            "klantbeleving": [6.0, 6.0, 4.0, np.nan, 6.0, 6.0],
            "gedeelde_waarden": [5.0, 3.0, 6.0, 6.0, np.nan, 6.0],
            "vertrouwen": [6.0, 6.0, 6.0, 6.0, 6.0, 6.0],
            "commitment": [4.0, 6.0, 6.0, 6.0, 6.0, 6.0],
            "betrokkenheid": [6.0, 6.0, 6.0, 6.0, 6.0, 5.0],
        }
    )


def test_level_is_highest_rung_with_all_lower_rungs():
    lv = ladder_levels(_scores())
    # a: stops at commitment; b: fails gedeelde waarden (higher rungs do not count); c: fails the first rung;
    # d: first rung missing -> unknown; e: missing on a rung it still had to pass -> unknown; f: top
    assert lv["level"].tolist()[:3] == [3.0, 1.0, 0.0]
    assert np.isnan(lv.loc[3, "level"])
    assert np.isnan(lv.loc[4, "level"])
    assert lv.loc[5, "level"] == 5.0
    assert lv["reached_klantbeleving"].tolist()[:3] == [True, True, False]
    assert pd.isna(lv.loc[3, "reached_klantbeleving"])


def test_missing_above_a_failed_rung_does_not_matter():
    s = _scores().assign(vertrouwen=[6.0, np.nan, 6.0, 6.0, 6.0, 6.0])
    assert ladder_levels(s).loc[1, "level"] == 1.0


def test_thresholds_are_parameters():
    assert ladder_levels(_scores(), thresholds=6.0)["level"].tolist()[:3] == [1.0, 1.0, 0.0]
    assert ladder_levels(_scores(), thresholds={"commitment": 4.0}).loc[0, "level"] == 5.0
    with pytest.raises(SurveyError, match=r"onbekende treden loyaliteit. De treden .*: klantbeleving"):
        ladder_levels(_scores(), thresholds={"loyaliteit": 4.0})
    with pytest.raises(SurveyError, match=r"unknown rungs loyaliteit. The rungs .*: klantbeleving"):
        ladder_levels(_scores(), thresholds={"loyaliteit": 4.0}, lang="en")


@pytest.mark.parametrize(("lang", "text"), [("nl", "Groepskolom 'regio' staat niet"), ("en", "Group column 'regio'")])
def test_unknown_group_column_is_a_plain_error_in_both_languages(lang, text):
    with pytest.raises(SurveyError, match=f"{text}.*: .*level"):
        ladder_funnel(_scores(), by="regio", lang=lang)


def test_funnel_counts_shares_and_break():
    res = ladder_funnel(_scores())
    f = res.funnel.set_index("rung")
    assert list(f.index) == list(LADDER)
    assert f["n_total"].iloc[0] == 4  # two respondents with an unknown level
    assert f["n_reached"].tolist() == [3, 2, 2, 1, 1]
    assert f["share"].tolist() == pytest.approx([0.75, 0.5, 0.5, 0.25, 0.25])
    assert f["drop"].tolist() == pytest.approx([0.25, 0.25, 0.0, 0.25, 0.0])
    assert res.breaks["rung"].tolist() == ["klantbeleving"]  # ties: the lowest rung with the largest drop
    assert ((f["ci_lower"] <= f["share"]) & (f["share"] <= f["ci_upper"])).all()


def test_funnel_by_group():
    res = ladder_funnel(_scores(), by="sector")
    assert set(res.funnel["sector"]) == {"bank", "gemeente"}
    assert res.funnel.groupby("sector")["is_break"].sum().tolist() == [1, 1]
    g = res.funnel[res.funnel.sector == "gemeente"].set_index("rung")
    assert g["n_total"].iloc[0] == 1


def test_summary_and_plot():
    import matplotlib.pyplot as plt

    res = ladder_funnel(_scores())
    assert "Ladder breaks here" in res.summary("en").columns
    fig = res.plot("en")
    ax = fig.axes[0]
    assert ax.get_title() == "Ladder of Engagement"
    assert ax.get_ylabel() == "Rung of the ladder"
    plt.close(fig)


# --- recovery of the simulated funnel (truth from relatie_lab.simulate) ----------------------------------------


def _funnel_z(funnel: pd.DataFrame, truth: dict, threshold: str) -> pd.Series:
    """(observed - true share) / SE of a sample share, per rung."""
    true = funnel["rung"].map(truth["ladder"]["by_threshold"][threshold]["funnel"])
    se = np.sqrt(true * (1 - true) / funnel["n_total"])
    return (funnel["share"] - true) / se


@pytest.mark.parametrize("sample", ["demo", "large"])
def test_funnel_within_sampling_error_of_the_truth(sample, request):
    df, truth = request.getfixturevalue(sample)
    assert truth["ladder"]["default_threshold"] == 5.0
    res = ladder_funnel(df)
    assert res.funnel["n_total"].iloc[0] > 0.95 * len(df)  # almost everyone has a known level
    z = _funnel_z(res.funnel, truth, "5.0")
    assert (z.abs() < 4).all(), res.funnel.assign(z=z)
    # the check can fail: the funnel at another threshold is far from the truth at 5.0 ...
    z_other = _funnel_z(ladder_funnel(df, thresholds=5.5).funnel, truth, "5.0")
    assert (z_other.abs() > 4).any()
    # ... and matches the truth at its own threshold
    assert (_funnel_z(ladder_funnel(df, thresholds=5.5).funnel, truth, "5.5").abs() < 4).all()


def test_ladder_breaks_where_the_population_ladder_breaks(large):
    df, truth = large
    true = pd.Series(truth["ladder"]["by_threshold"]["5.0"]["funnel"])
    true_drop = -true.diff().fillna(true.iloc[0] - 1.0)
    assert ladder_funnel(df).breaks["rung"].tolist() == [true_drop.idxmax()]


def test_level_shares_match_the_truth(large):
    df, truth = large
    lv = ladder_levels(df)["level"].dropna()
    true = pd.Series(truth["ladder"]["by_threshold"]["5.0"]["level_shares"]).rename(index=float)
    observed = lv.value_counts(normalize=True).reindex(true.index, fill_value=0.0)
    se = np.sqrt(true * (1 - true) / len(lv))
    assert ((observed - true).abs() < 4 * se).all()


# --- the chain model (SEM engine) -------------------------------------------------------------------------------


@pytest.mark.slow
def test_ladder_model_chain_matches_the_population_paths(demo):
    from relatie_lab.ladder import ladder_model
    from relatie_lab.simulate import implied_paths

    df, truth = demo
    res = ladder_model(df)
    assert res.fit.converged
    chain = res.chain
    assert chain.loc[chain["is_chain"], ["lhs", "rhs"]].values.tolist() == [
        ["gedeelde_waarden", "klantbeleving"],
        ["vertrouwen", "gedeelde_waarden"],
        ["commitment", "vertrouwen"],
        ["betrokkenheid", "commitment"],
    ]
    predictors = chain.groupby("lhs")["rhs"].apply(list).to_dict()
    pairs = zip(chain["lhs"], chain["rhs"], strict=True)
    true = np.array([implied_paths(truth, lhs, predictors[lhs])[rhs] for lhs, rhs in pairs])
    se_std = chain["se"] * chain["std_all"] / chain["est"]  # SE on the standardised scale
    assert ((chain["std_all"] - true).abs() < 4 * se_std).all(), chain.assign(truth=true)
    # the check can fail: the population value of commitment ~ gedeelde_waarden without trust in the model is far off
    wrong = implied_paths(truth, "commitment", ["gedeelde_waarden"])["gedeelde_waarden"]
    row = chain[(chain["lhs"] == "commitment") & (chain["rhs"] == "gedeelde_waarden")].iloc[0]
    assert abs(row["std_all"] - wrong) > 4 * row["se"] * row["std_all"] / row["est"]
    summary = res.summary("en")
    assert summary.loc[0, "lhs"] == "Shared values"


def test_ladder_without_a_rung_climbs_the_others():
    """A survey without commitment items: the funnel and the chain model use the four rungs that are there."""
    import warnings

    from relatie_lab.models import ladder
    from relatie_lab.scores import recode_reverse
    from relatie_lab.simulate import simulate_survey

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = simulate_survey(n=300, seed=4, missing_codes=False)
    df = recode_reverse(df).drop(columns=[f"com_{i}" for i in range(1, 6)])
    rungs = ["klantbeleving", "gedeelde_waarden", "vertrouwen", "betrokkenheid"]
    res = ladder_funnel(df, rungs=rungs)
    assert res.funnel["rung"].tolist() == rungs
    assert res.levels["level"].max() <= 4
    syntax = ladder(rungs=rungs)
    assert "commitment =~" not in syntax
    assert " ~ l4" not in syntax
    assert "betrokkenheid ~ l3*vertrouwen" in syntax
    assert "vertrouwen ~ l2*gedeelde_waarden + klantbeleving" in syntax
    assert "keten := l1*l2*l3" in syntax
    assert ladder(rungs=["vertrouwen", "commitment"]).count(" ~ ") == 1  # two rungs: one path, nothing to define


# --- a codebook of one's own --------------------------------------------------------------------------------------


def test_renamed_codebook_gives_the_same_ladder(codebooks):
    from relatie_lab.ladder import ladder_model

    own = codebooks.renamed_instrument
    for by in (None, "sector"):
        shipped = ladder_funnel(codebooks.frame, by=by)
        renamed = ladder_funnel(codebooks.renamed, by=by, instrument=own)
        pd.testing.assert_frame_equal(renamed.funnel, shipped.funnel)
        pd.testing.assert_frame_equal(renamed.levels, shipped.levels)
    rungs = ["klantbeleving", "vertrouwen", "commitment"]
    partial = ladder_funnel(codebooks.renamed, rungs=rungs, instrument=codebooks.renamed_path)
    pd.testing.assert_frame_equal(partial.funnel, ladder_funnel(codebooks.frame, rungs=rungs).funnel)
    with pytest.raises(SurveyError, match="kb_1"):  # without the codebook the renamed items are not found
        ladder_funnel(codebooks.renamed)
    shipped_fit = ladder_model(codebooks.frame, rungs=rungs)
    renamed_fit = ladder_model(codebooks.renamed, rungs=rungs, instrument=own)
    pd.testing.assert_frame_equal(renamed_fit.chain, shipped_fit.chain)
    est = renamed_fit.fit.estimates.assign(lhs=lambda t: t["lhs"].map(codebooks.shipped_ids),
                                           rhs=lambda t: t["rhs"].map(codebooks.shipped_ids))  # fmt: skip
    pd.testing.assert_frame_equal(est, shipped_fit.fit.estimates)


def test_own_items_of_a_pol_construct_are_used(codebooks):
    from relatie_lab.scores import construct_scores

    s = construct_scores(codebooks.frame, [*LADDER, "betrokkenheid_organisatie"])
    # the swapped codebook measures trust by the commitment items and so on (SWAPS in conftest.py)
    expected = ladder_levels(s.assign(vertrouwen=s["commitment"], commitment=s["vertrouwen"],
                                      gedeelde_waarden=s["betrokkenheid_organisatie"]).drop(
                                          columns=["betrokkenheid_organisatie"]))  # fmt: skip
    own = ladder_levels(codebooks.frame, instrument=codebooks.swapped)
    pd.testing.assert_frame_equal(own, expected)
    assert not own["level"].equals(ladder_levels(codebooks.frame)["level"])
