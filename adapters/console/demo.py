"""`accord demo`: a simulated leadership team runs a whole assessment in the terminal.

Six people, one of them the super-user, work through every question of the framework on
SQLite, through exactly the same commands a person types in `accord chat`. Their votes are
seeded and varied on purpose: on some questions the team agrees, on some views are spread,
on some it splits into two camps, so every verdict of the disagreement measures shows up.
The channel's view is printed as it happens (progress counts, never who voted what); on the
second question the super-user chases the last two voters with `remind`, and the private
reminders they get are shown. The run ends with the scored summary and a report, an HTML page
for a board paper plus Markdown and PNG charts, written to disk.

The team meets today at half past nine where the organisation is (`demo_start`), one action a
minute, so the report is dated the day the demo ran; the seed alone decides the votes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TextIO

from adapters.console.render import TRY_IN_TEAMS, ConsoleRenderer
from adapters.console.session import ConsoleSession, ConsoleTeam, console_person
from bot.door import Door
from bot.report import ReportContext
from bot.service import Reply
from engine.assessment import Conversation
from engine.language import N_, _
from engine.views import Kind

TEAM = (  # names, and their roles marked for the catalogue (said in the demo's language)
    ("Sam", N_("Chief Executive")),
    ("Amira", N_("Director of Finance")),
    ("Bea", N_("Leader of the Council")),
    ("Chidi", N_("Director of Place")),
    ("Dev", N_("Director of People and Change")),
    ("Erin", N_("Cabinet Member for Resources")),
)
SUPER_USER = "Sam"
MEETING = time(9, 30)  # the team meets at half past nine, local time


def demo_start(today: date, zone: tzinfo) -> datetime:
    """When the simulated meeting starts: `today` at half past nine where the organisation is."""
    return datetime.combine(today, MEETING, tzinfo=zone).astimezone(timezone.utc)

AGREE, SPREAD, SPLIT = "agree", "spread", "split"

NOTES = {
    SPREAD: [
        "agreed after hearing the evidence from both ends",
        "settled on the middle view; revisit with the new data",
        "the directors' evidence moved the room",
    ],
    SPLIT: [
        "members and officers see this differently; agreed to test it with partners",
        "split between front line and corporate view; agreed the lower score for now",
        "agreed after a frank discussion of the last audit",
    ],
}


@dataclass
class DemoClock:
    """Simulated time: each action happens a minute after the last, so runs are reproducible."""

    now: datetime

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def plan_patterns(count: int, rng: random.Random) -> list[str]:
    """Mostly agreement, with spread and split questions mixed in; each appears at least twice."""
    spread = max(2, count // 4)
    split = max(2, count // 5)
    patterns = [SPREAD] * spread + [SPLIT] * split
    patterns += [AGREE] * max(2, count - len(patterns))
    rng.shuffle(patterns)
    return patterns[:count]


def simulate_votes(pattern: str, size: int, low: int, high: int, rng: random.Random) -> list[tuple[int, int]]:
    """Votes (current, ambition) for one question following a pattern of agreement."""

    def clip(value: int) -> int:
        return max(low, min(high, value))

    if pattern == AGREE:
        base = rng.choice([2, 3, 3, 4])
        offset = rng.choice([1, -1])  # one or two people a point away, all on the same side
        currents = [clip(base + rng.choice([0, 0, 0, 0, 0, offset])) for _draw in range(size)]
    elif pattern == SPREAD:
        base = rng.choice([2, 3, 3])
        currents = [clip(base + offset) for offset in rng.sample([-2, -1, 0, 0, 1, 1, 2], size)]
    else:
        lower = size // 2
        currents = [rng.choice([low, low + 1]) for _draw in range(lower)]
        currents += [rng.choice([high - 1, high]) for _draw in range(size - lower)]
        rng.shuffle(currents)
    return [(c, clip(c + rng.choice([0, 1, 1, 1, 2]))) for c in currents]


class DemoPrinter:
    """Prints what the channel sees; private messages only where the demo means to show them."""

    def __init__(self, out: TextIO, renderer: ConsoleRenderer) -> None:
        self.out = out
        self.renderer = renderer

    def show(self, reply: Reply, *, private: bool = False) -> None:
        for message in reply.messages:
            if message.is_private and not private:
                continue
            text = self.renderer.render(message)
            if text:
                print(text, file=self.out)
            if message.kind is not Kind.QUESTION or not text.lstrip().startswith("↻"):
                print(file=self.out)

    def say(self, line: str) -> None:
        print(f"  » {line}", file=self.out)


def run_demo(
    door: Door,
    out: TextIO,
    output_dir: Path,
    write_report: Callable[..., object],
    seed: int = 2026,
    renderer: ConsoleRenderer | None = None,
    *,
    start: datetime,
    zone: tzinfo = timezone.utc,
) -> Reply:
    """The whole assessment from `start` (see `demo_start`); dates in the report are read in `zone`."""
    rng = random.Random(seed)
    people = [console_person(name, "demo-council") for name, _role in TEAM]
    team = ConsoleTeam(people)
    super_user = people[0]
    conversation = Conversation("console", "demo-council", "leadership-team")
    clock = DemoClock(start)
    session = ConsoleSession(door, team, conversation, clock, speaker=super_user)
    renderer = renderer or ConsoleRenderer(names=session.name_of)
    printer = DemoPrinter(out, renderer)

    print(_("Accord demo: a council's leadership team assesses itself in a simulated channel."), file=out)
    team_names = ", ".join(f"{name} ({_(role)})" for name, role in TEAM)
    print(_("Team: {team}. {name} is the super-user.").format(team=team_names, name=SUPER_USER), file=out)
    print(_("Votes are private: the channel only ever sees how many have voted, then the anonymous spread.") + "\n", file=out)

    printer.say(f"@{SUPER_USER.lower()} start")
    reply = session.say(f"@{SUPER_USER.lower()} start")
    printer.show(reply)
    if not reply.ok:
        printer.show(reply, private=True)
        return reply

    framework = reply.assessment.framework
    scale = framework.scale
    patterns = plan_patterns(len(framework.question_ids), rng)
    voters = list(people)
    final = reply
    for index, pattern in enumerate(patterns):
        if index == 0:
            _show_refusals(session, printer, scale.maximum)
        votes = simulate_votes(pattern, len(voters), scale.minimum, scale.maximum, rng)
        order = list(zip(voters, votes))
        rng.shuffle(order)
        for position, (person, (current, ambition)) in enumerate(order):
            reply = session.say(f"@{person.name.lower()} vote {current} {ambition}")
            printer.show(reply)
            if position == 0 and index % 7 == 3:
                # Someone thinks again before the reveal: the change is private too.
                reply = session.say(f"@{person.name.lower()} vote {current} {min(scale.maximum, ambition + 1)}")
                printer.show(reply)
            if index == 1 and position == len(order) - 3:
                # Two still to vote: the super-user chases them now, as the scheduler would later.
                printer.say(f"@{SUPER_USER.lower()} remind   (each member who has not voted is reminded privately)")
                printer.show(session.say(f"@{SUPER_USER.lower()} remind"), private=True)
        if index == 2:
            printer.say(f"@{SUPER_USER.lower()} who   (only {SUPER_USER} sees the answer)")
            printer.show(session.say(f"@{SUPER_USER.lower()} who"), private=True)
        printer.say(f"@{SUPER_USER.lower()} reveal")
        reply = session.say(f"@{SUPER_USER.lower()} reveal")
        printer.show(reply)
        if pattern == AGREE:
            command = "finalise"
        else:
            proposal = reply.assessment.focus_round.proposal
            current = proposal.current if pattern == SPREAD else max(scale.minimum, proposal.current - 1)
            ambition = max(current, proposal.ambition)
            command = f"finalise {current} {ambition} {rng.choice(NOTES[pattern])}"
        printer.say(f"@{SUPER_USER.lower()} {command}")
        final = session.say(f"@{SUPER_USER.lower()} {command}")
        printer.show(final)
        if not final.ok:
            printer.show(final, private=True)
            return final

    assessment = final.assessment
    files = write_report(assessment, output_dir, context=ReportContext(timezone=zone, generated_at=clock()))
    print(_("Report written to {html} (for a board paper) and {markdown}").format(html=files.html, markdown=files.markdown), file=out)
    print(_("Charts: {files}").format(files=", ".join(str(path) for path in files.images)), file=out)
    print(_(TRY_IN_TEAMS), file=out)
    return final


def _show_refusals(session: ConsoleSession, printer: DemoPrinter, maximum: int) -> None:
    """Two mistakes people make, and what they are told (privately); nothing changes."""
    for line in ("@amira reveal", f"@bea vote {maximum + 2} 4"):
        printer.say(line + "   (a mistake: only the person who typed it sees the answer)")
        printer.show(session.say(line), private=True)
