"""Councils and a hub for the sector benchmark tests.

A council is seeded through the real use cases, as the console plays them: a team of three
(with names and comments nobody else uses) runs the three-question mini framework, the chair
records the agreed answers, and says what kind of council it is. `SCORES` gives each council's
agreed current positions on (evidence, resident-voice, medium-term); the place theme is the mean
of the first two, so the figures of every aggregate can be worked out by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.console.session import ConsoleSession, ConsoleTeam, console_person
from bot.app import build
from bot.config import Config, load_config
from engine.assessment import Conversation
from engine.views import Kind
from storage.secrets import new_key

REPO = Path(__file__).resolve().parents[2]
FRAMEWORK = REPO / "tests" / "slack" / "mini-framework.yaml"
QUESTIONS = ("evidence", "resident-voice", "medium-term")

# Six district councils' agreed current positions: place = 1.5, 2.0, 2.5, 3.0, 3.5, 4.0.
SCORES = ((1, 2, 1), (2, 2, 2), (2, 3, 3), (3, 3, 3), (3, 4, 4), (4, 4, 5))

TEAM = ("Ysolde Featherstonehaugh", "Quennell Ashbury", "Tamsin Ollerenshaw")  # the first chairs
COMMENT = "PRIVATE REMARK about the chief executive"
NOTE = "agreed after NOTE-OF-DISCUSSION"
PERSONAL = (*TEAM, *(name.split()[1] for name in TEAM), "ysolde", "PRIVATE REMARK", "NOTE-OF-DISCUSSION", "leaders")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class Council:
    directory: Path
    config_path: Path
    database_url: str

    def config(self) -> Config:
        return load_config(self.config_path, environ={})


def council_yaml(directory: Path, *, hub_url: str | None = None, token: str | None = None, share_in_yaml: bool = False) -> str:
    lines = [
        "organisation:",
        "  timezone: Europe/London",
        *(["  type: District", "  share: true"] if share_in_yaml else []),
        "database:",
        f"  url: sqlite:///{directory / 'accord.db'}",
        f"  secret_keys: \"{new_key()}\"",
        "frameworks:",
        f"  paths: [{FRAMEWORK}]",
        "  default: mini-council",
        "digests:",
        "  enabled: false",
        "reminders:",
        "  enabled: false",
    ]
    if hub_url:
        lines += ["benchmark:", f"  hub_url: {hub_url}", f"  token: {token}"]
    return "\n".join(lines) + "\n"


def hub_yaml(directory: Path, database_url: str | None = None) -> str:
    url = database_url or f"sqlite:///{directory / 'hub.db'}"
    return (
        "database:\n"
        f"  url: {url}\n"
        "frameworks:\n"
        f"  paths: [{FRAMEWORK}]\n"
        "  default: mini-council\n"
        "benchmark:\n"
        "  hub: true\n"
    )


def make_council(directory: Path, scores: tuple[int, int, int] | None, **settings) -> Council:
    """A council's install: its app.yaml and database, and (given scores) a completed assessment."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "app.yaml"
    path.write_text(council_yaml(directory, **settings), encoding="utf-8")
    council = Council(directory, path, f"sqlite:///{directory / 'accord.db'}")
    if scores is not None:
        seed(council, scores, declare=not settings.get("share_in_yaml"))
    return council


def seed(council: Council, scores: tuple[int, int, int], *, declare: bool = True, finish: bool = True) -> None:
    """The team runs the assessment through the console's use cases; the chair opts in."""
    application = build(council.config())
    clock = [T0]

    def tick() -> datetime:
        clock[0] += timedelta(minutes=1)
        return clock[0]

    team = ConsoleTeam([console_person(name) for name in TEAM])
    mention = [f"@{name.split()[0].lower()}" for name in TEAM]
    session = ConsoleSession(application.door(), team, Conversation("console", "local", "leaders"), tick)

    def say(line: str) -> None:
        reply = session.say(line)
        refused = [m for m in reply.messages if m.kind is Kind.ERROR]
        assert not refused, f"{line!r} was refused: {refused}"

    try:
        chair = mention[0]
        say(f"{chair} start mini-council")
        for index, current in enumerate(scores):
            if not finish and index == len(scores) - 1:
                break
            ambition = min(5, current + 1)
            for someone in mention:
                say(f"{someone} vote {current} {ambition} {COMMENT}")
            say(f"{chair} reveal")
            say(f"{chair} finalise {current} {ambition} {NOTE}")
        if declare:
            say(f"{chair} organisation type district share")
    finally:
        application.database.dispose()


def clean_environment() -> dict[str, str]:
    """The environment for a child `accord`: nothing of ours that would override its app.yaml."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_") and not k.startswith(("SLACK_", "Microsoft"))}
