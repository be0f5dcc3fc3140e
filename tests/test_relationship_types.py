"""Tests of relatie_lab.relationship_types: the dominance rule, recovery of the simulated type, distributions."""


import numpy as np
import pandas as pd
import pytest

from relatie_lab.errors import SurveyError
from relatie_lab.relationship_types import MIXED, relationship_profile, type_distribution


def _scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": list("abcdef"),
            "sector": ["bank", "bank", "bank", "gemeente", "gemeente", "gemeente"],
            "markt": [6.0, 4.0, 5.0, 3.0, np.nan, 5.0],
            "gezag": [3.0, 4.2, 3.0, 6.0, 5.0, 5.0],
            "betekenis": [4.0, 4.1, 6.5, 4.0, 4.0, 5.0],
        }
    )


def test_rule_dominant_mixed_and_missing():
    p = relationship_profile(_scores(), threshold=0.5)
    assert p["dominant_type"].tolist()[:4] == ["markt", "gezag", "betekenis", "gezag"]
    assert p["relationship_type"].tolist()[:4] == ["markt", MIXED, "betekenis", "gezag"]
    assert pd.isna(p.loc[4, "relationship_type"])  # no markt score: no type
    assert p.loc[5, "relationship_type"] == MIXED  # a three-way tie is never a type
    assert p.loc[0, "margin"] == pytest.approx(2.0)
    centred = p.loc[0, ["markt_centred", "gezag_centred", "betekenis_centred"]].astype(float)
    np.testing.assert_allclose(centred, [5 / 3, -4 / 3, -1 / 3])


def test_threshold_is_a_parameter():
    assert relationship_profile(_scores(), threshold=0.05)["relationship_type"].tolist()[1] == "gezag"
    assert relationship_profile(_scores(), threshold=2.5)["relationship_type"].tolist()[:4] == [MIXED] * 4
    with pytest.raises(SurveyError):
        relationship_profile(_scores(), threshold=-1)


def test_unknown_group_column_is_a_plain_error():
    with pytest.raises(SurveyError, match=r"Groepskolom 'regio' staat niet in de enquête. Kies een van"):
        relationship_profile(_scores(), by="regio")
    with pytest.raises(SurveyError, match="Groepskolom 'regio'"):
        type_distribution(_scores(), by="regio")
    with pytest.raises(SurveyError, match=r"Group column 'regio' is not in the survey. Choose one of"):
        relationship_profile(_scores(), by="regio", lang="en")
    with pytest.raises(SurveyError, match="Group column 'regio'"):
        type_distribution(_scores(), by="regio", lang="en")
    with pytest.raises(SurveyError, match="threshold moet 0 of meer"):
        relationship_profile(_scores(), threshold=-1)
    with pytest.raises(SurveyError, match="threshold must be 0 or more"):
        relationship_profile(_scores(), threshold=-1, lang="en")


def test_distribution_shares_and_wilson_ci():
    res = type_distribution(_scores(), by="sector", threshold=0.5)
    d = res.distribution.set_index(["sector", "relationship_type"])
    assert d.groupby(level="sector")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert d.loc[("bank", "markt"), "n"] == 1
    assert d.loc[("bank", "markt"), "n_group"] == 3
    assert d.loc[("gemeente", "gezag"), "n_group"] == 2  # the respondent without a type is not counted
    assert ((d["ci_lower"] <= d["share"]) & (d["share"] <= d["ci_upper"])).all()
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(1, 3, method="wilson")
    assert (d.loc[("bank", "markt"), "ci_lower"], d.loc[("bank", "markt"), "ci_upper"]) == pytest.approx((lo, hi))
    total = type_distribution(_scores(), by=None)
    assert total.distribution["n_group"].iloc[0] == 5


def test_summary_and_plot_in_both_languages():
    import matplotlib.pyplot as plt

    res = type_distribution(_scores(), by="sector")
    assert "Marktrelatie" in res.summary("nl").columns
    assert "Mixed" in res.summary("en").columns
    fig = res.plot("en")
    bars, radar = fig.axes[:2]
    assert bars.get_title() == "Relationship types per group"
    assert bars.get_ylabel() == "Share of respondents"
    assert bars.get_xlabel() == "Sector"
    assert radar.get_title()
    plt.close(fig)


# --- recovery of the simulated relationship types (truth from relatie_lab.simulate) ---------------------------


def _recovery(profile: pd.DataFrame, truth: dict, *, shuffle_seed: int | None = None) -> tuple[float, int]:
    """Share of respondents with a clear true type whose reported type equals it, and how many there are."""
    resp = truth["respondents"]
    clear = profile[[bool(resp[r]["clear"]) for r in profile["respondent_id"]]]
    true_type = np.array([resp[r]["type"] for r in clear["respondent_id"]])
    if shuffle_seed is not None:
        true_type = np.random.default_rng(shuffle_seed).permutation(true_type)
    return float((clear["relationship_type"].to_numpy() == true_type).mean()), len(clear)


def test_recovers_the_clear_type_on_the_demo_data(demo):
    df, truth = demo
    share, n_clear = _recovery(relationship_profile(df), truth)
    assert n_clear > 300
    assert share >= 0.90
    # the check can fail: against a shuffled type column recovery falls far below 90%
    shuffled, _ = _recovery(relationship_profile(df), truth, shuffle_seed=1)
    assert shuffled < 0.6


def test_recovers_the_clear_type_on_a_large_sample(large):
    df, truth = large
    share, n_clear = _recovery(relationship_profile(df), truth)
    assert n_clear > 2000
    assert share >= 0.90
    shuffled, _ = _recovery(relationship_profile(df), truth, shuffle_seed=2)
    assert shuffled < 0.6


def test_type_shares_per_sector_match_the_population(large):
    """Among respondents with a type (not gemengd), the share of each type per sector is the population's."""
    df, truth = large
    d = type_distribution(df, by="sector").distribution
    typed = d[d["relationship_type"] != MIXED].copy()
    typed["n_typed"] = typed.groupby("sector")["n"].transform("sum")
    typed["share_typed"] = typed["n"] / typed["n_typed"]
    expected: dict[tuple[str, str], list[float]] = {}
    for org in truth["population"]["organisations"].values():
        for t, p in org["type_probs"].items():
            expected.setdefault((org["sector"], t), []).append(p)
    keys = zip(typed["sector"], typed["relationship_type"], strict=True)
    typed["truth"] = [np.mean(expected[key]) for key in keys]
    se = np.sqrt(typed["truth"] * (1 - typed["truth"]) / typed["n_typed"])
    assert ((typed["share_typed"] - typed["truth"]).abs() < 4 * se).all(), typed
    # which of the three dominates (seed 000's question): markt in energy, gezag in the public sector
    top = typed.loc[typed.groupby("sector")["n"].idxmax()].set_index("sector")["relationship_type"]
    assert top["energie"] == "markt"
    assert top[["gemeente", "waterbedrijf", "pensioenfonds"]].eq("gezag").all()


# --- a codebook of one's own --------------------------------------------------------------------------------------


def test_renamed_codebook_gives_the_same_types(codebooks):
    shipped = type_distribution(codebooks.frame, by="sector")
    renamed = type_distribution(codebooks.renamed, by="sector", instrument=codebooks.renamed_instrument)
    pd.testing.assert_frame_equal(renamed.distribution, shipped.distribution)
    pd.testing.assert_frame_equal(renamed.profile, shipped.profile)
    by_path = relationship_profile(codebooks.renamed, instrument=codebooks.renamed_path)
    pd.testing.assert_frame_equal(by_path, relationship_profile(codebooks.frame))
    with pytest.raises(SurveyError, match="markt_1"):
        type_distribution(codebooks.renamed, by="sector")


def test_own_items_of_a_pol_construct_are_used(codebooks):
    # the swapped codebook measures markt by the betekenis items and betekenis by the markt items
    own = type_distribution(codebooks.frame, by=None, instrument=codebooks.swapped).distribution
    shipped = type_distribution(codebooks.frame, by=None).distribution
    swap = {"markt": "betekenis", "betekenis": "markt"}
    expected = shipped.assign(relationship_type=shipped["relationship_type"].replace(swap))
    pd.testing.assert_frame_equal(own.set_index("relationship_type").sort_index(),
                                  expected.set_index("relationship_type").sort_index())  # fmt: skip
    assert not own.set_index("relationship_type")["n"].equals(shipped.set_index("relationship_type")["n"])
