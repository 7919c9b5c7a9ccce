"""The house's rules, read from the imports (nothing is imported): the stages never import each other or
the commands, and the core (modules directly in reviewlens/) imports no stage and no command."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = {"scraper", "analysis", "dashboard"}
COMMANDS = "reviewlens.app"


def _imports(path: Path, module: str):
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            yield ".".join(base + ([node.module] if node.module else []))


def _broken() -> list[str]:
    out = []
    for top in ("reviewlens", *STAGES):
        for path in sorted((ROOT / top).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            core = module.startswith("reviewlens") and not module.startswith(COMMANDS)
            for name in _imports(path, module):
                first = name.split(".")[0]
                if top in STAGES and first in STAGES - {top}:
                    out.append(f"{module} (a stage) imports another stage: {name}")
                if (top in STAGES or core) and (name == COMMANDS or name.startswith(COMMANDS + ".")):
                    out.append(f"{module} imports a command: {name}")
                if core and first in STAGES:
                    out.append(f"{module} (the core) imports a stage: {name}")
    return out


def test_stages_meet_only_through_the_core():
    assert _broken() == []


def test_the_check_sees_a_broken_rule(tmp_path, monkeypatch):
    """The checker itself: a core module that imports a stage is reported."""
    for d in ("reviewlens", *STAGES):
        (tmp_path / d).mkdir()
        (tmp_path / d / "__init__.py").write_text("")
    (tmp_path / "reviewlens" / "store.py").write_text("from dashboard import report\n")
    (tmp_path / "dashboard" / "app.py").write_text("from reviewlens.app import cli\nimport scraper\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    broken = _broken()
    assert "reviewlens.store (the core) imports a stage: dashboard" in broken
    assert "dashboard.app (a stage) imports another stage: scraper" in broken
    assert "dashboard.app imports a command: reviewlens.app" in broken

