"""The language a message is written in: Welsh, English, or both (issue 19).

Every word a person reads goes through `_` (or `ngettext` where a number changes the words), so
one message catalogue per language (bot/locale, gettext, compiled with Babel) holds them all.
The engine stays pure: it never loads a catalogue. The application says which catalogue is
speaking, for the whole of a piece of work (`speaking`), and the presenters ask `_` for words.

Who reads which language is decided in one place (`Languages`): a person's own choice
(`language cy`), else what their platform says (Slack's user locale, Teams' activity locale),
else the organisation's (`organisation.language` in app.yaml); the channel reads the
organisation's, and a bilingual organisation's channel reads Welsh first, then English.

The engine may import Babel's pure formatting functions (babel.dates, babel.numbers): they read
CLDR's data for a locale, no clock, file of ours or network, so dates and figures stay pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

__all__ = [
    "BILINGUAL",
    "ENGLISH",
    "LANGUAGES",
    "WELSH",
    "Catalogue",
    "Languages",
    "NC_",
    "N_",
    "_",
    "babel_locale",
    "language_of_locale",
    "ngettext",
    "pgettext",
    "speaking",
    "speaking_language",
]

ENGLISH = "en"
WELSH = "cy"
BILINGUAL = "bilingual"  # an organisation's channel setting only: Welsh first, then English
LANGUAGES = (ENGLISH, WELSH)  # a person reads one


class Catalogue(Protocol):
    """What gettext's translations offer (babel.support.Translations is one)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...

    def pgettext(self, context: str, message: str) -> str: ...


class _English:
    """The words as written in the code: English needs no catalogue."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    def pgettext(self, context: str, message: str) -> str:
        return message


@dataclass(frozen=True)
class _Speaking:
    language: str
    catalogue: Catalogue


_current: ContextVar[_Speaking] = ContextVar("accord_language", default=_Speaking(ENGLISH, _English()))

# The application registers how to find a language's catalogue (bot.i18n); until it does, and for
# English, the words are the code's own.
_catalogues: dict[str, Catalogue] = {ENGLISH: _English()}


def register_catalogue(language: str, catalogue: Catalogue) -> None:
    _catalogues[language] = catalogue


def _(message: str) -> str:
    """The message in the language now speaking."""
    return _current.get().catalogue.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The message for n in the language now speaking (Welsh has six plural forms, CLDR's)."""
    return _current.get().catalogue.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """The message in the language now speaking, where the same English word means another thing
    elsewhere ("finalised": a round's state, and what someone did in the audit trail)."""
    return _current.get().catalogue.pgettext(context, message)


def NC_(context: str, message: str) -> tuple[str, str]:
    """`N_` with a context: shown with `pgettext(*marked)`."""
    return context, message


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; `_` translates it where it is shown."""
    return message


def speaking_language() -> str:
    return _current.get().language


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Everything said inside is in `language` (English when no catalogue is registered for it)."""
    token = _current.set(_Speaking(language, _catalogues.get(language, _catalogues[ENGLISH])))
    try:
        yield
    finally:
        _current.reset(token)


def speak(language: str) -> None:
    """From now until the enclosing `speaking` block ends, say everything in `language`.

    For a language learnt part-way through a piece of work (the asker's, once their profile is
    read in the command's own transaction); the block's end restores what was spoken before it.
    """
    _current.set(_Speaking(language, _catalogues.get(language, _catalogues[ENGLISH])))


# The CLDR locale each language's dates and numbers are written in (British conventions).
_BABEL_LOCALES = {ENGLISH: "en_GB", WELSH: "cy_GB"}


def babel_locale() -> str:
    """The locale Babel formats dates and numbers in for the language now speaking."""
    return _BABEL_LOCALES.get(speaking_language(), "en_GB")


T = TypeVar("T")


def in_language(language: str, make: Callable[[], T]) -> T:
    with speaking(language):
        return make()


def language_of_locale(locale: str | None) -> str | None:
    """`cy`, `cy-GB`, `cy_GB` (Teams', Slack's) -> "cy"; a locale we do not speak -> None."""
    if not locale:
        return None
    primary = locale.replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


@dataclass(frozen=True)
class Languages:
    """Who reads which language: the one rule, for the presenters and the application.

    `organisation` is en, cy or bilingual; `chosen` the people's own choices (`language cy`);
    `platform` what their platform said (their locale), used when they chose nothing.
    """

    organisation: str = ENGLISH
    chosen: Mapping[str, str] = field(default_factory=dict)  # identity key -> en | cy
    platform: Mapping[str, str] = field(default_factory=dict)

    def of_person(self, identity_key: str) -> tuple[str, ...]:
        """The languages a private message to this person is written in, in order."""
        own = self.chosen.get(identity_key) or self.platform.get(identity_key)
        return (own,) if own else self.of_channel()

    def of_channel(self) -> tuple[str, ...]:
        """The languages a channel message is written in, in order: Welsh first when bilingual."""
        return (WELSH, ENGLISH) if self.organisation == BILINGUAL else (self.organisation,)
