"""Accord in Welsh (issue 19): the engine's messages and the use cases' words, through the real paths.

The use cases run over the fake unit of work with Welsh speaking, and what a person would read
comes out in Welsh: the summary, a refusal, a reminder, a digest, `who` and `audit`. The
catalogue is the one shipped (bot/locale/cy/LC_MESSAGES/accord.po), compiled here in memory as
the application compiles it; every message wrapped in the files these tests cover must be in
it, translated, with the same placeholders as the English.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot import commands as grammar
from bot.catalogue import FrameworkCatalogue
from bot.service import Accord, Person, Request
from engine import language
from engine.digests import digest_messages
from engine.language import WELSH, speaking
from engine.permissions import REFUSALS, Action
from engine.views import Kind
from tests.unit.conftest import ANA, BEN, CAI, NAMES, REPO_ROOT, SAM, at, tiny_framework
from tests.unit.fake_unit_of_work import FakeUnitOfWork, Store
from tests.unit.test_services import CHANNEL, Team

WELSH_PO = REPO_ROOT / "bot" / "locale" / "cy" / "LC_MESSAGES" / "accord.po"

# The files whose words this suite translates (issue 19, the presenters' share).
TRANSLATED = (
    "engine/assessment.py",
    "engine/comparison.py",
    "engine/digests.py",
    "engine/disagreement.py",
    "engine/erasure.py",
    "engine/errors.py",
    "engine/permissions.py",
    "engine/reminders.py",
    "engine/progress.py",
    "engine/scoring.py",
    "engine/presenters/audit.py",
    "engine/presenters/formats.py",
    "engine/presenters/individual.py",
    "engine/presenters/notices.py",
    "engine/presenters/schedule.py",
    "engine/presenters/summary.py",
    "bot/members.py",
    "bot/scheduler.py",
    "bot/service.py",
)


def _catalogue():
    with WELSH_PO.open("rb") as po:
        return read_po(po, locale="cy")


@pytest.fixture(scope="module")
def welsh():
    """The Welsh catalogue, compiled in memory and registered for `speaking("cy")`."""
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue())
    compiled.seek(0)
    before = language._catalogues.get(WELSH)
    language.register_catalogue(WELSH, Translations(compiled))
    yield
    if before is None:
        language._catalogues.pop(WELSH, None)
    else:
        language.register_catalogue(WELSH, before)


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def accord(store: Store) -> Accord:
    ids = itertools.count(1)
    return Accord(
        lambda read_only=False: FakeUnitOfWork(store, read_only=read_only),
        FrameworkCatalogue({"tiny": tiny_framework()}, "tiny"),
        new_id=lambda: f"assessment-{next(ids)}",
        queued_platforms=frozenset({"slack"}),
        language=WELSH,  # organisation.language: the channel reads Welsh
    )


def say(accord: Accord, who, command, minutes: float = 1, language_: str = WELSH):
    """`who` says `command` in a Welsh-speaking organisation, from a platform set to `language_`."""
    request = Request(Person(who, NAMES[who]), CHANNEL, at(minutes), locale=language_)
    return accord.handle(request, command, Team(SAM, ANA, BEN, CAI))


def words(message) -> str:
    return " ".join([message.heading, *message.text, *(f"{f.label}: {f.value}" for f in message.fields), message.footer or ""])


def _agree_first_question(accord: Accord) -> None:
    say(accord, SAM, grammar.Start())
    for minute, who in enumerate((SAM, ANA, BEN, CAI), start=2):
        say(accord, who, grammar.Vote(3, 4), minutes=minute)
    say(accord, SAM, grammar.Reveal(), minutes=7)
    say(accord, SAM, grammar.Finalise(), minutes=8)


# ------------------------------------------------------------------ Welsh through the use cases


def test_the_summary_is_in_welsh(welsh, accord, store):
    _agree_first_question(accord)
    (summary,) = [m for m in say(accord, ANA, grammar.Summary(), minutes=9).messages if m.kind is Kind.SUMMARY]
    assert summary.heading.startswith("Crynodeb: ")
    assert "At ei gilydd, mae'r tîm yn gosod y sefydliad ar 3.0 nawr ac yn anelu at 4.0 ymhen 18-24 mis" in summary.text[0]
    assert "o 1 cwestiwn a gytunwyd." in summary.text[0]
    assert any(field.value.startswith("nawr 3.0, uchelgais 4.0") for field in summary.fields)
    assert summary.charts[0].title == "Ble'r ydym a ble'r ydym yn anelu at fod, fesul thema"
    assert "Overall" not in words(summary)


def test_a_refusal_is_one_welsh_sentence_naming_who_to_ask(welsh, accord, store):
    say(accord, SAM, grammar.Start())
    commits = store.commits
    (refusal,) = say(accord, ANA, grammar.Reveal(), minutes=2).messages
    assert refusal.kind is Kind.ERROR and refusal.heading == "Ni weithiodd hynny"
    assert refusal.text == ("Dim ond yr uwch-ddefnyddiwr all ddatgelu'r pleidleisiau; gofynnwch i Sam.",)
    assert store.commits == commits


def test_a_refused_score_is_explained_in_welsh(welsh, accord):
    say(accord, SAM, grammar.Start())
    (refusal,) = say(accord, ANA, grammar.Vote(4, 2), minutes=2).messages
    assert refusal.concerns == "ambition"
    assert refusal.text[0].startswith("Mae'r uchelgais (2) yn is na'r sefyllfa bresennol (4).")


def test_a_reminder_reaches_the_member_in_welsh(welsh, accord, store):
    say(accord, SAM, grammar.Start())
    say(accord, SAM, grammar.Vote(3, 4), minutes=2)
    store.outbox.clear()
    (confirmation,) = say(accord, SAM, grammar.Remind(), minutes=3).messages
    assert confirmation.heading == "Nodiadau atgoffa ar gyfer cwestiwn 1.1"
    assert confirmation.text[0] == "Wedi'u hatgoffa'n breifat am gwestiwn 1.1: Ana, Ben, Cai."
    reminders = [entry.message for entry in store.outbox if entry.message.heading.startswith("Nodyn atgoffa")]
    assert len(reminders) == 3
    reminder = reminders[0]
    assert reminder.heading == "Nodyn atgoffa: eich pleidlais ar gwestiwn 1.1"
    assert [i.label for i in reminder.inputs[:2]] == ["Ble rydym ni nawr?", "Ble dylem ni fod ymhen 18-24 mis?"]
    assert reminder.footer == "1 o 4 wedi pleidleisio. Nodyn atgoffa 1 o 3."


def test_a_digest_is_in_welsh_with_welsh_plurals(welsh, accord, store):
    say(accord, SAM, grammar.Start())
    say(accord, ANA, grammar.Vote(3, 4), minutes=2)
    (assessment,) = store.assessments.values()
    with speaking(WELSH):
        channel, for_sam = digest_messages(assessment, datetime(2024, 5, 6, 9, 0, tzinfo=UTC), UTC)
    assert channel.heading.startswith("Crynhoad: Tiny council check, ")
    assert [f.label for f in channel.fields] == ["Cwestiynau a gytunwyd", "Ar agor ar gyfer pleidleisiau", "Yn aros am", "Angen trafodaeth"]
    assert "3 chwestiwn i ddod eto." in channel.text  # tri chwestiwn: the aspirate mutation after three
    assert for_sam.heading.startswith("Crynhoad i uwch-ddefnyddwyr: ")
    assert any(f.label == "Heb bleidleisio eto ar gwestiwn 1.1" and f.value == "Ben, Cai, Sam" for f in for_sam.fields)


def test_a_digest_names_a_split_team_in_welsh(welsh, accord, store):
    say(accord, SAM, grammar.Start())
    for minute, (who, score) in enumerate(((SAM, 1), (ANA, 5), (BEN, 1), (CAI, 5)), start=2):
        say(accord, who, grammar.Vote(score, 5), minutes=minute)
    say(accord, SAM, grammar.Reveal(), minutes=7)
    (assessment,) = store.assessments.values()
    with speaking(WELSH):
        channel = digest_messages(assessment, datetime(2024, 5, 6, 9, 0, tzinfo=UTC), UTC)[0]
    (discussed,) = [f.value for f in channel.fields if f.label == "Angen trafodaeth"]
    assert discussed == "1 o 1 cwestiwn a ddatgelwyd hyd yma: 1.1 (wedi hollti'n ddau wersyll)"


def test_who_voted_what_is_in_welsh(welsh, accord):
    say(accord, SAM, grammar.Start())
    say(accord, ANA, grammar.Vote(2, 4, "data is patchy"), minutes=2)
    say(accord, SAM, grammar.Vote(3, 4), minutes=3)
    (shown,) = say(accord, SAM, grammar.Who(), minutes=4).messages
    assert shown.heading == "Pwy bleidleisiodd beth ar gwestiwn 1.1 (rownd 1)"
    assert shown.text[0] == "Dim ond chi sy'n gallu gweld hyn."
    assert "presennol 2, uchelgais 4: “data is patchy”" in [f.value for f in shown.fields]
    assert "Heb bleidleisio eto: Ben, Cai." in shown.text


def test_the_audit_trail_is_in_welsh(welsh, accord):
    _agree_first_question(accord)
    (trail,) = say(accord, SAM, grammar.Audit(), minutes=9).messages
    assert trail.heading == "Trywydd archwilio Tiny council check"
    lines = [f.value for f in trail.fields]
    assert "Ana: bwriwyd pleidlais, cwestiwn 1.1: presennol 3, uchelgais 4" in lines
    assert any(line.startswith("Sam: cofnodwyd yr ateb, cwestiwn 1.1") for line in lines)


def test_english_speaking_keeps_the_words_of_the_code(welsh, accord):
    say(accord, SAM, grammar.Start(), language_="en")
    (refusal,) = say(accord, ANA, grammar.Reveal(), minutes=2, language_="en").messages
    assert refusal.text == ("Only the super-user can reveal the votes; ask Sam.",)


def test_every_refusal_reads_as_it_did_in_english():
    for action in Action:
        assert REFUSALS[action] == f"Only the super-user can {action.value}; ask {{names}}."


# ------------------------------------------------------------------ the catalogue itself


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_welsh_message_has_the_placeholders_of_its_english():
    broken = []
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        english = set().union(*(_placeholders(i) for i in ids))
        for welsh in strings:
            if _placeholders(welsh) != english:
                broken.append((ids[0], welsh))
    assert broken == []


def test_every_message_of_these_files_is_translated_into_welsh_with_six_plural_forms():
    catalogue = _catalogue()
    assert catalogue.num_plurals == 6
    missing = []
    for path in TRANSLATED:
        for _, message, _, _ in extract_from_file("python", Path(REPO_ROOT, path), keywords=DEFAULT_KEYWORDS):
            key = message[0] if isinstance(message, tuple) else message
            found = catalogue.get(key)
            translated = found is not None and all(found.string if isinstance(found.string, tuple) else (found.string,))
            if not translated or (isinstance(message, tuple) and len(found.string) != 6):
                missing.append(f"{path}: {key}")
    assert missing == []


def test_the_welsh_is_not_the_english_copied():
    """A message with words in it (not only placeholders) must differ in Welsh."""
    copied = [
        m.id
        for m in _catalogue()
        if isinstance(m.id, str) and m.string == m.id and re.search(r"[a-z]{3}", re.sub(r"\{\w+\}", "", m.id))
    ]
    assert copied == []


# ------------------------------------------------------------------ the last English (scoring, verdict reasons)


def test_a_revealed_split_question_gives_its_reasons_in_welsh(welsh, accord, store):
    say(accord, SAM, grammar.Start())
    for minute, (who, score) in enumerate(((SAM, 1), (ANA, 5), (BEN, 1), (CAI, 5)), start=2):
        say(accord, who, grammar.Vote(score, 5), minutes=minute)
    (revealed,) = [m for m in say(accord, SAM, grammar.Reveal(), minutes=7).messages if "datgelu" in m.heading]
    said = words(revealed)
    assert "mae'r tîm wedi hollti: 2 ar 1–2 a 2 ar 4–5" in said
    assert "mwy na 2 ar wahân" in said
    assert "pwynt o'r canolrif ar gyfartaledd, uwchlaw'r terfyn o" in said
    assert "views span" not in said and "the team is split" not in said and "on average" not in said


def test_the_summary_gives_a_welsh_next_step(welsh, accord, store):
    _agree_first_question(accord)
    (summary,) = [m for m in say(accord, ANA, grammar.Summary(), minutes=9).messages if m.kind is Kind.SUMMARY]
    said = words(summary)
    assert "Dechreuwch gyda chwestiwn 1.1 (" in said
    assert "a gytunwyd ar 3. I gyrraedd 4, " in said
    assert "Start with question" not in said and "To reach" not in said


@pytest.mark.parametrize("stored_before_issue_19", [False, True])
def test_stored_verdict_reasons_are_worded_in_the_readers_language(welsh, stored_before_issue_19):
    from engine.disagreement import Disagreement, measure, reason_in_words

    data = json.loads(json.dumps(measure([1, 1, 2, 4, 5, 5], 1, 5).to_dict()))
    if stored_before_issue_19:
        del data["reason_figures"]  # then only the English words were kept
    loaded = Disagreement.from_dict(data)
    with speaking(WELSH):
        welsh_reasons = [reason_in_words(reason) for reason in loaded.reasons]
    assert welsh_reasons[0] == "mae'r tîm wedi hollti: 3 ar 1–2 a 3 ar 4–5"
    assert welsh_reasons[1] == "mae'r farn yn amrywio o 1 i 5, mwy na 2 ar wahân"
    assert reason_in_words(loaded.reasons[0]) == "the team is split: 3 at 1–2 and 3 at 4–5"


def test_progress_and_the_peer_comparison_are_in_welsh(welsh):
    from engine.comparison import compare
    from engine.progress import progress_since
    from engine.scoring import score
    from tests.reports.test_comparison import US, peers
    from tests.reports.test_progress import baseline, completed

    card = score(completed(answers={"money": ((2, 4), (3, 5)), "people": ((4, 4), (3, 4))}))
    report = progress_since(card, baseline({"money": ((2, 3), (2, 3)), "people": ((3, 4), (3, 4))}))
    comparison = compare(score(US), peers(), organisation_type="district", min_peers=5)
    with speaking(WELSH):
        progress = report.sentence()
        money = report.themes[0].words()
        peer_sentence = comparison.sentence()
        money_among_peers = comparison.themes[0].words()
    assert progress == (
        "Ar y 4 cwestiwn a gytunwyd yn y ddau asesiad, mae'r sefyllfa gyffredinol wedi codi o 2.5 i 3.0. "
        "I fyny: Money (+0.5); People (+0.5)."
    )
    assert money == "i fyny 0.5, o 2.0 i 2.5"
    assert peer_sentence.startswith("O'i gymharu â 5 o sefydliadau tebyg (district)")
    assert money_among_peers == "2.5, yn yr hanner canol (canolrif y cymheiriaid 2.5, yr hanner canol 2.0 i 3.0)"
