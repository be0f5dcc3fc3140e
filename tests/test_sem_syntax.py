"""Tests for the lavaan syntax parser (relatie_lab.sem.syntax)."""

from __future__ import annotations

import math

import pytest

from relatie_lab.sem.syntax import ModelSyntaxError, evaluate_defined, parse_model

HS = """
# three factors
visual  =~ x1 + x2 + x3
textual =~ x4 + x5
           + x6          # continued on the next line
speed   =~ x7 + x8 + x9
"""


def rows(pt, op):
    return pt[pt.op == op]


def test_cfa_defaults_match_lavaan_counts():
    pt = parse_model(HS)
    assert pt.attrs["latent"] == ["visual", "textual", "speed"]
    assert pt.attrs["observed"] == [f"x{i}" for i in range(1, 10)]
    # 6 free loadings + 9 residual variances + 3 factor variances + 3 factor covariances = 21 (lavaan npar)
    assert pt.free.max() == 21
    first = rows(pt, "=~").groupby("lhs", sort=False).head(1)
    assert (first.free == 0).all()
    assert (first.ustart == 1).all()
    covs = rows(pt, "~~")
    assert len(covs[(covs.lhs != covs.rhs)]) == 3


def test_modifiers_labels_fixed_free_start():
    pt = parse_model("f =~ NA*y1 + 0.5*y2 + a*y3 + start(0.7)*y4\nf ~~ 1*f\ny3 ~~ a*y4")
    load = rows(pt, "=~").set_index("rhs")
    assert load.loc["y1", "free"] > 0  # NA* frees the first loading
    assert load.loc["y2", "free"] == 0
    assert load.loc["y2", "ustart"] == 0.5
    assert load.loc["y3", "label"] == "a"
    assert load.loc["y4", "start"] == 0.7
    var_f = pt[(pt.lhs == "f") & (pt.rhs == "f")]
    assert var_f.free.iloc[0] == 0
    assert var_f.ustart.iloc[0] == 1.0
    # shared label 'a' = one parameter
    cov = pt[(pt.lhs == "y3") & (pt.rhs == "y4")]
    assert cov.free.iloc[0] == load.loc["y3", "free"]


def test_regressions_defined_and_meanstructure():
    pt = parse_model("m ~ a*x\ny ~ b*m + c*x\nind := a*b\ntotal := c + a*b", meanstructure=True)
    assert [d.name for d in pt.attrs["defined"]] == ["ind", "total"]
    assert pt.attrs["ov_x"] == ["x"]
    # x is fixed.x: variance and mean fixed (filled from the data), not free
    x_rows = pt[(pt.lhs == "x")]
    assert (x_rows.free == 0).all()
    assert (x_rows.exo == 1).all()
    ints = rows(pt, "~1")
    assert set(ints.lhs[ints.free > 0]) == {"m", "y"}


def test_auto_cov_y_for_two_outcomes():
    pt = parse_model("y1 ~ x\ny2 ~ x")
    cov = pt[(pt.op == "~~") & (pt.lhs != pt.rhs) & (pt.exo == 0)]
    assert {tuple(sorted((a, b))) for a, b in zip(cov.lhs, cov.rhs, strict=True)} == {("y1", "y2")}


def test_intercept_syntax_and_semicolons():
    pt = parse_model("f =~ a + b + c; a ~ 1; f ~~ f")
    assert len(rows(pt, "~1")) == 1


def test_multigroup_labels_and_group_equal():
    pt = parse_model("f =~ x1 + c(l1, l2)*x2 + x3", ngroups=2, meanstructure=True)
    x2 = pt[(pt.op == "=~") & (pt.rhs == "x2")]
    assert x2.label.tolist() == ["l1", "l2"]
    assert x2.free.nunique() == 2
    ptm = parse_model("f =~ x1 + x2 + x3", ngroups=2, meanstructure=True, group_equal=("loadings", "intercepts"))
    load = ptm[(ptm.op == "=~") & (ptm.free > 0)]
    assert load.groupby("rhs").free.nunique().eq(1).all()
    means = ptm[(ptm.op == "~1") & (ptm.lhs == "f")]
    assert means.free.tolist()[0] == 0
    assert means.free.tolist()[1] > 0


@pytest.mark.parametrize(
    ("syntax", "fragment"),
    [
        ("f =~ x1 + + x2", "line 1"),
        ("x1 x2", "no operator"),
        ("f =~ x1 + x2\nab := a*b", "not a label"),
        ("f =~ x1 + x2\n y ~ a*x\n z := __import__('os')", "line 3"),
        ("f =~ c(1,2)*x1 + x2", "group"),
        ("", "empty"),
    ],
)
def test_errors_are_plain_and_point_at_the_line(syntax, fragment):
    with pytest.raises(ModelSyntaxError, match=fragment):
        parse_model(syntax)


def test_evaluate_defined_is_safe_arithmetic():
    assert evaluate_defined("a*b + c^2 - sqrt(d)/2", {"a": 2, "b": 3, "c": 2, "d": 16}) == 8.0
    assert math.isnan(evaluate_defined("a/b", {"a": 1, "b": 0}))
    assert evaluate_defined("exp(log(a))", {"a": 3.0}) == pytest.approx(3.0)


def test_each_call_gets_its_own_table():
    """Parsed tables are cached; changing one returned table must not change the next call's table."""
    first = parse_model("f =~ y1 + a*y2 + y3\nab := 2*a")
    first.loc[:, "lhs"] = "changed"
    first.attrs["defined"].clear()
    second = parse_model("f =~ y1 + a*y2 + y3\nab := 2*a")
    assert (second["lhs"] != "changed").all()
    assert len(second.attrs["defined"]) == 1


# --- issue 11: lavaan's merging and auto-fix, options, unsupported operators named (nl/en) -------------------------
def test_modifiers_on_the_same_term_are_merged():
    pt = parse_model("f =~ NA*x1 + a*x1 + x2 + x3")
    load = pt[pt.op == "=~"]
    assert load.rhs.tolist() == ["x1", "x2", "x3"]
    assert load.iloc[0]["label"] == "a"
    assert load.iloc[0]["free"] > 0


def test_single_indicator_residual_is_fixed_at_zero():
    pt = parse_model("K =~ k1\nF =~ a + b + c\nF ~ K")
    row = pt[(pt.op == "~~") & (pt.lhs == "k1")].iloc[0]
    assert row["free"] == 0
    assert row["ustart"] == 0.0
    assert parse_model("K =~ k1", auto_fix_single=False).query("op == '~~' and lhs == 'k1'").free.iloc[0] > 0


def test_group_count_unknown_accepts_any_c_and_partial_frees_one_parameter():
    assert parse_model("f =~ x1 + c(a, b, c)*x2 + x3", ngroups=None).attrs["observed"] == ["x1", "x2", "x3"]
    pt = parse_model("f =~ x1 + x2 + x3", ngroups=2, meanstructure=True, group_equal=("loadings", "intercepts"),
                     group_partial=["f =~ x2", "x3 ~ 1"])  # fmt: skip
    free = pt.groupby(["lhs", "op", "rhs"]).free.nunique()
    assert free[("f", "=~", "x2")] == 2
    assert free[("x3", "~1", "")] == 2
    assert free[("f", "=~", "x3")] == 1
    assert free[("x2", "~1", "")] == 1


def test_std_lv_and_orthogonal():
    pt = parse_model("F =~ a + b + c\nG =~ d + e + f", std_lv=True, orthogonal=True)
    assert (pt[pt.op == "=~"].free > 0).all()
    lv = pt[(pt.op == "~~") & pt.lhs.isin(["F", "G"])]
    assert lv.free.eq(0).all()
    assert sorted(lv.ustart.tolist()) == [0.0, 1.0, 1.0]


def test_constraints_between_labels_and_constants():
    pt = parse_model("f =~ x1 + a*x2 + b*x3 + c*x4\na == b\nc == 0.5\na > 0.2\nb == 2*a - 1")
    load = pt[pt.op == "=~"].set_index("rhs")
    assert load.loc["x2", "free"] == load.loc["x3", "free"]
    assert load.loc["x4", "free"] == 0
    assert load.loc["x4", "ustart"] == 0.5
    assert [c["text"] for c in pt.attrs["constraints"]] == ["a > 0.2", "b == 2*a - 1"]
    assert pt.attrs["constraints"][1]["coef"] == {"b": 1.0, "a": -2.0}
    with pytest.raises(ModelSyntaxError, match="linear"):
        parse_model("f =~ x1 + a*x2 + b*x3\na == b^2")
    with pytest.raises(ModelSyntaxError, match="'z', which is not a label"):
        parse_model("f =~ x1 + a*x2 + b*x3\na == z")


def test_unicode_names():
    pt = parse_model("Beleving_é =~ ä1 + ø2 + x3\nBeleving_é ~ tevredenheid_ë")
    assert pt.attrs["latent"] == ["Beleving_é"]
    assert pt.attrs["observed"] == ["ä1", "ø2", "x3", "tevredenheid_ë"]


@pytest.mark.parametrize(
    ("syntax", "op", "nl", "en"),
    [
        ("f <~ x1 + x2", "<~", "formatief", "formative"),
        ("f =~ x1 + x2 + x3\nx1 | t1", "|", "drempels", "thresholds"),
        ("f =~ x1 + x2\ny ~ x % 2", "%", "gewichten", "weights"),
        ("efa('b')*f1 + efa('b')*f2 =~ x1 + x2 + x3", "efa", "exploratieve", "exploratory"),
        ("y ~ x + x:z", ":", "interactieterm", "interaction term"),
        ("group: 1\nf =~ x1 + x2", ":", "blokken", "blocks"),
    ],
)
def test_unsupported_syntax_names_the_operator(syntax, op, nl, en):
    with pytest.raises(ModelSyntaxError) as nl_err:
        parse_model(syntax)
    assert f"de operator '{op}'" in str(nl_err.value)
    assert nl in str(nl_err.value)
    with pytest.raises(ModelSyntaxError) as en_err:
        parse_model(syntax, lang="en")
    assert f"the operator '{op}'" in str(en_err.value)
    assert en in str(en_err.value)
