"""The report's view of dynamic fit index cutoffs: a table next to Hu & Bentler and one sentence.

The numbers come from :meth:`relatie_lab.sem.SEMResult.dynamic_cutoffs` (McNeish & Wolf, 2023; module
:mod:`relatie_lab.sem.cutoffs`); this module only shows them in a report notebook.

``REPORT_REPS`` replications per level keep the report quick (about 8 s of one core for the Commitment-Trust model
at the demo's N); the table's note gives the Monte Carlo error of the cutoffs that follows from it.

Examples
--------
>>> REPORT_REPS
200
"""

from __future__ import annotations

from typing import Any

from relatie_lab.labels import check_lang, label

__all__ = ["REPORT_REPS", "dynamic_cutoffs_table", "show_dynamic_cutoffs"]

#: Replications per misspecification level in the report (McNeish & Wolf use 500; 200 keeps the Monte Carlo error
#: of a cutoff around 0.001-0.003 at the demo's N, far below the differences that matter).
REPORT_REPS = 200


def dynamic_cutoffs_table(cutoffs: Any, lang: str = "nl"):
    """The APA table (:func:`relatie_lab.notebook.apa_table`) of this model, Hu & Bentler and each level."""
    from relatie_lab import notebook as nb

    lang = check_lang(lang)
    table = cutoffs.table(lang)
    headers = {"row": label("cutoffs_col_row", lang), "cfi": "CFI", "rmsea": "RMSEA", "srmr": "SRMR",
               "rule": label("cutoffs_col_rule", lang),
               "omitted": label("cutoffs_col_misspecification", lang)}  # fmt: skip
    return nb.apa_table(table, lang, caption=label("cutoffs_title", lang) + f", N = {cutoffs.n}",
                        note=cutoffs.mc_error(lang), decimals=3, columns=headers)  # fmt: skip


def show_dynamic_cutoffs(fit: Any, lang: str = "nl", *, reps: int = REPORT_REPS, seed: int | None = None,
                         client: Any = None) -> Any:  # fmt: skip
    """Compute the dynamic cutoffs of ``fit`` and display the heading, the table and the interpretation.

    Returns the :class:`~relatie_lab.sem.cutoffs.DynamicCutoffs` (``None`` when the model has no factors to build
    misspecifications from; then a one-line explanation is shown instead). Without ``client`` the simulation runs in
    the notebook's own process (reports often run several at a time, in a batch), or on the cluster named by
    ``RELATIE_LAB_SCHEDULER`` when that is set; the numbers are the same either way.
    """
    import os

    from IPython.display import Markdown, display

    from relatie_lab.errors import SurveyError
    from relatie_lab.parallel import ENV_SCHEDULER

    lang = check_lang(lang)
    display(Markdown(f"## {label('cutoffs_title', lang)}"))
    estimator = str(getattr(fit, "estimator", "ML") or "ML").upper()
    if estimator in ("WLSMV", "ULSMV", "DWLS", "ULS", "WLS"):  # the cutoffs simulate normal data and refit with ML
        display(Markdown(label("cutoffs_skip_ordinal", lang).format(estimator=estimator)))
        return None
    try:
        if client is None and not os.environ.get(ENV_SCHEDULER):
            client = "local"
        cutoffs = fit.dynamic_cutoffs(reps=reps, seed=seed, client=client, progress=False, lang=lang)
    except SurveyError as exc:
        display(Markdown(str(exc)))
        return None
    except Exception as exc:  # a report shows the rest of its sections, and says what went wrong here
        display(Markdown(label("cutoffs_err_failed", lang).format(error=f"{type(exc).__name__}: {exc}")))
        return None
    display(dynamic_cutoffs_table(cutoffs, lang))
    display(Markdown(cutoffs.interpretation(lang)))
    return cutoffs
