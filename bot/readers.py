"""Who reads which language, for one piece of work: the one helper that picks a message's language.

A use case builds each message with `Readers.say(profiles, make)`: `make` (a presenter call) is
run once to learn who the message is for, then once per language its readers read, inside
`engine.language.speaking`, and the versions joined Welsh first (`engine.presenters.bilingual`).
The rule of who reads what is `engine.language.Languages`: a person's own choice (`language cy`),
else their platform's locale, else the organisation's; the channel reads the organisation's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from engine.assessment import Identity
from engine.language import Languages, in_language, language_of_locale
from engine.presenters.bilingual import in_languages
from engine.views import Audience, Message
from storage.profiles import ProfileRepository


@dataclass
class Readers:
    organisation: str  # en, cy or bilingual (app.yaml's organisation.language)
    asker: Identity | None = None
    asker_locale: str | None = None  # what the platform said with this request (Teams' activity locale)
    _chosen: dict[str, str] = field(default_factory=dict)
    _platform: dict[str, str] = field(default_factory=dict)
    _looked_up: set[Identity] = field(default_factory=set)

    def __post_init__(self) -> None:
        # What the platform said with the request counts before the asker's profile is read.
        platform = language_of_locale(self.asker_locale)
        if self.asker is not None and platform:
            self._platform[self.asker.key] = platform

    def learn(self, profiles: ProfileRepository, person: Identity) -> None:
        """What the profiles say about this person's language, once per piece of work."""
        if person not in self._looked_up:
            self.know(person, profiles.get(person))

    def know(self, person: Identity, profile: object | None) -> None:
        """This person's profile, already read (with the others', in one query), or None."""
        self._looked_up.add(person)
        chosen = getattr(profile, "language", None)
        platform = language_of_locale(self.asker_locale) if person == self.asker else None
        platform = platform or language_of_locale(getattr(profile, "locale", None))
        if chosen:
            self._chosen[person.key] = chosen
        if platform:
            self._platform[person.key] = platform

    def learn_choice(self, person: Identity, language: str) -> None:
        """A choice made in this piece of work (`language cy`) counts at once."""
        self._chosen[person.key] = language
        self._looked_up.add(person)

    @property
    def knows_asker(self) -> bool:
        return self.asker in self._looked_up

    def asker_languages(self) -> tuple[str, ...]:
        """The language(s) the asker reads, Welsh first when two, as far as is known now."""
        return self.languages.of_person(self.asker.key) if self.asker else self.languages.of_channel()

    def asker_language(self) -> str:
        """The first of them: what the asker is answered in while one language is being spoken."""
        return self.asker_languages()[0]

    @property
    def languages(self) -> Languages:
        return Languages(self.organisation, self._chosen, self._platform)

    def of(self, profiles: ProfileRepository | None, audience: Audience) -> tuple[str, ...]:
        if audience.is_channel:
            return self.languages.of_channel()
        if profiles is not None:
            self.learn(profiles, audience.person)
        return self.languages.of_person(audience.person.key)

    def say(self, profiles: ProfileRepository | None, make: Callable[[], Message]) -> Message:
        """The message `make` builds, in the language(s) of whoever it is for.

        Presenters are pure and cheap, so the message is built first in the channel's language,
        which says who it is for; it is built again only when its reader reads another.
        """
        guess = self.languages.of_channel()[0]
        first = in_language(guess, make)
        languages = self.of(profiles, first.audience)
        if languages == (guess,):
            return replace(first, languages=languages)
        return in_languages(languages, make)
