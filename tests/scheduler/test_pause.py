"""A paused assessment: the sweeps leave it alone, and `resume` picks up where it stopped.

Wednesday 4 March 2026, London: the board's question opens at 10:00 with a deadline on Friday at
17:00. Paused from Wednesday 11:00 to Monday 9 March 09:00, nobody is reminded, the deadline does
not reveal, and Monday's 09:00 digest does not go. After `resume` the deadline is Friday's plus the
time paused, and the reminders start again.
"""

from __future__ import annotations

from bot.scheduler import Sweeper
from tests.scheduler.conftest import AMIRA, BEN, SAM, outbox, reminders, wall


def test_while_paused_no_reminders_deadline_reveals_or_digests_and_resume_picks_up(start, sweeper: Sweeper, db_engine):
    council = start(wall(2026, 3, 4, 10, 0))
    deadline = wall(2026, 3, 6, 17, 0)
    council.act(lambda a: a.set_deadline(SAM, deadline, wall(2026, 3, 4, 10, 1)))
    council.vote(AMIRA, wall(2026, 3, 4, 10, 2))
    council.vote(BEN, wall(2026, 3, 4, 10, 3))
    sweeper.sweep_digests(wall(2026, 3, 4, 10, 5))  # plans Monday's digest
    council.act(lambda a: a.pause(SAM, wall(2026, 3, 4, 11, 0)))

    for day, hour in ((5, 10), (6, 18), (9, 9)):
        report = sweeper.sweep(wall(2026, 3, day, hour, 0))
        assert report.queued == 0, (day, report)
    assert council.load().focus_round.state.value == "open"  # two votes, deadline passed: still not revealed
    assert reminders(db_engine) == []
    assert not any(item.key and item.key.startswith("digest:") for item in outbox(db_engine))

    council.act(lambda a: a.resume(SAM, wall(2026, 3, 9, 9, 0)))
    moved = council.load().focus_round.closes_at
    assert moved == deadline + (wall(2026, 3, 9, 9, 0) - wall(2026, 3, 4, 11, 0))
    assert council.schedule().deadline_at == moved
    sweeper.sweep_reminders(wall(2026, 3, 9, 10, 0))
    assert {name for name, _ in reminders(db_engine)} == {"Sam", "Chloe"}  # who has not voted
    assert sweeper.sweep_deadlines(moved)[0] == 1  # revealed at the moved deadline
