"""pytest set-up shared by the tests and the doctests in the package."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
