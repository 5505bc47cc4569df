"""The outbox's Slack deliverer: rate limits delay a message but never lose or double it.

Slack answers 429 with Retry-After when a method is called too often
(https://api.slack.com/apis/rate-limits). A short wait is waited out inside the call by
slack_sdk's retry handler; a long one goes back to the outbox, which tries again when it is due.
Either way the channel sees each message once, in order.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from adapters.slack.delivery import SlackDeliverer
from engine.assessment import Conversation, Identity
from engine.views import Kind, Message, only
from storage.unit_of_work import SqlUnitOfWork
from tests.slack.conftest import AMIRA, BEN, CHANNEL, SAM, TEAM
from tests.slack.fake_slack import Failure


def posted_texts(accord) -> list[str]:
    return [p.all_text().splitlines()[0] for p in accord.slack.in_channel(CHANNEL)]


async def test_a_long_rate_limit_delays_the_channel_and_every_message_arrives_once_in_order(accord):
    accord.slack.fail("chat.postMessage", Failure(status=429, retry_after=30))
    await accord.command(SAM, "start mini-council")
    assert accord.slack.in_channel(CHANNEL) == []  # the intro waits, and the question waits behind it
    pending = [row for row in accord.outbox() if row["sent_at"] is None]
    assert len(pending) == 2 and "rate limit" in pending[0]["last_error"]

    accord.clock.advance(10)
    await accord.deliver()
    assert accord.slack.in_channel(CHANNEL) == []  # not due yet

    accord.clock.advance(21)
    await accord.deliver()
    assert posted_texts(accord) == ["Sam started A short council self-assessment", "Question 1.1 (1 of 3) · Understanding of local place"]
    assert len(accord.slack.called("chat.postMessage")) == 3  # one refused, two delivered
    accord.clock.advance(600)
    await accord.deliver()
    assert len(accord.slack.in_channel(CHANNEL)) == 2  # never twice


async def test_a_short_rate_limit_is_waited_out_inside_the_call(accord):
    accord.slack.fail("chat.postMessage", Failure(status=429, retry_after=1))
    await accord.command(SAM, "start mini-council")
    assert len(posted_texts(accord)) == 2
    assert len(accord.slack.called("chat.postMessage")) == 3
    assert all(row["sent_at"] is not None for row in accord.outbox())


@pytest.mark.parametrize("retried_by", ["the same deliverer", "another worker"])
async def test_a_refused_chart_upload_is_retried_without_posting_the_text_again(accord, retried_by):
    await accord.command(SAM, "start mini-council")
    for voter in (AMIRA, BEN):
        await accord.vote(voter, 3, 4)
    accord.slack.fail("files.getUploadURLExternal", Failure(status=429, retry_after=20))
    await accord.command(SAM, "reveal")
    reveals = [p for p in accord.slack.in_channel(CHANNEL) if "Votes revealed" in p.all_text()]
    assert len(reveals) == 1 and accord.slack.uploads == []
    if retried_by == "another worker":
        # Or this one restarted: a deliverer that remembers nothing of the first attempt.
        accord.runtime.dispatcher.register("slack", SlackDeliverer(accord.platform.clients.for_team, accord.runtime.charts))
    accord.clock.advance(21)
    await accord.deliver()
    reveals = [p for p in accord.slack.in_channel(CHANNEL) if "Votes revealed" in p.all_text()]
    assert len(reveals) == 1
    assert [f["title"] for u in accord.slack.uploads for f in u["files"]] == ["Question 1.1: how the team voted"]
    assert accord.slack.uploads[0]["channel"] == CHANNEL


async def test_a_channel_accord_was_removed_from_is_set_aside_with_the_reason(accord):
    accord.slack.fail("chat.postMessage", Failure(status=200, retry_after=None, error="not_in_channel", count=2))
    await accord.command(SAM, "start mini-council")
    rows = accord.outbox()
    assert all(row["failed_at"] is not None for row in rows)
    assert "invite it with /invite @Accord" in rows[0]["last_error"]
    accord.clock.advance(3600)
    await accord.deliver()
    assert len(accord.slack.called("chat.postMessage")) == 2  # never tried again


async def test_a_message_for_one_person_goes_to_them_directly(accord):
    reminder = Message(Kind.NOTICE, only(Identity("slack", TEAM, AMIRA)), "Your vote is waiting", ("Question 1.1 is open.",))
    with SqlUnitOfWork(accord.application.database) as uow:
        uow.outbox.add(Conversation("slack", TEAM, CHANNEL), reminder, datetime.now(timezone.utc))
        uow.commit()
    await accord.deliver()
    assert [p.all_text().splitlines()[0] for p in accord.slack.direct_to(AMIRA)] == ["Your vote is waiting"]
    assert accord.slack.in_channel(CHANNEL) == []


async def test_export_sends_the_report_to_the_asker_alone(accord):
    await accord.command(SAM, "start mini-council")
    await accord.command(SAM, "export")
    assert "Markdown report on A short council self-assessment is on its way" in accord.slack.ephemeral_to(SAM)[-1]
    (upload,) = accord.slack.uploads
    assert upload["channel"] == "D" + SAM
    (report,) = upload["files"]
    assert report["filename"].endswith(".md") and b"# A short council self-assessment" in report["bytes"]
    assert not any(p for p in accord.slack.posted if p.channel.startswith("D"))


async def test_the_slack_upload_is_the_export_every_surface_gives(accord):
    """The JSON uploaded to the asker is `accord export`'s, apart from when it was made."""
    import json

    from bot.export import export_report

    await accord.command(SAM, "start mini-council")
    await accord.command(SAM, "organisation name Northshire Council")
    await accord.command(SAM, "export json")
    (upload,) = accord.slack.uploads
    (file,) = upload["files"]
    uploaded = json.loads(file["bytes"])
    application = accord.application
    elsewhere = json.loads(export_report(application.database, application.config, uploaded["assessment"]["id"], "json").content)
    for export in (uploaded, elsewhere):
        export.pop("generated_at", None)
    assert uploaded == elsewhere
    assert uploaded["organisation"] == "Northshire Council"  # only with the full export's context


async def test_a_replayed_export_is_uploaded_once(accord):
    await accord.command(SAM, "start mini-council")
    body = accord.command_body(SAM, "export html")
    for retry in (None, 1):
        status, _ = await accord.post(body, accord.headers(body, retry=retry))
        assert status == 200
        await accord.deliver()
    assert len(accord.slack.uploads) == 1
    assert len([m for m in accord.slack.ephemeral_to(SAM) if "is on its way" in m]) == 1


async def test_export_as_html_is_one_self_contained_file_for_the_asker(accord):
    await accord.command(SAM, "start mini-council")
    await accord.command(SAM, "export html")
    assert "HTML report on A short council self-assessment is on its way" in accord.slack.ephemeral_to(SAM)[-1]
    (upload,) = accord.slack.uploads
    assert upload["channel"] == "D" + SAM
    (report,) = upload["files"]
    assert report["filename"].endswith(".html")
    assert report["bytes"].startswith(b"<!DOCTYPE html>")
    assert b"A short council self-assessment" in report["bytes"]
