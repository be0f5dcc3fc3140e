"""The relatie-lab command: help, validate (exit codes, summary, --write), plugin subcommands."""

from __future__ import annotations

import argparse
import subprocess
import sys
import types

import pandas as pd
import pytest

from conftest import personal_values, survey_frame
from relatie_lab import cli


def test_help_lists_validate(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "validate" in out
    assert "relatie-lab" in out


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    assert "validate" in capsys.readouterr().out


def test_help_does_not_import_heavy_packages():
    code = (
        "import sys; from relatie_lab.cli import main; rc = main(['--help']);"
        "print('HEAVY', sorted(m for m in ('semopy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def _complete_frame(n: int = 30):
    """A survey with everything the report needs: two waves and the choice-of-provider column too."""
    return survey_frame(n=n).assign(meting=[1, 2] * (n // 2), keuze_aanbieder=["ja", "nee"] * (n // 2))


def test_validate_good_file_exit_0(make_csv, salt, capsys):
    path = make_csv(_complete_frame(), name="goed.csv")
    assert cli.main(["validate", str(path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Data check: goed.csv" in out
    assert "Respondents: 30" in out
    assert "Share missing per construct" in out
    assert "[runs] 04 Who reaches which rung?" in out
    assert "The report will be complete." in out
    for value in personal_values():
        assert value not in out


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", ["comm_1: bedoelde u com_1?", "[draait deels] 06 Scorekaart", "Het rapport wordt onvolledig",
                "Voeg de kolom 'meting' toe"]),
        ("en", ["comm_1: did you mean com_1?", "[runs partly] 06 Scorecard", "The report will be incomplete",
                "Add the column 'meting'"]),
    ],
)
def test_validate_predicts_the_report_and_flags_misspelt_ids(make_csv, salt, capsys, lang, words):
    raw = survey_frame(n=30).rename(columns={"com_1": "comm_1"}).assign(keuze_aanbieder=["ja", "nee"] * 15)
    path = make_csv(raw, name="hernoemd.csv")
    assert cli.main(["validate", str(path), "--lang", lang]) == 1
    out = capsys.readouterr().out
    for text in words:
        assert text in out


def test_validate_too_few_respondents(make_csv, salt, capsys):
    path = make_csv(_complete_frame(6), name="klein.csv")
    assert cli.main(["validate", str(path), "--lang", "en"]) == 1
    assert "Too few respondents for a report: 6; at least 10 are needed." in capsys.readouterr().out


def test_validate_own_codebook_and_model(capsys):
    from relatie_lab.paths import PROJECT_DIR

    example = PROJECT_DIR / "docs" / "examples" / "own_survey"
    args = ["validate", str(example / "winkel_enquete.csv"), "--instrument", str(example / "codebook.yaml"),
            "--model", str(example / "model.lav"), "--lang", "en"]  # fmt: skip
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "Items found: 9 of 9" in out
    assert "[runs] 03 Indirect effects" in out
    assert "Who reaches which rung" not in out  # Pol's sections: not applicable, left out
    assert "klant0@voorbeeld.nl" not in out


def test_validate_prints_every_quality_row(make_csv, salt, capsys):
    raw = _complete_frame()
    raw.loc[2, "vt_1"] = 9
    assert cli.main(["validate", str(make_csv(raw, name="fout.csv"))]) == 0  # a warning: the report still runs
    out = capsys.readouterr().out
    assert "[waarschuwing] out_of_range: fout.csv, kolom vt_1" in out
    assert "[info] personal_data" in out


def test_validate_bad_file_exit_1_without_traceback(make_csv, capsys):
    path = make_csv("respondent_id,vt_1\n", name="leeg.csv")
    assert cli.main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "leeg.csv" in err
    assert "Traceback" not in err


def test_validate_console_script_exit_code(make_csv):
    path = make_csv("Q1,Q2\n1,2\n", name="vreemd.csv")
    proc = subprocess.run(
        [sys.executable, "-m", "relatie_lab.cli", "validate", str(path), "--lang", "en"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "vreemd.csv" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_validate_with_mapping_and_write(tmp_path, make_csv, salt, capsys):
    raw = pd.DataFrame({"Nr": [1, 2, 3], "V1": [3, 4, 5], "V2": [5, 6, 7]})
    mapping = tmp_path / "m.yaml"
    mapping.write_text("Nr: respondent_id\nV1: vt_1\nV2: vt_2\n")
    out_file = tmp_path / "uit" / "eigen.parquet"
    code = cli.main(["validate", str(make_csv(raw, name="eigen.csv")), "--mapping", str(mapping), "--write",
                     "--out", str(out_file)])  # fmt: skip
    assert code == 1  # three respondents: too few for a report, but the file is written
    out = capsys.readouterr().out
    assert str(out_file) in out
    assert "Te weinig respondenten voor een rapport: 3" in out
    assert pd.read_parquet(out_file)["vt_2"].tolist() == [5.0, 6.0, 7.0]


def test_demo_sav_summary(demo_sav, salt, capsys):
    assert cli.main(["validate", str(demo_sav)]) == 0
    out = capsys.readouterr().out
    n = len(pd.read_csv(cli_demo_csv(), usecols=["respondent_id"]))
    assert f"Respondenten: {n}" in out
    assert "Items gevonden: 67 van 67" in out
    assert "Omgescoorde items: vt_4, kv_prod_3" in out
    assert "naam, email, telefoon, ip_adres, postcode, opmerking" in out


def cli_demo_csv():
    from relatie_lab.paths import DEMO_CSV

    return DEMO_CSV


def test_plugins_absent_still_work(make_csv, salt, capsys):
    path = make_csv(_complete_frame())
    plugins = ("relatie_lab.bestaat_niet_report", "relatie_lab_geen_pakket.batch")
    assert cli.main(["--help"], plugins=plugins) == 0
    assert cli.main(["validate", str(path)], plugins=plugins) == 0


def test_plugin_add_cli_is_called(monkeypatch, capsys):
    module = types.ModuleType("relatie_lab_testplugin")

    def run(args: argparse.Namespace) -> int:
        print(f"plugin ran with {args.x}")
        return 3

    def add_cli(subparsers):
        p = subparsers.add_parser("proef", help="test plugin")
        p.add_argument("x")
        p.set_defaults(func=run)

    module.add_cli = add_cli
    monkeypatch.setitem(sys.modules, "relatie_lab_testplugin", module)
    assert cli.main(["proef", "ok"], plugins=("relatie_lab_testplugin",)) == 3
    assert "plugin ran with ok" in capsys.readouterr().out


def test_plugin_with_broken_import_is_not_hidden(monkeypatch):
    module_name = "relatie_lab_kapotte_plugin"

    def broken_import(name, *args, **kwargs):
        if name == module_name:
            raise ModuleNotFoundError("No module named 'iets_anders'", name="iets_anders")
        return original(name, *args, **kwargs)

    original = cli.importlib.import_module
    monkeypatch.setattr(cli.importlib, "import_module", broken_import)
    with pytest.raises(ModuleNotFoundError, match="iets_anders"):
        cli.build_parser((module_name,))


def test_report_refuses_an_unknown_estimator_with_the_choices(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path / "x.csv"), "--estimator", "GLS"]) == 2
    err = capsys.readouterr().err
    assert "--estimator: invalid choice: 'GLS'" in err
    assert "'ML', 'MLR', 'WLSMV'" in err
