"""Make `import dashboard` mean the project's package, not this tests folder.

Without __init__.py files, pytest puts tests/ on sys.path, and tests/dashboard/ then shadows the
real `dashboard` package as a namespace package. Put the repository root first and drop any such
namespace module imported before.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if sys.path[:1] != [str(ROOT)]:
    sys.path.insert(0, str(ROOT))
for name in [m for m in sys.modules if m == "dashboard" or m.startswith("dashboard.")]:
    if getattr(sys.modules[name], "__file__", None) is None:
        del sys.modules[name]
