"""se = "bootstrap": on the same 60 resamples, the SEs equal those of lavaan refitting each resample (lavaan's
lav_model_nvcov_bootstrap: covariance of the draws divided by R); fit_sem's own draws are seeded and do not depend on
n_jobs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sem_api_reference import EST_TOL, SE_REL_TOL, data, reference

from relatie_lab.sem import fit_sem
from relatie_lab.sem.bootstrap_se import bootstrap_draws


def test_bootstrap_standard_errors_match_lavaan_on_the_same_resamples():
    ref = reference("api_bootstrap")
    res = fit_sem(data("api_complete.csv").iloc[:200], ref["model"])
    draws = bootstrap_draws(res.engine, res.raw.theta, indices=[[np.array(ix)] for ix in ref["indices"]])
    assert np.isfinite(draws).all()
    pt = res.partable
    free = pt[pt.free > 0].drop_duplicates("free")
    ours = pd.DataFrame({"lhs": free.lhs, "op": free.op, "rhs": free.rhs,
                         "est": res.raw.theta[free.free - 1], "se": draws.std(axis=0)[free.free - 1]})  # fmt: skip
    theirs = pd.DataFrame(ref["free"]).assign(est_r=ref["est"], se_r=ref["boot_se"])
    both = ours.merge(theirs, on=["lhs", "op", "rhs"])
    assert len(both) == len(theirs)
    np.testing.assert_allclose(both.est, both.est_r, atol=EST_TOL)
    np.testing.assert_allclose(both.se, both.se_r, rtol=SE_REL_TOL)


@pytest.fixture(scope="module")
def boot_fit():
    frame = data("api_complete.csv").iloc[:200]
    return fit_sem(frame, "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nB ~ A", se="bootstrap", n_boot=60, seed=3)


def test_fit_sem_bootstrap_is_seeded_and_gives_percentile_intervals(boot_fit):
    est = boot_fit.estimates
    free = est[est.se > 0]
    assert (free.ci_lower < free.est).all()
    assert (free.est < free.ci_upper).all()
    # percentile intervals, not est +- 1.96 se
    assert not np.allclose(free.ci_upper - free.est, 1.959964 * free.se, rtol=1e-3)
    again = fit_sem(data("api_complete.csv").iloc[:200], boot_fit.model, se="bootstrap", n_boot=60, seed=3, n_jobs=2)
    np.testing.assert_allclose(again.estimates.se, est.se, rtol=1e-10)


def test_bootstrap_se_is_close_to_the_ml_se(boot_fit):
    ml = fit_sem(data("api_complete.csv").iloc[:200], boot_fit.model).estimates
    ratio = (boot_fit.estimates.se / ml.se)[ml.se > 0]
    assert ratio.between(0.6, 1.6).all()  # 60 draws: Monte-Carlo error about 10%; the data are mildly skewed


# ------------------------------------------------------------------------------ cluster= : whole clusters resampled
def _clustered(n_clusters: int = 50, size: int = 12, seed: int = 11) -> pd.DataFrame:
    """One factor, three items; every organisation shifts all three items (a strong cluster effect on the means)."""
    rng = np.random.default_rng(seed)
    org = np.repeat(np.arange(n_clusters), size)
    shift = rng.normal(0, 0.8, n_clusters)[org]
    f = rng.normal(size=org.size)
    items = {f"y{j}": 0.8 * f + shift + rng.normal(0, 0.6, org.size) for j in (1, 2, 3)}
    return pd.DataFrame({**items, "org": org})


def test_cluster_draws_take_whole_clusters():
    from relatie_lab.sem.bootstrap_se import draw_indices

    org = np.repeat([7, 3, 9], [2, 3, 4])  # three clusters of 2, 3 and 4 rows
    for (idx,) in draw_indices([9], 20, seed=1, clusters=[org]):
        drawn = pd.Series(org[idx]).value_counts()
        sizes = pd.Series(org).value_counts()
        assert all(drawn[c] % sizes[c] == 0 for c in drawn.index)  # a cluster comes whole, once or more
        assert (drawn // sizes.reindex(drawn.index)).sum() == 3  # three clusters drawn, with replacement


def test_cluster_bootstrap_se_agree_with_cluster_robust_se_and_row_bootstrap_is_too_small():
    df = _clustered()
    model = "f =~ y1 + y2 + y3"
    robust = fit_sem(df, model, cluster="org").estimates.query("op == '~1'").set_index("lhs")["se"]
    by_cluster = fit_sem(df, model, cluster="org", se="bootstrap", n_boot=300, seed=5)
    boot = by_cluster.estimates.query("op == '~1'").set_index("lhs")["se"]
    rows = fit_sem(df.drop(columns="org"), model, meanstructure=True, se="bootstrap", n_boot=300, seed=5)
    naive = rows.estimates.query("op == '~1'").set_index("lhs")["se"]
    items = ["y1", "y2", "y3"]
    ratio = (boot[items] / robust[items]).to_numpy()
    # measured: 1.03, 1.03, 1.04 against the cluster-robust SEs; resampling rows gives 0.44-0.46 of them
    assert ((ratio > 0.75) & (ratio < 1.33)).all(), ratio  # the cluster bootstrap sees the dependence
    assert (naive[items] / robust[items] < 0.6).all()  # resampling rows does not (it is about 0.4 here)


def test_indirect_effects_of_a_clustered_fit_resample_clusters(monkeypatch):
    import relatie_lab.sem.bootstrap as boot

    df = _clustered(n_clusters=20, size=8)
    df["z"] = 0.5 * df["y1"] + np.random.default_rng(2).normal(size=len(df))
    res = fit_sem(df, "f =~ y1 + y2\ny3 ~ a*f\nz ~ b*y3\nind := a*b", cluster="org")
    seen = []
    original = boot.resample_rows
    monkeypatch.setattr(boot, "resample_rows", lambda rng, n, m=None: seen.append(m is not None) or original(rng, n, m))
    table = boot.indirect_effects(res, n_boot=20, seed=1)
    assert seen
    assert all(seen)
    assert np.isfinite(table["boot_se"]).all()
