"""Votes that arrive together share one commit, and each is still all or nothing.

Through the real use cases and a real database (`storage.database_work.DatabaseWork`, as
`accord serve` runs it), several votes submitted at once run in one transaction: on SQLite any
votes, on PostgreSQL votes in one conversation. Either way a voter is answered only once the
vote is stored, a refused vote changes nothing, and when the commit fails nobody is told their
vote was saved and nothing is kept, in the tables or in the process's cache.
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime, timedelta, timezone
from functools import partial

import pytest
from sqlalchemy import Engine, event, text

from bot import commands as grammar
from bot.catalogue import FrameworkCatalogue
from bot.service import Accord, Person, Reply, Request
from engine.assessment import Conversation, Identity, Settings
from storage.database_work import DatabaseWork
from storage.group_commit import GroupCommit
from storage.receipts import Receipt, Replayed
from storage.unit_of_work import SqlUnitOfWork

PLACE = Conversation("slack", "T1", "C1")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
PEOPLE = [Person(Identity("slack", "T1", f"U{n}"), f"Member {n}") for n in range(6)]


class NoOne:
    def roster(self, conversation):
        return PEOPLE

    def find(self, conversation, text):
        return None


def accord_in(database: Engine, shared=None, receipt: Receipt | None = None) -> Accord:
    return Accord(
        partial(SqlUnitOfWork, database, shared=shared, receipt=receipt),
        FrameworkCatalogue.load(),
        Settings(auto_reveal=False),
        queued_platforms=frozenset({"slack"}),
    )


def request(person: Person, seconds: int = 0) -> Request:
    return Request(person, PLACE, NOW + timedelta(seconds=seconds))


@pytest.fixture
def started(db_engine: Engine) -> Engine:
    reply = accord_in(db_engine).handle(request(PEOPLE[0]), grammar.Start(), NoOne())
    assert reply.ok, reply.messages
    return db_engine


def votes_stored(database: Engine) -> dict[str, tuple[int, int]]:
    with database.connect() as connection:
        rows = connection.execute(
            text("SELECT m.user_id, v.current, v.ambition FROM vote v JOIN member m ON m.id = v.member_id")
        ).all()
    return {user: (current, ambition) for user, current, ambition in rows}


def vote(database: Engine, person: Person, current: int, ambition: int, receipt: Receipt | None = None):
    def command(shared) -> Reply:
        return accord_in(database, shared, receipt).handle(request(person), grammar.Vote(current, ambition), NoOne())

    return command


async def submit_together(work: DatabaseWork, commands) -> list:
    """Submit every command before any is run, as requests read in one turn of the loop are."""
    return await asyncio.gather(*(work.command(command, PLACE) for command in commands), return_exceptions=True)


def writer(database: Engine) -> GroupCommit:
    """A writer as `storage.database_work` makes it: on PostgreSQL its groups hold one conversation."""
    return GroupCommit(database, keyed=database.dialect.name == "postgresql")


def run(coroutine):
    return asyncio.run(coroutine)


def as_one_group(group: GroupCommit, commands, *, once_queued=lambda: None, keys=None) -> list:
    """Queue `commands` while the writer thread is busy, so they run as one group; their outcomes.

    `once_queued` runs when every command is queued, before the writer is let go. `keys`: each
    command's conversation, for a keyed writer.
    """
    busy, free = threading.Event(), threading.Event()

    def hold_the_writer() -> None:
        busy.set()
        free.wait(10)

    async def queued_behind_other_work():
        held = asyncio.ensure_future(group.call(hold_the_writer))
        await asyncio.to_thread(busy.wait, 10)
        outcomes = [asyncio.ensure_future(group.run(command, key)) for command, key in zip(commands, keys or [None] * len(commands))]
        await asyncio.sleep(0)  # every command is queued before the writer is let go
        once_queued()
        free.set()
        await held
        return await asyncio.gather(*outcomes, return_exceptions=True)

    try:
        return asyncio.run(asyncio.wait_for(queued_behind_other_work(), timeout=20))
    finally:
        free.set()


def test_votes_submitted_together_are_all_stored_and_each_voter_hears_of_their_own(started: Engine) -> None:
    work = DatabaseWork(started)
    try:
        replies = run(submit_together(work, [vote(started, p, 2 + n % 3, 4) for n, p in enumerate(PEOPLE)]))
    finally:
        work.close()
    assert all(isinstance(r, Reply) and r.ok for r in replies), replies
    assert votes_stored(started) == {p.identity.user_id: (2 + n % 3, 4) for n, p in enumerate(PEOPLE)}
    # Each saw the progress as it stood after their own vote: 1 of 6, 2 of 6, ... in turn.
    footers = sorted(next(m.footer for m in r.messages if m.key) for r in replies)
    assert footers == sorted(f"{n} of 6 have voted." for n in range(1, 7))


def test_a_refused_vote_in_a_group_changes_nothing_and_the_others_land(started: Engine) -> None:
    outsider = Person(Identity("slack", "T1", "U-OUTSIDER"), "Not a member")
    work = DatabaseWork(started)
    try:
        replies = run(
            submit_together(
                work,
                [vote(started, PEOPLE[1], 3, 4), vote(started, PEOPLE[2], 9, 4), vote(started, outsider, 3, 3), vote(started, PEOPLE[3], 1, 2)],
            )
        )
    finally:
        work.close()
    assert [r.ok for r in replies] == [True, False, False, True]
    assert "scale" in " ".join(" ".join(m.text) for m in replies[1].messages).lower()
    assert votes_stored(started) == {"U1": (3, 4), "U3": (1, 2)}


def test_a_changed_vote_in_the_same_group_is_stored_once_as_the_last(started: Engine) -> None:
    work = DatabaseWork(started)
    try:
        replies = run(submit_together(work, [vote(started, PEOPLE[1], 1, 2), vote(started, PEOPLE[1], 4, 5)]))
    finally:
        work.close()
    assert [r.ok for r in replies] == [True, True]
    # They run in the order they came, in one transaction: the later wins, and its voter is the
    # one told the vote was changed.
    changed = [n for n, r in enumerate(replies) if "changed your vote" in r.messages[0].heading]
    assert changed == [1]
    assert votes_stored(started) == {"U1": (4, 5)}


def test_a_delivery_replayed_within_one_group_is_applied_once(started: Engine) -> None:
    receipt = Receipt("slack", "T1", "V1:hash", NOW)
    work = DatabaseWork(started)
    try:
        replies = run(submit_together(work, [vote(started, PEOPLE[1], 2, 3, receipt), vote(started, PEOPLE[1], 2, 3, receipt)]))
    finally:
        work.close()
    # The first is applied and the second recognised.
    assert [type(r).__name__ for r in replies] == ["Reply", "Replayed"]
    assert all(r.ok for r in replies if isinstance(r, Reply))
    assert votes_stored(started) == {"U1": (2, 3)}


def test_when_the_shared_commit_fails_no_voter_is_told_it_was_saved_and_nothing_is_kept(started: Engine) -> None:
    # Warm the process's cache with the assessment, so a leak into it would show below.
    before = accord_in(started).handle(request(PEOPLE[0]), grammar.Status(), NoOne())
    assert before.ok

    def disk_full(connection) -> None:
        raise OSError("disk I/O error")

    group = writer(started)
    event.listen(started, "commit", disk_full)
    try:

        async def together():
            commands = [vote(started, p, 3, 4) for p in PEOPLE[:3]]
            return await asyncio.gather(*(group.run(command) for command in commands), return_exceptions=True)

        outcomes = run(together())
    finally:
        event.remove(started, "commit", disk_full)
        group.close()
    assert all(isinstance(outcome, OSError) for outcome in outcomes), outcomes
    assert votes_stored(started) == {}
    # The next command sees the stored state, not the lost group's: nobody has voted.
    status = accord_in(started).handle(request(PEOPLE[0], 60), grammar.Vote(2, 3), NoOne())
    assert next(m.footer for m in status.messages if m.key) == "1 of 6 have voted."
    assert votes_stored(started) == {"U0": (2, 3)}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_other_work_runs_in_turn_with_the_groups_on_the_one_writer_thread(started: Engine) -> None:
    """A command that opens its own transaction runs between groups, never inside one (it would wait for itself)."""
    work = DatabaseWork(started)

    def count_votes() -> int:
        with SqlUnitOfWork(started) as uow:
            return uow.session.connection().execute(text("SELECT count(*) FROM vote")).scalar()

    async def mixed():
        return await asyncio.gather(
            work.command(vote(started, PEOPLE[1], 2, 3), PLACE),
            work.call(count_votes),
            work.command(vote(started, PEOPLE[2], 2, 3), PLACE),
            work.call(count_votes),
        )

    try:
        first, counted, second, counted_again = asyncio.run(asyncio.wait_for(mixed(), timeout=20))
    finally:
        work.close()
    assert first.ok and second.ok
    assert (counted, counted_again) == (1, 2)


def test_votes_waiting_for_the_writer_share_one_commit(started: Engine) -> None:
    """What queued while the writer was busy goes in one transaction: one wait for the disk, not six."""
    commits: list[int] = []
    event.listen(started, "commit", lambda connection: commits.append(1))
    group = writer(started)
    try:
        replies = as_one_group(group, [vote(started, p, 3, 4) for p in PEOPLE])
    finally:
        group.close()
    assert all(r.ok for r in replies)
    assert len(votes_stored(started)) == 6
    assert len(commits) == 1


def test_stopping_the_writer_finishes_what_was_asked_first(started: Engine, monkeypatch) -> None:
    """Work and votes queued before the server stops are done, then the thread ends cleanly."""

    crashed: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: crashed.append(args.exc_value))
    busy, free = threading.Event(), threading.Event()

    def hold_the_writer() -> str:
        busy.set()
        free.wait(10)
        return "held"

    group = writer(started)

    async def stop_while_busy():
        held = asyncio.ensure_future(group.call(hold_the_writer))
        await asyncio.to_thread(busy.wait, 10)
        queued = [
            asyncio.ensure_future(group.run(vote(started, PEOPLE[2], 3, 4))),
            asyncio.ensure_future(group.call(lambda: "after")),  # other work last, just before the stop
        ]
        await asyncio.sleep(0)
        closing = asyncio.ensure_future(asyncio.to_thread(group.close))  # the server stops now
        await asyncio.sleep(0.05)
        free.set()
        results = await asyncio.gather(held, *queued)
        await closing
        return results

    try:
        held, voted, after = asyncio.run(asyncio.wait_for(stop_while_busy(), timeout=20))
    finally:
        free.set()
    assert (held, after) == ("held", "after")
    assert voted.ok and votes_stored(started) == {"U2": (3, 4)}
    assert crashed == []


def test_votes_in_one_group_read_the_assessment_once_and_each_sees_the_one_before(started: Engine) -> None:
    """The group holds SQLite's write lock: after the first vote nobody else can have changed the assessment."""
    lookups: list[str] = []

    settled: list[str] = []

    def count_lookup(connection, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT ASSESSMENT.ID, ASSESSMENT.VERSION"):
            # A command's lookup names one assessment; the group's read of the versions it
            # wrote, just before its commit, names them as a list (PendingCache.settle).
            (settled if " IN (" in statement.upper() else lookups).append(statement)

    group = writer(started)
    try:
        replies = as_one_group(
            group,
            [vote(started, p, 2 + n % 3, 4) for n, p in enumerate(PEOPLE)],
            once_queued=lambda: event.listen(started, "before_cursor_execute", count_lookup),
        )
        assert len(lookups) == 1 and len(settled) == 1
        # The next group is another transaction: it asks the database again.
        again = asyncio.run(asyncio.wait_for(group.run(vote(started, PEOPLE[0], 1, 1)), timeout=20))
        assert again.ok and len(lookups) == 2
    finally:
        group.close()
        event.remove(started, "before_cursor_execute", count_lookup)
    assert [next(m.footer for m in r.messages if m.key) for r in replies] == [f"{n} of 6 have voted." for n in range(1, 7)]
    assert votes_stored(started) == {"U0": (1, 1)} | {p.identity.user_id: (2 + n % 3, 4) for n, p in enumerate(PEOPLE[1:], 1)}


def progress_lines_queued(database: Engine) -> list[str]:
    """The footers of the queued versions of the question's message (its progress line), oldest first."""
    with database.connect() as connection:
        rows = connection.execute(text("SELECT message FROM outbox WHERE sent_at IS NULL ORDER BY id")).all()
    messages = [json.loads(row[0]) if isinstance(row[0], str) else row[0] for row in rows]
    return [m["footer"] for m in messages if m.get("key")]


def test_a_group_writes_the_progress_line_once_as_its_last_version_and_never_a_rolled_back_one(started: Engine) -> None:
    writes: list[str] = []

    def count_outbox_writes(connection, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("INSERT INTO OUTBOX", "UPDATE OUTBOX")):
            writes.append(statement)

    first = Receipt("slack", "T1", "V1:first", NOW)
    commands = [
        vote(started, PEOPLE[1], 2, 3, first),
        vote(started, PEOPLE[2], 3, 4),
        vote(started, PEOPLE[3], 3, 4, first),  # Slack's delivery of the first vote again: refused
    ]
    group = writer(started)
    try:
        outcomes = as_one_group(group, commands, once_queued=lambda: event.listen(started, "before_cursor_execute", count_outbox_writes))
    finally:
        group.close()
        event.remove(started, "before_cursor_execute", count_outbox_writes)
    assert isinstance(outcomes[0], Reply) and isinstance(outcomes[1], Reply) and isinstance(outcomes[2], Replayed)
    assert len(writes) == 1
    # The question as posted at the start was still waiting: its one row now carries the newest line.
    assert progress_lines_queued(started) == ["2 of 6 have voted."]
    assert votes_stored(started) == {"U1": (2, 3), "U2": (3, 4)}


def test_a_reveal_queued_in_a_group_keeps_its_place_and_the_line_shows_the_last_vote(db_engine: Engine) -> None:
    """The vote that completes the round reveals it (auto-reveal): its reveal and the final line are both queued."""

    team = PEOPLE[:3]

    class Three(NoOne):
        def roster(self, conversation):
            return team

    auto = Accord(partial(SqlUnitOfWork, db_engine), FrameworkCatalogue.load(), Settings(auto_reveal=True), queued_platforms=frozenset({"slack"}))
    assert auto.handle(request(team[0]), grammar.Start(), Three()).ok

    def auto_vote(person: Person, current: int):
        def command(shared) -> Reply:
            accord = Accord(partial(SqlUnitOfWork, db_engine, shared=shared), FrameworkCatalogue.load(), Settings(auto_reveal=True), queued_platforms=frozenset({"slack"}))
            return accord.handle(request(person), grammar.Vote(current, 4), Three())

        return command

    group = writer(db_engine)
    try:
        replies = as_one_group(group, [auto_vote(p, 2 + n) for n, p in enumerate(team)])
    finally:
        group.close()
    assert all(r.ok for r in replies)
    with db_engine.connect() as connection:
        rows = connection.execute(text("SELECT message FROM outbox WHERE sent_at IS NULL ORDER BY id")).all()
    kinds = [(json.loads(r[0]) if isinstance(r[0], str) else r[0])["kind"] for r in rows]
    # The start's notice and question, posted in that order, then the reveal; the question's
    # newest version comes after it and updates the posted question in place.
    assert kinds == ["notice", "question", "reveal", "question"]
    assert progress_lines_queued(db_engine)[-1].startswith("3 of 3 have voted")


def test_a_grouped_command_can_use_the_orm_and_a_refused_one_leaves_nothing(started: Engine) -> None:
    """Grouped votes reach the database through the connection alone; ORM work in a group still commits with it."""

    def record_profile(person: Person, then_refuse: bool):
        def command(shared):
            with SqlUnitOfWork(started, shared=shared) as uow:
                uow.profiles.record(person.identity, NOW, timezone="Europe/London")
                assert uow.profiles.get(person.identity).timezone == "Europe/London"
                if then_refuse:
                    raise ValueError("refused after writing")
                uow.commit()
            return person.identity.user_id

        return command

    group = writer(started)
    try:
        outcomes = as_one_group(
            group, [vote(started, PEOPLE[1], 2, 3), record_profile(PEOPLE[2], False), record_profile(PEOPLE[3], True)]
        )
    finally:
        group.close()
    assert outcomes[0].ok and outcomes[1] == "U2" and isinstance(outcomes[2], ValueError)
    with SqlUnitOfWork(started, read_only=True) as uow:
        assert uow.profiles.get(PEOPLE[2].identity).timezone == "Europe/London"
        assert uow.profiles.get(PEOPLE[3].identity) is None
    assert votes_stored(started) == {"U1": (2, 3)}


def stored_version(database: Engine) -> int:
    with database.connect() as connection:
        return connection.execute(text("SELECT version FROM assessment")).scalar_one()


def test_a_group_moves_the_version_on_and_another_process_sees_every_vote_of_it(started: Engine, db_url: str) -> None:
    from storage.database import create_db_engine

    before = stored_version(started)
    first = Receipt("slack", "T1", "V1:first", NOW)
    group = writer(started)
    try:
        outcomes = as_one_group(
            group,
            [
                vote(started, PEOPLE[1], 3, 4, first),
                vote(started, PEOPLE[2], 3, 4),
                vote(started, PEOPLE[3], 1, 4, first),  # replayed: rolled back, changes nothing
                vote(started, PEOPLE[4], 2, 4),
            ],
        )
        assert [type(o).__name__ for o in outcomes] == ["Reply", "Reply", "Replayed", "Reply"]
        grouped = stored_version(started)
        assert grouped > before

        # Another process (its own engine and cache) reads what the group committed, and votes.
        other = create_db_engine(db_url)
        try:
            elsewhere = accord_in(other).handle(request(PEOPLE[5], 30), grammar.Vote(4, 5), NoOne())
            assert elsewhere.ok and next(m.footer for m in elsewhere.messages if m.key) == "4 of 6 have voted."
        finally:
            other.dispose()
        elsewhere_version = stored_version(started)
        assert elsewhere_version > grouped

        # This process's next group starts from the other process's change, not its kept copy.
        [after] = as_one_group(group, [vote(started, PEOPLE[0], 2, 2)])
        assert after.ok and next(m.footer for m in after.messages if m.key) == "5 of 6 have voted."
        assert stored_version(started) > elsewhere_version
    finally:
        group.close()
    assert votes_stored(started) == {"U0": (2, 2), "U1": (3, 4), "U2": (3, 4), "U4": (2, 4), "U5": (4, 5)}


def test_a_command_rolled_back_after_moving_the_version_on_leaves_nothing_another_process_sees(started: Engine, db_url: str) -> None:
    from storage.database import create_db_engine

    def saves_then_fails(shared):
        with SqlUnitOfWork(started, shared=shared) as uow:
            assessment = uow.assessments.active_in(PLACE, for_update=True)
            assessment.cast_vote(PEOPLE[1].identity, assessment.focus_round.question_id, 1, 1, NOW)
            uow.assessments.save(assessment)  # the version steps on here...
            raise RuntimeError("...and the command fails before its savepoint is released")

    before = stored_version(started)
    group = writer(started)
    try:
        outcomes = as_one_group(group, [saves_then_fails, vote(started, PEOPLE[2], 3, 4)])
    finally:
        group.close()
    assert isinstance(outcomes[0], RuntimeError) and outcomes[1].ok
    assert stored_version(started) > before
    other = create_db_engine(db_url)
    try:
        status = accord_in(other).handle(request(PEOPLE[0], 30), grammar.Vote(2, 2), NoOne())
    finally:
        other.dispose()
    assert next(m.footer for m in status.messages if m.key) == "2 of 6 have voted."
    assert votes_stored(started) == {"U0": (2, 2), "U2": (3, 4)}


def test_on_postgresql_a_group_holds_one_conversation_so_no_two_groups_wait_on_each_others_locks(db_engine: Engine) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer and one lock: its groups may hold any conversation")
    other = Conversation("slack", "T1", "C2")
    for where in (PLACE, other):
        started = accord_in(db_engine).handle(Request(PEOPLE[0], where, NOW), grammar.Start(), NoOne())
        assert started.ok, started.messages

    def vote_in(where: Conversation, person: Person):
        return lambda shared: accord_in(db_engine, shared).handle(Request(person, where, NOW), grammar.Vote(3, 4), NoOne())

    queued = [(PLACE, PEOPLE[1]), (PLACE, PEOPLE[2]), (other, PEOPLE[1]), (other, PEOPLE[2]), (PLACE, PEOPLE[3])]
    commits: list[int] = []
    event.listen(db_engine, "commit", lambda connection: commits.append(1))
    group = writer(db_engine)
    try:
        replies = as_one_group(group, [vote_in(where, person) for where, person in queued], keys=[where for where, _ in queued])
    finally:
        group.close()
    assert all(isinstance(r, Reply) and r.ok for r in replies), replies
    # In the order they came, a group per run of one conversation: C1's two, C2's two, C1's last.
    assert len(commits) == 3
    with db_engine.connect() as connection:
        stored = connection.execute(
            text("SELECT a.channel_id, count(*) FROM vote v JOIN round r ON r.id = v.round_id JOIN assessment a ON a.id = r.assessment_id GROUP BY a.channel_id")
        ).all()
    assert dict(stored) == {"C1": 3, "C2": 2}
