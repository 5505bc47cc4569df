"""`accord chat`: an interactive console where one person plays every member of a team.

Everything a Slack or Teams channel would show appears here, with private messages marked
with the one person who would see them. `export` writes the report (Markdown and charts);
`quit` leaves. The assessment is kept in the configured database, so a later chat in the same
place carries on where this one stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from adapters.console.render import TRY_IN_TEAMS, ConsoleRenderer
from adapters.console.session import ConsoleSession, ConsoleTeam, console_person
from bot.charts import ChartRenderer, chart_filename
from bot.door import Door
from engine.assessment import Conversation
from engine.language import _
from engine.views import Chart

QUIT = {"quit", "exit", ":q", "bye"}
CONVERSATION = Conversation("console", "local", "chat")


def run_chat(
    door: Door,
    names: list[str],
    stdin: TextIO,
    out: TextIO,
    output_dir: Path,
    clock: Callable[[], datetime],
) -> None:
    team = ConsoleTeam([console_person(name) for name in names])
    session = ConsoleSession(door, team, CONVERSATION, clock)
    charts = ChartRenderer()

    def save_chart(chart: Chart) -> Path:
        output_dir.mkdir(parents=True, exist_ok=True)
        path = output_dir / chart_filename(chart)
        path.write_bytes(charts.render(chart))
        return path

    renderer = ConsoleRenderer(chart_sink=save_chart, names=session.name_of)
    interactive = stdin.isatty()
    print(_("Accord chat. The team: {team}. You are speaking as {name}.").format(team=team.names(), name=session.speaker.name), file=out)
    print(_("Type `@name command` to speak as someone, e.g. `@sam start`, `@amira vote 3 4`, `@sam reveal`,"), file=out)
    print(_("`@sam finalise 3 4 agreed after discussion`. `help` lists every command; `quit` leaves.") + "\n", file=out)
    while True:
        if interactive:
            print(f"{session.speaker.name}> ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() in QUIT:
            break
        if not interactive:
            print(f"» {line}", file=out)
        reply = session.say(line)
        for message in reply.messages:
            text = renderer.render(message)
            if text:
                print(text + "\n", file=out)
        fmt = _export_format(line)
        if reply.ok and fmt is not None and reply.assessment is not None:
            # The one export every surface gives (`bot.export.export_report`).
            export = door.export_now(reply.assessment.id, fmt, session.speaker.identity)
            output_dir.mkdir(parents=True, exist_ok=True)
            path = output_dir / export.filename
            path.write_bytes(export.content)
            print(_("Report written to {path}.").format(path=path) + "\n", file=out)
    print(_("Goodbye. The assessment is saved; `accord chat` again carries on."), file=out)
    print(_(TRY_IN_TEAMS), file=out)


def _export_format(line: str) -> str | None:
    """The format asked for when the line is an export, else None."""
    words = line.split()
    if words and words[0].startswith("@"):
        words = words[1:]
    if not words or words[0].lower().lstrip("/") not in ("export", "report"):
        return None
    return words[1].lower() if len(words) > 1 else "markdown"
