"""A team in a terminal: one person types for every member of a simulated channel.

A line is `@name what they say` (for example `@amira vote 3 4`); a line without `@name` is
said by whoever spoke last. This is the console's only job: turn a line into who said what,
hand the text to Accord's one command grammar, and hand back the messages.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import datetime

from bot.door import Door
from bot.service import Person, Reply, Request
from engine.assessment import Conversation, Identity
from engine.language import _
from engine.presenters import error_message

PLATFORM = "console"


def console_person(name: str, workspace: str = "local") -> Person:
    return Person(Identity(PLATFORM, workspace, name.lower()), name)


class ConsoleTeam:
    """The console's directory of people: everyone in the simulated channel."""

    def __init__(self, people: list[Person]) -> None:
        self.people = list(people)

    def roster(self, conversation: Conversation) -> list[Person]:
        return list(self.people)

    def find(self, conversation: Conversation, mention: str) -> Person | None:
        wanted = mention.lstrip("@").strip().lower()
        if not wanted:
            return None
        exact = [p for p in self.people if wanted in (p.name.lower(), p.identity.user_id)]
        if exact:
            return exact[0]
        starting = [p for p in self.people if p.name.lower().startswith(wanted)]
        return starting[0] if len(starting) == 1 else None

    def names(self) -> str:
        return ", ".join(p.name for p in self.people)


class ConsoleSession:
    def __init__(
        self,
        door: Door,
        team: ConsoleTeam,
        conversation: Conversation,
        clock: Callable[[], datetime],
        speaker: Person | None = None,
    ) -> None:
        self.door = door
        self.team = team
        # A line's key: this session and its line number, so a line is never applied twice and
        # another session's line 1 is not mistaken for this one's.
        self._session = uuid.uuid4().hex
        self._lines = itertools.count(1)
        self.conversation = conversation
        self.clock = clock
        self.speaker = speaker or team.people[0]

    def say(self, line: str) -> Reply:
        line = line.strip()
        if line.startswith("@"):
            mention, _space, rest = line.partition(" ")
            person = self.team.find(self.conversation, mention)
            if person is None:
                return Reply(
                    [
                        error_message(
                            self.speaker.identity,
                            _("There is nobody called {mention} here. The team is {team}.").format(mention=mention, team=self.team.names()),
                        )
                    ]
                )
            self.speaker = person
            line = rest.strip()
            if not line:
                return Reply()
        key = f"console:{self._session}:{next(self._lines)}"
        request = Request(actor=self.speaker, conversation=self.conversation, now=self.clock(), key=key)
        return self.door.handle_text(request, line, self.team)

    def name_of(self, identity: Identity) -> str:
        for person in self.team.people:
            if person.identity == identity:
                return person.name
        return identity.user_id
