"""load_survey: formats, linking, missing codes, reverse keying, errors and warnings, privacy, Parquet."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import relatie_lab.loaders as loaders
from conftest import personal_values, survey_frame
from relatie_lab import instrument
from relatie_lab.errors import DataQualityWarning, SurveyError
from relatie_lab.loaders import load_survey, read_mapping
from relatie_lab.paths import DATA_RAW

REVERSED = instrument.items().index[instrument.items()["reverse"]].tolist()
ITEMS = instrument.items().index.tolist()


def load(path, *args, **kwargs):
    """load_survey with its DataQualityWarnings silenced (tests check the quality table instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return load_survey(path, *args, **kwargs)


def rows_of(survey, check: str) -> pd.DataFrame:
    return survey.quality[survey.quality["check"] == check]


# --------------------------------------------------------------------------------------- basic reading
def test_csv_items_float_fields_kept_and_reverse_once(make_csv, salt):
    raw = survey_frame()
    survey = load(make_csv(raw))
    data = survey.data
    assert len(data) == len(raw)
    assert set(ITEMS) <= set(data.columns)
    assert all(data[i].dtype == float for i in ITEMS)
    assert data["sector"].tolist() == raw["sector"].tolist()
    assert data["respondent_id"].tolist() == raw["respondent_id"].tolist()
    assert sorted(survey.reversed_items) == sorted(REVERSED)
    for item in REVERSED:
        lo, hi = instrument.items().loc[item, ["min", "max"]]
        np.testing.assert_array_equal(data[item], lo + hi - raw[item])
    keep = [i for i in ITEMS if i not in REVERSED]
    np.testing.assert_array_equal(data[keep].to_numpy(), raw[keep].to_numpy(dtype=float))
    assert data[["flag_straightlining", "flag_speeding"]].dtypes.eq(bool).all()
    assert survey.source["format"] == "csv"
    assert survey.source["encoding"] == "utf-8"
    assert survey.source["sha256"] == hashlib.sha256(Path(survey.source["path"]).read_bytes()).hexdigest()


def test_reverse_false_keeps_raw_answers(make_csv, salt):
    raw = survey_frame()
    survey = load(make_csv(raw), reverse=False)
    assert survey.reversed_items == []
    np.testing.assert_array_equal(survey.data[REVERSED].to_numpy(), raw[REVERSED].to_numpy(dtype=float))


def test_reverse_already_in_mapping_is_not_reversed_again(make_csv, salt):
    raw = survey_frame()
    survey = load(make_csv(raw), {"reverse_already": [REVERSED[0]]})
    assert REVERSED[0] not in survey.reversed_items
    np.testing.assert_array_equal(survey.data[REVERSED[0]], raw[REVERSED[0]].astype(float))


def test_headers_matched_case_insensitive_and_trimmed(make_csv, salt):
    raw = survey_frame().rename(columns={"vt_1": " VT_1 ", "sector": "Sector"})
    survey = load(make_csv(raw))
    assert survey.mapping["VT_1"] == "vt_1"
    assert survey.mapping["Sector"] == "sector"
    assert survey.data["vt_1"].notna().all()


@pytest.mark.parametrize(("sep", "decimal"), [(";", ","), ("\t", ","), (",", ".")])
def test_delimiter_sniffed_and_decimal_comma(make_csv, salt, sep, decimal):
    raw = survey_frame(n=12)
    raw["duur_seconden"] = raw["duur_seconden"] + 0.5
    survey = load(make_csv(raw, sep=sep, decimal=decimal))
    assert survey.source["delimiter"] == sep
    np.testing.assert_allclose(survey.data["duur_seconden"], raw["duur_seconden"])
    assert survey.data["vt_1"].tolist() == raw["vt_1"].astype(float).tolist()


def test_utf8_bom(make_csv, salt):
    text = survey_frame(n=8).to_csv(index=False)
    survey = load(make_csv(codecs.BOM_UTF8 + text.encode("utf-8")))
    assert survey.source["encoding"] == "utf-8-sig"
    assert "respondent_id" in survey.data.columns


def test_cp1252_read_with_warning_naming_encoding(make_csv, salt):
    raw = survey_frame(n=8)
    raw["organisatie"] = "Energie Eén"
    path = make_csv(raw.to_csv(index=False, sep=";").encode("cp1252"))
    with pytest.warns(DataQualityWarning, match="cp1252"):
        survey = load_survey(path)
    assert survey.data["organisatie"].iloc[0] == "Energie Eén"
    row = rows_of(survey, "encoding")
    assert row["severity"].tolist() == ["warning"]
    assert path.name in row["message"].iloc[0]
    assert "sla het bestand bij voorkeur op als 'CSV UTF-8'" in row["message"].iloc[0]  # what to do
    assert "Controleer letters met accenten" in row["message"].iloc[0]


def test_undecodable_file_is_an_error_with_advice(make_csv):
    path = make_csv(b"respondent_id,vt_1\n1,\x00\x01\x02\x81\n", name="kapot.csv")
    with pytest.raises(SurveyError, match=r"kapot\.csv.*UTF-8.*Open it in Excel and save it as 'CSV UTF-8"):
        load_survey(path, lang="en")
    with pytest.raises(SurveyError, match=r"kapot\.csv.*Open het in Excel en sla het op als 'CSV UTF-8"):
        load_survey(path)


def test_excel_loads_like_csv(tmp_path, make_csv, salt):
    raw = survey_frame(n=15)
    xlsx = tmp_path / "enquete.xlsx"
    raw.to_excel(xlsx, index=False)
    from_csv, from_xlsx = load(make_csv(raw)), load(xlsx)
    assert from_xlsx.source["format"] == "xlsx"
    pd.testing.assert_frame_equal(from_xlsx.data, from_csv.data)


def _write_sav(df: pd.DataFrame, path: Path) -> None:
    import pyreadstat

    sav = df.copy()
    codes = {"energie": 1, "bank": 2, "gemeente": 3}
    sav["sector"] = sav["sector"].map(codes).astype(float)
    pyreadstat.write_sav(
        sav,
        str(path),
        column_labels={"vt_1": "Ik vertrouw [ORG]", "sector": "Sector"},
        variable_value_labels={
            "sector": {v: k.capitalize() for k, v in codes.items()},
            "vt_1": {1.0: "Helemaal mee oneens", 7.0: "Helemaal mee eens", 98.0: "Weet niet"},
        },
        missing_ranges={"vt_1": [98.0]},
    )


def test_sav_value_labels_user_missing_and_variable_labels(tmp_path, make_csv, salt):
    raw = survey_frame(n=20)
    raw.loc[3, "vt_1"] = 98  # user-missing code in the .sav
    sav_path = tmp_path / "enquete.sav"
    _write_sav(raw, sav_path)
    survey = load(sav_path)
    assert survey.source["format"] == "sav"
    assert np.isnan(survey.data.loc[3, "vt_1"])
    assert rows_of(survey, "out_of_range").empty  # user-missing is not an out-of-range answer
    assert survey.data["sector"].tolist() == raw["sector"].tolist()  # labels -> the instrument's codes
    assert survey.variable_labels["vt_1"] == "Ik vertrouw [ORG]"
    csv_raw = raw.astype({"vt_1": object})
    csv_raw.loc[3, "vt_1"] = ""
    pd.testing.assert_frame_equal(survey.data, load(make_csv(csv_raw)).data)


def _qualtrics_csv(tmp_path: Path) -> Path:
    ids = ["vt_1", "vt_2", "vt_4", "com_1"]
    header = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
              "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "LocationLatitude",
              "LocationLongitude", "Q5", *ids]  # fmt: skip
    questions = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
                 "Finished", "Response ID", "Recipient Last Name", "Recipient First Name", "Recipient Email",
                 "Location Latitude", "Location Longitude", "Hoe heet uw leverancier?",
                 "Ik vertrouw [ORG] - 1", "Ik vertrouw [ORG] - 2", "Ik twijfel", "Ik voel me verbonden"]  # fmt: skip
    import_ids = [json.dumps({"ImportId": h}) for h in header]
    lines = [header, questions, import_ids]
    rng = np.random.default_rng(3)
    for i in range(6):
        lines.append(
            ["2026-01-05 10:00:00", "2026-01-05 10:09:00", "0", f"84.12.{i}.9", "100", str(500 + 10 * i), "1",
             f"R_{i}abcXYZ", "Jansen", "Jan", f"jan{i}@example.org", "52.37", "4.89", "Vattenfall",
             *[str(v) for v in rng.integers(1, 8, len(ids))]]
        )  # fmt: skip
    path = tmp_path / "qualtrics_export.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(lines)
    return path


def test_qualtrics_export(tmp_path, salt):
    path = _qualtrics_csv(tmp_path)
    survey = load(path, {"Q5": "organisatie"})
    data = survey.data
    assert survey.source["format"] == "qualtrics-csv"
    assert len(data) == 6
    assert data["respondent_id"].tolist() == [f"R_{i}abcXYZ" for i in range(6)]
    assert data["duur_seconden"].tolist() == [500.0 + 10 * i for i in range(6)]
    assert data["organisatie"].eq("Vattenfall").all()
    assert data[["vt_1", "vt_2", "com_1"]].notna().all().all()
    for column in ("IPAddress", "RecipientEmail", "RecipientFirstName", "RecipientLastName", "LocationLatitude"):
        assert column in survey.dropped_columns
    assert survey.variable_labels["vt_1"] == "Ik vertrouw [ORG] - 1"
    assert not any(c in data.columns for c in ("Finished", "Progress", "StartDate", "Status", "startdatum"))
    text = data.astype(str).to_csv()
    assert "example.org" not in text
    assert "84.12." not in text
    assert "Jansen" not in text
    # row numbers in messages are line numbers: the first answer is on line 4
    path.write_text(path.read_text().replace('"R_0abcXYZ"', '"R_1abcXYZ"'))
    dup = rows_of(load(path), "duplicate_differ")
    assert dup["rows"].tolist() == ["4, 5"]


def test_qualtrics_export_as_excel(tmp_path, salt):
    grid = pd.read_csv(_qualtrics_csv(tmp_path), header=None, dtype=str)
    xlsx = tmp_path / "qualtrics_export.xlsx"
    grid.to_excel(xlsx, header=False, index=False)
    survey = load(xlsx)
    assert survey.source["format"] == "qualtrics-xlsx"
    assert survey.data["respondent_id"].tolist() == [f"R_{i}abcXYZ" for i in range(6)]
    assert "IPAddress" in survey.dropped_columns


def test_empty_workbook(tmp_path):
    xlsx = tmp_path / "leeg.xlsx"
    pd.DataFrame().to_excel(xlsx, index=False)
    with pytest.raises(SurveyError, match=r"leeg\.xlsx"):
        load_survey(xlsx)


def test_broken_sav(tmp_path):
    path = tmp_path / "kapot.sav"
    path.write_bytes(b"$FL2 not really spss")
    with pytest.raises(SurveyError, match=r"kapot\.sav.*SPSS"):
        load_survey(path)


# --------------------------------------------------------------------------------------- errors
def test_unknown_extension(tmp_path):
    path = tmp_path / "enquete.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(SurveyError, match=r"enquete\.pdf.*'\.pdf'.*\.csv"):
        load_survey(path)


def test_missing_file(tmp_path):
    with pytest.raises(SurveyError, match=r"weg\.csv"):
        load_survey(tmp_path / "weg.csv")


def test_empty_file(make_csv):
    with pytest.raises(SurveyError, match=r"leeg\.csv.*leeg\. Exporteer de enquête opnieuw"):
        load_survey(make_csv("", name="leeg.csv"))
    with pytest.raises(SurveyError, match=r"leeg\.csv.*empty\. Export the survey again"):
        load_survey(make_csv("", name="leeg.csv"), lang="en")


def test_header_only(make_csv):
    with pytest.raises(SurveyError, match=r"kop\.csv.*only a header.*Export the survey again with responses"):
        load_survey(make_csv("respondent_id,vt_1,vt_2\n", name="kop.csv"), lang="en")


def test_no_item_recognised_lists_columns_and_mapping(make_csv):
    path = make_csv("id,Q1,Q2\n1,3,4\n2,5,6\n", name="vreemd.csv")
    with pytest.raises(SurveyError) as info:
        load_survey(path)
    message = str(info.value)
    assert "vreemd.csv" in message
    assert "id, Q1, Q2" in message
    assert "mapping" in message
    # what to do: link the columns with a mapping file, in code or on the command line, and where to read how
    assert "load_survey(pad, mapping='mapping.yaml')" in message
    assert "relatie-lab validate BESTAND --mapping mapping.yaml" in message
    assert "docs/mapping.md" in message


def test_two_columns_for_one_item(make_csv):
    path = make_csv("vt_1,VT_1 \n1,3\n2,5\n", name="dubbel.csv")
    with pytest.raises(SurveyError, match=r"dubbel\.csv.*vt_1, VT_1.*vt_1"):
        load_survey(path)
    with pytest.raises(SurveyError, match=r"twee\.csv.*vt_2, vt_2\.1.*vt_2"):
        load_survey(make_csv("vt_2,vt_2\n1,3\n", name="twee.csv"))


# --------------------------------------------------------------------------------------- mapping
def test_mapping_yaml_with_recode(tmp_path, make_csv, salt):
    raw = pd.DataFrame({"Nr": [1, 2, 3, 4], "Q1": [1, 3, 5, 6], "Q2": [1, 2, 3, 5], "Q3": [2, 4, 6, 7]})
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "Nr: respondent_id\nQ1: {item: com_1, recode: 1-5}\nQ2: com_2\nQ3: vt_4\n"
        "recode:\n  com_2: {1: 1, 2: 3, 3: 4, 4: 5, 5: 7}\nreverse_already: [vt_4]\n",
        encoding="utf-8",
    )
    survey = load(make_csv(raw, name="eigen.csv"), mapping)
    data = survey.data
    assert survey.mapping == {"Nr": "respondent_id", "Q1": "com_1", "Q2": "com_2", "Q3": "vt_4"}
    assert data["com_1"].tolist()[:3] == [1.0, 4.0, 7.0]
    assert np.isnan(data["com_1"].iloc[3])  # 6 is outside the file's 1-5 scale
    out = rows_of(survey, "out_of_range")
    assert out["column"].tolist() == ["com_1"]
    assert "1-5" in out["message"].iloc[0]
    assert data["com_2"].tolist() == [1.0, 3.0, 4.0, 7.0]
    assert data["vt_4"].tolist() == [2.0, 4.0, 6.0, 7.0]  # reverse_already: kept as in the file
    assert survey.reversed_items == []


def test_mapping_csv(tmp_path, make_csv, salt):
    raw = pd.DataFrame({"Nr": [1, 2], "V1": [2, 4], "V2": [3, 1]})
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("column,item,recode,reverse_already\nNr,respondent_id,,\nV1,vt_1,1-5,\nV2,vt_4,,ja\n")
    survey = load(make_csv(raw), mapping)
    assert survey.data["vt_1"].tolist() == [2.5, 5.5]
    assert survey.data["vt_4"].tolist() == [3.0, 1.0]


def test_mapping_unknown_item_suggests(tmp_path, make_csv):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("Q1: vt1\n")
    with pytest.raises(SurveyError, match=r"m\.yaml.*'vt1'.*Q1.*vt_1"):
        load_survey(make_csv("Q1\n3\n"), mapping)


def test_mapping_bad_recode(make_csv):
    with pytest.raises(SurveyError, match="recode"):
        read_mapping({"Q1": {"item": "vt_1", "recode": "veel"}})


def test_mapping_column_absent_is_a_warning(make_csv, salt):
    survey = load(make_csv(survey_frame(n=5)), {"Bestaat_niet": "vt_2"})
    row = rows_of(survey, "mapping")
    assert row["severity"].tolist() == ["warning"]
    assert "Bestaat_niet" in row["message"].iloc[0]


# --------------------------------------------------------------------------------------- quality via the loader
def test_out_of_range_set_missing_with_rows(make_csv, salt):
    raw = survey_frame()
    raw.loc[[4, 9], "vt_1"] = 8
    path = make_csv(raw, name="bereik.csv")
    with pytest.warns(DataQualityWarning, match=r"bereik\.csv.*vt_1"):
        survey = load_survey(path)
    assert survey.data.loc[[4, 9], "vt_1"].isna().all()
    row = rows_of(survey, "out_of_range").iloc[0]
    assert (row["column"], row["rows"], row["n_rows"], row["severity"]) == ("vt_1", "6, 11", 2, "warning")
    assert "bereik.csv" in row["message"]
    assert "1-7" in row["message"]
    # the value is named as a value; row numbers are said to be line numbers in the file
    assert "(gevonden waarde(n): 8) in regel 6, 11 van het bestand (kopregel = regel 1)" in row["message"]
    # what to do
    assert "Controleer de codering in het bestand" in row["message"]
    assert "geef in het mappingbestand een recode op" in row["message"]
    assert "op ontbrekend gezet" in row["message"]


def test_out_of_range_rows_are_sheet_rows_in_excel_and_cases_in_spss(tmp_path, salt):
    raw = survey_frame(n=12)
    raw.loc[4, "vt_1"] = 9
    xlsx = tmp_path / "bereik.xlsx"
    raw.to_excel(xlsx, index=False)
    message = rows_of(load(xlsx, lang="en"), "out_of_range")["message"].iloc[0]
    assert "(value(s) found: 9) in row 6 of the sheet (header = row 1)" in message
    assert "Check the coding in the file" in message
    sav = tmp_path / "bereik.sav"
    _write_sav(raw, sav)
    row = rows_of(load(sav), "out_of_range").iloc[0]
    assert row["rows"] == "5"
    assert "in case 5 van het SPSS-bestand" in row["message"]


def test_text_in_item_named_and_personal_values_masked(make_csv, salt):
    raw = survey_frame().astype({"com_2": object})
    raw.loc[2, "com_2"] = "zes"
    raw.loc[7, "com_2"] = "iemand@example.org"
    survey = load(make_csv(raw, name="tekst.csv"))
    assert survey.data.loc[[2, 7], "com_2"].isna().all()
    row = rows_of(survey, "text_in_item").iloc[0]
    assert row["rows"] == "4, 9"
    assert "'zes'" in row["message"]
    assert "tekst.csv" in row["message"]
    assert "in regel 4, 9 van het bestand (kopregel = regel 1)" in row["message"]
    # what to do: numbers in the file, or a "don't know" text as a missing code in the mapping file
    assert "Zet in het bestand de antwoordcodes (cijfers)" in row["message"]
    assert "voeg de tekst toe aan missing_codes in het mappingbestand" in row["message"]
    assert "iemand@example.org" not in survey.summary()


def test_missing_codes_become_nan(make_csv, salt):
    raw = survey_frame().astype({"vt_2": object, "aanbeveling": object})
    raw.loc[0, "vt_2"] = "-99"
    raw.loc[1, "vt_2"] = "Weet niet"
    raw.loc[2, "vt_2"] = "n.v.t."
    raw.loc[3, "vt_2"] = " don't know "
    raw.loc[4, "vt_2"] = ""
    raw.loc[5, "aanbeveling"] = "99"
    survey = load(make_csv(raw))
    assert survey.data.loc[:4, "vt_2"].isna().all()
    assert np.isnan(survey.data.loc[5, "aanbeveling"])
    assert rows_of(survey, "out_of_range").empty
    assert rows_of(survey, "text_in_item").empty
    assert rows_of(survey, "missing_codes")["n_rows"].iloc[0] == 5  # the empty cell is not a code


def test_duplicate_ids_same_and_different(make_csv, salt):
    raw = survey_frame(n=10)
    raw = pd.concat([raw, raw.iloc[[2]]], ignore_index=True)  # exported twice: line 12 = line 4
    raw.loc[5, "respondent_id"] = 7  # id 7 twice (lines 7 and 8), different answers
    survey = load(make_csv(raw, name="dubbel.csv"))
    assert len(survey.data) == 11  # nothing dropped
    same, differ = rows_of(survey, "duplicate_same").iloc[0], rows_of(survey, "duplicate_differ").iloc[0]
    assert (same["rows"], differ["rows"]) == ("4, 12", "7, 8")
    assert "respondent_id" in differ["message"]
    assert "dubbel.csv" in differ["message"]
    assert "(regel 7, 8 van het bestand (kopregel = regel 1))" in differ["message"]
    # what to do
    assert "verwijder de kopieën in het bestand" in same["message"]
    assert "Zoek uit of twee mensen hetzelfde nummer kregen of iemand twee keer antwoordde" in differ["message"]
    assert "pas het bestand aan" in differ["message"]
    english = rows_of(load(make_csv(raw, name="dubbel.csv"), lang="en"), "duplicate_differ")["message"].iloc[0]
    assert "(line 7, 8 of the file (header = line 1))" in english
    assert "Find out whether two people got the same id or someone answered twice, and fix the file" in english


def test_same_id_in_two_waves_is_not_a_duplicate(make_csv, salt):
    raw = survey_frame(n=10)
    second = raw.assign(meting=2)
    survey = load(make_csv(pd.concat([raw, second], ignore_index=True)))
    assert rows_of(survey, "duplicate_differ").empty
    assert rows_of(survey, "duplicate_same").empty


def test_no_variance_warning(make_csv, salt):
    raw = survey_frame()
    raw["gw_2"] = 5
    survey = load(make_csv(raw, name="vlak.csv"))
    row = rows_of(survey, "no_variance")
    assert row["column"].tolist() == ["gw_2"]
    assert "vlak.csv" in row["message"].iloc[0]
    assert "(waarde 5)" in row["message"].iloc[0]
    assert "Controleer of de kolom goed is ingelezen of gecodeerd" in row["message"].iloc[0]  # what to do


def test_straightlining_and_speeding_flagged_not_dropped(make_csv, salt):
    raw = survey_frame()
    agree = instrument.items().index[instrument.items()["scale"] == "agree7"]
    raw.loc[6, agree] = 4
    raw.loc[11, "duur_seconden"] = 30
    survey = load(make_csv(raw, name="snel.csv"), straightline_min_run=12, speeding_fraction=0.4)
    data = survey.data
    assert len(data) == len(raw)
    assert data.index[data["flag_straightlining"]].tolist() == [6]
    assert data.index[data["flag_speeding"]].tolist() == [11]
    assert rows_of(survey, "straightlining")["rows"].tolist() == ["8"]
    assert rows_of(survey, "speeding")["rows"].tolist() == ["13"]
    straight = rows_of(survey, "straightlining")["message"].iloc[0]
    speed = rows_of(survey, "speeding")["message"].iloc[0]
    assert "snel.csv" in straight
    assert "snel.csv" in speed
    assert "(regel 8 van het bestand (kopregel = regel 1))" in straight
    assert "(regel 13 van het bestand (kopregel = regel 1))" in speed
    # what to do: the rows are marked, not removed; the researcher decides and reports it
    assert "flag_straightlining en niet verwijderd; bekijk hun antwoorden en beslis zelf" in straight
    assert "flag_speeding en niet verwijderd; beslis zelf of u ze weglaat (en vermeld dat)" in speed
    # the threshold is a parameter: a longer run than the number of items flags nobody
    assert not load(make_csv(raw), straightline_min_run=len(agree) + 1).data["flag_straightlining"].any()


def test_absent_items_and_unknown_columns_are_info(make_csv, salt):
    raw = survey_frame(n=10).drop(columns=["com_5", "eng_5"]).assign(Extra_vraag=3)
    survey = load(make_csv(raw))
    absent, unknown = rows_of(survey, "items_absent"), rows_of(survey, "unknown_columns")
    assert absent["severity"].tolist() == ["info"]
    assert "com_5" in absent["column"].iloc[0]
    assert unknown["column"].tolist() == ["Extra_vraag"]
    assert "worden niet gebruikt" in unknown["message"].iloc[0]
    assert survey.data["Extra_vraag"].tolist() == [3.0] * 10  # kept in the data as numbers, never dropped
    assert survey.unused_columns == ["Extra_vraag"]


# --------------------------------------------------------------------------------------- privacy
def test_personal_data_never_in_data_parquet_or_summary(tmp_path, make_csv, salt):
    raw = survey_frame(n=12)
    raw["Contact"] = [f"klant{i}@example.org" for i in range(12)]  # an unknown column full of e-mails
    survey = load(make_csv(raw, name="privacy.csv"))
    assert {"naam", "email", "telefoon", "ip_adres", "postcode", "opmerking", "Contact"} <= set(
        survey.dropped_columns
    )
    out = survey.to_parquet(tmp_path / "out" / "privacy.parquet")
    written = out.read_bytes()
    texts = [survey.data.astype(str).to_csv(), survey.summary(), survey.summary("en"),
             survey.quality.astype(str).to_csv()]  # fmt: skip
    for value in [*personal_values(), "klant3@example.org"]:
        assert value.encode() not in written
        assert all(value not in text for text in texts), value


def test_email_ids_are_hashed_with_salt(make_csv, monkeypatch):
    raw = survey_frame(n=6)
    raw["respondent_id"] = [f"r{i}@example.org" for i in range(6)]
    monkeypatch.setenv("RELATIE_LAB_SALT", "zout-1")
    first = load(make_csv(raw))
    again = load(make_csv(raw))
    other = load(make_csv(raw), salt="zout-2")
    ids = first.data["respondent_id"]
    assert not ids.str.contains("@").any()
    assert ids.str.len().eq(16).all()
    assert ids.tolist() == again.data["respondent_id"].tolist()
    assert ids.tolist() != other.data["respondent_id"].tolist()
    assert rows_of(first, "id_hashed")["severity"].tolist() == ["info"]


def test_random_salt_warns(make_csv, monkeypatch):
    monkeypatch.delenv("RELATIE_LAB_SALT", raising=False)
    raw = survey_frame(n=6)
    raw["respondent_id"] = [f"r{i}@example.org" for i in range(6)]
    with pytest.warns(DataQualityWarning, match="RELATIE_LAB_SALT"):
        survey = load_survey(make_csv(raw))
    assert rows_of(survey, "id_hashed")["severity"].tolist() == ["warning"]


# --------------------------------------------------------------------------------------- parquet
def test_to_parquet_default_path_roundtrip(tmp_path, make_csv, salt, monkeypatch):
    monkeypatch.setattr(loaders, "DATA_PROCESSED", tmp_path / "processed")
    survey = load(make_csv(survey_frame(n=10), name="golf1.csv"))
    out = survey.to_parquet()
    assert out == tmp_path / "processed" / "golf1.parquet"
    pd.testing.assert_frame_equal(pd.read_parquet(out), survey.data)


def test_to_parquet_is_atomic(tmp_path, make_csv, salt, monkeypatch):
    survey = load(make_csv(survey_frame(n=10)))
    target = tmp_path / "out" / "enquete.parquet"
    survey.to_parquet(target)
    before = target.read_bytes()

    def broken(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        survey.to_parquet(target)
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["enquete.parquet"]


def test_to_parquet_refuses_data_raw(make_csv, salt):
    survey = load(make_csv(survey_frame(n=5)))
    with pytest.raises(SurveyError, match="data/raw"):
        survey.to_parquet(DATA_RAW / "niet.parquet")
    assert not (DATA_RAW / "niet.parquet").exists()


def test_to_parquet_refuses_personal_columns(tmp_path, make_csv, salt):
    survey = load(make_csv(survey_frame(n=5)))
    survey.data["email"] = "jan@example.org"
    with pytest.raises(SurveyError, match="email"):
        survey.to_parquet(tmp_path / "x.parquet")


# --------------------------------------------------------------------------------------- the demo files
def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_demo_csv_and_sav_load_identically(demo_csv, demo_sav, salt):
    from_csv, from_sav = load(demo_csv), load(demo_sav)
    pd.testing.assert_frame_equal(from_csv.data, from_sav.data)
    assert from_csv.dropped_columns
    assert set(from_csv.dropped_columns) == set(from_sav.dropped_columns)
    assert from_csv.reversed_items == from_sav.reversed_items == [i for i in ITEMS if i in REVERSED]


def test_loading_and_writing_leaves_data_raw_unchanged(tmp_path, salt, monkeypatch):
    files = [p for p in DATA_RAW.iterdir() if p.suffix in (".csv", ".sav")] if DATA_RAW.is_dir() else []
    assert files, "no demo data in data/raw; run `make demo-data`"
    monkeypatch.setattr(loaders, "DATA_PROCESSED", tmp_path / "processed")
    before = _hashes(DATA_RAW)
    for path in files:
        load(path).to_parquet()
    assert _hashes(DATA_RAW) == before
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == sorted({f"{p.stem}.parquet" for p in files})


def test_demo_careless_respondents_are_flagged(demo_csv, salt):
    """The simulator's straight-liners and speeders (demo_truth.json) are all flagged, with few extras."""
    truth_file = DATA_RAW / "demo_truth.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8"))["careless"]
    data = load(demo_csv).data
    for flag, key in (("flag_straightlining", "straightliners"), ("flag_speeding", "speeders")):
        flagged, true = set(data.loc[data[flag], "respondent_id"]), set(truth[key])
        assert true <= flagged, key
        assert len(flagged - true) <= 0.2 * len(flagged), key


def test_docs_mapping_examples_work(tmp_path, make_csv, salt):
    """The YAML and CSV examples in docs/mapping.md load as documented."""
    import re

    import yaml

    doc = (Path(__file__).parents[1] / "docs" / "mapping.md").read_text(encoding="utf-8")
    yaml_text = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
    csv_text = re.search(r"```csv\n(.*?)```", doc, re.S).group(1)
    spec = yaml.safe_load(yaml_text)
    columns = [c for c in spec if c not in ("recode", "reverse_already", "missing_codes")]
    raw = pd.DataFrame({c: [1, 2, 3] for c in columns}).assign(Leverancier="Stroomkracht", Q7=[1, 3, 5])
    raw.loc[2, "Q8"] = -1
    (tmp_path / "mapping.yaml").write_text(yaml_text, encoding="utf-8")
    survey = load(make_csv(raw, name="export_2026.csv"), tmp_path / "mapping.yaml")
    assert survey.data["com_1"].tolist() == [1.0, 4.0, 7.0]
    assert survey.data["com_2"].tolist()[:2] == [1.0, 3.0]
    assert np.isnan(survey.data["com_2"].iloc[2])
    assert survey.data["vt_4"].tolist() == [1.0, 2.0, 3.0]
    (tmp_path / "mapping.csv").write_text(csv_text, encoding="utf-8")
    survey = load(make_csv(raw, name="export_2026.csv"), tmp_path / "mapping.csv")
    assert survey.mapping == {"Klantnummer": "respondent_id", "Q1_1": "vt_1", "Q1_4": "vt_4", "Q7": "com_1"}
    assert survey.reversed_items == []


def test_mapping_recode_of_unknown_item(make_csv):
    with pytest.raises(SurveyError, match=r"'vt_9'.*recode"):
        load_survey(make_csv(survey_frame(n=5)), {"recode": {"vt_9": "1-5"}}, lang="en")


# ------------------------------------------------------------------------------------ structure (issue 9)
def _small_csv(delim: str = ",", n: int = 6) -> list[str]:
    lines = [delim.join(["respondent_id", "vt_1", "vt_2", "com_1"])]
    lines += [delim.join([str(i), "5", "4", "6"]) for i in range(1, n + 1)]
    return lines


@pytest.mark.parametrize(
    ("lang", "words"),
    [("nl", ["regel(s) 4, 6", "puntkomma (;)", "komma (,)", "lege antwoorden"]),
     ("en", ["line(s) 4, 6", "';'", "','", "empty answers"])],
)  # fmt: skip
def test_mixed_delimiters_name_the_lines(make_csv, salt, lang, words):
    lines = _small_csv(",")
    lines[3] = lines[3].replace(",", ";")
    lines[5] = lines[5].replace(",", ";")
    path = make_csv("\n".join(lines) + "\n")
    with pytest.raises(SurveyError) as info:  # before: half the rows loaded as empty, no warning
        load_survey(path, lang=lang)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(("lang", "words"), [("nl", ["kopregel gebruikt puntkomma (;)", "komma (,)"]),
                                              ("en", ["header uses ';'", "use ','"])])  # fmt: skip
def test_header_delimiter_differs_from_body(make_csv, salt, lang, words):
    lines = _small_csv(",")
    lines[0] = lines[0].replace(",", ";")
    path = make_csv("\n".join(lines) + "\n")
    with pytest.raises(SurveyError) as info:  # before: every item empty, exit 0
        load_survey(path, lang=lang)
    for word in words:
        assert word in str(info.value)


def test_ragged_rows_name_the_lines_and_counts(make_csv, salt):
    lines = _small_csv(",")
    lines[2] += ",7"
    lines[4] = lines[4].rsplit(",", 1)[0]
    words = r"line\(s\) 3, 5 have another number of cells \(3, 5\) than the header \(4\)"
    with pytest.raises(SurveyError, match=words):
        load_survey(make_csv("\n".join(lines) + "\n"), lang="en")


def test_unterminated_quote_names_line_and_column(make_csv, salt):
    lines = _small_csv(",")
    lines[3] = '3,"5,4,6'
    with pytest.raises(SurveyError, match=r"regel 4, kolom 2 \(vt_1\): hier begint een aanhalingsteken"):
        load_survey(make_csv("\n".join(lines) + "\n"))
    with pytest.raises(SurveyError, match=r"line 4, column 2 \(vt_1\): a quote"):
        load_survey(make_csv("\n".join(lines) + "\n"), lang="en")


def test_oversized_cell_names_line_and_column(make_csv, salt):
    lines = _small_csv(",")
    lines[2] = "2,5,4," + "x" * (loaders.MAX_CELL_CHARS + 1)
    with pytest.raises(SurveyError, match=r"line 3, column 4 \(com_1\): the cell is 32,768 characters long"):
        load_survey(make_csv("\n".join(lines) + "\n"), lang="en")
    quoted = _small_csv(",")
    quoted[2] = '2,5,4,"' + "x" * (loaders.MAX_CELL_CHARS + 1) + '"'
    with pytest.raises(SurveyError, match=r"regel 3, kolom 4 \(com_1\): de cel is 32.768 tekens lang|regel 3, kolom 4"):
        load_survey(make_csv("\n".join(quoted) + "\n"))


def test_quoted_delimiters_and_line_breaks_are_not_ragged(make_csv, salt):
    lines = _small_csv(",")
    lines[0] += ",opmerking"
    lines[1:] = [line + ',"goed, echt waar"' for line in lines[1:]]
    lines[2] = lines[2][:-1] + '\nnieuwe regel"'
    survey = load_survey(make_csv("\n".join(lines) + "\n"))
    assert len(survey.data) == 6


# ------------------------------------------------------------------------------------ privacy (issue 9)
def test_personal_values_in_item_and_group_cells_never_reach_data_or_messages(make_csv, salt):
    df = survey_frame(n=40, personal=False)
    df["vt_1"] = df["vt_1"].astype(object)
    df.loc[3, "vt_1"] = "Jan de Vries, NL91ABNA0417164300"
    df.loc[4, "vt_1"] = "111222333"
    df["sector"] = df["sector"].astype(object)
    df.loc[5, "sector"] = "piet@voorbeeld.nl"  # under half of the column: before, it survived
    df.loc[6, "sector"] = "06-12345678"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = load_survey(make_csv(df), lang="en")
    text = survey.data.to_csv() + survey.quality.to_csv() + survey.summary()
    for value in ("Jan de Vries", "NL91ABNA0417164300", "111222333", "piet@voorbeeld.nl", "06-12345678"):
        assert value not in text
    assert "<personal data>" in survey.summary()
    assert pd.isna(survey.data.loc[5, "sector"])
    masked = survey.quality[survey.quality["check"] == "personal_cells"]
    assert "looked like personal data" in masked["message"].iloc[0]


def test_out_of_range_values_quoted_only_when_harmless(make_csv, salt):
    df = survey_frame(n=20, personal=False)
    df.loc[1, "vt_2"] = 8
    df.loc[2, "vt_3"] = 111222333
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quality = load_survey(make_csv(df)).quality
    messages = " ".join(quality["message"])
    assert "8" in quality.loc[quality["column"] == "vt_2", "message"].iloc[0]
    assert "111222333" not in messages
    assert "1.11222e+08" not in messages


@pytest.mark.parametrize("pid", ["111222333", "NL91ABNA0417164300"])
def test_ids_that_are_personal_numbers_are_hashed(make_csv, salt, pid):
    df = survey_frame(n=10, personal=False)
    df["respondent_id"] = df["respondent_id"].astype(str)
    df.loc[0, "respondent_id"] = pid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = load_survey(make_csv(df))
    assert pid not in survey.data["respondent_id"].tolist()
    assert survey.data["respondent_id"].str.len().eq(16).all()


# ------------------------------------------------------------------- the fast text reader = the careful one
_CELLS = ["1", "4", "7", "8", "0", "-1", "-99", "", " 5", "5.5", "1e0", "+3", ".5", "nan", "inf", "NA", "weet niet",
          "2024-01-01", "true", "Helemaal mee eens", "99999999999999999999", '"6"', '"4,5"', "4,5", "1,0e1",
          "jan@example.org"]  # fmt: skip
_HEADERS = ["respondent_id", "sector", "meting", "duur_seconden", "vt_1", "VT_2 ", "vt_4", "com_1", "com_1",
            "", "opmerking", "Q7"]  # fmt: skip


def _both_ways(path: Path, **kwargs) -> tuple:
    out = []
    for fast in (True, False):
        loaders.FAST_TEXT = fast
        try:
            out.append(load(path, **kwargs))
        except SurveyError as exc:
            out.append(str(exc))
        finally:
            loaders.FAST_TEXT = True
    return tuple(out)


def _assert_same(fast, careful) -> None:
    if isinstance(careful, str) or isinstance(fast, str):
        assert fast == careful
        return
    pd.testing.assert_frame_equal(fast.data, careful.data)
    pd.testing.assert_frame_equal(fast.quality, careful.quality)
    assert fast.source == careful.source
    assert (fast.mapping, fast.dropped_columns, fast.reversed_items) == (
        careful.mapping, careful.dropped_columns, careful.reversed_items)  # fmt: skip


def test_fast_reader_equals_careful_reader_on_the_demo(demo_csv, salt):
    _assert_same(*_both_ways(demo_csv))


def test_fast_reader_is_used_for_clean_utf8(make_csv, salt, monkeypatch):
    calls = []
    monkeypatch.setattr(loaders, "_check_structure", lambda *a: calls.append(a) or 0)
    survey = load(make_csv(survey_frame()))
    assert not calls
    assert len(survey.data)
    assert survey.data["vt_1"].dtype == float


@pytest.mark.parametrize("problem", ["ragged", "control", "bad_utf8", "odd_quote", "bom", "cp1252", "blank_lines",
                                     "header_line_break"])
def test_fast_reader_hands_unusual_files_to_the_careful_reader(tmp_path, salt, problem):
    lines = ["respondent_id,vt_1,vt_2,sector", "1,5,6,bank", "2,4,4,energie", "3,7,1,bank"]
    if problem == "ragged":
        lines[2] += ",9"
    elif problem == "odd_quote":
        lines[2] = '2,"4,4,energie'
    elif problem == "blank_lines":
        lines = ["", "  ", *lines[:2], "", *lines[2:], ""]
    elif problem == "header_line_break":
        lines[0] = 'respondent_id,"vt_1\n",vt_2,sector'  # a quoted header cell over two lines
    text = "\n".join(lines) + "\n"
    data = {"control": text.replace("bank", "ba\x07nk", 1).encode(), "bad_utf8": text.encode() + b"4,\xff,1,x\n",
            "bom": codecs.BOM_UTF8 + text.encode(), "cp1252": text.replace("bank", "caf\xe9").encode("cp1252")
            }.get(problem, text.encode())  # fmt: skip
    path = tmp_path / "s.csv"
    path.write_bytes(data)
    fast, careful = _both_ways(path)
    _assert_same(fast, careful)
    if problem in ("ragged", "odd_quote", "control", "bad_utf8"):
        assert isinstance(careful, str) or problem == "bad_utf8"


def test_fast_reader_property(tmp_path_factory, salt):
    """Random files of awkward cells: the fast reader gives exactly what the careful one gives (data, issues)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(
        headers=st.lists(st.sampled_from(_HEADERS), min_size=2, max_size=8).filter(
            lambda h: any(x.strip().lower() in {"vt_1", "vt_2", "vt_4", "com_1"} for x in h)),
        rows=st.lists(st.lists(st.sampled_from(_CELLS), min_size=8, max_size=8), min_size=1, max_size=12),
        delim=st.sampled_from([",", ";", "\t"]),
        mapping=st.booleans(),
        end=st.sampled_from(["\n", "\r\n"]),
        trailing=st.booleans(),
    )  # fmt: skip
    def check(headers, rows, delim, mapping, end, trailing):
        def cell(c: str) -> str:
            return f'"{c}"' if (delim in c and not c.startswith('"')) else c

        tail = delim if trailing else ""  # a delimiter at the end of every line: an empty last column
        text = delim.join(headers) + tail + end + "".join(
            delim.join(cell(c) for c in row[: len(headers)]) + tail + end for row in rows)  # fmt: skip
        path = tmp_path_factory.mktemp("prop") / "p.csv"
        path.write_text(text, encoding="utf-8")
        _assert_same(*_both_ways(path, mapping={"Q7": "com_2"} if mapping else None))

    check()


def test_field_normalising_in_arrow_equals_value_by_value():
    """Ids and group fields: the Arrow way (text columns) gives what the value-by-value way gives."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    codes = {1: "energie", 2: "bank", "gemeente": "gemeente"}
    tables = [codes, {1: "energy", 2: "bank", "gemeente": "municipality"}]
    pool = ["", " ", "1", " 2 ", "+3", "-4", "007", "Energie", "BANK ", "municipality", "x y", "٣", "12345678901234567",
            "9" * 20, None]  # fmt: skip

    @settings(max_examples=150, deadline=None, derandomize=True)
    @given(st.lists(st.sampled_from(pool), min_size=1, max_size=15), st.booleans())
    def check(cells, with_codes):
        text = pd.Series(cells, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
        args = (codes, tables) if with_codes else ({}, [])
        try:
            expected = loaders._normalise_field(text.astype(object), *args)
        except (OverflowError, TypeError, ValueError) as exc:
            with pytest.raises(type(exc)):
                loaders._normalise_field(text, *args)
            return
        pd.testing.assert_series_equal(loaders._normalise_field(text, *args), expected)

    check()


def test_field_labels_with_an_empty_cell_stay_integer_codes_and_odd_digits_are_text():
    # value by value (Excel, SPSS): a labelled group with an empty cell gave the text '1.0' instead of code 1
    out = loaders._normalise_field(pd.Series(["Energie", "", "bank"], dtype=object), {1: "energie", 2: "bank"},
                                   [{1: "energie", 2: "bank"}])  # fmt: skip
    assert str(out.dtype) == "Int64"
    assert out.tolist()[0] == 1
    assert out.tolist()[2] == 2
    assert pd.isna(out[1])
    # an id written in Arabic-Indic digits stopped the load with a ValueError; it is text
    assert loaders._normalise_field(pd.Series(["٣", "4"], dtype=object), {}, []).tolist() == ["٣", "4"]


def test_fast_reader_text_far_down_a_number_column(tmp_path, salt, monkeypatch):
    """Items are read as numbers; text in one (here far down, in a later block) makes that column text, same result."""
    rows = [f"{i},{1 + i % 7},{1 + (i * 3) % 7},bank" for i in range(1, 400)]
    rows[380] = "381,weet niet,4,bank"
    path = tmp_path / "s.csv"
    path.write_text("respondent_id,vt_1,vt_2,sector\n" + "\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(loaders, "_ARROW_BLOCK", 512)
    calls = []
    original = loaders._check_structure
    monkeypatch.setattr(loaders, "_check_structure", lambda *a: calls.append(1) or original(*a))
    fast, careful = _both_ways(path)
    assert calls == [1]  # only the careful way checked line by line
    _assert_same(fast, careful)
    assert np.isnan(fast.data.loc[380, "vt_1"])
    assert fast.data["vt_1"].notna().sum() == 398


def test_twenty_digit_number_in_a_group_field_is_kept_as_text(make_csv, salt):
    """It stopped the load with 'OverflowError: Python int too large to convert to C long' (found by hypothesis)."""
    raw = survey_frame()
    raw["meting"] = raw["meting"].astype(object)
    raw.loc[0, "meting"] = "9" * 20
    for fast in (True, False):
        loaders.FAST_TEXT = fast
        try:
            survey = load(make_csv(raw))
        finally:
            loaders.FAST_TEXT = True
        assert survey.data["meting"].iloc[0] == "9" * 20
        assert len(survey.data) == len(raw)


def test_load_survey_never_stops_on_hostile_cells_with_anything_but_a_survey_error(tmp_path_factory, salt):
    """Fuzzing both readers with awkward values and any text in any cell, under random headers: a load ends in data
    or in a clear SurveyError, never in a traceback. (The known crashes have their own regression tests above.)"""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    headers = ["respondent_id", "sector", "meting", "duur_seconden", "vt_1", "vt_2", "vt_4", "com_1", "", "naam",
               "email", "opmerking", "startdatum", "Q7", "vt_1", "organisatie"]  # fmt: skip
    pool = st.sampled_from(["1", "7", "-99", "", "nan", "1e309", "-0", "٣", "１", "9" * 25, "-" + "9" * 20, "4,5",
                            "weet niet", "NL91ABNA0417164300", "=HYPERLINK(1)", "  ", "🙂", "NULL", "2024-13-45"])
    cells = st.one_of(pool, pool, pool, st.text(max_size=6))  # mostly the known awkward values, some any text

    @settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(headers), min_size=1, max_size=9),
           st.lists(st.lists(cells, min_size=9, max_size=9), max_size=8), st.sampled_from([",", ";", "\t"]),
           st.booleans())  # fmt: skip
    def check(header, rows, delim, fast):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delim, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(row[: len(header)] for row in rows)
        path = tmp_path_factory.mktemp("fuzz") / "f.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        loaders.FAST_TEXT = fast
        try:
            survey = load(path)
            assert isinstance(survey.summary(), str)
        except SurveyError:
            pass
        finally:
            loaders.FAST_TEXT = True

    check()
