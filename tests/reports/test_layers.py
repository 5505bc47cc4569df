"""The new modules keep to the layers: the engine stays pure, storage never reaches into bot."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "engine": ("bot", "storage", "adapters", "sqlmodel", "sqlalchemy", "matplotlib", "slack", "botbuilder"),
    "storage": ("bot", "adapters"),
}


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    found += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    return found


@pytest.mark.parametrize(
    "module",
    ["engine/scoring.py", "engine/comparison.py", "engine/progress.py", "storage/reports.py"]
    + sorted(f"engine/presenters/{p.name}" for p in (ROOT / "engine" / "presenters").glob("*.py")),
)
def test_imports_keep_to_the_layers(module):
    layer = module.split("/")[0]
    bad = [name for name in imports(ROOT / module) if name.split(".")[0] in FORBIDDEN[layer]]
    assert bad == []


@pytest.mark.parametrize("module", ["engine/comparison.py", "engine/progress.py"])
def test_the_engine_never_reads_the_clock(module):
    text = (ROOT / module).read_text(encoding="utf-8")
    assert ".now(" not in text and "time.time" not in text and "date.today" not in text
