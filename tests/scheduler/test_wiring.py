"""The APScheduler wiring, quickly: the jobs and their triggers, a first sweep at once, a clean stop,
and two schedulers on one PostgreSQL database of which only one sweeps.

These are the only scheduler tests that let real time pass: the jobs run every 50 ms and the test
waits (at most a few seconds) for what they should have done. Everything about *what* a sweep
does is tested by calling the sweeps directly with a given time.
"""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import parse_config
from bot.scheduler import Sweeper, check_cron, digest_trigger, schedule_policy, scheduler_job
from engine.assessment import Conversation
from engine.reminders import QuietHours, SchedulePolicy
from storage.database import create_db_engine
from tests.scheduler.conftest import outbox, reminders, wall

MONDAY, TUESDAY, WEDNESDAY = wall(2026, 3, 2, 9, 0), wall(2026, 3, 3, 9, 0), wall(2026, 3, 4, 9, 0)


class Clock:
    def __init__(self, now) -> None:
        self.now = now

    def __call__(self):
        return self.now


def runtime_for(engine, clock, config_text: str = ""):
    woke: list[bool] = []
    config = parse_config(config_text, environ={})
    application = SimpleNamespace(config=config, database=engine)
    return SimpleNamespace(application=application, dispatcher=SimpleNamespace(wake=lambda: woke.append(True)), clock=clock), woke


async def until(condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the scheduler did not get there in time")
        await asyncio.sleep(0.02)


# ------------------------------------------------------------------------- the jobs


async def test_the_scheduler_runs_its_sweeps_at_once_and_stops_when_told(start, db_engine):
    start(MONDAY)
    runtime, woke = runtime_for(db_engine, Clock(TUESDAY))
    job = scheduler_job(runtime)
    stop = asyncio.Event()
    task = asyncio.create_task(job(stop))
    await until(lambda: len(reminders(db_engine)) == 4)
    await until(lambda: bool(woke))  # the outbox dispatcher was told there is something to send

    jobs = {j.id: j for j in job.scheduler.get_jobs()}
    assert set(jobs) == {"deadlines", "reminders", "digests", "digests-on-time"}
    assert isinstance(jobs["reminders"].trigger, IntervalTrigger)
    assert jobs["reminders"].trigger.interval == timedelta(seconds=60)
    assert jobs["deadlines"].trigger.interval == timedelta(seconds=30)
    on_time = jobs["digests-on-time"].trigger
    assert isinstance(on_time, CronTrigger) and on_time.timezone == ZoneInfo("Europe/London")
    assert on_time.get_next_fire_time(None, TUESDAY.astimezone(ZoneInfo("Europe/London"))) == wall(2026, 3, 9, 9, 0)

    stop.set()
    await asyncio.wait_for(task, 5)
    assert not job.scheduler.running


async def test_with_digests_off_in_app_yaml_there_is_no_job_on_the_digest_time(db_engine):
    runtime, _ = runtime_for(db_engine, Clock(TUESDAY), "digests:\n  enabled: false\n")
    job = scheduler_job(runtime, every=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(job(stop))
    await until(lambda: hasattr(job, "scheduler"))
    assert {j.id for j in job.scheduler.get_jobs()} == {"deadlines", "reminders", "digests"}
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_two_schedulers_on_one_postgresql_send_each_reminder_once_and_take_over(start, db_url, db_engine):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; on SQLite one process runs the scheduler")
    for index in range(3):
        start(MONDAY, conversation=Conversation("slack", "T-NORTHSHIRE", f"C-{index}"))
    clock = Clock(TUESDAY)
    engines = [create_db_engine(db_url), create_db_engine(db_url)]
    jobs = [scheduler_job(runtime_for(engine, clock)[0], every=0.05, deadline_every=0.05) for engine in engines]
    stops = [asyncio.Event(), asyncio.Event()]
    tasks = [asyncio.create_task(job(stop)) for job, stop in zip(jobs, stops)]
    try:
        await until(lambda: len(reminders(db_engine)) == 12)
        await until(lambda: sum(job.leadership._holding for job in jobs) == 1)
        leader = next(i for i, job in enumerate(jobs) if job.leadership._holding)
        other = 1 - leader
        assert not jobs[other].leadership.holds()  # it asks every tick, and is refused

        stops[leader].set()  # the leading process stops
        await asyncio.wait_for(tasks[leader], 5)
        clock.now = WEDNESDAY
        await until(lambda: len(reminders(db_engine)) == 24)  # the other one took over
        assert jobs[other].leadership._holding
    finally:
        for stop in stops:
            stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for engine in engines:
            engine.dispose()
    queued = [item.key for item in outbox(db_engine)]
    assert len(queued) == len(set(queued)) == 24
    assert sorted(n for _, n in reminders(db_engine)) == [1] * 12 + [2] * 12


# --------------------------------------------------------------------- configuration


def test_the_policy_comes_from_app_yaml():
    config = parse_config(
        "organisation:\n  timezone: Europe/Paris\n"
        "reminders:\n  first_after: 4h\n  interval: 2d\n  max_count: 2\n"
        "  quiet_hours: {start: '19:00', end: '07:30'}\n  weekends_quiet: false\n"
        "digests:\n  cron: '30 8 * * fri'\n",
        environ={},
    )
    policy = schedule_policy(config)
    assert policy.timezone == "Europe/Paris" and policy.digest_cron == "30 8 * * fri"
    reminders_ = policy.reminders
    assert (reminders_.first_after, reminders_.interval, reminders_.max_count) == (timedelta(hours=4), timedelta(days=2), 2)
    assert reminders_.quiet_hours == QuietHours(time(19, 0), time(7, 30))
    assert reminders_.weekends_quiet is False
    assert schedule_policy(parse_config("", environ={})) == SchedulePolicy()  # the built-in defaults are app.yaml's


@pytest.mark.parametrize(
    ("cron", "first_after_monday_2_march"),
    [
        ("0 9 * * mon", wall(2026, 3, 9, 9, 0)),
        ("0 9 * * 1", wall(2026, 3, 9, 9, 0)),  # cron's 1 is Monday (APScheduler 3's would be Tuesday)
        ("0 9 * * 0", wall(2026, 3, 8, 9, 0)),  # and 0 is Sunday
        ("0 9 * * 7", wall(2026, 3, 8, 9, 0)),  # so is 7
        ("0 9 * * 1-5", wall(2026, 3, 3, 9, 0)),
        ("0 9 * * fri-mon", wall(2026, 3, 6, 9, 0)),  # wrapping over the weekend
        ("15 17 1 * *", wall(2026, 4, 1, 17, 15)),
    ],
)
def test_digest_schedules_mean_what_cron_means(cron, first_after_monday_2_march):
    trigger = digest_trigger(cron, ZoneInfo("Europe/London"))
    assert trigger.get_next_fire_time(None, MONDAY + timedelta(seconds=1)) == first_after_monday_2_march


@pytest.mark.parametrize("cron", ["0 9 * *", "0 25 * * *", "0 9 * * 8", "0 9 * * funday", "0 9 * * */0"])
def test_an_unusable_digest_schedule_is_refused_with_words(cron):
    with pytest.raises(ValueError, match="cron expression"):
        check_cron(cron)


def test_the_sweeper_uses_the_organisations_zone_for_digests(start, db_engine):
    start(MONDAY)
    tokyo = Sweeper(db_engine, SchedulePolicy(timezone="Asia/Tokyo"))
    tokyo.sweep_digests(MONDAY + timedelta(minutes=1))
    assert tokyo.sweep_digests(wall(2026, 3, 9, 0, 0)) == 2  # 09:00 in Tokyo is midnight in London
