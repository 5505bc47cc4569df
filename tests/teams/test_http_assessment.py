"""A whole assessment in a Teams channel, through real HTTP on loopback.

Sam starts it by @mentioning Accord; the roster comes from the (fake) connector's paged
members API; Amira, Ben and Chloe vote on the question card with Action.Execute invokes; Sam
reveals, finalises both questions, and the summary card arrives. Privacy is checked on the
wire: the channel only ever receives counts, and each person's card shows their own vote.
"""

from __future__ import annotations

import json

from storage.unit_of_work import SqlUnitOfWork
from tests.teams.conftest import AMIRA, BEN, CHANNEL, CHLOE, SAM, TENANT, TeamsHarness

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def card_texts(card: dict) -> str:
    return json.dumps(card)


def assessment_of(teams: TeamsHarness):
    from engine.assessment import Conversation

    with SqlUnitOfWork(teams.application.database, read_only=True) as uow:
        return uow.assessments.latest_in(Conversation("msteams", TENANT, CHANNEL))


async def test_a_team_runs_a_whole_assessment_in_its_channel(teams: TeamsHarness):
    connector = teams.connector

    status, _ = await teams.say(SAM, "start")
    assert status == 201
    await teams.settle()

    assessment = assessment_of(teams)
    assert assessment is not None
    assert {m.name for m in assessment.members.values()} == {"Sam Patel", "Amira Khan", "Ben Ode", "Chloe Wu"}
    assert connector.member_requests[0] == "paged"  # the roster came a page at a time

    question_card = next(c for c in teams.shared_cards() if c.get("refresh"))
    assert question_card["version"] == "1.5"
    inputs = {e["id"]: e for e in question_card["body"] if e["type"].startswith("Input.")}
    assert set(inputs) == {"current", "ambition", "comment"}
    assert [c["value"] for c in inputs["current"]["choices"]] == ["1", "2", "3", "4", "5"]
    vote_action = question_card["actions"][0]
    assert (vote_action["type"], vote_action["verb"]) == ("Action.Execute", "vote")
    question = vote_action["data"]["question"]
    assert sorted(question_card["refresh"]["userIds"]) == sorted(m.teams_id for m in (SAM, AMIRA, BEN, CHLOE))
    assert "0 of 4 have voted" in card_texts(question_card)

    # Votes through the card: each answer is that voter's own view, with their vote selected.
    for member, current, ambition in ((AMIRA, "2", "4"), (BEN, "3", "4"), (CHLOE, "3", "5"), (SAM, "3", "4")):
        status, body = await teams.vote(member, question, current, ambition, f"{member.name} thinks so")
        assert status == 200, body
        assert body["statusCode"] == 200 and body["type"] == ADAPTIVE
        own = body["value"]
        chosen = {e["id"]: e.get("value") for e in own["body"] if e["type"] == "Input.ChoiceSet"}
        assert chosen == {"current": current, "ambition": ambition}
        assert "We recorded your vote" in card_texts(own)
    await teams.settle()

    # Amira changes her mind; the card says so, and only she sees her numbers.
    status, body = await teams.vote(AMIRA, question, "3", "4")
    assert "We changed your vote" in card_texts(body["value"])
    await teams.settle()

    # A refresh (Teams asks as Ben looks at the card) shows Ben his own vote, nobody else's.
    status, body = await teams.card_action(BEN, "refresh", {"question": question})
    assert status == 200
    ben_view = body["value"]
    assert {e["id"]: e.get("value") for e in ben_view["body"] if e["type"] == "Input.ChoiceSet"} == {"current": "3", "ambition": "4"}
    assert "Amira" not in card_texts(ben_view)

    # The shared card was updated in place: same activity, new progress, never a vote.
    updates = [s for s in connector.sent if s.method == "update"]
    assert updates and all(s.conversation_id.startswith(CHANNEL) for s in updates)
    assert "4 of 4 have voted" in card_texts(updates[-1].card)
    channel_traffic = "\n".join(s.text for s in connector.sent if s.conversation_id.startswith(CHANNEL))
    for member in (AMIRA, BEN, CHLOE, SAM):
        assert f"{member.name} thinks so" not in channel_traffic
    assert "We recorded your vote" not in channel_traffic

    # Reveal: the anonymous spread, with its chart.
    connector.clear()
    status, _ = await teams.say(SAM, "reveal")
    assert status == 201
    await teams.settle()
    reveal = next(c for c in teams.shared_cards() if "Votes revealed" in card_texts(c))
    images = [e for e in reveal["body"] if e["type"] == "Image"]
    assert images and images[0]["altText"].startswith("Votes on question")
    assert images[0]["url"].startswith(("data:image/png;base64,", teams.url))
    chart_url = images[0]["selectAction"]["url"]
    async with teams.session.get(chart_url) as response:
        assert response.status == 200 and response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")

    # Finalise the first question; the second opens; vote, reveal, finalise it; the summary follows.
    await teams.say(SAM, "finalise 3 4 agreed after discussion")
    await teams.settle()
    second = next(c for c in teams.shared_cards() if c.get("actions") and c.get("refresh") and c["actions"][0]["data"]["question"] != question)
    question_2 = second["actions"][0]["data"]["question"]
    for member, current, ambition in ((AMIRA, 2, 3), (BEN, 2, 4), (CHLOE, 3, 3), (SAM, 2, 3)):
        status, body = await teams.vote(member, question_2, current, ambition)
        assert status == 200 and "We recorded your vote" in card_texts(body["value"])
    await teams.say(SAM, "reveal")
    await teams.settle()
    connector.clear()
    await teams.say(SAM, "finalise")
    await teams.settle()

    texts = [card_texts(c) for c in teams.shared_cards()]
    assert any("Consensus recorded" in t for t in texts)
    assert any("Assessment complete" in t for t in texts)
    summary = next(c for c in teams.shared_cards() if "Summary:" in card_texts(c))
    assert any(e["type"] == "Image" for e in summary["body"])
    assert "Financial sustainability" in card_texts(summary)
    assert assessment_of(teams).status.value == "completed"

    # And `summary` on demand, later, from the channel.
    connector.clear()
    await teams.say(CHLOE, "summary")
    await teams.settle()
    assert any("Summary:" in card_texts(c) for c in teams.shared_cards())


async def test_a_bare_finalise_on_two_camps_is_refused_and_the_agreed_answer_is_recorded_with_its_note(teams: TeamsHarness):
    """#16: votes 1, 1, 5, 5; the reveal card has no "Accept proposal"; a bare finalise (typed, or
    the card's verb) is refused with the reason; `finalise 2 4 two camps, agreed the lower view`
    is recorded."""
    connector = teams.connector
    await teams.say(SAM, "start")
    await teams.settle()
    question_card = next(c for c in teams.shared_cards() if c.get("refresh"))
    question = question_card["actions"][0]["data"]["question"]
    for member, current, ambition in ((AMIRA, 1, 2), (BEN, 1, 3), (CHLOE, 5, 5), (SAM, 5, 5)):
        status, body = await teams.vote(member, question, current, ambition)
        assert status == 200, body
    await teams.say(SAM, "reveal")
    await teams.settle()
    reveal = next(c for c in teams.shared_cards() if "Votes revealed" in card_texts(c))
    assert "split into two camps" in card_texts(reveal)
    assert "the current position rounds down and the ambition rounds up" in card_texts(reveal)
    assert not any(a.get("verb") == "finalise" for a in reveal.get("actions", []))

    sent = len(connector.sent)
    await teams.say(SAM, "finalise")
    refused = "\n".join(s.text for s in connector.sent[sent:])
    assert "The team is split into two camps on the current position (1, 1, 5, 5)" in refused
    status, body = await teams.card_action(SAM, "finalise", {"question": question})  # a stale card's button
    assert "split into two camps" in json.dumps(body)
    assert assessment_of(teams).consensus_for(question) is None

    connector.clear()
    await teams.say(SAM, "finalise 2 4 two camps, agreed the lower view")
    await teams.settle()
    consensus = next(card_texts(c) for c in teams.shared_cards() if "Consensus recorded" in card_texts(c))
    assert "Note: two camps, agreed the lower view" in consensus
    recorded = assessment_of(teams).consensus_for(question)
    assert (recorded.current, recorded.ambition, recorded.note) == (2, 4, "two camps, agreed the lower view")
