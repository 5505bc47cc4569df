"""A whole assessment in Welsh through Teams (issue 19), over real HTTP to /api/messages and the
real botbuilder adapter, the fake connector standing in for the Bot Framework's.

A Welsh organisation (`organisation.language: cy`) whose members' Teams clients are in Welsh
(`activity.locale: cy-GB`) runs both questions to the summary: every card, every answer, every
refusal and the words Teams' cards add around them (Adnoddau, Adnewyddu, Agor y siart, "rhan 1
o 2") are Welsh, and none of a handful of Accord's English sentences is anywhere in what Teams was
sent. A bilingual organisation's channel reads Welsh first, then English; in an English
organisation, a member who said `language cy` reads Welsh on her own cards while the channel
stays English.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.teams.conftest import AMIRA, BEN, CHANNEL, CHLOE, SAM, TEAM_MEMBERS, Member, TeamsHarness

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)

WELSH_ORGANISATION = "organisation:\n  language: cy\n"
BILINGUAL_ORGANISATION = "organisation:\n  language: bilingual\n"

# Accord's English, which a Welsh reader must never be shown (the words Teams' cards add included).
ENGLISH = (
    "have voted",
    "recorded your vote",
    "Your vote",
    "Where are we now",
    "Votes revealed",
    "Consensus recorded",
    "Assessment complete",
    "Summary:",
    "That did not work",
    "is not a point on the scale",
    "Choose one",
    "Choose where",
    '"Refresh"',
    "Open the chart",
    "Resources",
    "(part ",
    "does not know the card action",
    "What you can say to Accord",
    "Hello, I'm Accord",
)


def as_read(*things: Any) -> str:
    return "\n".join(json.dumps(thing, ensure_ascii=False) for thing in things)


def in_welsh(text: str, *welsh: str) -> None:
    """Each Welsh phrase is in `text`, and none of Accord's English sentences is."""
    for phrase in welsh:
        assert phrase in text, phrase
    leftover = [phrase for phrase in ENGLISH if phrase in text]
    assert not leftover, leftover


async def said(teams: TeamsHarness, member: Member, text: str) -> str:
    """Everything Teams was sent (the thread, the channel, private chats) after `member` said `text`."""
    mark = len(teams.connector.sent)
    await teams.say(member, text)
    await teams.settle()
    return as_read(*(s.activity for s in teams.connector.sent[mark:]))


async def pressed(teams: TeamsHarness, member: Member, verb: str, data: dict) -> str:
    """The card Teams shows `member` after an Action.Execute, and what the channel was sent meanwhile."""
    mark = len(teams.connector.sent)
    status, body = await teams.card_action(member, verb, data)
    assert status == 200, body
    await teams.settle()
    return as_read(body, *(s.activity for s in teams.connector.sent[mark:]))


async def submitted(teams: TeamsHarness, member: Member, value: dict) -> list[dict]:
    """What an older client's Action.Submit (a message with a value, no text) was answered with."""
    mark = len(teams.connector.sent)
    status, body = await teams.post(teams.activity(member, value=value))
    assert status in (200, 201), body
    await teams.settle()
    return [s.activity for s in teams.connector.sent[mark:]]


def question_card(teams: TeamsHarness, not_this: str | None = None) -> dict:
    return next(
        c for c in reversed(teams.shared_cards()) if c.get("refresh") and c["actions"][0]["data"]["question"] != not_this
    )


async def test_a_welsh_team_runs_a_whole_assessment_in_welsh_through_teams(make_teams):
    teams = await make_teams(extra=WELSH_ORGANISATION)
    teams.locales.update({member.teams_id: "cy-GB" for member in TEAM_MEMBERS})

    started = await said(teams, SAM, "start")
    in_welsh(started, "Mae Sam Patel wedi dechrau", "Cwestiwn 1.1 (1 o 2) · Deall yr ardal leol", "0 o 4 wedi pleidleisio.")
    card = question_card(teams)
    question = card["actions"][0]["data"]["question"]
    assert card["actions"][0]["title"] == "Pleidleisio"
    assert card["refresh"]["action"]["title"] == "Adnewyddu"
    choices = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert [c["label"] for c in choices] == ["Ble rydym ni nawr?", "Ble dylem ni fod ymhen 18-24 mis?"]
    assert {c["errorMessage"] for c in choices} == {"Dewiswch un o'r rhestr."}

    # Everyone votes on the card: each sees their own card, in Welsh; the channel sees the count.
    for member, current, ambition in ((AMIRA, "1", "2"), (BEN, "1", "3"), (CHLOE, "5", "5"), (SAM, "5", "5")):
        seen = await pressed(teams, member, "vote", {"question": question, "current": current, "ambition": ambition})
        in_welsh(seen, "Rydym wedi cofnodi eich pleidlais ar gwestiwn 1.1", f"Sefyllfa bresennol {current}", "Adnewyddu")
    in_welsh(as_read(teams.shared_cards()[-1]), "4 o 4 wedi pleidleisio.")

    # The card's refresh, as Ben looks at it: his own vote, in Welsh.
    in_welsh(await pressed(teams, BEN, "refresh", {"question": question}), "Eich pleidlais", "Sefyllfa bresennol 1, uchelgais 3")
    # ...and from an older client, a Submit: its notification's summary too.
    (answer,) = await submitted(teams, BEN, {"verb": "refresh", "question": question})
    assert answer["summary"] == "Eich pleidlais"
    in_welsh(as_read(answer), "Sefyllfa bresennol 1, uchelgais 3")

    # Scores off the scale, missing or not a number: refused in Welsh, nothing stored.
    in_welsh(await pressed(teams, AMIRA, "vote", {"question": question, "current": "9", "ambition": "4"}),
             "Mae'r sefyllfa bresennol 9 y tu allan i'r raddfa")
    in_welsh(await pressed(teams, AMIRA, "vote", {"question": question, "current": "", "ambition": "4"}),
             "Dewiswch ble rydym ni nawr cyn pleidleisio.")
    in_welsh(await pressed(teams, AMIRA, "vote", {"question": question, "current": "3", "ambition": "lots"}),
             "Nid yw 'lots' yn bwynt ar y raddfa: dewiswch ble dylem ni fod ymhen 18-24 mis o'r rhestr.")
    in_welsh(await pressed(teams, AMIRA, "refresh", {"question": question}), "Sefyllfa bresennol 1, uchelgais 2")
    in_welsh(await pressed(teams, AMIRA, "frobnicate", {"question": question}), "Nid yw Accord yn adnabod gweithred y cerdyn 'frobnicate'.")
    in_welsh(as_read(await submitted(teams, AMIRA, {"verb": "frobnicate"})), "Ni weithiodd hynny", "gweithred y cerdyn")

    in_welsh(await said(teams, SAM, "status"), "Sefyllfa'r asesiad", "Cwestiynau a gytunwyd")
    in_welsh(await said(teams, SAM, "who"), "Pwy bleidleisiodd beth ar gwestiwn 1.1", "presennol 1, uchelgais 2")
    in_welsh(await said(teams, CHLOE, "help"), "Beth gallwch ei ddweud wrth Accord")
    in_welsh(await said(teams, CHLOE, "vot 3 4"), "Nid wyf yn adnabod y gorchymyn 'vot'", "Ai **vote** oedd gennych mewn golwg?")

    revealed = await said(teams, SAM, "reveal")
    in_welsh(revealed, "Pleidleisiau wedi'u datgelu: cwestiwn 1.1", "Agor y siart", "wedi hollti'n ddau wersyll")

    # Two camps: a bare finalise is refused with the reason, typed or from the card's button.
    in_welsh(await said(teams, SAM, "finalise"), "Mae'r tîm wedi'i rannu'n ddau wersyll ar y sefyllfa bresennol (1, 1, 5, 5)")
    in_welsh(await pressed(teams, SAM, "finalise", {"question": question}), "wedi'i rannu'n ddau wersyll")
    recorded = await said(teams, SAM, "finalise 2 4 dau wersyll, cytunwyd ar y farn isaf")
    in_welsh(recorded, "Consensws wedi'i gofnodi: cwestiwn 1.1", "Nodyn: dau wersyll, cytunwyd ar y farn isaf", "Adnoddau",
             "Cwestiwn 2.1 (2 o 2) · Cynaliadwyedd ariannol")

    # The next question, to the end and the summary.
    question_2 = question_card(teams, not_this=question)["actions"][0]["data"]["question"]
    for member, current, ambition in ((AMIRA, 2, 3), (BEN, 2, 4), (CHLOE, 3, 3), (SAM, 2, 3)):
        in_welsh(await pressed(teams, member, "vote", {"question": question_2, "current": current, "ambition": ambition}),
                 "Rydym wedi cofnodi eich pleidlais ar gwestiwn 2.1")
    in_welsh(await said(teams, SAM, "reveal"), "Pleidleisiau wedi'u datgelu: cwestiwn 2.1", "Derbyn y cynnig")
    ended = await said(teams, SAM, "finalise")
    in_welsh(ended, "Consensws wedi'i gofnodi: cwestiwn 2.1", "Asesiad wedi'i gwblhau",
             "Crynodeb: Hunanasesiad cyngor o ddau gwestiwn (rhan 1 o 2)", "(rhan 2 o 2)", "Blaenoriaeth 1")
    in_welsh(await said(teams, BEN, "summary"), "Crynodeb: Hunanasesiad cyngor o ddau gwestiwn")
    in_welsh(await said(teams, SAM, "status"), "Mae'r asesiad hwn wedi'i gwblhau.")
    in_welsh(await said(teams, SAM, "who"), "Pwy bleidleisiodd beth ar gwestiwn 2.1")
    in_welsh(await said(teams, SAM, "export"), "Adroddiad", "Lawrlwytho'r adroddiad", "Eich dolen chi yw hon")

    # Nothing Teams was sent, in the channel or privately, says any of Accord's English.
    in_welsh(as_read(*(s.activity for s in teams.connector.sent)))


async def test_a_bilingual_channel_reads_welsh_first_then_english(make_teams):
    teams = await make_teams(extra=BILINGUAL_ORGANISATION)
    status, _ = await teams.post(teams.activity(SAM, "installationUpdate", action="add"))
    assert status == 201
    hello = teams.connector.sent[-1].activity["text"]
    assert hello.index("Helo, Accord ydw i") < hello.index("———") < hello.index("Hello, I'm Accord")

    await said(teams, SAM, "start")
    card = question_card(teams)
    question = card["actions"][0]["data"]["question"]
    assert card["actions"][0]["title"] == "Pleidleisio / Vote"
    assert card["refresh"]["action"]["title"] == "Adnewyddu / Refresh"
    assert {e["errorMessage"] for e in card["body"] if e["type"] == "Input.ChoiceSet"} == {"Dewiswch un o'r rhestr. / Choose one from the list."}
    text = as_read(card)
    assert text.index("0 o 4 wedi pleidleisio.") < text.index("0 of 4 have voted.")

    for question_id in (question, None):
        if question_id is None:
            question_id = question_card(teams, not_this=question)["actions"][0]["data"]["question"]
        for member in TEAM_MEMBERS:
            await teams.vote(member, question_id, "3", "4")
        revealed = await said(teams, SAM, "reveal")
        assert "Agor y siart / Open the chart" in revealed
        recorded = await said(teams, SAM, "finalise")
        assert "Adnoddau / Resources" in recorded
    summary = next(as_read(c) for c in teams.shared_cards() if "Crynodeb:" in as_read(c))
    assert "(rhan 1 o " in summary and ") / (part 1 of " in summary
    assert summary.index("Crynodeb:") < summary.index("Summary:")


async def test_in_an_english_organisation_a_member_who_chose_welsh_reads_welsh_and_the_channel_stays_english(make_teams):
    teams = await make_teams()
    teams.locales.update({member.teams_id: "en-GB" for member in TEAM_MEMBERS})
    await said(teams, SAM, "start")
    in_welsh(await said(teams, AMIRA, "language cy"), "yn Gymraeg")
    card = question_card(teams)
    question = card["actions"][0]["data"]["question"]
    assert card["actions"][0]["title"] == "Vote"

    # Her card after she votes is her own view, in Welsh, though the channel's card is English.
    mine = await pressed(teams, AMIRA, "vote", {"question": question, "current": "2", "ambition": "4"})
    in_welsh(as_read(json.loads(mine.split("\n")[0])), "Rydym wedi cofnodi eich pleidlais ar gwestiwn 1.1",
             "Ble rydym ni nawr?", "Pa mor dda yr ydym yn defnyddio data", "Adnewyddu", "Dewiswch un o'r rhestr.")
    in_welsh(await pressed(teams, AMIRA, "refresh", {"question": question}), "Eich pleidlais", "Sefyllfa bresennol 2, uchelgais 4")
    in_welsh(await pressed(teams, AMIRA, "vote", {"question": question, "current": "0", "ambition": "4"}),
             "Mae'r sefyllfa bresennol 0 y tu allan i'r raddfa")
    in_welsh(await said(teams, AMIRA, "status"), "Sefyllfa'r asesiad")
    in_welsh(await said(teams, AMIRA, "vot 3 4"), "Nid wyf yn adnabod y gorchymyn 'vot'")

    # Ben chose nothing: English, like the channel.
    bens = await pressed(teams, BEN, "vote", {"question": question, "current": "3", "ambition": "4"})
    assert "We recorded your vote" in bens and '"Refresh"' in bens and "Ble rydym ni nawr?" not in bens
    channel = as_read(*(s.activity for s in teams.connector.sent if s.conversation_id.startswith(CHANNEL) and s.method != "reply"))
    assert "2 of 4 have voted." in channel
    assert "wedi pleidleisio" not in channel and "Adnewyddu" not in channel
