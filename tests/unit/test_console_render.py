"""The terminal's charts: labels, bars and counts each keep their own room."""

from __future__ import annotations

from adapters.console.render import BAR, ConsoleRenderer
from engine.views import CHANNEL, Chart, ChartKind, Kind, Message, Series

LEVELS = ("1 Emerging", "2 Developing", "3 Established", "4 Advanced", "5 Leading")


def _rows(current, ambition) -> list[str]:
    chart = Chart(ChartKind.DISTRIBUTION, "How the team voted", LEVELS, (Series("Current", current), Series("Ambition", ambition)), "alt", 1, 5)
    text = ConsoleRenderer(width=100).render(Message(kind=Kind.REVEAL, audience=CHANNEL, heading="Votes", charts=(chart,)))
    return [line for line in text.splitlines() if any(line.strip().startswith(level) for level in LEVELS)]


def test_the_longest_label_is_kept_apart_from_its_bar():
    rows = _rows((0.0, 1.0, 2.0, 3.0, 0.0), (0.0, 0.0, 1.0, 3.0, 2.0))
    established = next(row for row in rows if "3 Established" in row)
    assert f"3 Established  {BAR * 2} 2" in established
    assert f"Established{BAR}" not in "".join(rows)


def test_a_long_bar_does_not_run_into_the_next_column():
    rows = _rows((0.0, 0.0, 14.0, 1.0, 0.0), (0.0, 0.0, 0.0, 15.0, 0.0))
    established, advanced = (next(row for row in rows if level in row) for level in ("3 Established", "4 Advanced"))
    assert f"{BAR * 14} 14  " in established  # room before the next column
    # Both series start in the same column on every row.
    assert established.index("·") == advanced.index(BAR * 15)
