"""Structural equation models: lavaan syntax in, lavaan-checked results out.

The SEM takes DataFrames and lavaan model text; it knows nothing of the codebook, Pol's analyses or reports
(the Pol model library, :mod:`relatie_lab.models`, builds model text outside it). One module per concern:

- :mod:`~relatie_lab.sem.syntax`: the lavaan model-syntax parser (parameter table);
- :mod:`~relatie_lab.sem.engine`: the compiled model (``Engine``), thin over the concern modules
  :mod:`~relatie_lab.sem.moments`, :mod:`~relatie_lab.sem.matrices`, :mod:`~relatie_lab.sem.estimation`,
  :mod:`~relatie_lab.sem.identification`, :mod:`~relatie_lab.sem.inference`, :mod:`~relatie_lab.sem.fit_indices`,
  :mod:`~relatie_lab.sem.robust` and :mod:`~relatie_lab.sem.diagnostics`;
- :mod:`~relatie_lab.sem.result`: :func:`fit_sem` and the :class:`SEMResult` object;
- :mod:`~relatie_lab.sem.bootstrap`: bootstrap CIs for indirect effects and ``:=`` parameters;
- :mod:`~relatie_lab.sem.invariance`: the measurement-invariance sequence.

Examples
--------
>>> from relatie_lab.sem import fit_sem, parse_model
>>> table = parse_model("F =~ a + b + c")
>>> table[["lhs", "op", "rhs"]].head(2).to_numpy().tolist()
[['F', '=~', 'a'], ['F', '=~', 'b']]
"""

from __future__ import annotations

from relatie_lab.sem.bootstrap import bca_interval
from relatie_lab.sem.invariance import invariance, lrt
from relatie_lab.sem.result import ESTIMATE_COLUMNS, SEMResult, defined_values, fit_sem
from relatie_lab.sem.syntax import ModelSyntaxError, ParTable, parse_model

__all__ = [
    "ESTIMATE_COLUMNS",
    "ModelSyntaxError",
    "ParTable",
    "SEMResult",
    "bca_interval",
    "defined_values",
    "fit_sem",
    "invariance",
    "lrt",
    "parse_model",
]
