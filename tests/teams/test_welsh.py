"""Teams in Welsh (issue 19): a person whose Teams client says `locale: cy-GB` is answered in
Welsh through the real botbuilder adapter, over real HTTP to /api/messages; the channel keeps the
organisation's English."""

from __future__ import annotations

import json

import pytest

from tests.teams.conftest import AMIRA, SAM, TeamsHarness

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)


async def test_a_vote_from_a_welsh_teams_client_is_confirmed_in_welsh(teams: TeamsHarness):
    await teams.say(SAM, "start")
    await teams.settle()
    card = next(c for c in teams.shared_cards() if c.get("actions"))
    question = card["actions"][0]["data"]["question"]
    assert card["actions"][0]["title"] == "Vote"  # the channel reads the organisation's English
    value = {"action": {"type": "Action.Execute", "verb": "vote", "data": {"question": question, "current": "2", "ambition": "4"}}}
    status, body = await teams.post(teams.activity(AMIRA, "invoke", name="adaptiveCard/action", value=value, locale="cy-GB"))
    assert status == 200
    shown = json.dumps(body["value"], ensure_ascii=False)
    assert "Rydym wedi cofnodi eich pleidlais ar gwestiwn" in shown
    assert "Sefyllfa bresennol 2" in shown
    assert "recorded your vote" not in shown
    # Teams refreshes her card: her own view, in Welsh, her vote in it.
    refresh = {"action": {"type": "Action.Execute", "verb": "refresh", "data": {"question": question}}}
    status, body = await teams.post(teams.activity(AMIRA, "invoke", name="adaptiveCard/action", value=refresh, locale="cy-GB"))
    own = json.dumps(body["value"], ensure_ascii=False)
    assert "Eich pleidlais" in own and "Sefyllfa bresennol 2, uchelgais 4" in own
    assert "Ble rydym ni nawr?" in own


async def test_a_command_typed_from_a_welsh_teams_client_is_answered_in_welsh(teams: TeamsHarness):
    activity = teams.activity(
        AMIRA,
        text="<at>Accord</at> language",
        entities=[{"type": "mention", "text": "<at>Accord</at>", "mentioned": {"id": "28:accord-bot", "name": "Accord"}}],
        locale="cy-GB",
    )
    await teams.post(activity)
    await teams.settle()
    sent = " ".join(str(s.card or s.text) for s in teams.connector.sent)
    assert "Mae Accord yn ysgrifennu atoch yn Gymraeg" in sent
