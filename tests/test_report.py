"""Unit tests of relatie_lab.report that need no notebook kernel (fast); the full reports are in test_notebooks.py."""

from __future__ import annotations

import argparse

import pytest

from relatie_lab import report as rp
from relatie_lab.errors import SurveyError


def test_table_of_contents_and_numbering():
    body = (
        "<html><head></head><body><main><p>RELATIE-LAB-TOC</p>"
        '<h1 id="Datakwaliteit">Datakwaliteit<a class="anchor-link" href="#Datakwaliteit">¶</a></h1>'
        '<h2 id="Steekproef">Steekproef<a class="anchor-link" href="#Steekproef">¶</a></h2>'
        '<span class="apa-number"></span><span class="apa-number"></span>'
        "<h1>SEM</h1><h2>Paden</h2><h2>Paden</h2></main></body></html>"
    )
    out = rp._number_tables(rp._add_toc(body, "en"), "en")
    assert 'id="sec-1">Datakwaliteit' in out
    assert 'id="sec-5">Paden' in out
    toc = out[out.index("<nav") : out.index("</nav>")]
    assert toc.count("<li>") == 5
    assert '<a href="#sec-3">SEM</a>' in toc
    assert "RELATIE-LAB-TOC" not in out
    assert "Table 1</span>" in out
    assert "Table 2</span>" in out


def test_figures_get_the_section_as_alt_text():
    body = (
        '<img alt="No description has been provided for this image" src="a"/>'
        '<h2 id="sec-2">Ladder &amp; trechter<a class="anchor-link" href="#sec-2">¶</a></h2>'
        '<img alt="No description has been provided for this image" src="b"/>'
    )
    out = rp._figure_alt_texts(body, "nl")
    assert '<img alt="Figuur" src="a"/>' in out
    assert '<img alt="Figuur: Ladder &amp; trechter" src="b"/>' in out


def test_declared_parameters_reads_the_parameters_cell(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('data_path = "x"\nlang: str = "nl"\nseed = 1')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_code_cell("other = 1"), cell]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert rp._declared_parameters(path) == {"data_path", "lang", "seed"}


def test_build_report_fails_early_on_unusable_data_and_touches_nothing(tmp_path):
    bad = tmp_path / "kapot.csv"
    bad.write_bytes(b"")
    out = tmp_path / "rapport"
    with pytest.raises(SurveyError):
        rp.build_report(bad, out)
    with pytest.raises(SurveyError, match="not found"):
        rp.build_report(tmp_path / "bestaat_niet.csv", out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]  # no temporary folder left behind


def test_build_report_checks_language_and_notebooks(tmp_path):
    with pytest.raises(ValueError, match="Unknown language"):
        rp.build_report(tmp_path / "x.csv", tmp_path / "out", lang="de")
    with pytest.raises(rp.ReportError, match="not found"):
        rp.build_report(tmp_path / "x.csv", tmp_path / "out", notebooks=[tmp_path / "geen.ipynb"])


def test_cli_registers_report_options():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    rp.add_cli(sub)
    args = parser.parse_args(["report", "d.sav", "--out", "o", "--lang", "en", "--seed", "3", "--boot", "9",
                              "--show-code"])
    assert rp.report_kwargs(args) == {"lang": "en", "mapping": None, "seed": 3, "n_boot": 9, "show_code": True}
    assert args.func is rp._cli_report


def test_cli_report_exit_code_on_unusable_file(tmp_path, capsys):
    from relatie_lab.cli import main

    bad = tmp_path / "leeg.csv"
    bad.write_text("")
    assert main(["report", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert "leeg.csv" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_report_filename():
    assert rp.report_filename("nl") == "rapport.html"
    assert rp.report_filename("en") == "report.html"
