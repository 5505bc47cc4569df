"""Deadlines and digests through the real database (SQLite, and PostgreSQL when set).

A deadline passing reveals the round in the channel (through the outbox) and tells the
super-user privately who did not vote; with fewer than two votes it cannot reveal (everyone
would know whose vote it is), says so once, and reveals as soon as a second vote arrives.
Digests go out on the cron schedule, in the organisation's time zone: counts to the channel,
names only to super-users.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine.assessment import Conversation, RoundState
from engine.views import Kind
from tests.scheduler.conftest import AMIRA, BEN, BOARD, CHLOE, SAM, outbox, wall

MONDAY = wall(2026, 3, 2, 9, 0)


def _text(message) -> str:
    return "\n".join([message.heading, *message.text, *(f"{f.label}: {f.value}" for f in message.fields), message.footer])


# ---------------------------------------------------------------------------- deadlines


def test_a_passing_deadline_reveals_the_votes_and_tells_the_super_user_who_did_not_vote(start, sweeper, db_engine):
    council = start(MONDAY)
    council.act(lambda a: a.set_deadline(SAM, wall(2026, 3, 4, 17, 0), MONDAY))
    for who in (SAM, AMIRA, BEN):
        council.vote(who, MONDAY + timedelta(hours=1))
    assert council.schedule().deadline_at == wall(2026, 3, 4, 17, 0)

    assert sweeper.sweep_deadlines(wall(2026, 3, 4, 16, 59)) == (0, 0)
    assert sweeper.sweep_deadlines(wall(2026, 3, 4, 17, 0)) == (1, 0)
    assessment = council.load()
    assert assessment.focus_round.state is RoundState.REVEALED
    assert assessment.focus_round.revealed_at == wall(2026, 3, 4, 17, 0)

    sent = outbox(db_engine)
    channel = [item.message for item in sent if item.to is None]
    assert [m.kind for m in channel] == [Kind.QUESTION, Kind.REVEAL]  # the progress line, then the reveal
    assert "Chloe" not in " ".join(_text(m) for m in channel)
    private = [item for item in sent if item.to is not None]
    assert [item.to for item in private] == [SAM]
    assert "Did not vote (only super-users see this): Chloe." in private[0].message.text

    assert sweeper.sweep_deadlines(wall(2026, 3, 4, 17, 1)) == (0, 0)  # nothing twice
    assert len(outbox(db_engine)) == len(sent)
    row = council.schedule()
    assert (row.deadline_at, row.remind_at) == (None, None)


def test_with_one_vote_the_deadline_cannot_reveal_and_the_super_user_is_told_once(start, sweeper, db_engine):
    council = start(MONDAY)
    council.act(lambda a: a.set_deadline(SAM, wall(2026, 3, 4, 17, 0), MONDAY))
    council.vote(AMIRA, MONDAY + timedelta(hours=1))

    assert sweeper.sweep_deadlines(wall(2026, 3, 4, 17, 0)) == (0, 1)
    assert council.load().focus_round.state is RoundState.OPEN
    told = [item for item in outbox(db_engine) if item.key.startswith("deadline:")]
    assert [item.to for item in told] == [SAM]
    assert told[0].heading.endswith("deadline passed with 1 vote")
    assert "Not voted yet (only super-users see this): Ben, Chloe, Sam." in told[0].message.text
    assert council.schedule().deadline_at is None
    for minutes in (1, 30, 600):
        assert sweeper.sweep_deadlines(wall(2026, 3, 4, 17, 0) + timedelta(minutes=minutes)) == (0, 0)

    council.vote(CHLOE, wall(2026, 3, 5, 9, 0))  # a second vote after the deadline: now it can reveal
    assert sweeper.sweep_deadlines(wall(2026, 3, 5, 9, 1)) == (1, 0)
    assert council.load().focus_round.state is RoundState.REVEALED
    assert len([i for i in outbox(db_engine) if i.to == SAM and "deadline passed" in i.heading]) == 2


def test_a_deadline_moved_or_removed_before_it_passes_is_followed(start, sweeper, db_engine):
    council = start(MONDAY)
    for who in (SAM, AMIRA):
        council.vote(who, MONDAY)
    council.act(lambda a: a.set_deadline(SAM, wall(2026, 3, 3, 12, 0), MONDAY))
    council.act(lambda a: a.set_deadline(SAM, wall(2026, 3, 5, 12, 0), MONDAY))
    assert sweeper.sweep_deadlines(wall(2026, 3, 4, 12, 0)) == (0, 0)
    council.act(lambda a: a.set_deadline(SAM, None, MONDAY))
    assert council.schedule().deadline_at is None
    assert sweeper.sweep_deadlines(wall(2026, 3, 6, 12, 0)) == (0, 0)
    assert council.load().focus_round.state is RoundState.OPEN


# ------------------------------------------------------------------------------ digests


def test_digests_go_out_on_monday_at_nine_london_time_once(start, sweeper, db_engine):
    council = start(wall(2026, 3, 4, 10, 0))  # a Wednesday
    assert sweeper.sweep_digests(wall(2026, 3, 4, 10, 1)) == 0
    assert council.schedule().digest_at == wall(2026, 3, 9, 9, 0)
    assert sweeper.sweep_digests(wall(2026, 3, 9, 8, 59)) == 0
    assert sweeper.sweep_digests(wall(2026, 3, 9, 9, 0)) == 2  # the channel's, and Sam's
    assert sweeper.sweep_digests(wall(2026, 3, 9, 9, 0, 30)) == 0
    assert council.schedule().digest_at == wall(2026, 3, 16, 9, 0)
    # Across the change of the clocks: 09:00 BST on 30 March is 08:00 UTC.
    assert sweeper.sweep_digests(wall(2026, 3, 16, 9, 0)) == 2
    assert sweeper.sweep_digests(wall(2026, 3, 23, 9, 0)) == 2
    assert council.schedule().digest_at == wall(2026, 3, 30, 9, 0) == datetime(2026, 3, 30, 8, 0, tzinfo=timezone.utc)


def test_a_digest_missed_while_the_scheduler_was_stopped_goes_once_when_it_is_back(start, sweeper, db_engine):
    start(wall(2026, 3, 4, 10, 0))
    sweeper.sweep_digests(wall(2026, 3, 4, 10, 1))
    assert sweeper.sweep_digests(wall(2026, 3, 25, 14, 0)) == 2  # three Mondays missed: one digest
    assert sweeper.sweep_digests(wall(2026, 3, 25, 14, 1)) == 0


def test_the_channel_digest_has_counts_and_the_super_users_has_names(start, sweeper, db_engine):
    council = start(wall(2026, 3, 4, 10, 0))
    for who in (SAM, AMIRA, BEN, CHLOE):
        council.vote(who, wall(2026, 3, 4, 10, 5), current=1 if who in (SAM, AMIRA) else 5, ambition=5)
    council.act(lambda a: a.reveal(SAM, wall(2026, 3, 4, 11, 0)))
    council.act(lambda a: a.finalise(SAM, wall(2026, 3, 4, 11, 30), 3, 4, "two camps; agreed the middle for now"))
    council.vote(AMIRA, wall(2026, 3, 5, 9, 0))
    council.act(lambda a: a.set_deadline(SAM, wall(2026, 3, 11, 17, 0), wall(2026, 3, 5, 9, 0)))
    sweeper.sweep_digests(wall(2026, 3, 4, 12, 0))
    sweeper.sweep_digests(wall(2026, 3, 9, 9, 0))

    digests = [item for item in outbox(db_engine) if item.key.startswith("digest:")]
    channel = next(item.message for item in digests if item.to is None)
    private = next(item.message for item in digests if item.to == SAM)
    seen = _text(channel)
    assert channel.heading == "Digest: Efficient and intelligent councils, 9 March 2026"
    assert "Questions agreed: 1 of 25" in seen
    assert "Open for votes: question 1.2" in seen
    assert "Waiting for: 3 of 4 members" in seen
    assert "Needed discussion: 1 of 1 question revealed so far: 1.1 (split into two camps)" in seen
    assert "Next: question 1.2 is open for votes (1 of 4 have voted); voting closes Wed 11 Mar 17:00 (Europe/London)." in seen
    assert "23 questions still to come." in seen
    for name in ("Sam", "Amira", "Ben", "Chloe", "Olu"):
        assert name not in seen  # the channel sees counts, never who is waiting
    assert private.is_private
    assert "Not voted yet on question 1.2: Ben, Chloe, Sam" in _text(private)
    assert "Waiting for: 3 of 4 members" in _text(private)


def test_after_completion_the_digest_is_progress_against_ambition_until_a_new_assessment_starts(start, sweeper, db_engine):
    council = start(wall(2026, 3, 4, 10, 0))
    for who in (SAM, AMIRA):
        council.vote(who, wall(2026, 3, 4, 10, 5), current=2, ambition=4)
    council.act(lambda a: a.reveal(SAM, wall(2026, 3, 4, 11, 0)))
    council.act(lambda a: a.finalise(SAM, wall(2026, 3, 4, 11, 30)))
    council.act(lambda a: a.close(SAM, wall(2026, 3, 5, 12, 0)))
    assert council.schedule().remind_at is None
    sweeper.sweep_digests(wall(2026, 3, 5, 12, 1))
    assert sweeper.sweep_digests(wall(2026, 3, 9, 9, 0)) == 1  # the channel only
    (digest,) = [item.message for item in outbox(db_engine) if item.key.startswith("digest:")]
    seen = _text(digest)
    assert digest.heading == "Progress against ambition: Efficient and intelligent councils, 9 March 2026"
    assert "completed on 5 March 2026" in seen and "5 September 2027 to 5 March 2028" in seen
    assert "Agreed position: 2.0 now against an ambition of 4.0 (a gap of 2.0)." in seen
    assert "reopen" in seen

    start(wall(2026, 3, 10, 9, 0))  # the same channel starts its next assessment
    assert sweeper.sweep_digests(wall(2026, 3, 16, 9, 0)) == 2  # the new one's; the old one has stopped
    assert council.schedule().digest_at is None


def test_digests_can_be_switched_off_for_one_assessment(start, sweeper, db_engine):
    council = start(wall(2026, 3, 4, 10, 0))
    other = start(wall(2026, 3, 4, 10, 0), conversation=Conversation("slack", "T-NORTHSHIRE", "C-OTHER"))
    sweeper.sweep_digests(wall(2026, 3, 4, 10, 1))
    council.act(lambda a: a.change_schedule(SAM, digests=False))
    assert sweeper.sweep_digests(wall(2026, 3, 9, 9, 0)) == 2  # only the other board's
    assert {i.conversation for i in outbox(db_engine)} == {Conversation("slack", "T-NORTHSHIRE", "C-OTHER")}
    assert council.schedule().digest_at is None and other.schedule().digest_at is not None
    assert BOARD != Conversation("slack", "T-NORTHSHIRE", "C-OTHER")
