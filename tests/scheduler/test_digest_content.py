"""What a digest says, pure: counts for the channel, names for super-users only, progress after the end."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from engine.assessment import Assessment, Member, Role
from engine.digests import add_months, ambition_digest, digest_messages, standing, wants_digest
from tests.scheduler.conftest import AMIRA, BEN, BOARD, CHLOE, SAM, board

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def everything(message) -> str:
    return "\n".join([message.heading, *message.text, *(f"{f.label}: {f.value}" for f in message.fields), message.footer])


def started(framework) -> Assessment:
    return Assessment.start(
        assessment_id="a1", conversation=BOARD, framework=framework, starter=Member(SAM, "Sam"), members=board(), now=T0
    )


def test_the_channel_gets_counts_and_each_super_user_the_names(framework):
    assessment = started(framework)
    assessment.set_role(SAM, AMIRA, Role.SUPER_USER)
    assessment.cast_vote(BEN, assessment.focus_question_id, 2, 3, T0)
    channel, *private = digest_messages(assessment, T0 + timedelta(days=7), LONDON)
    assert channel.audience.is_channel and [m.audience.person for m in private] == [AMIRA, SAM]
    assert "Waiting for: 3 of 4 members" in everything(channel)
    for name in ("Amira", "Chloe", "Sam"):
        assert name not in everything(channel)
    assert "Not voted yet on question 1.1: Amira, Chloe, Sam" in everything(private[0])


def test_standing_counts_disagreements_once_per_question(framework):
    assessment = started(framework)
    question = assessment.focus_question_id
    for who, current in ((SAM, 1), (AMIRA, 1), (BEN, 5), (CHLOE, 5)):
        assessment.cast_vote(who, question, current, 5, T0)
    assessment.reveal(SAM, T0)
    assessment.reopen(SAM, None, T0)
    for who, current in ((SAM, 3), (AMIRA, 3), (BEN, 3), (CHLOE, 3)):
        assessment.cast_vote(who, question, current, 4, T0)
    assessment.reveal(SAM, T0)
    facts = standing(assessment)
    assert (facts.revealed, facts.disagreements, facts.progress) == (1, (), None)  # the latest reveal agreed


def test_after_completion_the_digest_shows_what_moved_since_first_agreed(framework):
    assessment = started(framework)
    question = assessment.focus_question_id
    for who in (SAM, AMIRA):
        assessment.cast_vote(who, question, 2, 4, T0)
    assessment.reveal(SAM, T0)
    assessment.finalise(SAM, T0)
    assessment.close(SAM, T0 + timedelta(days=1))
    assessment.reopen(SAM, question, T0 + timedelta(days=90))
    for who in (SAM, AMIRA):
        assessment.cast_vote(who, question, 3, 4, T0 + timedelta(days=90))
    assessment.reveal(SAM, T0 + timedelta(days=90))
    assessment.finalise(SAM, T0 + timedelta(days=90))
    assessment.close(SAM, T0 + timedelta(days=91))
    text = everything(ambition_digest(assessment, T0 + timedelta(days=100), LONDON))
    assert "Moved since first agreed: question 1.1 from 2 to 3 (ambition 4)." in text
    assert "now 3.0 (first agreed 2.0), ambition 4.0, gap +1.0" in text


def test_digests_stop_when_the_ambitions_horizon_passes(framework):
    assessment = started(framework)
    assessment.close(SAM, T0)
    assert wants_digest(assessment, T0 + timedelta(days=700))
    assert not wants_digest(assessment, add_months(T0, 24))
    assert add_months(datetime(2024, 1, 31, tzinfo=timezone.utc), 1) == datetime(2024, 2, 29, tzinfo=timezone.utc)
