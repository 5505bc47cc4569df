"""The layers of docs/architecture.md, held by import-linter's contracts in pyproject.toml.

engine/ imports no other layer (nor a platform, database or drawing library); storage/ only
engine/; bot/ never an adapter except in the composition root; adapters/ never storage/, and
no adapter another. A new import that crosses a layer fails here, naming the chain.
"""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_keeps_to_its_layer(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "5 kept, 0 broken" in report, report  # every contract ran


def test_the_engine_never_reads_the_clock():
    """Time is passed in (docs/architecture.md): an engine module that reads it could not be tested."""
    readers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "engine").rglob("*.py"))
        if any(call in path.read_text(encoding="utf-8") for call in (".now(", "time.time", "date.today", "monotonic("))
    ]
    assert readers == []
