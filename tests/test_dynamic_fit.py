"""The report's view of the dynamic fit index cutoffs (relatie_lab.dynamic_fit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relatie_lab import dynamic_fit
from relatie_lab.sem import fit_sem
from relatie_lab.sem.population import population_moments

DGM = "A =~ .8*a1 + .7*a2 + .6*a3\nB =~ .8*b1 + .7*b2 + .5*b3\nA ~~ .4*B"
MODEL = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3"


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(4)
    pop = population_moments(DGM)
    data = pd.DataFrame(pop.draw(300, rng), columns=pop.names)
    return fit_sem(data, MODEL, seed=3)


@pytest.mark.parametrize(("lang", "words"), [
    ("nl", ["Dit model", "Niveau 1", "Volgens Hu & Bentler"]),
    ("en", ["This model", "Level 1", "By Hu & Bentler's cutoffs"]),
])  # fmt: skip
def test_show_dynamic_cutoffs_displays_table_and_sentence(fitted, lang, words, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    cut = dynamic_fit.show_dynamic_cutoffs(fitted, lang, reps=30, seed=1, client="local")
    table = shown[1]
    assert table.frame.iloc[0, 0] == words[0]
    assert table.frame.iloc[2, 0] == words[1]
    assert table.headers[1:4] == ["CFI", "RMSEA", "SRMR"]
    assert "30" in table.note
    assert words[2] in shown[2].data
    assert cut.reps == 30
    assert cut.cutoffs["level"].tolist() == [1]  # two factors: one level


def test_a_model_without_two_factors_gets_an_explanation_not_an_error(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3))
    res = fit_sem(pd.DataFrame(x, columns=["x", "m", "y"]), "m ~ x\ny ~ m")
    assert dynamic_fit.show_dynamic_cutoffs(res, "en", reps=5, client="local") is None
    assert "at least two factors" in shown[-1].data


@pytest.mark.parametrize(("lang", "words"), [("nl", "alleen voor ML"), ("en", "for ML only")])
def test_an_ordinal_model_gets_a_note_instead_of_ml_based_cutoffs(fitted, lang, words, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    ordinal = type("R", (), {"estimator": "WLSMV", "dynamic_cutoffs": lambda *a, **k: pytest.fail("simulated")})()
    assert dynamic_fit.show_dynamic_cutoffs(ordinal, lang, reps=5, client="local") is None
    assert words in shown[-1].data
    assert "WLSMV" in shown[-1].data
