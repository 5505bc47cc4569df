"""The scheduler speaks its readers' language (issue 19): a deadline's reveal in a bilingual
organisation's channel is Welsh first, then English."""

from __future__ import annotations

from datetime import timedelta

from bot import i18n
from bot.scheduler import Sweeper
from engine.presenters.bilingual import DIVIDER
from engine.reminders import SchedulePolicy
from engine.views import Kind
from tests.scheduler.conftest import AMIRA, BEN, SAM, outbox, wall

MONDAY = wall(2026, 3, 2, 9, 0)


def test_a_deadline_reveals_in_welsh_first_for_a_bilingual_organisation(start, db_engine):
    i18n.install()
    council = start(MONDAY)
    council.act(lambda a: a.set_deadline(SAM, wall(2026, 3, 4, 17, 0), MONDAY))
    for who in (SAM, AMIRA, BEN):
        council.vote(who, MONDAY + timedelta(hours=1))
    sweeper = Sweeper(db_engine, SchedulePolicy(), language="bilingual")
    assert sweeper.sweep_deadlines(wall(2026, 3, 4, 17, 0)) == (1, 0)
    reveal = next(item.message for item in outbox(db_engine) if item.to is None and item.message.kind is Kind.REVEAL)
    assert reveal.heading.startswith("Pleidleisiau wedi'u datgelu: cwestiwn")
    assert " / Votes revealed: question" in reveal.heading
    assert DIVIDER in reveal.text
    progress = next(item.message for item in outbox(db_engine) if item.to is None and item.message.kind is Kind.QUESTION)
    assert progress.footer.startswith("3 o 4 wedi pleidleisio. Pleidleisio ar gau: wedi'i ddatgelu.")
