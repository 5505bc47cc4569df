"""Plain-text rendering of Accord's neutral messages, for a terminal.

The console is the third renderer of the same `Message` the Slack and Teams adapters render.
A channel message is printed as the channel would see it; a private message is marked with
the one person who would see it. A question's message that was already printed is "updated
in place" by printing only its new progress line, as a chat client would edit it.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

from engine.language import N_, _
from engine.views import Button, Chart, ChartKind, ChoiceInput, Kind, Message

BAR = "█"
RULE = "─"
GAP = 2  # spaces between a label and its bar, and between columns

# Said at the end of the demo and of `accord chat`: the next step after the terminal.
TRY_IN_TEAMS = N_(  # translated where shown
    "To try it in Microsoft Teams on this machine: ACCORD_TEAMS_LOCAL=1 accord serve, "
    "then the Agents Playground (docs/teams.md, \"Try it on your machine\")."
)

ChartSink = Callable[[Chart], Path]


class ConsoleRenderer:
    def __init__(
        self,
        width: int | None = None,
        chart_sink: ChartSink | None = None,
        names: Callable[[object], str] | None = None,
    ) -> None:
        self.width = width or min(100, shutil.get_terminal_size((96, 24)).columns)
        self.chart_sink = chart_sink
        self.names = names or (lambda identity: getattr(identity, "user_id", "someone"))
        self._shown_keys: set[str] = set()

    def render(self, message: Message) -> str:
        if message.key is not None and message.key in self._shown_keys and message.kind is Kind.QUESTION:
            return self._indent(f"↻ {message.footer}") if message.footer else ""
        if message.key is not None:
            self._shown_keys.add(message.key)
        lines: list[str] = []
        if message.is_private:
            lines.append("🔒 " + _("only {name} sees this").format(name=self.names(message.audience.person)))
        lines.append(self._heading(message.heading))
        for paragraph in message.text:
            lines += self._wrap(paragraph)
        if message.fields:
            lines += self._fields(message)
        for chart in message.charts:
            lines += self._chart(chart)
        if message.links:
            lines.append(self._indent(_("Resources:")))
            for link in message.links:
                kind = f" ({link.kind})" if link.kind else ""
                lines += self._wrap(f"• {link.title}{kind}: {link.url}", indent=4)
        lines += self._hints(message.inputs, message.buttons)
        if message.footer:
            lines += self._wrap(message.footer)
        return "\n".join(lines)

    # ------------------------------------------------------------------ pieces

    def _heading(self, text: str) -> str:
        title = f"{RULE * 2} {text} "
        return title + RULE * max(2, self.width - len(title))

    def _indent(self, text: str, indent: int = 2) -> str:
        return " " * indent + text

    def _wrap(self, text: str, indent: int = 2) -> list[str]:
        return textwrap.wrap(
            text,
            width=self.width,
            initial_indent=" " * indent,
            subsequent_indent=" " * (indent + 2),
            break_long_words=False,  # a web address must stay whole to be clicked
            break_on_hyphens=False,
        ) or [""]

    def _fields(self, message: Message) -> list[str]:
        label_width = min(max(len(f.label) for f in message.fields), 50)
        lines = []
        for field in message.fields:
            label = field.label.ljust(label_width)
            wrapped = textwrap.wrap(field.value, width=max(30, self.width - label_width - 6), break_on_hyphens=False) or [""]
            lines.append(f"  {label}  {wrapped[0]}")
            lines += [" " * (label_width + 4) + more for more in wrapped[1:]]
        return lines

    def _hints(self, inputs: tuple, buttons: tuple[Button, ...]) -> list[str]:
        actions = {b.action for b in buttons}
        if "vote" in actions and any(isinstance(i, ChoiceInput) for i in inputs):
            scale = next(i for i in inputs if isinstance(i, ChoiceInput)).options
            low, high = scale[0].value, scale[-1].value
            return self._wrap(
                _("Vote privately: vote <now {low}-{high}> <in 18-24 months {low}-{high}> [comment]").format(low=low, high=high)
            )
        return []

    def _chart(self, chart: Chart) -> list[str]:
        lines = [self._indent(chart.title + ":")]
        if chart.kind is ChartKind.DISTRIBUTION:
            lines += self._distribution(chart)
        else:
            lines += self._bars(chart)
        if self.chart_sink is not None:
            path = self.chart_sink(chart)
            lines.append(self._indent(_("(chart saved to {path})").format(path=path)))
        return lines

    def _distribution(self, chart: Chart) -> list[str]:
        """Votes per point as rows of bars: the label, a gap, then each series' bar and count.

        Every column is as wide as its longest bar and count plus a gap, so a label never runs
        into its bar and a long bar never into the next series.
        """
        label_width = max((len(c) for c in chart.categories), default=0)
        counts = [[int(v or 0) for v in s.values] for s in chart.series]
        cells = [[BAR * n + f" {n}" if n else "·" for n in series] for series in counts]
        widths = [max([len(s.name), *(len(cell) for cell in column)]) + GAP for s, column in zip(chart.series, cells)]
        indent = " " * 4
        header = indent + " " * (label_width + GAP) + "".join(s.name.ljust(w) for s, w in zip(chart.series, widths))
        lines = [header.rstrip()]
        for index, category in enumerate(chart.categories):
            row = "".join(column[index].ljust(width) for column, width in zip(cells, widths))
            lines.append((indent + category.ljust(label_width) + " " * GAP + row).rstrip())
        return lines

    def _bars(self, chart: Chart) -> list[str]:
        label_width = min(max(len(c) for c in chart.categories), 50)
        lines = []
        span = max(chart.scale_max, 1)
        for index, category in enumerate(chart.categories):
            parts = []
            for series in chart.series:
                value = series.values[index]
                if value is None:
                    parts.append(f"{series.name} -")
                    continue
                length = round(20 * value / span)
                parts.append(f"{BAR * max(length, 0)} {value:.1f}" if len(chart.series) == 1 else f"{series.name} {value:.1f}")
            lines.append(f"    {category[:label_width].ljust(label_width)}  " + "   ".join(parts))
        return lines
