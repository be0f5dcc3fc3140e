"""Tests for relatie_lab.sem.matrices: the rank-two factors of dSigma give the same information as the full arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from relatie_lab.sem.engine import Engine
from relatie_lab.sem.matrices import gram, rank_two
from relatie_lab.sem.syntax import parse_model

MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + y3 + y4
dem65 =~ y5 + a*y6 + y7 + y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
"""


def test_gram_equals_the_trace_formula_with_the_full_derivative_arrays():
    """tr(P dS_a P dS_b) from the factors equals the (q, p, p) computation, equal labels (a) included."""
    data = pd.read_csv(Path(__file__).parent / "fixtures" / "lavaan" / "poldem.csv")
    eng = Engine(parse_model(MODEL, meanstructure=True), [data])
    theta = eng.start_values() + 0.1  # away from zero covariances: every derivative non-trivial
    Sigma, _, dS, dm = eng.delta(theta, 0)
    P = np.linalg.inv(Sigma)
    full = np.einsum("kab,bc,lcd,da->kl", dS, P, dS, P)
    S2, _, U, V, k, dm2 = rank_two(eng, theta, 0)
    np.testing.assert_allclose(S2, Sigma)
    np.testing.assert_allclose(dm2, dm)
    np.testing.assert_allclose(gram(U, V, k, eng.q, P), full, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gram(U, V, k, eng.q), np.einsum("kab,lba->kl", dS, dS), rtol=1e-10, atol=1e-12)
