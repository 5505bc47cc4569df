"""Teams through the one door: a redelivered activity is applied once, and a private chat acts
on the assessment the person takes part in. Real HTTP to /api/messages on loopback."""

from __future__ import annotations

from engine.assessment import Conversation
from storage.unit_of_work import SqlUnitOfWork
from tests.teams.conftest import AMIRA, BEN, CHANNEL, SAM, TENANT, TeamsHarness

CONVERSATION = Conversation("msteams", TENANT, CHANNEL)


def assessment(teams: TeamsHarness):
    with SqlUnitOfWork(teams.application.database, read_only=True) as uow:
        return uow.assessments.active_in(CONVERSATION)


def personal_chat(teams: TeamsHarness, member, text: str) -> dict:
    """A message in the member's one-to-one chat with Accord (no mention needed there)."""
    return teams.activity(
        member,
        text=text,
        conversation={"id": f"a:personal-{member.teams_id}", "conversationType": "personal", "tenantId": TENANT},
        channelData={"tenant": {"id": TENANT}},
    )


async def started(teams: TeamsHarness) -> str:
    await teams.say(SAM, "start")
    await teams.settle()
    card = next(c for c in teams.shared_cards() if c.get("actions"))
    return card["actions"][0]["data"]["question"]


async def test_an_activity_delivered_twice_is_handled_once(teams: TeamsHarness):
    question = await started(teams)
    value = {"action": {"type": "Action.Execute", "verb": "vote", "data": {"question": question, "current": "2", "ambition": "4"}}}
    vote = teams.activity(AMIRA, "invoke", name="adaptiveCard/action", value=value)
    for _ in range(2):  # the Bot Framework redelivers with the same activity id
        status, _ = await teams.post(vote)
        assert status == 200
    finalise_typed = teams.activity(SAM, text="<at>Accord</at> skip", entities=[
        {"type": "mention", "text": "<at>Accord</at>", "mentioned": {"id": "28:accord-bot", "name": "Accord"}}
    ])
    for _ in range(2):
        await teams.post(finalise_typed)
    await teams.settle()
    stored = assessment(teams)
    skipped = [r for r in stored.rounds if r.state.value == "skipped"]
    assert len(skipped) == 1, "the redelivered `skip` skipped one question, not two"
    assert len(skipped[0].votes) == 1


async def test_a_vote_typed_in_a_private_chat_is_recorded_on_the_persons_assessment(teams: TeamsHarness):
    question = await started(teams)
    status, _ = await teams.post(personal_chat(teams, AMIRA, "vote 2 4 our data is patchy"))
    assert status in (200, 201)
    await teams.settle()
    stored = assessment(teams)
    round_ = stored.latest_round(stored.question(question).id)
    (vote,) = round_.votes.values()
    assert (vote.current, vote.ambition, vote.comment) == (2, 4, "our data is patchy")
    # Amira is answered in her chat; the channel's card shows the progress, never her vote.
    chat = teams.connector.to_conversation(f"a:personal-{AMIRA.teams_id}")
    assert any("recorded your vote" in sent.text for sent in chat)
    assert "1 of 4 have voted" in str(teams.shared_cards()[-1])


async def test_a_private_chat_with_no_assessment_to_act_on_says_so_and_changes_nothing(teams: TeamsHarness):
    await teams.post(personal_chat(teams, BEN, "vote 2 4"))
    await teams.settle()
    chat = teams.connector.to_conversation(f"a:personal-{BEN.teams_id}")
    assert any("not taking part in an assessment under way" in sent.text for sent in chat)
    assert assessment(teams) is None


async def test_start_in_a_private_chat_is_refused(teams: TeamsHarness):
    await teams.post(personal_chat(teams, SAM, "start"))
    chat = teams.connector.to_conversation(f"a:personal-{SAM.teams_id}")
    assert any("team's channel" in sent.text for sent in chat)
    assert assessment(teams) is None
