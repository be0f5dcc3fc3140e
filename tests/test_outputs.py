"""Output folders, dataset names, spreadsheet safety, OS-error messages and the last privacy guard.

Each defect of issue 9 has a test here that fails on the code before it (the old code deleted whatever --out
pointed at, numbered clashing batch names into a collision, wrote formula cells raw, and left OS errors as
tracebacks).
"""

from __future__ import annotations

import errno
import json
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relatie_lab import outputs
from relatie_lab.errors import DataQualityWarning, SurveyError
from relatie_lab.outputs import (
    MARKER,
    FolderGuard,
    OutputFolderError,
    check_output_dir,
    dataset_names,
    guard_folder,
    input_snapshot,
    keep_file,
    os_error_message,
    safe_name,
    spreadsheet_safe,
    to_csv_text,
)

# ------------------------------------------------------------------------------------------------ output folders


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """p/data/raw/s.csv and a user folder with a file of the user's own."""
    raw = tmp_path / "p" / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "s.csv").write_text("vt_1\n5\n")
    mine = tmp_path / "mijn_map"
    mine.mkdir()
    (mine / "scriptie.docx").write_text("hoofdstuk 1")
    return tmp_path


def test_new_empty_and_own_folders_are_allowed(project):
    assert check_output_dir(project / "nieuw" / "rapport") == project / "nieuw" / "rapport"
    (project / "leeg").mkdir()
    check_output_dir(project / "leeg")
    ours = project / "eerder"
    outputs.claim_dir(ours)
    (ours / "rapport.html").write_text("oud")
    check_output_dir(ours)  # made by relatie_lab: may be replaced


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", ["bestaat al, is niet leeg", "niet door relatie_lab gemaakt", "Er is niets geschreven of verwijderd",
                "--out reports/s"]),
        ("en", ["already exists, is not empty", "was not made by relatie_lab", "Nothing was written or deleted",
                "--out reports/s"]),
    ],
)  # fmt: skip
def test_a_users_folder_with_files_is_refused(project, lang, words):
    with pytest.raises(OutputFolderError) as info:
        check_output_dir(project / "mijn_map", [project / "p/data/raw/s.csv"], lang=lang)
    for word in words:
        assert word in str(info.value)
    assert MARKER in str(info.value)
    assert (project / "mijn_map" / "scriptie.docx").read_text() == "hoofdstuk 1"


@pytest.mark.parametrize(
    ("out", "nl", "en"),
    [
        ("p/data/raw", "de map van het invoerbestand s.csv", "the folder of the input file s.csv"),
        ("p/data", "een map waar het invoerbestand s.csv in staat", "a folder that holds the input file s.csv"),
        ("p", "een map waar het invoerbestand s.csv in staat", "a folder that holds the input file s.csv"),
        ("p/data/raw/s.csv", "het invoerbestand zelf", "the input file itself"),
    ],
)
def test_the_inputs_folder_and_its_ancestors_are_refused_even_when_ours(project, out, nl, en):
    outputs.write_marker(project / "p")  # even a marker does not make the input's folder writable
    for lang, words in (("nl", nl), ("en", en)):
        with pytest.raises(OutputFolderError, match=words):
            check_output_dir(project / out, [project / "p/data/raw/s.csv"], lang=lang)


def test_cwd_root_and_home_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # empty, so only the rule refuses it
    with pytest.raises(OutputFolderError, match=r"de map waarin u nu werkt \(\.\)"):
        check_output_dir(".")
    with pytest.raises(OutputFolderError, match=r"the root folder of the disk"):
        check_output_dir("/", lang="en")
    monkeypatch.setenv("HOME", str(tmp_path / "thuis"))
    (tmp_path / "thuis").mkdir()
    with pytest.raises(OutputFolderError, match="uw thuismap"):
        check_output_dir("~")


def test_data_raw_and_a_file_are_refused(tmp_path):
    from relatie_lab.paths import DATA_RAW

    with pytest.raises(OutputFolderError, match="data/raw"):
        check_output_dir(DATA_RAW / "nieuw_rapport")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(OutputFolderError, match="it is a file, not a folder"):
        check_output_dir(tmp_path / "f.txt", lang="en")


def test_refusal_is_a_survey_error_so_the_command_exits_2(project, capsys):
    from relatie_lab.cli import main

    assert issubclass(OutputFolderError, SurveyError)
    code = main(["report", str(project / "p/data/raw/s.csv"), "--out", str(project / "p/data"), "--lang", "en"])
    assert code == 2  # report: nothing could be made
    err = capsys.readouterr().err
    assert "Output folder" in err
    assert "refused" in err
    assert "Traceback" not in err
    assert (project / "p/data/raw/s.csv").read_text() == "vt_1\n5\n"


def test_keep_file_is_complete_or_absent_on_a_full_disk(tmp_path, monkeypatch):
    src = tmp_path / "nb.ipynb"
    src.write_text('{"cells": []}')
    kept = keep_file(src, tmp_path / "uit" / "failed")
    assert kept.read_text() == '{"cells": []}'
    assert outputs.is_ours(tmp_path / "uit")  # a folder made for the failed notebook is ours: a rerun may use it

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.shutil, "copyfile", full)
    assert keep_file(src, tmp_path / "vol" / "failed") is None
    assert not (tmp_path / "vol").exists()  # no 0-byte notebook, no empty folders


# ------------------------------------------------------------------------------------------------ names


def test_batch_names_that_clashed_before_are_unique_and_readable():
    # before: wave1, wave1_2, wave1_2 (two reports in one folder), and '..csv' became '.'
    names = dataset_names(["a/wave1.csv", "b/wave1.csv", "c/wave1_2.csv", "d/..csv", "e/.csv"])
    assert names[:3] == ["wave1-a", "wave1-b", "wave1_2"]
    assert len({n.lower() for n in names}) == len(names)
    assert all(n not in ("", ".", "..") for n in names)


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.text(min_size=0, max_size=12), min_size=1, max_size=8))
def test_names_are_always_unique_safe_folder_names(stems):
    paths = [f"{i % 3}/{stem}.csv" for i, stem in enumerate(stems)]
    names = dataset_names(paths)
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert name
        assert name not in (".", "..")
        assert "/" not in name
        assert "\\" not in name
        assert not name.startswith(".")
        assert name.lower() not in outputs.RESERVED_NAMES
        assert len(name) <= outputs.MAX_NAME + 20


def test_safe_name():
    assert safe_name("golf 1 (mei)") == "golf_1_mei"
    assert safe_name("..") == safe_name("") == safe_name(".") == "dataset"
    assert safe_name("index.html") == "index.html_data"


# ------------------------------------------------------------------------------------------------ spreadsheets


def test_formula_cells_are_neutralised_and_negative_numbers_stay_numbers():
    df = pd.DataFrame(
        {
            "name": ["=HYPERLINK(\"http://x\",\"klik\")", "@SUM(1,1)", "+1+1", "-2+3", "\tx", "\rx", "-3.5", "ok"],
            "est": [-0.25, 1.0, -2.0, 0.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    safe = spreadsheet_safe(df)
    assert safe["name"].tolist() == ["'=HYPERLINK(\"http://x\",\"klik\")", "'@SUM(1,1)", "'+1+1", "'-2+3", "'\tx",
                                     "'\rx", "-3.5", "ok"]  # fmt: skip
    assert safe["est"].tolist() == df["est"].tolist()
    back = pd.read_csv(__import__("io").StringIO(to_csv_text(df)))
    assert back["est"].iloc[0] == -0.25  # still a number


@settings(deadline=None, database=None)
@given(st.text(max_size=20))
def test_no_text_cell_starts_with_a_formula_character_unless_a_number(text):
    cell = spreadsheet_safe(pd.DataFrame({"c": [text]}))["c"].iloc[0]
    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        float(cell.replace(",", "."))  # only plain numbers may keep their sign


# ------------------------------------------------------------------------------------------------ OS errors


@pytest.mark.parametrize(
    ("code", "nl", "en"),
    [
        (errno.ENOSPC, "De schijf is vol", "The disk is full"),
        (errno.EACCES, "Geen toestemming", "No permission"),
        (errno.EROFS, "alleen-lezen schijf", "read-only disk"),
        (errno.ENAMETOOLONG, "te lang", "too long"),
    ],
)
def test_os_errors_read_as_one_message(code, nl, en):
    exc = OSError(code, os.strerror(code), "uit/rapport.html")
    assert nl in os_error_message(exc, "nl")
    assert "uit/rapport.html" in os_error_message(exc, "nl")
    assert en in os_error_message(exc, "en")


# ------------------------------------------------------------------------------------------------ input snapshot


def test_snapshot_is_unaffected_by_changes_and_knows_about_them(tmp_path):
    src = tmp_path / "enquete.csv"
    src.write_text("vt_1\n5\n")
    with input_snapshot(src) as snap:
        assert snap.state() == "unchanged"
        src.write_text("vt_1\n6\n")  # same size, other content
        assert snap.path.read_text() == "vt_1\n5\n"
        assert snap.state() == "changed"
        src.unlink()
        assert snap.state() == "deleted"
        copy = snap.path
    assert not copy.exists()


# ------------------------------------------------------------------------------------------------ last guard


PLANTED = ["jan.devries@example.org", "NL91ABNA0417164300", "111222333", "06-12345678", "192.168.10.20",
           "1234 AB"]  # fmt: skip


def test_guard_folder_masks_personal_values_in_every_kind_of_file(tmp_path):
    text = "Contact: " + ", ".join(PLANTED) + "."
    (tmp_path / "rapport.html").write_text(f"<p>{text}</p><img src='data:image/png;base64,{'A0' * 200}'>")
    (tmp_path / "results.json").write_text(json.dumps({"note": text, "n": 120}))
    nb = {"cells": [{"outputs": [{"text": text}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb))
    pd.DataFrame({"opmerking": [text, "goed"], "x": [1, 2]}).to_parquet(tmp_path / "q.parquet")
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    document.add_table(rows=1, cols=1).cell(0, 0).text = text
    document.save(str(tmp_path / "rapport.docx"))
    with pytest.warns(DataQualityWarning, match="masked just before writing"):
        found = guard_folder(tmp_path, "en")
    assert set(found) == {"rapport.html", "results.json", "nb.ipynb", "q.parquet", "rapport.docx"}
    assert sum(found["rapport.docx"].values()) >= 2 * len(PLANTED)
    for path in tmp_path.iterdir():
        content = path.read_bytes()
        for value in PLANTED:
            assert value.encode() not in content, (path.name, value)
    words = docx.Document(str(tmp_path / "rapport.docx"))
    shown = [p.text for p in words.paragraphs] + [words.tables[0].cell(0, 0).text]
    assert all("[personal data]" in t and not any(v in t for v in PLANTED) for t in shown)  # the Word text itself
    assert json.loads((tmp_path / "results.json").read_text())["n"] == 120  # JSON stays valid
    assert "A0" * 200 in (tmp_path / "rapport.html").read_text()  # embedded figures are left alone
    assert "[personal data]" in (tmp_path / "rapport.html").read_text()


def _leaky_folder(folder):
    text = "Contact: " + ", ".join(PLANTED) + "."
    (folder / "notebooks").mkdir()
    nb = {"cells": [{"outputs": [{"text": text}]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (folder / "notebooks" / "01.ipynb").write_text(json.dumps(nb))
    (folder / "notebooks" / "02.ipynb").write_text(json.dumps({**nb, "cells": []}))
    (folder / "rapport.html").write_text(f"<p>{text}</p>")
    return text


def test_folder_guard_file_by_file_gives_what_guard_folder_gives(tmp_path):
    one, two = tmp_path / "een", tmp_path / "twee"
    for folder in (one, two):
        folder.mkdir()
        _leaky_folder(folder)
    with warnings.catch_warnings(record=True) as at_once:
        warnings.simplefilter("always")
        expected = guard_folder(one, "en")
    guard = FolderGuard(two, "en")
    with warnings.catch_warnings(record=True) as in_steps:
        warnings.simplefilter("always")
        checked = guard.check(two / "notebooks" / "01.ipynb")  # masked at once, warned about at the end
        assert in_steps == []
        found = guard.finish()
    assert sum(checked.values()) == len(PLANTED)
    assert found == expected
    assert set(found) == {"notebooks/01.ipynb", "rapport.html"}
    assert [str(w.message) for w in in_steps] == [str(w.message) for w in at_once]
    for folder in (one, two):
        assert (folder / "notebooks" / "01.ipynb").read_bytes() == (one / "notebooks" / "01.ipynb").read_bytes()
        assert (folder / "rapport.html").read_text() == (one / "rapport.html").read_text()


def test_folder_guard_scans_a_checked_file_again_when_it_changed(tmp_path):
    text = _leaky_folder(tmp_path)
    guard = FolderGuard(tmp_path, "en")
    notebook = tmp_path / "notebooks" / "02.ipynb"
    assert guard.check(notebook) == {}
    notebook.write_text(json.dumps({"cells": [{"source": text}], "metadata": {}}))  # written again after the check
    with pytest.warns(DataQualityWarning):
        found = guard.finish()
    assert "notebooks/02.ipynb" in found
    assert not any(value in notebook.read_text() for value in PLANTED)


def test_guard_leaves_ordinary_report_text_alone(tmp_path):
    text = ("CFI = 0.971, RMSEA = 0.043 [0.031, 0.055], n = 1200 en 95% CI; relatie_lab 0.1.0, pandas 2.2.3, "
            "SHA-256 3f7a9c0e1b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a, 2024-05-01 12:30:45, "
            "p < .001, 0612, 1.234.567")  # fmt: skip
    (tmp_path / "rapport.html").write_text(text)
    assert guard_folder(tmp_path) == {}
