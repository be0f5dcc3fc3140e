"""quality: each check on an already-read frame, the issue table's shape, thresholds as parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conftest import survey_frame
from relatie_lab import instrument
from relatie_lab import quality as q
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
    assert "(value 3)" in report.loc["gw_2", "message"]
    assert "Check that the column was read and coded correctly" in report.loc["gw_2", "message"]
    assert "Check the column in the file" in report.loc["gw_1", "message"]
    dutch = quality_report(df).set_index("column")
    assert "(waarde 3)" in dutch.loc["gw_2", "message"]
    assert "Controleer of de kolom goed is ingelezen of gecodeerd" in dutch.loc["gw_2", "message"]


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
    # the offending value is named as a value, not as a bare number that reads like a count
    assert "(gevonden waarde(n): 9) in rij 2;" in nl
    assert "(value(s) found: 9) in row 2;" in en
    # what to do
    assert "Controleer de codering in het bestand" in nl
    assert "geef in het mappingbestand een recode op" in nl
    assert "Check the coding in the file" in en
    assert "give a recode in the mapping file" in en
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


@pytest.mark.parametrize(
    ("row_kind", "nl", "en"),
    [
        ("position", "in rij 12;", "in row 12;"),
        ("line", "in regel 12 van het bestand (kopregel = regel 1);", "in line 12 of the file (header = line 1);"),
        ("sheet_row", "in rij 12 van het werkblad (kopregel = rij 1);", "in row 12 of the sheet (header = row 1);"),
        ("case", "in case 12 van het SPSS-bestand;", "in case 12 of the SPSS file;"),
    ],
)
def test_messages_say_what_the_row_numbers_are(row_kind, nl, en):
    df = pd.DataFrame({"vt_1": [1, 9]})
    for lang, expected in (("nl", nl), ("en", en)):
        res = check_survey(df, row_numbers=[11, 12], row_kind=row_kind, lang=lang)
        message = res.issues.set_index("check").loc["out_of_range", "message"]
        assert expected in message, message
        assert res.issues.set_index("check").loc["out_of_range", "rows"] == "12"  # the table keeps bare numbers
    with pytest.raises(ValueError, match="row_kind"):
        check_survey(df, row_kind="regel")


def test_straightlining_and_speeding_messages_say_what_to_do():
    df = survey_frame(n=9, personal=False)
    df.loc[2, AGREE] = 6
    df["duur_seconden"] = [60, 500, 600, 610, 620, 630, 640, 650, 700]
    for lang, straight, speed in (
        ("nl", "gemarkeerd in de kolom flag_straightlining en niet verwijderd; bekijk hun antwoorden",
         "gemarkeerd in de kolom flag_speeding en niet verwijderd; beslis zelf of u ze weglaat"),
        ("en", "marked in the column flag_straightlining and not removed; look at their answers",
         "marked in the column flag_speeding and not removed; decide yourself whether to leave them out"),
    ):  # fmt: skip
        issues = check_survey(df, straightline_min_run=10, lang=lang).issues.set_index("check")
        assert straight in issues.loc["straightlining", "message"]
        assert speed in issues.loc["speeding", "message"]


# ------------------------------------------------------------------------------------ issue 9: scale, same results



def _longest_run_row_by_row(values):
    out = []
    for row in values:
        row = row[~np.isnan(row)]
        if row.size == 0:
            out.append(0)
            continue
        change = np.flatnonzero(np.diff(row) != 0)
        out.append(int(np.diff(np.concatenate(([-1], change, [row.size - 1]))).max()))
    return out


@settings(max_examples=60, deadline=None, database=None)
@given(hnp.arrays(float, hnp.array_shapes(min_dims=2, max_dims=2, max_side=12),
                  elements=st.sampled_from([1.0, 2.0, 3.0, np.nan])))  # fmt: skip
def test_longest_run_in_one_pass_equals_row_by_row(values):
    assert q.longest_run(values).tolist() == _longest_run_row_by_row(values)


@settings(max_examples=40, deadline=None, database=None)
@given(hnp.arrays(float, hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=15),
                  elements=st.sampled_from([1.0, 2.0, np.nan])), st.integers(1, 4))  # fmt: skip
def test_longest_run_in_blocks_of_rows_equals_row_by_row(values, block):
    """Rows are taken in blocks (a million rows: cache-sized pieces); a block edge changes nothing."""
    original = q._RUN_BLOCK
    q._RUN_BLOCK = block
    try:
        assert q.longest_run(values).tolist() == _longest_run_row_by_row(values)
        assert q.longest_run(pd.DataFrame(values)).tolist() == _longest_run_row_by_row(values)
    finally:
        q._RUN_BLOCK = original


_TOKENS = ["1", "7", "-99", " 4 ", "4,5", "4.5", "+3", ".5", "5.", "1e2", "", "weet niet", "nan", "inf", "0x10",
           "1_000", "٣", "NaN", "-Infinity", "1E5", "1e", "e5", "1.2.3", "--1", "+-1", "1e+", " ", "1 000", "0x1p3",
           "1,5e2", ".", "+", "-", "1.5E+3", "00012", "1e400", "\t3"]  # fmt: skip


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=12), st.booleans())
def test_column_wide_number_parsing_equals_the_cell_by_cell_rule(cells, decimal_comma):
    series = pd.Series(cells, dtype="str")
    fast = q._fast_numeric(series, decimal_comma)
    expected = []
    for cell in cells:
        text = cell.strip()
        candidate = text.replace(",", ".") if decimal_comma else text
        ok = bool(q._NUMBER.match(candidate)) and (decimal_comma or "," not in text) and candidate.isascii()
        expected.append(float(candidate) if ok else np.nan)
    expected = np.array(expected)
    is_number_or_empty = all(not np.isnan(e) or c.strip() == "" for c, e in zip(cells, expected, strict=True))
    if fast is None:
        values, _, _ = q._parse_column(series.astype(object), decimal_comma)
    else:
        assert is_number_or_empty  # the quick way is only taken when every cell is a number or empty
        values, empty = fast
        assert empty.tolist() == [c.strip() == "" for c in cells]
    np.testing.assert_array_equal(values, expected)
