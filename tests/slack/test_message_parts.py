"""A message too long for one Slack message goes as parts: each part once, in order, kept in place.

Slack refuses a message over 50 blocks or about 12,000 characters of text, so Accord sends a long
message (the summary, `who all`, a long roster) as "part 1 of 3", "part 2 of 3"... When Slack
refuses a later part for now, the outbox retries from that part: the channel never sees a part
twice. A message Accord updates in place (keyed) keeps its parts in place too.
"""

from __future__ import annotations

from datetime import datetime, timezone

from slack_bolt.context.respond.async_respond import AsyncRespond

from adapters.slack import blocks as block_kit
from adapters.slack.client import web_client
from adapters.slack.delivery import SlackDeliverer
from bot.delivery import Attempt
from engine.assessment import Conversation, Identity
from engine.views import CHANNEL as EVERYONE
from engine.views import Kind, Message, only
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import CHANNEL, SAM, TEAM
from tests.slack.fake_slack import Failure, _block_text


def long_message(paragraphs: int, key: str | None = None) -> Message:
    text = tuple(f"Paragraph {n}: " + " ".join(f"word{n}x{i}" for i in range(300)) for n in range(paragraphs))
    return Message(Kind.NOTICE, EVERYONE, "A long notice", text, key=key)


def headers(accord) -> list[str]:
    return [p.blocks[0]["text"]["text"] for p in accord.slack.in_channel(CHANNEL)]


async def test_a_later_part_refused_for_now_is_sent_later_and_the_first_never_twice(accord):
    message = long_message(12)
    parts = len(block_kit.message_parts(message, CHANNEL))
    assert parts >= 3
    fake = accord.slack
    post = fake.m_chat_postMessage

    def first_then_rate_limited(params):
        answer = post(params)
        if len(fake.posted) == 1:
            fake.fail("chat.postMessage", Failure(status=429, retry_after=30))
        return answer

    fake.m_chat_postMessage = first_then_rate_limited
    with SqlUnitOfWork(accord.application.database) as uow:
        uow.outbox.add(Conversation("slack", TEAM, CHANNEL), message, datetime.now(timezone.utc))
        uow.commit()
    await accord.deliver()
    assert headers(accord) == [f"A long notice (part 1 of {parts})"]
    accord.clock.advance(31)
    await accord.deliver()
    assert headers(accord) == [f"A long notice (part {n} of {parts})" for n in range(1, parts + 1)]
    shown = " ".join(_block_text(p.blocks) for p in fake.in_channel(CHANNEL)).split()
    assert all(shown.count(f"word{n}x299") == 1 for n in range(12))  # every word once
    assert all(row["sent_at"] is not None for row in accord.outbox())


async def test_a_keyed_message_keeps_its_parts_in_place_as_it_grows_and_shrinks(accord):
    deliverer = SlackDeliverer(accord.platform.clients.for_team, accord.runtime.charts)
    where = Conversation("slack", TEAM, CHANNEL)
    ref = await deliverer.deliver(where, long_message(8, key="notice:1"), None)
    first = len(accord.slack.in_channel(CHANNEL))
    assert first >= 2 and len(ref["more"]) == first - 1

    ref = await deliverer.deliver(where, long_message(12, key="notice:1"), ref)
    grown = len(accord.slack.in_channel(CHANNEL))
    assert grown > first  # the old parts edited in place, the new ones posted after them
    assert [p.edits for p in accord.slack.in_channel(CHANNEL)] == [1] * first + [0] * (grown - first)
    assert len(ref["more"]) == grown - 1

    ref = await deliverer.deliver(where, long_message(1, key="notice:1"), ref)
    assert "more" not in ref
    deleted = [c.params["ts"] for c in accord.slack.called("chat.delete")]
    assert len(deleted) == grown - 1  # the parts it no longer has are removed, not left stale
    assert accord.slack.in_channel(CHANNEL)[0].blocks[0]["text"]["text"] == "A long notice"


async def test_after_a_crash_the_parts_already_in_the_channel_are_found_and_only_the_rest_sent(accord):
    """A process died mid-message: another finds the parts by their outbox id and number, and sends the rest."""
    deliverer = SlackDeliverer(accord.platform.clients.for_team, accord.runtime.charts)
    where = Conversation("slack", TEAM, CHANNEL)
    message = long_message(12)
    parts = len(block_kit.message_parts(message, CHANNEL))
    queued = datetime.now(timezone.utc)
    await deliverer.deliver(where, message, None, None, Attempt(7, queued))
    assert len(accord.slack.in_channel(CHANNEL)) == parts
    lost = accord.slack.posted.pop()  # as if the process died before posting the last part

    again = SlackDeliverer(accord.platform.clients.for_team, accord.runtime.charts)  # another worker
    await again.deliver(where, message, None, None, Attempt(7, queued, uncertain=True))
    assert headers(accord) == [f"A long notice (part {n} of {parts})" for n in range(1, parts + 1)]
    assert accord.slack.in_channel(CHANNEL)[-1].blocks == lost.blocks
    assert any(c.method == "conversations.history" for c in accord.slack.calls)  # looked, not posted blind


async def test_an_answer_longer_than_five_responses_goes_on_as_ephemeral_messages(accord):
    """A response_url takes five answers; the rest of a long private answer still reaches the person, in order."""
    sam = Identity("slack", TEAM, SAM)
    text = tuple(f"Paragraph {n}: " + " ".join(f"word{n}x{i}" for i in range(1000)) for n in range(12))
    answer = Message(Kind.INDIVIDUAL_VOTES, only(sam), "Who contributed what", text)
    parts = len(block_kit.answer_parts([answer], CHANNEL))
    assert parts > 5
    respond = AsyncRespond(response_url=f"{accord.slack.base_url}/respond/1/{SAM}")
    client = web_client(accord.slack.base_url + "/api/", "xoxb-northshire")
    await accord.platform.listeners._answer(respond, client, CHANNEL, SAM, [answer])
    assert len(accord.slack.responses) == 5
    assert len(accord.slack.called("chat.postEphemeral")) == parts - 5
    seen = accord.slack.ephemeral_to(SAM)
    assert [s.splitlines()[0] for s in seen] == [f"Who contributed what (part {n} of {parts})" for n in range(1, parts + 1)]
