"""Tests of relatie_lab.ab_testing: the A/B comparison against scipy/pingouin/statsmodels, truth recovery, power."""


import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestIndPower

from relatie_lab.ab_testing import AB_OUTCOMES, ab_test, compare_groups, power_analysis, required_n
from relatie_lab.errors import SurveyError


def _scores(n: int = 200, effect: float = 0.5, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.repeat(["prijs", "zorg"], [n, n + 37])  # unequal arms
    sd = np.where(arm == "zorg", 1.3, 1.0)  # unequal variances: Welch matters
    return pd.DataFrame(
        {
            "conditie": arm,
            "vertrouwen": 4 + effect * (arm == "zorg") + sd * rng.normal(size=arm.size),
            "tevredenheid": 6 + sd * rng.normal(size=arm.size),
        }
    )


def test_numbers_match_scipy_and_pingouin():
    df = _scores()
    res = compare_groups(df, "conditie", ["vertrouwen", "tevredenheid"], control="prijs", treatment="zorg")
    t = res.table.set_index("outcome")
    a = df.loc[df.conditie == "prijs", "vertrouwen"].to_numpy()
    b = df.loc[df.conditie == "zorg", "vertrouwen"].to_numpy()
    ref = stats.ttest_ind(b, a, equal_var=False)  # R: t.test(b, a, var.equal = FALSE)
    ci = ref.confidence_interval()
    assert t.loc["vertrouwen", "t"] == pytest.approx(ref.statistic, rel=1e-10)
    assert t.loc["vertrouwen", "p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert t.loc["vertrouwen", "dof"] == pytest.approx(ref.df, rel=1e-10)
    assert (t.loc["vertrouwen", "ci_lower"], t.loc["vertrouwen", "ci_upper"]) == pytest.approx((ci.low, ci.high))
    assert t.loc["vertrouwen", "difference"] == pytest.approx(b.mean() - a.mean())
    pg_res = pg.ttest(b, a, correction=True)
    assert t.loc["vertrouwen", "p_value"] == pytest.approx(float(pg_res["p_val"].iloc[0]), rel=1e-6)
    g = pg.compute_effsize(b, a, eftype="hedges")
    assert t.loc["vertrouwen", "hedges_g"] == pytest.approx(g)
    # Hedges' g is Cohen's d times the small-sample correction J = 1 - 3 / (4 (n1 + n2) - 9)
    d = pg.compute_effsize(b, a, eftype="cohen")
    assert g == pytest.approx(d * (1 - 3 / (4 * (a.size + b.size) - 9)), rel=1e-3)
    assert t.loc["vertrouwen", "g_ci_lower"] < g < t.loc["vertrouwen", "g_ci_upper"]
    holm = multipletests(t["p_value"], method="holm")[1]
    np.testing.assert_allclose(t["p_holm"], holm)
    assert (t["p_holm"] >= t["p_value"]).all()


def test_effect_found_and_null_not_and_permuted_arm_finds_nothing():
    df = _scores(n=250, effect=0.5, seed=4)
    t = compare_groups(df, "conditie", ["vertrouwen", "tevredenheid"], control="prijs", treatment="zorg").table
    assert t.set_index("outcome").loc["vertrouwen", "p_holm"] < 0.05
    assert t.set_index("outcome").loc["tevredenheid", "p_holm"] >= 0.05
    permuted = df.assign(conditie=np.random.default_rng(1).permutation(df["conditie"].to_numpy()))
    tp = compare_groups(permuted, "conditie", ["vertrouwen", "tevredenheid"], control="prijs", treatment="zorg").table
    assert not tp["significant"].any()


def test_unknown_arm_value_is_a_plain_error():
    with pytest.raises(SurveyError, match=r"geen respondenten met de waarde 'folder'.*prijs, zorg; geef een daarvan"):
        ab_test(_scores(), outcomes=["vertrouwen"], treatment="folder")
    with pytest.raises(SurveyError, match="Groepskolom 'arm' staat niet in de enquête"):
        ab_test(_scores(), arm="arm", outcomes=["vertrouwen"])
    with pytest.raises(SurveyError, match=r"no respondents with value 'folder'.*give one of those"):
        ab_test(_scores(), outcomes=["vertrouwen"], treatment="folder", lang="en")
    with pytest.raises(SurveyError, match="Group column 'arm' is not in the survey"):
        ab_test(_scores(), arm="arm", outcomes=["vertrouwen"], lang="en")
    with pytest.raises(SurveyError, match="geef d > 0"):
        required_n(0)
    with pytest.raises(SurveyError, match="give d > 0"):
        required_n(0, lang="en")


def test_default_outcomes_are_the_five_blocks_and_three_outcomes():
    assert len(AB_OUTCOMES) == 8
    assert {"tevredenheid", "vertrouwen", "aanbeveling"} <= set(AB_OUTCOMES)


def test_power_matches_statsmodels():
    for d, n in [(0.2, 100), (0.5, 64), (0.35, 150)]:
        ours = power_analysis(d=d, n=n)
        ref = TTestIndPower().power(effect_size=d, nobs1=n, alpha=0.05, ratio=1.0)
        assert ours == pytest.approx(ref, abs=1e-4)


@pytest.mark.parametrize(("d", "power"), [(0.2, 0.8), (0.5, 0.8), (0.3, 0.9)])
def test_required_n_is_the_smallest_n_with_enough_power(d, power):
    n = required_n(d, power=power)
    assert power_analysis(d=d, n=n) >= power
    assert power_analysis(d=d, n=n - 1) < power
    ref = TTestIndPower().solve_power(effect_size=d, power=power, alpha=0.05)
    assert n == int(np.ceil(ref))


def test_required_n_rejects_zero_effect():
    with pytest.raises(SurveyError):
        required_n(0)


# --- the simulated folder experiment (truth from relatie_lab.simulate) -----------------------------------------


@pytest.mark.parametrize("sample", ["demo", "large"])
def test_simulated_effect_found_and_null_outcome_not(sample, request):
    df, truth = request.getfixturevalue(sample)
    ab = truth["effects"]["ab"]
    null = ab["null_outcome"]
    res = ab_test(df, outcomes=[*AB_OUTCOMES, null], control=ab["control"], treatment=ab["treatment"])
    t = res.table.set_index("outcome")
    observed = ab["observed"]
    # outcomes with a real effect of at least d = 0.2 are found after Holm correction, in the right direction
    real = [o for o in t.index if abs(observed[o]["d"]) >= 0.2]
    assert {"vertrouwen", "tevredenheid", "aanbeveling"} <= set(real)
    assert (t.loc[real, "p_holm"] < 0.05).all(), t
    assert (t.loc[real, "difference"] > 0).all()
    # the named null outcome and the blocks without an effect are not
    assert observed[null]["diff"] == 0
    assert t.loc[null, "p_holm"] >= 0.05
    no_effect = [o for o in t.index if observed[o]["diff"] == 0]
    assert not t.loc[no_effect, "significant"].any()
    # every difference within 4 SE of the true difference; Hedges' g near the true d
    se = (t["ci_upper"] - t["ci_lower"]) / (2 * 1.96)
    true_diff = pd.Series({o: observed[o]["diff"] for o in t.index})
    assert ((t["difference"] - true_diff).abs() < 4 * se).all()
    true_d = pd.Series({o: observed[o]["d"] for o in t.index})
    g_se = (t["g_ci_upper"] - t["g_ci_lower"]) / (2 * 1.96)
    assert ((t["hedges_g"] - true_d).abs() < 4 * g_se).all()


def test_permuted_arm_finds_no_effect_on_the_demo(demo):
    df, _ = demo
    permuted = df.assign(conditie=np.random.default_rng(7).permutation(df["conditie"].to_numpy()))
    assert not ab_test(permuted).table["significant"].any()


def test_package_level_call(demo):
    import relatie_lab as rl

    df, _ = demo
    via_package = rl.ab_test(df, outcomes=["vertrouwen"]).table
    pd.testing.assert_frame_equal(via_package, ab_test(df, outcomes=["vertrouwen"]).table)
    assert rl.required_n(0.5) == required_n(0.5)
    assert callable(rl.ab_test)
    assert not isinstance(rl.ab_test, type(rl))


# --- a codebook of one's own --------------------------------------------------------------------------------------


def test_renamed_codebook_gives_the_same_ab_test(codebooks):
    shipped = ab_test(codebooks.frame)
    renamed = ab_test(codebooks.renamed, instrument=codebooks.renamed_instrument)
    pd.testing.assert_frame_equal(renamed.table, shipped.table)
    assert shipped.table["p_value"].notna().all()
    assert len(shipped.table) == len(AB_OUTCOMES)
    by_path = ab_test(codebooks.renamed, outcomes=["tevredenheid"], instrument=codebooks.renamed_path)
    pd.testing.assert_frame_equal(by_path.table, ab_test(codebooks.frame, outcomes=["tevredenheid"]).table)
    with pytest.raises(SurveyError, match="vc_1"):
        ab_test(codebooks.renamed)


def test_own_items_of_a_pol_construct_are_used(codebooks):
    # the swapped codebook measures trust by the commitment items and commitment by the trust items
    own = ab_test(codebooks.frame, outcomes=["vertrouwen", "commitment"], instrument=codebooks.swapped).table
    expected = ab_test(codebooks.frame, outcomes=["commitment", "vertrouwen"]).table
    numbers = [c for c in own.columns if c != "outcome"]
    pd.testing.assert_frame_equal(own[numbers], expected[numbers])
    assert own["outcome"].tolist() == ["vertrouwen", "commitment"]
    assert not np.allclose(own["mean_control"], expected["mean_control"][::-1])
