"""relatie_lab: a Jupyter research workbench for customer-relationship research.

The public API is re-exported here. Submodules are imported lazily, on first use, so that
``import relatie_lab`` and the ``relatie-lab`` command start fast (semopy and the plotting
stack are only loaded when a function that needs them is called).

Examples
--------
>>> import relatie_lab as rl
>>> rl.instrument.constructs().loc["commitment", "label_nl"]
'Commitment'
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it. Add a line here when a module gains a public function.
_EXPORTS: dict[str, str] = {
    # foundation
    "instrument": "relatie_lab.instrument",
    "simulate_survey": "relatie_lab.simulate",
    "Instrument": "relatie_lab.instrument",
    "load_survey": "relatie_lab.loaders",
    "SurveyData": "relatie_lab.loaders",
    "SurveyError": "relatie_lab.errors",
    "DataQualityWarning": "relatie_lab.errors",
    "quality_report": "relatie_lab.quality",
    "strip_personal_data": "relatie_lab.privacy",
    "find_personal_data": "relatie_lab.privacy",
    "write_parquet": "relatie_lab.atomic",
    "label": "relatie_lab.labels",
    "reliability": "relatie_lab.psychometrics",
    "validity": "relatie_lab.psychometrics",
    "models": "relatie_lab.models",
    "fit_sem": "relatie_lab.sem",
    "SEMResult": "relatie_lab.sem",
    "parse_model": "relatie_lab.sem",
    "invariance": "relatie_lab.sem",
    "bca_interval": "relatie_lab.sem",
    "compare": "relatie_lab.sem",
    "ordinal_statistics": "relatie_lab.sem",
    "ordinal_invariance": "relatie_lab.sem",
    "power_sem": "relatie_lab.sem.power",
    "widgets": "relatie_lab.widgets",
    "build_report": "relatie_lab.report",
    "run_report": "relatie_lab.report",
    "plan_report": "relatie_lab.sections",
    "compare_constructs": "relatie_lab.group_comparison",
    "scalar_invariance": "relatie_lab.group_comparison",
    "run_batch": "relatie_lab.batch",
    # Pol's framework as analyses
    "construct_scores": "relatie_lab.scores",
    "recode_reverse": "relatie_lab.scores",
    "relationship_profile": "relatie_lab.relationship_types",
    "type_distribution": "relatie_lab.relationship_types",
    "ladder_levels": "relatie_lab.ladder",
    "ladder_funnel": "relatie_lab.ladder",
    "ladder_model": "relatie_lab.ladder",
    "scorecard": "relatie_lab.building_blocks",
    "ab_test": "relatie_lab.ab_testing",
    "power_analysis": "relatie_lab.ab_testing",
    "required_n": "relatie_lab.ab_testing",
    "moderated_regression": "relatie_lab.moderation",
    "multigroup_comparison": "relatie_lab.moderation",
    "freedom_of_choice": "relatie_lab.choice",
    # reporting: APA numbers and sentences, the summary page, the path diagram, Word
    "apa": "relatie_lab.apa",
    "key_findings": "relatie_lab.summary",
    "plot_path": "relatie_lab.path_diagram",
    "write_docx": "relatie_lab.docx_export",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'relatie_lab' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
