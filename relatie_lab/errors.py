"""The exceptions and warnings relatie_lab raises, all in plain language."""

from __future__ import annotations

__all__ = ["DataQualityWarning", "ModelWarning", "SurveyError"]


class SurveyError(ValueError):
    """A survey file cannot be used as it is; the message says which file, column and rows, and what to do."""


class DataQualityWarning(UserWarning):
    """Something in the data deserves a look (careless answers, no variance, ...), but the analysis can go on."""


class ModelWarning(UserWarning):
    """A model estimate needs care (no convergence, negative variance, too few respondents, ...)."""
