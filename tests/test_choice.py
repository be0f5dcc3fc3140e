"""Tests of relatie_lab.choice: trust, commitment and engagement with and without a real choice of provider."""


import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relatie_lab.choice import CHOICE_OUTCOMES, freedom_of_choice


def _scores(gap: float, n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    choice = rng.choice(["ja", "nee"], size=n)
    forced = choice == "nee"
    return pd.DataFrame(
        {
            "keuze_aanbieder": choice,
            "vertrouwen": 5 - gap * forced + rng.normal(0, 1, n),
            "commitment": 5 - gap * forced + rng.normal(0, 1, n),
            "betrokkenheid": 4 + rng.normal(0, 1, n),
        }
    )


def test_difference_is_forced_minus_free_and_matches_scipy():
    df = _scores(gap=0.6)
    res = freedom_of_choice(df)
    t = res.table.set_index("outcome")
    assert list(t.index) == list(CHOICE_OUTCOMES)
    a = df.loc[df.keuze_aanbieder == "ja", "vertrouwen"]
    b = df.loc[df.keuze_aanbieder == "nee", "vertrouwen"]
    assert t.loc["vertrouwen", "difference"] == pytest.approx(b.mean() - a.mean())
    assert t.loc["vertrouwen", "p_value"] == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    se = (t.loc["vertrouwen", "ci_upper"] - t.loc["vertrouwen", "ci_lower"]) / (2 * 1.96)
    assert abs(t.loc["vertrouwen", "difference"] - (-0.6)) < 4 * se
    assert t.loc[["vertrouwen", "commitment"], "significant"].all()
    assert not t.loc["betrokkenheid", "significant"]
    assert t.loc["vertrouwen", "hedges_g"] < 0


def test_no_gap_is_not_found():
    t = freedom_of_choice(_scores(gap=0.0, seed=3)).table
    assert not t["significant"].any()


def test_summary_and_plot_in_both_languages():
    import matplotlib.pyplot as plt

    res = freedom_of_choice(_scores(gap=0.6))
    assert res.summary("en").iloc[0, 0] == "Trust"
    fig = res.plot("nl")
    ax = fig.axes[0]
    assert ax.get_title().startswith("Keuzevrijheid")
    assert ax.get_xlabel().startswith("Effectgrootte")
    plt.close(fig)


# --- the simulated forced relationships (truth from relatie_lab.simulate) --------------------------------------


@pytest.mark.parametrize("sample", ["demo", "large"])
def test_differences_within_sampling_error_of_the_truth(sample, request):
    df, truth = request.getfixturevalue(sample)
    t = freedom_of_choice(df).table.set_index("outcome")
    means = truth["means"]["by_keuze_aanbieder"]
    true = pd.Series({o: means["nee"][o] - means["ja"][o] for o in t.index})
    se = (t["ci_upper"] - t["ci_lower"]) / (2 * 1.96)
    assert ((t["difference"] - true).abs() < 4 * se).all(), t.assign(truth=true)
    # the simulated penalty of a forced relationship on commitment and engagement is found
    assert (true[["commitment", "betrokkenheid"]] < -0.2).all()
    assert t.loc[["commitment", "betrokkenheid"], "significant"].all()
    # and disappears when the choice column is shuffled
    shuffled = df.assign(keuze_aanbieder=np.random.default_rng(3).permutation(df["keuze_aanbieder"].to_numpy()))
    assert not freedom_of_choice(shuffled).table["significant"].any()


# --- a codebook of one's own --------------------------------------------------------------------------------------


def test_renamed_codebook_gives_the_same_comparison(codebooks):
    shipped = freedom_of_choice(codebooks.frame)
    renamed = freedom_of_choice(codebooks.renamed, instrument=codebooks.renamed_instrument)
    pd.testing.assert_frame_equal(renamed.table, shipped.table)
    assert shipped.table["p_value"].notna().all()
    own = freedom_of_choice(codebooks.frame, outcomes=["vertrouwen"], instrument=codebooks.swapped).table
    expected = freedom_of_choice(codebooks.frame, outcomes=["commitment"]).table  # trust measured by commitment items
    pd.testing.assert_frame_equal(own.drop(columns="outcome"), expected.drop(columns="outcome"))
