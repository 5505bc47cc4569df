"""Who reads which language, through the use cases (issue 19 item 2), over the fake unit of work.

`language cy` makes Accord write to that person in Welsh: their vote is confirmed in Welsh while
the channel keeps the organisation's language. A bilingual organisation's channel reads Welsh
first, then English; a Welsh organisation's, Welsh.
"""

from __future__ import annotations

import itertools

import pytest

from bot import commands as grammar
from bot import i18n
from bot.catalogue import FrameworkCatalogue
from bot.service import Accord, Person, Reply, Request
from engine.assessment import Conversation
from engine.presenters.bilingual import DIVIDER
from engine.views import Kind
from tests.unit.conftest import ANA, BEN, CAI, NAMES, SAM, at, tiny_framework
from tests.unit.fake_unit_of_work import FakeUnitOfWork, Store
from tests.unit.test_services import Team

CHANNEL = Conversation("slack", "T-council", "C-leadership")


@pytest.fixture(autouse=True, scope="module")
def catalogues() -> None:
    i18n.install()


def accord_in(language: str, store: Store) -> Accord:
    ids = itertools.count(1)
    return Accord(
        lambda read_only=False: FakeUnitOfWork(store, read_only=read_only),
        FrameworkCatalogue({"tiny": tiny_framework()}, "tiny"),
        new_id=lambda: f"assessment-{next(ids)}",
        queued_platforms=frozenset({"slack"}),
        language=language,
    )


def say(accord: Accord, who, text: str, *, minutes: float = 1, locale: str | None = None) -> Reply:
    request = Request(Person(who, NAMES[who]), CHANNEL, at(minutes), locale=locale)
    return accord.handle(request, grammar.parse(text), Team(SAM, ANA, BEN, CAI))


def test_language_cy_then_a_vote_is_confirmed_in_welsh_and_the_channel_stays_english():
    store = Store()
    accord = accord_in("en", store)
    say(accord, SAM, "start")
    chose = say(accord, ANA, "language cy", minutes=2)
    assert chose.answers(ANA)[0].heading == "Mae Accord yn ysgrifennu atoch yn Gymraeg"
    reply = say(accord, ANA, "vote 3 4", minutes=3)
    confirmation = reply.answers(ANA)[0]
    assert confirmation.kind is Kind.VOTE_RECORDED
    assert confirmation.heading == "Rydym wedi cofnodi eich pleidlais ar gwestiwn 1.1"
    assert confirmation.text[0].startswith("Sefyllfa bresennol 3 (Established), uchelgais 4 (Advanced).")
    assert reply.language == "cy"
    progress = next(m for m in reply.messages if m.kind is Kind.QUESTION)
    assert progress.footer == "1 of 4 have voted."  # the channel reads the organisation's English
    # Someone who chose nothing reads the organisation's language.
    assert say(accord, BEN, "vote 2 4", minutes=4).answers(BEN)[0].heading == "We recorded your vote on question 1.1"


def test_language_en_takes_a_person_back_to_english_and_a_bare_language_says_which():
    store = Store()
    accord = accord_in("cy", store)
    assert say(accord, ANA, "language").messages[0].heading == "Mae Accord yn ysgrifennu atoch yn Gymraeg"
    assert say(accord, ANA, "language en").messages[0].heading == "Accord writes to you in English"
    assert say(accord, ANA, "language").messages[0].heading == "Accord writes to you in English"


def test_a_wrong_language_is_refused_with_the_ones_there_are():
    with pytest.raises(grammar.CommandError, match="language cy"):
        grammar.parse("language fr")
    assert grammar.parse("iaith cy") == grammar.Language("cy")
    assert grammar.parse("language cy-GB") == grammar.Language("cy")


def test_the_platforms_locale_counts_until_the_person_chooses():
    store = Store()
    accord = accord_in("en", store)
    say(accord, SAM, "start")
    welsh = say(accord, ANA, "vote 3 4", minutes=2, locale="cy-GB").answers(ANA)[0]
    assert welsh.heading == "Rydym wedi cofnodi eich pleidlais ar gwestiwn 1.1"
    say(accord, ANA, "language en", minutes=3, locale="cy-GB")
    english = say(accord, ANA, "vote 2 4", minutes=4, locale="cy-GB").answers(ANA)[0]
    assert english.heading == "We changed your vote on question 1.1"


def test_a_bilingual_organisations_channel_reads_welsh_first_then_english():
    store = Store()
    accord = accord_in("bilingual", store)
    started = say(accord, SAM, "start")
    question = next(m for m in started.messages if m.kind is Kind.QUESTION)
    assert question.heading.startswith("Cwestiwn 1.1 (1 o 4) · Money / Question 1.1 (1 of 4) · Money")
    assert question.buttons[0].label == "Pleidleisio / Vote"  # one button, both words
    assert question.inputs[0].label == "Ble rydym ni nawr? / Where are we now?"
    for voter, minutes in ((SAM, 2), (ANA, 3), (BEN, 4), (CAI, 5)):
        say(accord, voter, "vote 3 4", minutes=minutes)
    revealed = say(accord, SAM, "reveal", minutes=6)
    reveal = next(m for m in revealed.messages if m.kind is Kind.REVEAL)
    assert reveal.heading.index("Pleidleisiau wedi'u datgelu") < reveal.heading.index("Votes revealed")
    assert DIVIDER in reveal.text
    welsh, english = reveal.text[: reveal.text.index(DIVIDER)], reveal.text[reveal.text.index(DIVIDER) + 1 :]
    assert any(t.startswith("Cytundeb cyffredinol.") for t in welsh)
    assert any(t.startswith("Broad agreement.") for t in english)
    # What was queued for the channel is the bilingual message itself.
    assert any("Pleidleisiau wedi'u datgelu" in q.message.heading for q in store.outbox)


def test_a_welsh_organisation_writes_its_channel_and_dates_in_welsh():
    from datetime import datetime

    from engine.language import speaking
    from engine.presenters import long_date

    with speaking("cy"):
        assert long_date(datetime(2026, 12, 2)) == "2 Rhagfyr 2026"
    assert long_date(datetime(2026, 12, 2)) == "2 December 2026"
    store = Store()
    started = say(accord_in("cy", store), SAM, "start")
    question = next(m for m in started.messages if m.kind is Kind.QUESTION)
    assert question.heading == "Cwestiwn 1.1 (1 o 4) · Money"
    assert question.footer == "0 o 4 wedi pleidleisio."


def test_a_mistyped_vote_is_explained_in_the_persons_language():
    store = Store()
    accord = accord_in("en", store)
    from bot.door import _refused

    say(accord, ANA, "language cy")
    request = Request(Person(ANA, NAMES[ANA]), CHANNEL, at(2))
    refused = _refused(accord, request, "vote 3 lots")
    assert refused.messages[0].text[0].startswith("Dylai'r uchelgais fod yn rhif cyfan, nid 'lots'")
    english = _refused(accord, Request(Person(BEN, NAMES[BEN]), CHANNEL, at(2)), "vote 3 lots")
    assert english.messages[0].text[0].startswith("The ambition should be a whole number, not 'lots'")


def test_mistakes_in_the_schedule_deadline_and_start_grammar_are_explained_in_welsh():
    store = Store()
    accord = accord_in("cy", store)
    from bot.door import _refused

    request = Request(Person(ANA, NAMES[ANA]), CHANNEL, at(2))
    said = {text: _refused(accord, request, text).messages[0].text[0] for text in ("deadline soon", "schedule max lots", "start at 10:00")}
    assert said["deadline soon"].startswith("Ni allaf ddarllen 'soon' fel amser: er enghraifft `deadline 2d`")
    assert said["schedule max lots"].startswith("Rhowch y nifer mwyaf o nodiadau atgoffa")
    assert said["start at 10:00"].startswith("Rhowch y diwrnod yn ogystal â'r amser")


def test_a_chosen_language_holds_for_answers_that_read_nothing_else():
    """Help reads no assessment and a wrong export format is refused before anything is read:
    both still answer in the language the person chose, not the organisation's."""
    store = Store()
    accord = accord_in("en", store)
    say(accord, SAM, "start")
    say(accord, ANA, "language cy", minutes=2)
    helped = say(accord, ANA, "help", minutes=3)
    refused = say(accord, ANA, "export pdf", minutes=4)
    assert helped.language == "cy" and refused.language == "cy"
    assert helped.messages[0].heading == "Beth gallwch ei ddweud wrth Accord"
    assert refused.messages[0].text == ("Gallaf allforio'r adroddiad fel html, csv, json neu markdown, nid 'pdf'.",)
    assert say(accord, BEN, "help", minutes=5).messages[0].heading == "What you can say to Accord"


def test_a_refusal_to_someone_who_reads_both_languages_is_in_both_welsh_first():
    """In a bilingual organisation a member who chose nothing (and whose platform said nothing)
    reads both languages: a refusal, an engine's or the grammar's, comes in both, and changes nothing."""
    store = Store()
    accord = accord_in("bilingual", store)
    from bot.door import _refused

    say(accord, SAM, "start")
    refused = say(accord, ANA, "reveal", minutes=2)
    assert not refused.ok
    (message,) = refused.answers(ANA)
    text = "\n".join(message.text)
    assert "Dim ond yr uwch-ddefnyddiwr all ddatgelu'r pleidleisiau" in text and "Only the super-user can reveal" in text
    assert text.index("Dim ond") < text.index("Only the super-user")
    assert message.languages == ("cy", "en")
    # The question is still open to votes, none counted: the second wording stored nothing.
    voted = say(accord, BEN, "vote 2 4", minutes=3)
    progress = next(m for m in voted.messages if m.kind is Kind.QUESTION)
    assert "1 o 4 wedi pleidleisio." in progress.footer and "1 of 4 have voted." in progress.footer
    mistyped = _refused(accord, Request(Person(ANA, NAMES[ANA]), CHANNEL, at(4)), "vote 3 lots")
    worded = "\n".join(mistyped.messages[0].text)
    assert worded.index("Dylai'r uchelgais fod yn rhif cyfan") < worded.index("The ambition should be a whole number")
