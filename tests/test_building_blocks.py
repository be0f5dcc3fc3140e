"""Tests of relatie_lab.building_blocks: the scorecard's means, low shares and change tests."""


import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from relatie_lab.building_blocks import block_constructs, scorecard


def _scores(n: int = 300, shift: float = 0.4, seed: int = 0, paired: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    blocks = block_constructs(facets=False)
    w1 = pd.DataFrame({b: np.clip(rng.normal(4.5, 1.0, n), 1, 7) for b in blocks})
    w1["respondent_id"] = [f"r{i}" for i in range(n)]
    if paired:
        w2 = w1.copy()
        for b in blocks:
            w2[b] = w1[b] + (shift if b == "invloed" else 0.0) + rng.normal(0, 0.5, n)
    else:
        w2 = pd.DataFrame({b: rng.normal(4.5 + (shift if b == "invloed" else 0.0), 1.0, n) for b in blocks})
        w2["respondent_id"] = [f"s{i}" for i in range(n)]
    return pd.concat([w1.assign(meting=1), w2.assign(meting=2)], ignore_index=True)


def test_means_ci_and_low_share():
    df = _scores()
    card = scorecard(df, constructs=block_constructs(facets=False))
    m = card.means.set_index(["construct", "wave"])
    x = df.loc[df.meting == 1, "rechtvaardigheid"]
    row = m.loc[("rechtvaardigheid", 1)]
    assert row["mean"] == pytest.approx(x.mean())
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((lo, hi))
    assert row["share_low"] == pytest.approx((x < 4).mean())
    card3 = scorecard(df, constructs=["rechtvaardigheid"], low=3.0)
    assert card3.means.set_index(["construct", "wave"]).loc[("rechtvaardigheid", 1), "share_low"] == pytest.approx(
        (x < 3).mean()
    )


def test_welch_change_matches_scipy_and_finds_only_the_real_change():
    df = _scores(seed=1)
    card = scorecard(df, constructs=block_constructs(facets=False))
    ch = card.changes.set_index("construct")
    assert (ch["test"] == "welch_t").all()
    a = df.loc[df.meting == 1, "invloed"]
    b = df.loc[df.meting == 2, "invloed"]
    ref = stats.ttest_ind(b, a, equal_var=False)
    assert ch.loc["invloed", "p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert ch.loc["invloed", "hedges_g"] == pytest.approx(pg.compute_effsize(b, a, eftype="hedges"))
    assert ch.loc["invloed", "significant"]
    assert not ch.drop(index="invloed")["significant"].any()


def test_repeated_ids_give_a_paired_test():
    df = _scores(seed=2, paired=True, shift=0.15)
    card = scorecard(df, constructs=block_constructs(facets=False))
    ch = card.changes.set_index("construct")
    assert (ch["test"] == "paired_t").all()
    w1 = df[df.meting == 1].set_index("respondent_id")["invloed"]
    w2 = df[df.meting == 2].set_index("respondent_id")["invloed"].loc[w1.index]
    ref = stats.ttest_rel(w2, w1)
    assert ch.loc["invloed", "t"] == pytest.approx(ref.statistic, rel=1e-10)
    assert ch.loc["invloed", "p_holm"] < 0.05
    # treating the same shift as separate samples loses the pairing and with it the power
    unpaired = df.assign(respondent_id=[f"x{i}" for i in range(len(df))])
    ch2 = scorecard(unpaired, constructs=["invloed"]).changes.set_index("construct")
    assert ch2.loc["invloed", "test"] == "welch_t"
    assert ch2.loc["invloed", "p_value"] > ch.loc["invloed", "p_value"]


def test_partly_repeated_ids_are_said_not_silently_dropped():
    from relatie_lab.errors import DataQualityWarning

    df = _scores(n=100, seed=4, paired=True)
    # a fifth of wave 2 are new respondents: paired test on the others, with a warning that says how many are out
    ids = df["respondent_id"].to_numpy(dtype=object)
    wave2 = np.flatnonzero(df["meting"] == 2)[:20]
    ids[wave2] = [f"nieuw{i}" for i in range(20)]
    with pytest.warns(DataQualityWarning, match="40 respondenten die maar in één meting voorkomen"):
        ch = scorecard(df.assign(respondent_id=ids), constructs=["invloed"]).changes
    with pytest.warns(DataQualityWarning, match="40 respondents measured in only one wave"):
        scorecard(df.assign(respondent_id=ids), constructs=["invloed"], lang="en")
    assert ch.loc[0, "test"] == "paired_t"
    assert ch.loc[0, "n_from"] == 80
    # a few repeated ids among separate samples: Welch, with a warning about the dependence
    ids = [f"a{i}" for i in range(100)] + [f"a{i}" if i < 5 else f"b{i}" for i in range(100)]
    with pytest.warns(DataQualityWarning, match="5 respondenten staan in beide metingen.*Controleer respondent_id"):
        ch = scorecard(df.assign(respondent_id=ids), constructs=["invloed"]).changes
    with pytest.warns(DataQualityWarning, match="5 respondents appear in both waves.*Check respondent_id"):
        scorecard(df.assign(respondent_id=ids), constructs=["invloed"], lang="en")
    assert ch.loc[0, "test"] == "welch_t"


def test_one_wave_gives_no_change_table():
    df = _scores()
    card = scorecard(df[df.meting == 1], constructs=["invloed"])
    assert card.changes.empty
    assert card.means["wave"].tolist() == [1]


def test_summary_and_plot():
    import matplotlib.pyplot as plt

    card = scorecard(_scores(seed=3), constructs=block_constructs(facets=False))
    s = card.summary("en")
    assert list(s.index)[:2] == ["Trust (building block)", "Organisational involvement"]
    assert "Significant" in s.columns
    fig = card.plot("nl")
    ax = fig.axes[0]
    assert ax.get_title() == "De vijf bouwstenen van de klantrelatie"
    assert ax.get_ylabel() == "Bouwsteen"
    plt.close(fig)


# --- recovery of the simulated means and wave change (truth from relatie_lab.simulate) -------------------------


@pytest.mark.parametrize("sample", ["demo", "large"])
def test_means_within_sampling_error_of_the_truth(sample, request):
    df, truth = request.getfixturevalue(sample)
    means = scorecard(df).means
    true = [truth["means"]["by_meting"][str(w)][c] for c, w in zip(means["construct"], means["wave"], strict=True)]
    z = (means["mean"] - np.array(true)) / means["se"]
    assert len(z) == 2 * len(block_constructs())
    assert (z.abs() < 4).all(), means.assign(truth=true, z=z)
    # the check can fail: a scorecard that mixed up the waves would be far off for the changed blocks
    swapped = scorecard(df.assign(meting=3 - df["meting"])).means
    z_swapped = (swapped["mean"] - np.array(true)) / swapped["se"]
    assert (z_swapped.abs() > 4).any()


@pytest.mark.parametrize("sample", ["demo", "large"])
def test_share_low_within_sampling_error_of_the_truth(sample, request):
    df, truth = request.getfixturevalue(sample)
    assert truth["blocks"]["low_rule"] == "score < 4"
    blocks = block_constructs(facets=False)
    card = scorecard(df, wave_col=None, constructs=blocks, low=4.0)
    m = card.means.set_index("construct")
    true = pd.Series(truth["blocks"]["share_low"])[blocks]
    se = np.sqrt(true * (1 - true) / m["n"])
    assert ((m["share_low"] - true).abs() < 4 * se).all(), m.assign(truth=true)


@pytest.mark.parametrize("sample", ["demo", "large"])
def test_the_simulated_change_is_detected_and_no_change_is_not(sample, request):
    df, truth = request.getfixturevalue(sample)
    wave = truth["effects"]["wave"]
    ch = scorecard(df).changes.set_index("construct")
    assert (ch["test"] == "welch_t").all()  # two separate samples
    # the blocks with a simulated change of at least 0.2 SD change significantly (Holm), in the true direction
    big = [c for c in ch.index if abs(wave["observed"][c]["d"]) >= 0.2]
    assert {"betrokkenheid_organisatie", "keuzevrijheid_kanaal"} <= set(big)
    assert ch.loc[big, "significant"].all()
    assert (np.sign(ch.loc[big, "difference"]) == np.sign([wave["observed"][c]["diff"] for c in big])).all()
    # blocks without a change do not
    assert not ch.loc[wave["unchanged_blocks"], "significant"].any()
    # every change within 4 SE of the true change
    se = (ch["ci_upper"] - ch["ci_lower"]) / (2 * 1.96)
    true = pd.Series({c: wave["observed"][c]["diff"] for c in ch.index})
    assert ((ch["difference"] - true).abs() < 4 * se).all()


# --- a codebook of one's own --------------------------------------------------------------------------------------


def test_renamed_codebook_gives_the_same_scorecard(codebooks):
    from relatie_lab.errors import SurveyError

    own = codebooks.renamed_instrument
    assert block_constructs(instrument=own) == block_constructs()
    shipped = scorecard(codebooks.frame)
    renamed = scorecard(codebooks.renamed, instrument=own)
    pd.testing.assert_frame_equal(renamed.means, shipped.means)
    pd.testing.assert_frame_equal(renamed.changes, shipped.changes)
    assert len(shipped.changes) == len(block_constructs())
    assert shipped.changes["p_value"].notna().all()
    by_path = scorecard(codebooks.renamed, constructs=["invloed"], instrument=codebooks.renamed_path)
    pd.testing.assert_frame_equal(by_path.means, scorecard(codebooks.frame, constructs=["invloed"]).means)
    with pytest.raises(SurveyError, match="vc_1"):
        scorecard(codebooks.renamed)


def test_own_items_of_a_pol_construct_are_used(codebooks):
    # the swapped codebook measures betrokkenheid_organisatie by the items of gedeelde_waarden
    own = scorecard(codebooks.frame, constructs=["betrokkenheid_organisatie"], instrument=codebooks.swapped)
    expected = scorecard(codebooks.frame, constructs=["gedeelde_waarden"])
    numbers = ["wave", "n", "mean", "se", "ci_lower", "ci_upper", "share_low", "low_ci_lower", "low_ci_upper"]
    pd.testing.assert_frame_equal(own.means[numbers], expected.means[numbers])
    shipped = scorecard(codebooks.frame, constructs=["betrokkenheid_organisatie"])
    assert not np.allclose(own.means["mean"], shipped.means["mean"])
