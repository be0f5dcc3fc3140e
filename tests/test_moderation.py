"""Tests of relatie_lab.moderation: moderated regression, simple slopes, and the multi-group SEM comparison."""


import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from relatie_lab.errors import SurveyError
from relatie_lab.moderation import moderated_regression


def _data(slopes: dict[str, float], n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for g, b in slopes.items():
        x = rng.normal(4, 1, size=n)
        parts.append(pd.DataFrame({"vertrouwen": x, "commitment": 2 + b * x + rng.normal(0, 0.8, size=n), "sector": g}))
    return pd.concat(parts, ignore_index=True)


def test_simple_slopes_equal_the_slopes_within_each_group():
    df = _data({"bank": 0.2, "energie": 0.7, "gemeente": 0.45})
    res = moderated_regression(df, "vertrouwen", "commitment", "sector")
    s = res.simple_slopes.set_index("moderator_level")
    for g, part in df.groupby("sector"):
        within = smf.ols("commitment ~ vertrouwen", data=part).fit()
        assert s.loc[g, "slope"] == pytest.approx(within.params["vertrouwen"], rel=1e-8)
        assert s.loc[g, "n"] == len(part)
        assert s.loc[g, "ci_lower"] < s.loc[g, "slope"] < s.loc[g, "ci_upper"]
    # the true slopes lie within 4 SE of the estimates
    truth = pd.Series({"bank": 0.2, "energie": 0.7, "gemeente": 0.45})
    assert ((s["slope"] - truth).abs() < 4 * s["se"]).all()
    assert res.interaction_test["df_num"] == 2
    assert res.interaction_test["p_value"] < 0.001


def test_no_interaction_is_not_found():
    df = _data({"bank": 0.5, "energie": 0.5, "gemeente": 0.5}, seed=2)
    res = moderated_regression(df, "vertrouwen", "commitment", "sector")
    assert res.interaction_test["p_value"] > 0.05


def test_continuous_moderator_is_centred_and_gives_three_slopes():
    rng = np.random.default_rng(5)
    n = 800
    m = rng.normal(10, 2, size=n)
    x = rng.normal(size=n)
    y = (0.5 + 0.1 * (m - 10)) * x + rng.normal(0, 0.5, size=n)
    res = moderated_regression(pd.DataFrame({"x": x, "y": y, "m": m}), "x", "y", "m")
    assert not res.categorical
    s = res.simple_slopes.set_index("moderator_level")
    sd = m.std(ddof=1)
    assert s.loc["M", "moderator_value"] == pytest.approx(m.mean())
    for level, shift in (("-1 SD", -sd), ("M", 0.0), ("+1 SD", sd)):
        true = 0.5 + 0.1 * (m.mean() + shift - 10)
        assert abs(s.loc[level, "slope"] - true) < 4 * s.loc[level, "se"]
    ref = smf.ols("y ~ x * m", data=pd.DataFrame({"x": x, "y": y, "m": m})).fit()
    assert res.interaction_test["p_value"] == pytest.approx(ref.pvalues["x:m"], rel=1e-6)


def test_two_valued_x_is_coded_as_arm_difference():
    rng = np.random.default_rng(7)
    n = 400
    arm = rng.choice(["prijs", "zorg"], size=n)
    typ = rng.choice(["markt", "betekenis"], size=n)
    effect = np.where(typ == "betekenis", 0.8, -0.3)
    y = 5 + effect * (arm == "zorg") + rng.normal(0, 1, size=n)
    df = pd.DataFrame({"conditie": arm, "relationship_type": typ, "tevredenheid": y})
    res = moderated_regression(df, "conditie", "tevredenheid", "relationship_type")
    assert res.x_coding == {"prijs": 0, "zorg": 1}
    s = res.simple_slopes.set_index("moderator_level")
    for t in ("markt", "betekenis"):
        part = df[df.relationship_type == t]
        means = part.groupby("conditie")["tevredenheid"].mean()
        diff = means["zorg"] - means["prijs"]
        assert s.loc[t, "slope"] == pytest.approx(diff, rel=1e-8)
    assert res.interaction_test["p_value"] < 0.001


def test_bad_input_is_a_plain_error():
    df = _data({"bank": 0.2, "energie": 0.7})
    with pytest.raises(SurveyError, match=r"regio is geen kolom van de enquête.*Controleer de spelling"):
        moderated_regression(df, "vertrouwen", "commitment", "regio")
    with pytest.raises(SurveyError, match=r"minstens twee groepen.*verlaag min_group"):
        moderated_regression(df[df.sector == "bank"], "vertrouwen", "commitment", "sector")
    with pytest.raises(SurveyError, match=r"neither a column.*Check the spelling"):
        moderated_regression(df, "vertrouwen", "commitment", "regio", lang="en")
    with pytest.raises(SurveyError, match=r"at least two groups.*lower min_group") as caught:
        moderated_regression(df[df.sector == "bank"], "vertrouwen", "commitment", "sector", lang="en")
    assert "found bank " in str(caught.value)  # plain counts, never "{'bank': np.int64(...)}"
    assert "np.int64" not in str(caught.value)


def test_summary_and_plot_in_both_languages():
    import matplotlib.pyplot as plt

    res = moderated_regression(_data({"bank": 0.2, "energie": 0.7}), "vertrouwen", "commitment", "sector")
    assert "Simple slope" in res.summary("en").columns
    assert "Enkelvoudige helling" in res.summary("nl").columns
    fig = res.plot("en")
    ax = fig.axes[0]
    assert ax.get_title() == "Effect of Trust on Commitment by Sector"
    assert ax.get_xlabel() == "Trust"
    plt.close(fig)


# --- on the simulated survey (truth from relatie_lab.simulate) --------------------------------------------------


def test_trust_drives_commitment_in_every_relationship_type(demo):
    """The simulation has one trust -> commitment path for all types: every simple slope is positive, no moderation."""
    df, _ = demo
    res = moderated_regression(df, "vertrouwen", "commitment", "relationship_type")
    s = res.simple_slopes.set_index("moderator_level")
    assert {"markt", "gezag", "betekenis"} <= set(s.index)
    assert (s["slope"] > 0).all()
    assert (s["p_value"] < 0.001).all()
    assert res.interaction_test["p_value"] > 0.05


@pytest.mark.parametrize("sample", ["demo", "large"])
def test_folder_effect_per_relationship_type_matches_the_truth(sample, request):
    df, truth = request.getfixturevalue(sample)
    ab = truth["effects"]["ab"]
    res = moderated_regression(df, "conditie", "vertrouwen", "relationship_type", x_reference=ab["control"])
    assert res.x_coding == {ab["control"]: 0, ab["treatment"]: 1}
    s = res.simple_slopes.set_index("moderator_level")
    true = ab["observed"]["vertrouwen"]["diff"]
    assert ((s["slope"] - true).abs() < 4 * s["se"]).all(), s
    if sample == "large":  # the check can fail: with ~1000 per type, a truth of no effect would be rejected in each
        typed = s.loc[["markt", "gezag", "betekenis"]]
        assert (typed["slope"].abs() > 4 * typed["se"]).all()


# --- multi-group SEM comparison (SEM engine) --------------------------------------------------------------------


def _public(df: pd.DataFrame) -> pd.DataFrame:
    public = df["sector"].isin(["gemeente", "waterbedrijf", "pensioenfonds"])
    return df.assign(publiek=np.where(public, "publiek", "privaat"))


def test_public_private_is_derived_from_sector(demo):
    df, _ = demo
    res = moderated_regression(df, "vertrouwen", "commitment", "publiek_privaat")
    manual = moderated_regression(_public(df), "vertrouwen", "commitment", "publiek")
    pd.testing.assert_frame_equal(res.simple_slopes, manual.simple_slopes)
    assert res.summary("en").columns[0] == "Public or private"
    with pytest.raises(SurveyError, match="'sector'"):
        moderated_regression(df.drop(columns="sector"), "vertrouwen", "commitment", "publiek_privaat")


@pytest.mark.slow
def test_multigroup_equal_paths_not_rejected_when_the_simulation_has_one_structure(demo):
    from relatie_lab.moderation import multigroup_comparison

    df, _ = demo
    res = multigroup_comparison(_public(df), None, "publiek")
    assert res.fits["metric"].converged
    assert res.fits["equal_paths"].converged
    paths = res.paths
    assert set(paths["group"]) == {"publiek", "privaat"}
    # the Commitment-Trust model's structural paths: vertrouwen ~ gw; commitment ~ vertrouwen + gw; betrokkenheid ~ com
    assert len(paths) == 2 * 4
    assert res.equality_test["df_diff"] == 4
    assert res.equality_test["p_value"] > 0.05
    assert res.invariance["step"].tolist() == ["configural", "metric", "scalar"]
    assert res.invariance.loc[1, "chisq"] == pytest.approx(res.fits["metric"].fit_indices["chisq"])
    assert "Trust → Commitment" in res.summary("en")["Path"].tolist()
    per_group = paths[(paths["lhs"] == "commitment") & (paths["rhs"] == "vertrouwen")].set_index("group")["est"]
    assert per_group["publiek"] != per_group["privaat"]  # paths are free per group (labels stripped)


@pytest.mark.slow
def test_multigroup_detects_a_path_that_differs(demo):
    """Break trust -> commitment in one group (commitment items shuffled across its respondents): it is found."""
    from relatie_lab.moderation import multigroup_comparison

    df, _ = demo
    df = _public(df)
    rng = np.random.default_rng(5)
    com = [c for c in df.columns if c.startswith("com_")]
    public = np.flatnonzero(df["publiek"] == "publiek")
    df.loc[df.index[public], com] = df.loc[df.index[rng.permutation(public)], com].to_numpy()
    res = multigroup_comparison(df, None, "publiek")
    assert res.equality_test["p_value"] < 0.001
    p = res.paths[(res.paths["lhs"] == "commitment") & (res.paths["rhs"] == "vertrouwen")].set_index("group")
    assert abs(p.loc["publiek", "est"]) < 4 * p.loc["publiek", "se"]  # no path left in the shuffled group
    assert p.loc["privaat", "est"] > 0.3


# --- a codebook of one's own --------------------------------------------------------------------------------------


def test_renamed_codebook_gives_the_same_moderation(codebooks):
    shipped = moderated_regression(codebooks.frame, "vertrouwen", "commitment", "relationship_type")
    renamed = moderated_regression(codebooks.renamed, "vertrouwen", "commitment", "relationship_type",
                                   instrument=codebooks.renamed_instrument)  # fmt: skip
    pd.testing.assert_frame_equal(renamed.simple_slopes, shipped.simple_slopes)
    pd.testing.assert_frame_equal(renamed.coefficients, shipped.coefficients)
    assert len(shipped.simple_slopes) >= 2
    with pytest.raises(SurveyError, match="vt_1"):
        moderated_regression(codebooks.renamed, "vertrouwen", "commitment", "sector")


def test_own_items_of_a_pol_construct_are_used(codebooks):
    # the swapped codebook measures trust by the commitment items and commitment by the trust items
    own = moderated_regression(codebooks.frame, "vertrouwen", "commitment", "sector", instrument=codebooks.swapped)
    expected = moderated_regression(codebooks.frame, "commitment", "vertrouwen", "sector")
    pd.testing.assert_frame_equal(own.simple_slopes, expected.simple_slopes)
    assert not own.simple_slopes.equals(moderated_regression(codebooks.frame, "vertrouwen", "commitment",
                                                             "sector").simple_slopes)  # fmt: skip


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*vrije parameters:relatie_lab.errors.ModelWarning")  # 300 respondents: fine here
def test_multigroup_default_model_uses_the_codebook(codebooks):
    from relatie_lab.moderation import multigroup_comparison

    shipped = multigroup_comparison(codebooks.frame, None, "publiek_privaat", min_group=50)
    renamed = multigroup_comparison(codebooks.renamed, None, "publiek_privaat", min_group=50,
                                    instrument=codebooks.renamed_path)  # fmt: skip
    pd.testing.assert_frame_equal(renamed.paths, shipped.paths)
    assert renamed.equality_test == pytest.approx(shipped.equality_test)
