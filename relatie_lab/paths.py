"""Where things live: one place for every path the package uses.

The package data (instrument, labels) sits inside the package; the project folders
(``data/raw``, ``data/processed``, ``notebooks``, ``reports``) sit beside it in a checkout.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_DATA = PACKAGE_DIR / "data"
PROJECT_DIR = PACKAGE_DIR.parent
DATA_RAW = PROJECT_DIR / "data" / "raw"
DATA_PROCESSED = PROJECT_DIR / "data" / "processed"
NOTEBOOKS = PROJECT_DIR / "notebooks"
REPORTS = PROJECT_DIR / "reports"

INSTRUMENT_FILE = PACKAGE_DATA / "instrument.yaml"
LABELS_DIR = PACKAGE_DATA / "labels"

DEMO_CSV = DATA_RAW / "demo_survey.csv"
DEMO_SAV = DATA_RAW / "demo_survey.sav"
DEMO_TRUTH = DATA_RAW / "demo_truth.json"

__all__ = [
    "DATA_PROCESSED",
    "DATA_RAW",
    "DEMO_CSV",
    "DEMO_SAV",
    "DEMO_TRUTH",
    "INSTRUMENT_FILE",
    "LABELS_DIR",
    "NOTEBOOKS",
    "PACKAGE_DATA",
    "PACKAGE_DIR",
    "PROJECT_DIR",
    "REPORTS",
]
