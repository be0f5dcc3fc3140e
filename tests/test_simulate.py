"""Tests for relatie_lab.simulate: determinism, the shipped demo files, and that the truth is recoverable."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from relatie_lab import instrument
from relatie_lab.paths import DEMO_CSV, DEMO_SAV, DEMO_TRUTH
from relatie_lab.simulate import (
    DEFAULT_N,
    DEFAULT_SEED,
    TYPES,
    implied_paths,
    main,
    simulate_survey,
)

ITEMS = instrument.items()
CODES = {-99, "weet niet", "n.v.t."}
TRUTH_KEYS = {
    "schema_version", "generator", "n", "seed", "options", "population", "structural", "measurement", "means",
    "effects", "ladder", "blocks", "respondents", "careless", "missing",
}  # fmt: skip


def _numeric_items(df: pd.DataFrame) -> pd.DataFrame:
    """Item answers as floats, missing codes and text as NaN."""
    out = df[ITEMS.index].apply(pd.to_numeric, errors="coerce").astype(float)
    return out.where(out != -99)


def _scores(df: pd.DataFrame, constructs: list[str]) -> pd.DataFrame:
    """Construct means with reverse-keyed items recoded (a plain reference implementation for the tests)."""
    num = _numeric_items(df)
    rev = ITEMS.index[ITEMS["reverse"]]
    num[rev] = ITEMS.loc[rev, "min"] + ITEMS.loc[rev, "max"] - num[rev]
    return pd.DataFrame({c: num[instrument.item_ids(c)].mean(axis=1) for c in constructs})


def _csv_text(df: pd.DataFrame) -> pd.DataFrame:
    import io

    return pd.read_csv(io.StringIO(df.to_csv(index=False, lineterminator="\n")), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, dict]:
    return simulate_survey(n=DEFAULT_N, seed=DEFAULT_SEED)


@pytest.fixture(scope="module")
def large() -> tuple[pd.DataFrame, dict]:
    return simulate_survey(n=20_000, seed=99)


# ---------------------------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_data_and_truth():
    a, ta = simulate_survey(n=150, seed=5)
    b, tb = simulate_survey(n=150, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert ta == tb


def test_different_seed_gives_different_data():
    a, ta = simulate_survey(n=150, seed=5)
    b, tb = simulate_survey(n=150, seed=6)
    assert not a[ITEMS.index].astype(str).equals(b[ITEMS.index].astype(str))
    assert ta["respondents"] != tb["respondents"]


def test_too_few_respondents_is_refused():
    with pytest.raises(ValueError, match="n >= 20"):
        simulate_survey(n=5)


# ---------------------------------------------------------------------------------------------- shipped files
def test_shipped_csv_equals_a_fresh_draw(demo):
    df, _ = demo
    shipped = pd.read_csv(DEMO_CSV, dtype=str, keep_default_na=False, encoding="utf-8")
    fresh = _csv_text(df)
    assert shipped.columns.tolist() == fresh.columns.tolist()
    pd.testing.assert_frame_equal(shipped, fresh)


def _assert_close(a, b, path="truth"):
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert set(a) == set(b), f"{path}: keys differ: {set(a) ^ set(b)}"
        for k in a:
            _assert_close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list), path
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and not isinstance(b, bool):
        assert math.isclose(a, b, abs_tol=2e-4), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def test_shipped_truth_equals_a_fresh_draw(demo):
    _, truth = demo
    shipped = json.loads(DEMO_TRUTH.read_text(encoding="utf-8"))
    _assert_close(json.loads(json.dumps(truth)), shipped)


def test_shipped_sav_matches_csv_and_has_labels():
    csv = pd.read_csv(DEMO_CSV, dtype=str, keep_default_na=False)
    sav, meta = pyreadstat.read_sav(DEMO_SAV, user_missing=True)
    assert sav.columns.tolist() == csv.columns.tolist()
    # value labels: 1-7 anchors on the agreement items, group codes on the group fields
    assert meta.variable_value_labels["vt_1"][1.0] == "Helemaal mee oneens"
    assert meta.variable_value_labels["vt_1"][7.0] == "Helemaal mee eens"
    assert meta.variable_value_labels["aanbeveling"][10.0] == "Zeer waarschijnlijk"
    assert meta.variable_value_labels["sector"]["gemeente"] == "Gemeente"
    assert meta.variable_value_labels["conditie"]["zorg"] == "Zorgfolder"
    assert meta.variable_value_labels["meting"][2.0] == "Meting 2"
    assert meta.column_names_to_labels["vt_4"] == ITEMS.loc["vt_4", "text_nl"]
    assert meta.column_names_to_labels["email"] == "E-mailadres"
    assert meta.missing_ranges["kb_1"] == [{"lo": -99.0, "hi": -99.0}]
    # same values: numbers equal, text codes stored as -99, empty cells empty
    for item in ITEMS.index:
        text = csv[item]
        num = pd.to_numeric(text, errors="coerce")
        coded = text.isin(["weet niet", "n.v.t."])
        assert (sav.loc[coded, item] == -99).all(), item
        assert sav.loc[text == "", item].isna().all(), item
        np.testing.assert_array_equal(sav.loc[num.notna(), item].to_numpy(), num.dropna().to_numpy())
    for col in ("respondent_id", "sector", "organisatie", "conditie", "keuze_aanbieder", "email", "startdatum"):
        assert sav[col].tolist() == csv[col].tolist(), col
    assert sav["meting"].astype(int).astype(str).tolist() == csv["meting"].tolist()


def test_shipped_files_stay_small():
    for path in (DEMO_CSV, DEMO_SAV, DEMO_TRUTH):
        assert path.stat().st_size < 600_000, path


# ---------------------------------------------------------------------------------------------- the frame
def test_columns_and_ids(demo):
    df, truth = demo
    fields = instrument.fields().index.tolist()
    assert set(df.columns) == set(fields) | set(ITEMS.index)
    assert df["respondent_id"].is_unique
    assert df["respondent_id"].str.fullmatch(r"R\d{5}").all()
    assert set(truth["respondents"]) == set(df["respondent_id"])
    assert df["meting"].value_counts().to_dict() == {1: DEFAULT_N // 2, 2: DEFAULT_N // 2}
    assert set(df["conditie"]) == {"prijs", "zorg"}
    assert set(df["sector"]) == set(instrument.field_values("sector"))
    # relationship type is truth, never a survey column
    assert not {"type", "relationship_type", "clear"} & set(df.columns)


def test_values_in_range_per_scale(demo):
    df, _ = demo
    for item, it in ITEMS.iterrows():
        values = df[item].dropna()
        numbers = values[values.map(lambda v: not isinstance(v, str))].astype(int)
        answers = numbers[numbers != -99]
        assert answers.between(it["min"], it["max"]).all(), item
        assert set(values[values.map(lambda v: isinstance(v, str))]) <= {"weet niet", "n.v.t."}, item
    num = _numeric_items(df)
    assert num["aanbeveling"].nunique() >= 9  # the 0-10 scale is used, not squeezed into 1-7
    assert num["tevredenheid"].nunique() >= 7
    assert num["tevredenheid"].median() in (7, 8)  # a Dutch rapportcijfer piles up at 7-8


def test_skewed_likert_piles_up_at_5_and_6(demo):
    df, _ = demo
    num = _numeric_items(df)
    agree = [i for i in instrument.item_ids("klantbeleving") + instrument.item_ids("vertrouwen_blok")]
    counts = pd.Series(num[agree].to_numpy().ravel()).value_counts(normalize=True)
    assert counts[[5, 6]].sum() > 0.4
    assert counts[[1, 2]].sum() < 0.1


def test_missing_share_and_codes(demo):
    df, truth = demo
    items = df[ITEMS.index]
    empty_or_code = items.isna() | items.isin(list(CODES))
    share = empty_or_code.to_numpy().mean()
    assert 0.025 <= share <= 0.05
    assert share == pytest.approx(truth["missing"]["share_item_cells"], abs=1e-4)
    assert items.isin(["weet niet"]).to_numpy().sum() == truth["missing"]["codes"]["weet niet"] > 0
    assert items.isin([-99]).to_numpy().sum() == truth["missing"]["codes"]["-99"] > 0
    # MAR: building-block items miss more often without a real choice of provider
    blocks = truth["missing"]["mar_items"]
    miss = empty_or_code[blocks].mean(axis=1)
    assert miss[df["keuze_aanbieder"] == "nee"].mean() > miss[df["keuze_aanbieder"] == "ja"].mean()


def test_careless_respondents_are_flagged_in_truth(demo):
    df, truth = demo
    straight, speed = truth["careless"]["straightliners"], truth["careless"]["speeders"]
    assert straight
    assert speed
    assert not set(straight) & set(speed)
    agree = ITEMS.index[ITEMS["scale"] == "agree7"]
    by_id = df.set_index("respondent_id")
    spread = _numeric_items(by_id)[agree]
    spread = spread.max(axis=1) - spread.min(axis=1)
    assert (spread[straight] == 0).all()
    assert (by_id.loc[speed, "duur_seconden"] <= truth["careless"]["speeder_max_seconds"]).all()
    others = by_id.drop(index=straight + speed)
    assert (others["duur_seconden"] >= 150).all()
    assert (spread.drop(index=straight + speed) > 0).all()
    assert not any(truth["respondents"][r]["clear"] for r in straight + speed)


def test_personal_data_is_obviously_fake(demo):
    df, _ = demo
    assert df["email"].str.endswith("@example.org").all()
    assert df["ip_adres"].str.startswith("192.0.2.").all()
    assert df["telefoon"].str.startswith("+31 6 0000 ").all()
    assert df["postcode"].str.fullmatch(r"\d{4} [A-Z]{2}").all()
    assert df["opmerking"].notna().mean() == pytest.approx(0.15, abs=0.05)
    assert df["opmerking"].dropna().str.contains("@example.org").any()


def test_startdatum_and_duration(demo):
    df, _ = demo
    start = pd.to_datetime(df["startdatum"], format="%Y-%m-%d %H:%M:%S")
    assert (start[df["meting"] == 1] < start[df["meting"] == 2].min()).all()
    assert df["duur_seconden"].median() == pytest.approx(540, rel=0.15)


def test_options_switch_off_problems():
    df, truth = simulate_survey(n=200, seed=1, careless_rate=0, mcar_rate=0, mar_rate=0, personal_data=False)
    assert df[ITEMS.index].notna().all().all()
    assert truth["careless"] == {"straightliners": [], "speeders": [], "speeder_max_seconds": 110}
    assert "email" not in df.columns


# ---------------------------------------------------------------------------------------------- the truth
def test_truth_schema(demo):
    _, truth = demo
    assert set(truth) >= TRUTH_KEYS
    json.dumps(truth)  # JSON-ready
    paths = pd.DataFrame(truth["structural"]["paths"])
    assert {"lhs", "op", "rhs", "est_within", "std_all"} <= set(paths.columns)
    loadings = pd.DataFrame(truth["measurement"]["loadings"])
    assert set(loadings["rhs"]) == set(ITEMS.index) - {i for t in TYPES for i in instrument.item_ids(t)}
    assert truth["ladder"]["default_threshold"] == 5.0
    assert set(truth["ladder"]["by_threshold"]["5.0"]["funnel"]) == set(truth["ladder"]["rungs"])
    assert truth["effects"]["ab"]["null_outcome"] == "gevoeligheid_concurrentie"
    r = truth["respondents"]["R00001"]
    assert set(r) == {"type", "clear", "margin", "profile"}
    assert sum(r["profile"].values()) == pytest.approx(1, abs=0.01)


def test_true_effects_as_documented(demo):
    _, truth = demo
    ab = truth["effects"]["ab"]["observed"]
    for outcome in ("tevredenheid", "vertrouwen", "aanbeveling"):
        assert 0.3 <= ab[outcome]["d"] <= 0.45, outcome
    assert ab["gevoeligheid_concurrentie"]["diff"] == 0
    wave = truth["effects"]["wave"]["observed"]
    assert wave["betrokkenheid_organisatie"]["diff"] > 0.2
    assert wave["keuzevrijheid"]["diff"] < -0.1
    assert wave["rechtvaardigheid"]["diff"] == 0
    assert wave["invloed"]["diff"] == 0
    funnel = list(truth["ladder"]["by_threshold"]["5.0"]["funnel"].values())
    assert funnel == sorted(funnel, reverse=True)
    shares = truth["population"]["type_shares_by_sector"]
    for sector in ("gemeente", "waterbedrijf", "pensioenfonds"):
        assert max(shares[sector], key=shares[sector].get) == "gezag"
    assert max(shares["energie"], key=shares["energie"].get) == "markt"
    by_type = truth["means"]["by_type"]
    assert by_type["betekenis"]["vertrouwen"] > by_type["markt"]["vertrouwen"]
    assert by_type["betekenis"]["betrokkenheid"] > by_type["gezag"]["betrokkenheid"]
    by_choice = truth["means"]["by_keuze_aanbieder"]
    assert by_choice["nee"]["commitment"] < by_choice["ja"]["commitment"]


def test_implied_paths_reproduce_the_generating_equation(demo):
    _, truth = demo
    paths = pd.DataFrame(truth["structural"]["paths"])
    eq = paths[paths["lhs"] == "commitment"]
    implied = implied_paths(truth, "commitment", eq["rhs"].tolist())
    np.testing.assert_allclose(list(implied.values()), eq["std_all"], atol=2e-3)


# ---------------------------------------------------------------------------------------------- recovery
def test_dominant_type_recovered_for_clear_respondents(demo):
    df, truth = demo
    norms = _scores(df, list(TYPES))
    ordered = np.sort(norms.to_numpy(), axis=1)
    dominant = norms.idxmax(axis=1).where(ordered[:, 2] - ordered[:, 1] >= 0.5, "gemengd")
    true = pd.DataFrame(truth["respondents"]).T.loc[df["respondent_id"]]
    clear = true["clear"].astype(bool).to_numpy()
    assert clear.mean() > 0.5
    assert (dominant.to_numpy()[clear] == true["type"].to_numpy()[clear]).mean() >= 0.9


def test_structure_recovered_by_correlations(large):
    df, _ = large
    ladder = ["klantbeleving", "gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid"]
    s = _scores(df, [*ladder, "vertrekneiging", "rechtvaardigheid", "aanbeveling"])
    r = s.corr()
    # the chain: each rung correlates positively with the next, and more with the next than with rungs further up
    for a, b, c in zip(ladder, ladder[1:], ladder[2:], strict=False):
        assert r.loc[a, b] > r.loc[a, c] > 0, (a, b, c)
    assert r.loc["commitment", "vertrekneiging"] < -0.3
    assert r.loc["rechtvaardigheid", "vertrouwen"] > 0.2
    assert r.loc["vertrouwen", "commitment"] > r.loc["klantbeleving", "commitment"]


def test_ab_effect_and_null_recovered_at_large_n(large):
    df, truth = large
    s = _scores(df, ["tevredenheid", "vertrouwen", "aanbeveling", "gevoeligheid_concurrentie"])
    zorg = df["conditie"] == "zorg"
    ab = truth["effects"]["ab"]["observed"]
    for outcome in s.columns:
        a, b = s.loc[~zorg, outcome].dropna(), s.loc[zorg, outcome].dropna()
        diff = b.mean() - a.mean()
        se = math.sqrt(a.var() / len(a) + b.var() / len(b))
        assert abs(diff - ab[outcome]["diff"]) < 4 * se + 0.03, outcome  # careless/missing add a little bias
    null = s.loc[zorg, "gevoeligheid_concurrentie"].mean() - s.loc[~zorg, "gevoeligheid_concurrentie"].mean()
    assert abs(null) < 0.1
    assert s.loc[zorg, "tevredenheid"].mean() - s.loc[~zorg, "tevredenheid"].mean() > 0.2


def test_wave_change_recovered_at_large_n(large):
    df, truth = large
    blocks = ["betrokkenheid_organisatie", "keuzevrijheid", "rechtvaardigheid", "invloed"]
    s = _scores(df, blocks)
    wave = truth["effects"]["wave"]["observed"]
    for block in blocks:
        change = s.loc[df["meting"] == 2, block].mean() - s.loc[df["meting"] == 1, block].mean()
        assert change == pytest.approx(wave[block]["diff"], abs=0.06), block


def test_population_means_and_ladder_recovered_without_data_problems():
    df, truth = simulate_survey(n=20_000, seed=4, careless_rate=0, mcar_rate=0, mar_rate=0)
    ladder = truth["ladder"]["rungs"]
    s = _scores(df, [*ladder, "tevredenheid"])
    for c in s.columns:
        assert s[c].mean() == pytest.approx(truth["means"]["overall"][c], abs=0.04), c
    reached = (s[ladder] >= 5.0).to_numpy()
    level = np.cumprod(reached, axis=1).sum(axis=1)
    funnel = truth["ladder"]["by_threshold"]["5.0"]["funnel"]
    for k, rung in enumerate(ladder, start=1):
        assert (level >= k).mean() == pytest.approx(funnel[rung], abs=0.02), rung


# ---------------------------------------------------------------------------------------------- command line
def test_command_line_writes_three_files(tmp_path, capsys):
    assert main(["--write", "--n", "60", "--seed", "3", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["demo_survey.csv", "demo_survey.sav", "demo_truth.json"]
    df = pd.read_csv(tmp_path / "demo_survey.csv")
    assert len(df) == 60
    assert json.loads((tmp_path / "demo_truth.json").read_text(encoding="utf-8"))["seed"] == 3
    assert "demo_survey.sav" in capsys.readouterr().out
