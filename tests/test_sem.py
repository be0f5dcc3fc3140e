"""Tests for fit_sem and SEMResult (relatie_lab.sem): API, missing data, warnings, errors, summary, plot."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from relatie_lab.errors import ModelWarning, SurveyError
from relatie_lab.sem import ESTIMATE_COLUMNS, fit_sem

matplotlib.use("Agg")

CT_MODEL = """
gedeelde_waarden =~ gw_1 + gw_2 + gw_3
vertrouwen =~ vt_1 + vt_2 + vt_3 + vt_4
commitment =~ com_1 + com_2 + com_3 + com_4 + com_5
betrokkenheid =~ eng_1 + eng_2 + eng_3 + eng_4 + eng_5
vertrouwen ~ a*gedeelde_waarden
commitment ~ b*vertrouwen + gedeelde_waarden
betrokkenheid ~ commitment
ind := a*b
"""
ITEMS = [f"gw_{i}" for i in range(1, 4)] + [f"vt_{i}" for i in range(1, 5)] + [
    f"com_{i}" for i in range(1, 6)] + [f"eng_{i}" for i in range(1, 6)]  # fmt: skip


def simulate_ct(n: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    gw = rng.normal(size=n)
    vt = 0.6 * gw + rng.normal(scale=0.8, size=n)
    com = 0.5 * vt + 0.2 * gw + rng.normal(scale=0.8, size=n)
    eng = 0.6 * com + rng.normal(scale=0.8, size=n)
    cols = {}
    for name, f, k in (("gw", gw, 3), ("vt", vt, 4), ("com", com, 5), ("eng", eng, 5)):
        for i in range(1, k + 1):
            cols[f"{name}_{i}"] = np.clip(np.round(4 + 0.9 * f + rng.normal(scale=0.8, size=n)), 1, 7)
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def ct() -> pd.DataFrame:
    return simulate_ct()


@pytest.fixture(scope="module")
def ct_fit(ct):
    return fit_sem(ct, CT_MODEL)


def test_result_has_the_issue_attributes(ct_fit, ct):
    est = ct_fit.estimates
    assert list(est.columns) == ESTIMATE_COLUMNS
    assert ct_fit.nobs == len(ct)
    keys = {"npar", "nobs", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
            "srmr", "aic", "bic", "loglik"}  # fmt: skip
    assert keys <= set(ct_fit.fit_indices)
    assert ct_fit.fit_indices["df"] == 17 * 18 / 2 - ct_fit.fit_indices["npar"]
    fi = ct_fit.fit_indices
    assert fi["aic"] == pytest.approx(-2 * fi["loglik"] + 2 * fi["npar"])
    assert not est[["est", "se"]].isna().any().any()
    fixed = est[(est.op == "=~") & (est.se == 0)]
    assert len(fixed) == 4
    assert fixed.z.isna().all()


def test_defined_parameter_delta_method(ct_fit):
    est = ct_fit.estimates.set_index("label")
    a, b = est.loc["a"], est.loc["b"]
    ind = ct_fit.estimates.query("op == ':='").iloc[0]
    assert ind.est == pytest.approx(a.est * b.est)
    # first-order delta method ignoring the covariance of a and b is close to the full one
    approx = np.sqrt(b.est**2 * a.se**2 + a.est**2 * b.se**2)
    assert ind.se == pytest.approx(approx, rel=0.1)
    assert ind.std_all == pytest.approx(a.std_all * b.std_all)
    assert ind.ci_lower < ind.est < ind.ci_upper


def test_std_all_loadings_are_correlations(ct_fit, ct):
    est = ct_fit.estimates
    load = est[(est.op == "=~")]
    assert ((load.std_all > 0) & (load.std_all < 1)).all()
    var = est[(est.op == "~~") & (est.lhs == "gw_1") & (est.rhs == "gw_1")].std_all.iloc[0]
    lam = load[load.rhs == "gw_1"].std_all.iloc[0]
    assert var == pytest.approx(1 - lam**2)


def test_fiml_uses_all_rows_listwise_drops_and_says_so(ct):
    data = ct.copy()
    rng = np.random.default_rng(1)
    data = data.mask(rng.random(data.shape) < 0.05)
    fiml = fit_sem(data, CT_MODEL)
    assert fiml.nobs == len(data)
    assert "ml" not in fiml.warnings
    n_complete = int(data.notna().all(axis=1).sum())
    with pytest.warns(ModelWarning, match=str(len(data) - n_complete)):
        lw = fit_sem(data, CT_MODEL, missing="listwise")
    assert lw.nobs == n_complete
    assert any(str(len(data) - n_complete) in w for w in lw.warnings)
    # FIML has a mean structure (intercepts), listwise on complete rows does not
    assert (fiml.estimates.op == "~1").any()
    assert not (lw.estimates.op == "~1").any()


def test_listwise_only_looks_at_model_variables(ct):
    data = ct.copy()
    data["opmerking_score"] = np.nan
    res = fit_sem(data, CT_MODEL, missing="listwise")
    assert res.nobs == len(ct)
    assert res.warnings == []


def test_mlr_adds_robust_indices(ct):
    res = fit_sem(ct, CT_MODEL, estimator="MLR")
    for key in ("chisq_scaled", "cfi_robust", "tli_robust", "rmsea_robust", "scaling_factor"):
        assert np.isfinite(res.fit_indices[key]), key
    ml = fit_sem(ct, CT_MODEL)
    np.testing.assert_allclose(res.estimates.est, ml.estimates.est, atol=1e-8)


def test_missing_variable_error_names_similar_columns(ct):
    data = ct.rename(columns={"vt_2": "vt2"})
    with pytest.raises(SurveyError, match=r"niet in de data.*vt_2.*vergelijkbare kolommen: vt2.*Controleer"):
        fit_sem(data, CT_MODEL)
    with pytest.raises(SurveyError, match=r"not in the data.*vt_2.*similar columns: vt2.*Check the spelling"):
        fit_sem(data, CT_MODEL, lang="en")


def test_errors_in_dutch_by_default_and_english_on_request(ct):
    text = ct.copy()
    text["gw_1"] = text["gw_1"].astype(str)
    with pytest.raises(SurveyError, match=r"gw_1 zijn niet numeriek.*Hercodeer"):
        fit_sem(text, CT_MODEL)
    with pytest.raises(SurveyError, match=r"gw_1 are not numeric.*Recode"):
        fit_sem(text, CT_MODEL, lang="en")
    with pytest.raises(SurveyError, match=r"niet geïdentificeerd.*Zet parameters vast"):
        fit_sem(ct, "F =~ gw_1 + gw_2\ngw_1 ~~ gw_2")
    with pytest.raises(SurveyError, match=r"not identified.*Fix parameters"):
        fit_sem(ct, "F =~ gw_1 + gw_2\ngw_1 ~~ gw_2", lang="en")
    with pytest.raises(SurveyError, match="DataFrame"):
        fit_sem(ct.to_numpy(), CT_MODEL)


def test_text_column_is_refused(ct):
    data = ct.copy()
    data["gw_1"] = data["gw_1"].astype(str)
    with pytest.raises(SurveyError, match="gw_1"):
        fit_sem(data, CT_MODEL)


def test_too_few_respondents(ct):
    with pytest.raises(SurveyError, match=r"Te weinig respondenten.*verzamel meer respondenten"):
        fit_sem(ct.head(15), CT_MODEL)
    with pytest.raises(SurveyError, match=r"Too few respondents.*collect more respondents"):
        fit_sem(ct.head(15), CT_MODEL, lang="en")
    grouped = ct.head(40).assign(groep=["a"] * 30 + ["b"] * 10)
    with pytest.raises(SurveyError, match=r"^Groep 'b': Te weinig respondenten: 10 rijen voor 17 variabelen"):
        fit_sem(grouped, CT_MODEL, group="groep")
    with pytest.warns(ModelWarning, match="respondenten"):
        fit_sem(ct.head(60), CT_MODEL)


def test_heywood_case_is_reported_not_hidden():
    """Correlations .8/.8/.5 imply a loading above 1 for 'a': its residual variance must come out negative."""
    R = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(200, 3))
    Z = (Z - Z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(Z.T, bias=True))).T  # exact identity cov
    df = pd.DataFrame(Z @ np.linalg.cholesky(R).T, columns=["a", "b", "c"])
    with pytest.warns(ModelWarning, match="Heywood"):
        res = fit_sem(df, "F =~ b + c + a", lang="en")
    var_a = res.estimates.query("op == '~~' and lhs == 'a' and rhs == 'a'").est.iloc[0]
    assert var_a == pytest.approx(1 - 0.8 * 0.8 / 0.5, abs=1e-6)  # = -0.28: not clamped at zero
    assert any("'a'" in w for w in res.warnings)


def test_multigroup_has_group_column_and_equal_loadings(ct):
    data = ct.copy()
    data["sector"] = np.where(np.arange(len(data)) % 2 == 0, "bank", "energie")
    res = fit_sem(data, "vertrouwen =~ vt_1 + vt_2 + vt_3 + vt_4", group="sector", group_equal=("loadings",))
    est = res.estimates
    assert set(est.group) == {"bank", "energie"}
    load = est[(est.op == "=~") & (est.se > 0)].pivot_table(index="rhs", columns="group", values="est")
    np.testing.assert_allclose(load["bank"], load["energie"])
    assert res.fit_indices["df"] == 2 * 2 + 3  # configural: 2 per group; equal loadings add 3


def test_summary_and_plot(ct_fit):
    text = ct_fit.summary()
    assert "Modelfit" in text
    assert "CFI" in text
    assert "ind" in text
    assert "Model fit" in ct_fit.summary(lang="en")
    fig = ct_fit.plot()
    assert fig.axes
    assert "CFI" in fig.axes[0].get_title()
    import matplotlib.pyplot as plt

    plt.close(fig)


def _arc_and_label(fig, path_label: str):
    """The curved structural arrow (the skip path) and its coefficient label, after drawing the figure."""
    from matplotlib.patches import FancyArrowPatch

    ax = fig.axes[0]
    fig.canvas.draw()
    structural = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_linewidth() > 1.2]
    points = []
    for patch in structural:
        path = patch.get_path()  # in data coordinates
        curve = np.vstack([segment(np.linspace(0, 1, 21)) for segment, _ in path.iter_bezier()])
        points.append(curve)
    arc = max(points, key=lambda c: np.ptp(c[:, 1]))
    texts = [t for t in ax.texts if t.get_text() == path_label]
    assert len(texts) == 1
    return ax, arc, texts[0]


@pytest.mark.parametrize("figsize", [None, (7, 3.5)], ids=["own_figure", "small_axes"])
@pytest.mark.parametrize("n_items", [3, 2], ids=["ct_items", "two_items"])
def test_plot_skip_path_arc_inside_axes_and_label_clear_of_nodes(ct, figsize, n_items):
    import matplotlib.pyplot as plt
    from matplotlib.patches import Ellipse

    model = "\n".join(
        [f"{f} =~ {' + '.join(f'{p}_{i}' for i in range(1, n_items + 1))}"
         for f, p in (("gedeelde_waarden", "gw"), ("vertrouwen", "vt"), ("commitment", "com"))]
        + ["vertrouwen ~ gedeelde_waarden", "commitment ~ vertrouwen + gedeelde_waarden"]
    )
    res = fit_sem(ct, model)
    row = res.estimates.query("op == '~' and lhs == 'commitment' and rhs == 'gedeelde_waarden'").iloc[0]
    text = f"{row.std_all:.2f}".replace("0.", ",", 1) + ("*" if row.pvalue < 0.05 else "")  # APA, Dutch
    ax = None if figsize is None else plt.subplots(figsize=figsize)[1]
    fig = res.plot(ax=ax)
    ax, arc, label = _arc_and_label(fig, text)
    assert np.ptp(arc[:, 1]) > 0.3  # a curved arrow over vertrouwen
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 <= arc[:, 0].min()
    assert arc[:, 0].max() <= x1
    assert y0 <= arc[:, 1].min()
    assert arc[:, 1].max() <= y1
    renderer = fig.canvas.get_renderer()
    box = label.get_window_extent(renderer)
    assert ax.get_window_extent(renderer).contains(box.x0, box.y1), "label outside the axes"
    assert ax.get_window_extent(renderer).contains(box.x1, box.y0), "label outside the axes"
    for node in (p for p in ax.patches if isinstance(p, Ellipse)):
        assert not box.overlaps(node.get_window_extent(renderer)), "the label of the skip path covers a construct"
    # the arc does not run through the labels of the straight paths
    on_screen = ax.transData.transform(arc)
    for other in (t for t in ax.texts if t is not label and t.get_fontweight() == "bold"):
        other_box = other.get_window_extent(renderer)
        assert not any(other_box.contains(x, y) for x, y in on_screen), f"the arc crosses label {other.get_text()}"
    plt.close(fig)


def test_observed_covariates_are_fixed_x_as_in_lavaan():
    rng = np.random.default_rng(9)
    n = 300
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    y = 0.4 * m + rng.normal(size=n)
    df = pd.DataFrame({"x": x, "m": m, "y": y})
    res = fit_sem(df, "m ~ x\ny ~ m")
    fi = res.fit_indices
    assert fi["npar"] == 4  # two regressions, two residual variances; var(x) is not a parameter
    assert fi["df"] == 1
    vx = res.estimates.query("lhs == 'x' and rhs == 'x'").iloc[0]
    assert vx.se == 0
    assert vx.est == pytest.approx(np.var(x))
    # loglik is conditional on x: joint log-likelihood minus the marginal one of x
    from scipy import stats

    Sigma, mu = res.engine.implied(res.raw.theta, 0)
    joint = stats.multivariate_normal(mu, Sigma).logpdf(df[res.engine.ov].to_numpy()).sum()
    marginal = stats.norm(x.mean(), np.sqrt(np.var(x))).logpdf(x).sum()
    assert fi["loglik"] == pytest.approx(joint - marginal, abs=1e-6)


def test_rows_without_any_answer_are_left_out_with_a_warning(ct):
    data = ct.copy()
    data.iloc[:3] = np.nan
    data.iloc[5, 0] = np.nan
    with pytest.warns(ModelWarning, match="3 respondenten"):
        res = fit_sem(data, CT_MODEL)
    assert res.nobs == len(ct) - 3


def test_missing_observed_covariate_rows_are_dropped_like_lavaan():
    rng = np.random.default_rng(12)
    n = 200
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    y = 0.4 * m + rng.normal(size=n)
    df = pd.DataFrame({"x": x, "m": m, "y": y})
    df.loc[::10, "x"] = np.nan
    df.loc[1::7, "m"] = np.nan
    with pytest.warns(ModelWarning, match="20 respondenten"):
        res = fit_sem(df, "m ~ x\ny ~ m")
    assert res.nobs == n - 20


def test_user_intercept_turns_on_the_mean_structure(ct):
    plain = fit_sem(ct, "vertrouwen =~ vt_1 + vt_2 + vt_3 + vt_4")
    means = fit_sem(ct, "vertrouwen =~ vt_1 + vt_2 + vt_3 + vt_4\nvt_1 ~ 1")
    assert means.fit_indices["npar"] == plain.fit_indices["npar"] + 4
    assert means.fit_indices["df"] == plain.fit_indices["df"]
    ints = means.estimates.query("op == '~1' and lhs.str.startswith('vt')")
    np.testing.assert_allclose(ints.est, ct[["vt_1", "vt_2", "vt_3", "vt_4"]].mean(), atol=1e-5)


def test_unidentified_model_is_flagged():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(300, 1))
    df = pd.DataFrame(f @ [[1, 0.8, 0.7, 0.6]] + rng.normal(size=(300, 4)) * 0.6, columns=list("abcd"))
    with pytest.warns(ModelWarning):
        res = fit_sem(df, "F =~ NA*a + b + c + d", lang="en")  # scale of F not fixed
    # the rank check names the parameters (the structural null direction: all loadings and the factor variance)
    msg = next(w for w in res.warnings if "not identified" in w)
    assert "F =~ a, F =~ b, F =~ c, F =~ d, F ~~ F" in msg
    assert "std_lv" in msg
    assert not any("singular" in w for w in res.warnings)
    assert res.estimates.loc[res.estimates.op == "=~", "se"].isna().all()
    with pytest.warns(ModelWarning, match="niet geïdentificeerd"):
        res_nl = fit_sem(df, "F =~ NA*a + b + c + d")
    assert "F =~ a, F =~ b, F =~ c, F =~ d, F ~~ F" in res_nl.warnings[0]
    with warnings.catch_warnings():  # the same data with the scale fixed: identified, no warning
        warnings.simplefilter("error", ModelWarning)
        fit_sem(df, "F =~ a + b + c + d")


def test_infinite_values_are_refused(ct):
    data = ct.copy()
    data.loc[3, "com_2"] = np.inf
    with pytest.raises(SurveyError, match="com_2"):
        fit_sem(data, CT_MODEL)


# --- the warnings issue 3 requires: each one fires, says what to do, in Dutch and in English ----------------------
def _factor_data(n: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    return pd.DataFrame({f"x{i}": np.round(4 + 0.9 * f + rng.normal(scale=0.8, size=n)) for i in range(1, 5)})


def test_non_convergence_is_warned(monkeypatch):
    """With the optimiser cut off after one step the fit cannot converge: the user must be told."""
    from relatie_lab.sem.engine import Engine

    data = _factor_data()
    model = "F =~ x1 + x2 + x3 + x4"
    assert not any("geconvergeerd" in w for w in fit_sem(data, model).warnings)  # control: converges normally
    optimize = Engine.optimize
    monkeypatch.setattr(Engine, "optimize", lambda self, theta0=None, **kw: optimize(
        self, theta0, **{**kw, "maxit": 1, "fallback": False}))  # fmt: skip
    with pytest.warns(ModelWarning, match="niet geconvergeerd"):
        res = fit_sem(data, model)
    assert not res.converged
    msg = next(w for w in res.warnings if "geconvergeerd" in w)
    assert "Vereenvoudig het model" in msg
    assert "gevolg" not in msg
    with pytest.warns(ModelWarning, match="did not converge"):
        res_en = fit_sem(data, model, lang="en")
    assert any("Simplify the model" in w for w in res_en.warnings)
    assert "did not converge" in res.summary(lang="en")


@pytest.mark.filterwarnings("ignore::relatie_lab.errors.ModelWarning")  # the knock-on ones
def test_dependent_items_are_named_and_flagged_as_the_root_cause():
    """x5 = x1 + x2 (a sum score in the model): the covariance matrix of the data is singular."""
    data = _factor_data()
    data["x5"] = data.x1 + data.x2
    model = "F =~ x1 + x2 + x3 + x4 + x5"
    with pytest.warns(ModelWarning, match="niet positief-definiet"):
        res = fit_sem(data, model)
    root = [w for w in res.warnings if "covariantiematrix van de data" in w]
    assert len(root) == 1
    assert "x1, x2, x5" in root[0]
    assert "x5 ≈ x1 + x2" in root[0]
    assert "Laat een van deze items weg" in root[0]  # what to do
    assert "groep" not in root[0].lower()  # a single-group model has no "groep 1"
    assert res.warnings[0] == root[0]  # the cause comes first ...
    knock_on = res.warnings[1:]
    assert knock_on, "a singular covariance matrix should leave traces (convergence, SEs, Heywood)"
    assert all("gevolg" in w and "x1, x2, x5" in w for w in knock_on)  # ... and the others point to it
    # English, also when a Dutch result is summarised in English
    with pytest.warns(ModelWarning, match="not positive definite"):
        res_en = fit_sem(data, model, lang="en")
    assert "Drop one of these items" in res_en.warnings[0]
    assert "x5 ≈ x1 + x2" in res_en.warnings[0]
    assert all("Probably a consequence" in w for w in res_en.warnings[1:])
    assert "Drop one of these items" in res.summary(lang="en")
    # control: without the sum score no such warning
    assert not any("positief-definiet" in w for w in fit_sem(data, "F =~ x1 + x2 + x3 + x4").warnings)


def test_dependent_items_with_missing_answers_and_per_group():
    data = _factor_data(n=400)
    data["x5"] = data.x1 - 2 * data.x3
    data["groep"] = np.where(np.arange(len(data)) % 2 == 0, "a", "b")
    data.loc[data.groep == "a", "x5"] += np.random.default_rng(2).normal(size=200)  # dependent in group b only
    with pytest.warns(ModelWarning):
        res = fit_sem(data, "F =~ x1 + x2 + x3 + x4 + x5", group="groep", lang="en")
    root = [w for w in res.warnings if "covariance matrix of the data" in w]
    assert root == [w for w in root if w.startswith("Group 'b': ")]
    assert len(root) == 1
    assert "x5 ≈ x1 - 2.00*x3" in root[0]
    # FIML: the complete rows show the dependency too
    single = data[data.groep == "b"].drop(columns="groep").reset_index(drop=True)
    single.loc[::9, "x2"] = np.nan
    with pytest.warns(ModelWarning, match="x1, x3, x5"), pytest.raises(SurveyError, match=r"x1, x3, x5.*weg"):
        fit_sem(single, "F =~ x1 + x2 + x3 + x4 + x5")  # FIML's saturated model cannot be estimated: a clear error


@pytest.mark.filterwarnings("ignore::relatie_lab.errors.ModelWarning")  # the knock-on ones
def test_item_without_variance_is_named():
    data = _factor_data()
    data["x5"] = 4.0
    with pytest.warns(ModelWarning, match="item x5 heeft geen variantie"):
        res = fit_sem(data, "F =~ x1 + x2 + x3 + x4 + x5")
    assert "Laat het item weg" in res.warnings[0]


def test_too_few_respondents_says_what_to_do(ct):
    with pytest.warns(ModelWarning, match="respondenten"):
        res = fit_sem(ct.head(60), CT_MODEL)
    msg = next(w for w in res.warnings if "vrije parameters" in w)
    assert "minder items per factor" in msg
    assert "itemparcels" in msg
    assert "meer respondenten" in msg
    with pytest.warns(ModelWarning, match="respondents"):
        res_en = fit_sem(ct.head(60), CT_MODEL, lang="en")
    msg_en = next(w for w in res_en.warnings if "free parameters" in w)
    assert "fewer items per factor" in msg_en
    assert "item parcels" in msg_en
    assert "more respondents" in msg_en


def _heywood_data() -> pd.DataFrame:
    """a and b barely correlate, c correlates strongly with both: a one-factor model needs c's residual below 0."""
    rng = np.random.default_rng(11)
    cov = np.array([[1.0, 0.2, 0.6], [0.2, 1.0, 0.6], [0.6, 0.6, 1.0]])
    return pd.DataFrame(rng.multivariate_normal(np.zeros(3), cov, size=400), columns=["a", "b", "c"])


def test_improper_solution_is_flagged_as_not_interpretable():
    with pytest.warns(ModelWarning):
        res = fit_sem(_heywood_data(), "f =~ a + b + c", lang="en")
    bad = res.improper
    assert set(bad.reason) == {"negative_variance", "std_beyond_1"}
    assert bad.loc[bad.reason == "negative_variance", "lhs"].tolist() == ["c"]
    assert bad.loc[bad.reason == "std_beyond_1", "rhs"].tolist() == ["c"]
    assert (bad.loc[bad.reason == "std_beyond_1", "std_all"].abs() > 1).all()
    text = res.summary(lang="en")
    assert "Not interpretable (improper solution):" in text
    assert "c ~~ c" in text.split("Not interpretable")[1]
    assert "Niet interpreteerbaar (oplossing niet toelaatbaar):" in res.summary(lang="nl")
    assert any("beyond ±1 for 'f =~ c'" in w for w in res.warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        res_nl = fit_sem(_heywood_data(), "f =~ a + b + c")
    assert any("buiten ±1 voor 'f =~ c'" in w for w in res_nl.warnings)


def test_proper_solution_has_no_improper_rows(ct):
    res = fit_sem(ct, CT_MODEL)
    assert res.improper.empty
    assert "improper" not in res.summary(lang="en")


def test_fit_sem_names_an_unsupported_operator_in_the_users_language(ct):
    from relatie_lab.sem import ModelSyntaxError

    with pytest.raises(ModelSyntaxError, match="the operator '<~'"):
        fit_sem(ct, "vertrouwen <~ vt_1 + vt_2", lang="en")
    with pytest.raises(ModelSyntaxError, match="de operator ':'"):
        fit_sem(ct, "com_1 ~ vt_1 + vt_1:vt_2")
