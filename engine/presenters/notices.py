"""Messages that are only words: an error for the person who asked, and a notice."""

from __future__ import annotations

from engine.assessment import Identity
from engine.language import _
from engine.views import CHANNEL, Kind, Message, only


def error_message(person: Identity, text: str) -> Message:
    return Message(kind=Kind.ERROR, audience=only(person), heading=_("That did not work"), text=(text,))


def notice(person: Identity | None, heading: str, *text: str) -> Message:
    return Message(kind=Kind.NOTICE, audience=only(person) if person else CHANNEL, heading=heading, text=tuple(text))
