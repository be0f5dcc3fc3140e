"""Freedom of choice (seed 004): forced relationships such as a water company or a pension fund.

Does a customer who cannot leave trust the organisation less, feel less committed, engage less? The comparison of
respondents with (``keuze_aanbieder == "ja"``) and without (``"nee"``) a real choice of provider uses the same
statistics as the A/B test: difference with Welch 95% CI, Hedges' g with CI and Holm-corrected p-values.
The difference is ``nee - ja`` (forced minus free), so a negative value means less trust etc. without a choice.

Note that this is an observational comparison: forced relationships sit in other sectors (water, pensions) than
free ones, so a difference need not be caused by the lack of choice. To compare within a sector that holds
both groups, pass the rows of that sector.

Examples
--------
>>> from relatie_lab.simulate import simulate_survey
>>> from relatie_lab.scores import recode_reverse
>>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
>>> res = freedom_of_choice(recode_reverse(df))
>>> res.table["outcome"].tolist()
['vertrouwen', 'commitment', 'betrokkenheid']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from relatie_lab.ab_testing import ComparisonResult, compare_groups

__all__ = ["CHOICE_OUTCOMES", "freedom_of_choice"]

#: Default outcomes: trust, commitment and customer engagement (ladder rungs 3-5).
CHOICE_OUTCOMES: tuple[str, ...] = ("vertrouwen", "commitment", "betrokkenheid")


def freedom_of_choice(
    df: pd.DataFrame,
    choice_col: str = "keuze_aanbieder",
    outcomes: Sequence[str] | None = None,
    *,
    with_choice: str = "ja",
    without_choice: str = "nee",
    alpha: float = 0.05,
    lang: str = "nl",
    instrument: Any = None,
) -> ComparisonResult:
    """Trust, commitment and engagement of respondents without vs with a real choice of provider.

    Parameters
    ----------
    df
        Cleaned survey (items) or construct scores, with ``choice_col``.
    choice_col
        Column saying whether the respondent could choose his provider (default ``"keuze_aanbieder"``).
    outcomes
        Construct ids; default :data:`CHOICE_OUTCOMES`.
    with_choice, without_choice
        The values of ``choice_col``; differences are ``without_choice - with_choice``.
    alpha
        Level for ``significant`` on the Holm-corrected p-values.
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.
    instrument
        The codebook whose items make up the outcome scores (an ``Instrument``, the path of a codebook YAML, or
        None: the shipped one).

    Returns
    -------
    ComparisonResult
        ``.table`` as :func:`relatie_lab.ab_testing.compare_groups`
        (``control`` = with choice, ``treatment`` = without),
        ``.summary(lang)``, ``.plot(lang)``.

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> from relatie_lab.scores import recode_reverse
    >>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
    >>> t = freedom_of_choice(recode_reverse(df)).table
    >>> bool((t["n_control"] + t["n_treatment"] <= 300).all())
    True
    """
    return compare_groups(
        df,
        choice_col,
        list(outcomes or CHOICE_OUTCOMES),
        control=with_choice,
        treatment=without_choice,
        alpha=alpha,
        title_key="choice_title",
        lang=lang,
        instrument=instrument,
    )
