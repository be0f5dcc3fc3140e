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
