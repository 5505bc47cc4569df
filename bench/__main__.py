"""`make bench`: run every benchmark in `bench/` and write `docs/benchmarks.md`.

Each `bench/bench_*.py` module has a `run() -> str` that measures one thing on this machine and
returns a Markdown section with its figures, its target and how it was measured. Benchmarks
live here, not in the test suite: a timed assertion in a test fails on a busy machine and
proves nothing on a fast one.

    python -m bench            every benchmark
    python -m bench slack      only bench/bench_slack.py
"""

from __future__ import annotations

import importlib
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent / "docs" / "benchmarks.md"


def main(argv: list[str]) -> int:
    wanted = set(argv)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if wanted:
        modules = [m for m in modules if m.removeprefix("bench_") in wanted]
    sections = []
    for name in modules:
        print(f"running {name} ...", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        sections.append(module.run().strip())
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    header = (
        "# Benchmarks\n\n"
        f"Written by `make bench` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"Python {platform.python_version()}, {platform.machine()}, "
        f"{_cpus()} CPU cores. Figures are from one run on that machine; each section says how it measures.\n"
    )
    if wanted and OUTPUT.exists():
        sections = _merge(_sections(OUTPUT.read_text(encoding="utf-8")), sections)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(header + "\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


def _sections(markdown: str) -> list[str]:
    """The `## ` sections of an earlier docs/benchmarks.md, without its header."""
    parts = markdown.split("\n## ")
    return ["## " + part.strip() for part in parts[1:]]


def _merge(earlier: list[str], fresh: list[str]) -> list[str]:
    """Keep earlier sections, replacing those measured again (same heading line); new ones last."""
    heading = lambda section: section.splitlines()[0].strip()  # noqa: E731
    replaced = {heading(s): s for s in fresh}
    merged = [replaced.pop(heading(s), s) for s in earlier]
    return merged + [s for s in fresh if heading(s) in replaced]


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
