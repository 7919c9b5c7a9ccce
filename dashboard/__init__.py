"""The PRESENT stage: a Streamlit dashboard (`APP_PATH`, served by `dashboard.serve.serve`) and Excel
reports (`dashboard.report`).

Both read the store through `reviewlens.queries` (with `reviewlens.filters`); nothing here holds SQL.
Import-light on purpose: importing the package does not import Streamlit.
"""

from __future__ import annotations

from pathlib import Path

#: The Streamlit script: `streamlit run APP_PATH` with env REVIEWLENS_DB set.
APP_PATH: Path = Path(__file__).resolve().parent / "app.py"

__all__ = ["APP_PATH"]
