"""quality: each check on an already-read frame, the issue table's shape, thresholds as parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import survey_frame
from relatie_lab import instrument
from relatie_lab.quality import (
    ISSUE_COLUMNS,
    check_survey,
    format_rows,
    issue_table,
    longest_run,
    quality_report,
)

AGREE = instrument.items().index[instrument.items()["scale"] == "agree7"].tolist()


def checks(report: pd.DataFrame) -> list[str]:
    return sorted(report["check"])


def test_issue_table_is_tidy_and_sorted():
    table = issue_table(
        [
            {"severity": "info", "check": "a", "message": "m1"},
            {"severity": "error", "check": "b", "message": "m2", "rows": "3", "n_rows": 1},
            {"severity": "warning", "check": "c", "message": "m3"},
        ]
    )
    assert table.columns.tolist() == ISSUE_COLUMNS
    assert table["severity"].tolist() == ["error", "warning", "info"]
    assert str(table["n_rows"].dtype) == "Int64"
    assert table["rows"].isna().sum() == 2  # no "-" placeholders


def test_format_rows_compact():
    assert format_rows([3]) == "3"
    assert format_rows(range(1, 11)) == "1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
    assert format_rows(range(1, 13)) == "12 rijen: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, ..."
    assert format_rows(range(1, 13), "en", for_message=True).endswith("(12 in total)")


def test_longest_run_skips_missing():
    x = np.array([[1, 2, 2, 2, 3], [5, np.nan, 5, 5, 1], [np.nan, np.nan, np.nan, np.nan, np.nan]])
    assert longest_run(x).tolist() == [3, 3, 0]


def test_clean_frame_has_no_issues_beyond_info():
    df = survey_frame(n=50, personal=False)
    report = quality_report(df)
    assert set(report["severity"]) <= {"info"}
    assert checks(report) == []  # every item present, no codes, nothing odd


def test_numeric_frame_with_out_of_range_and_codes():
    df = survey_frame(n=20, personal=False)
    df.loc[3, "vt_2"] = 9
    df.loc[4, "vt_2"] = -99
    df.loc[5, "aanbeveling"] = 11
    res = check_survey(df, source="f.sav", row_numbers=np.arange(101, 121))
    issues = res.issues.set_index(["check", "column"])
    assert issues.loc[("out_of_range", "vt_2"), "rows"] == "104"
    assert issues.loc[("out_of_range", "aanbeveling"), "rows"] == "106"
    assert "0-10" in issues.loc[("out_of_range", "aanbeveling"), "message"]
    assert res.data.loc[[3, 4], "vt_2"].isna().all()
    assert res.issues.loc[res.issues["check"] == "missing_codes", "n_rows"].tolist() == [1]


def test_decimal_comma_only_when_asked():
    df = pd.DataFrame({"vt_1": ["4,5", "3"], "duur_seconden": ["100,5", "200"]})
    comma = check_survey(df, decimal_comma=True)
    assert comma.data["vt_1"].tolist() == [4.5, 3.0]
    assert comma.data["duur_seconden"].tolist() == [100.5, 200.0]
    plain = check_survey(df)
    assert np.isnan(plain.data["vt_1"].iloc[0])
    assert "text_in_item" in checks(plain.issues)
    assert "text_in_field" in checks(plain.issues)


def test_extra_missing_codes_and_item_ranges():
    df = pd.DataFrame({"vt_1": ["geen mening", "5", "6"], "vt_2": ["1", "5", "6"]})
    res = check_survey(df, missing_codes=["Geen mening"], item_ranges={"vt_2": (1, 5)})
    assert np.isnan(res.data["vt_1"].iloc[0])
    out = res.issues[res.issues["check"] == "out_of_range"]
    assert out["column"].tolist() == ["vt_2"]
    assert out["rows"].tolist() == ["3"]


def test_no_answers_and_no_variance():
    df = survey_frame(n=10, personal=False).astype({"gw_1": float})
    df["gw_1"] = np.nan
    df["gw_2"] = 3
    report = quality_report(df, lang="en").set_index("column")
    assert report.loc["gw_1", "check"] == "no_answers"
    assert report.loc["gw_2", "check"] == "no_variance"
    assert "(3)" in report.loc["gw_2", "message"]


@pytest.mark.parametrize(("run", "flagged"), [(10, [2]), (len(AGREE) + 1, [])])
def test_straightlining_threshold(run, flagged):
    df = survey_frame(n=30, personal=False)
    df.loc[2, AGREE] = 6
    res = check_survey(df, straightline_min_run=run)
    assert res.data.index[res.data["flag_straightlining"]].tolist() == flagged


@pytest.mark.parametrize(("fraction", "flagged"), [(0.3, [0]), (0.9, [0, 1])])
def test_speeding_fraction(fraction, flagged):
    df = survey_frame(n=9, personal=False)
    df["duur_seconden"] = [60, 500, 600, 610, 620, 630, 640, 650, 700]
    res = check_survey(df, speeding_fraction=fraction)
    assert res.data.index[res.data["flag_speeding"]].tolist() == flagged


def test_no_timing_column_is_reported_not_guessed():
    df = survey_frame(n=5, personal=False).drop(columns="duur_seconden")
    res = check_survey(df, lang="en")
    row = res.issues[res.issues["check"] == "speeding"]
    assert row["severity"].tolist() == ["info"]
    assert "duur_seconden" in row["message"].iloc[0]
    assert not res.data["flag_speeding"].any()


def test_duplicates_per_wave():
    df = survey_frame(n=6, personal=False)
    twice = pd.concat([df, df.assign(meting=2)], ignore_index=True)
    assert "duplicate_same" not in checks(quality_report(twice))
    assert "duplicate_differ" in checks(quality_report(twice, wave_column="geen"))  # the waves differ


def test_messages_in_both_languages():
    df = pd.DataFrame({"vt_1": [1, 9]})
    nl = quality_report(df, source="x.csv", lang="nl").set_index("check").loc["out_of_range", "message"]
    en = quality_report(df, source="x.csv", lang="en").set_index("check").loc["out_of_range", "message"]
    assert "kolom vt_1" in nl
    assert "column vt_1" in en
    with pytest.raises(ValueError, match="Unknown language"):
        quality_report(df, lang="de")


def test_anchor_labels_read_as_codes():
    df = pd.DataFrame(
        {
            "vt_1": ["Helemaal mee eens", "strongly disagree ", "4", "Soms"],
            "aanbeveling": ["10", "0", "Zeer waarschijnlijk", "7"],
        }
    )
    res = check_survey(df, lang="en")
    assert res.data["vt_1"].tolist()[:3] == [7.0, 1.0, 4.0]
    assert res.data["aanbeveling"].tolist() == [10.0, 0.0, 10.0, 7.0]
    info = res.issues[res.issues["check"] == "anchor_labels"]
    assert info["n_rows"].tolist() == [3]
    text = res.issues[res.issues["check"] == "text_in_item"]
    assert text["column"].tolist() == ["vt_1"]
    assert "'Soms'" in text["message"].iloc[0]
