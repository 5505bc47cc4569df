"""The scheduler: reminders to non-voters, deadlines, and digests, as sweeps over what is due.

`accord serve` runs `scheduler_job(runtime)` beside the HTTP server. It starts APScheduler's
`AsyncIOScheduler` with a few fixed jobs, each a sweep (`Sweeper`) over the schedule rows that
are due, read through an index (`storage.schedule`):

    deadlines   every 30 s   reveal open rounds whose closing time has passed; tell super-users
    reminders   every 60 s   remind members who have not voted, privately, by the policy, in
                             their working hours where their platform tells us them
    digests     every 60 s   and at the digest's cron time: the digest to the channel and super-users

The outbox dispatcher (`bot.delivery`) already runs beside them and delivers what they queue;
they wake it. Everything a sweep decides is written in one transaction with the outbox rows it
produces, each under a unique dedupe key, so a crash, a restart or a second process never sends
anything twice and never drops what was due.

With several `accord serve` processes on one PostgreSQL database, only one runs the sweeps at a
time: the one holding a session-level advisory lock (`pg_try_advisory_lock`) on a connection it
keeps for the purpose (`storage.leadership.Leadership`). When it stops, its connection closes, the lock is freed
and another process takes it at its next tick. On SQLite, one process runs them.

Time is injected: a sweep takes `now`; tests call them directly with a controllable clock.
APScheduler 3's `CronTrigger` numbers weekdays from Monday = 0, unlike cron (Sunday = 0);
`digest_trigger` translates cron's numbers to day names, so `0 9 * * 1` means Monday as in cron.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.readers import Readers
from engine import presenters
from engine.assessment import Assessment, Identity, RoundState
from engine.digests import digest_messages, wants_digest
from engine.language import ENGLISH, _, in_language
from engine.presenters.bilingual import in_languages, joined
from engine.reminders import QuietHours, ReminderPolicy, SchedulePolicy, Waiting, WorkingHours, plan, working_hours
from engine.views import CHANNEL, Message, only
from storage.outbox import Outgoing
from storage.schedule import OpenRound, Reminded, ScheduleRepository, Sent
from storage.leadership import Leadership
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger("accord.scheduler")

UTC = timezone.utc
BATCH = 200  # due rows handled per transaction
MAX_BATCHES = 500  # per sweep, so one sweep always ends; what is left is still due next time
DEADLINE_EVERY = 30.0
SWEEP_EVERY = 60.0
PUT_OFF = timedelta(hours=1)  # how long a row that fails on its own waits before it is tried again



# ----------------------------------------------------------------------------- policy


def schedule_policy(config: Any) -> SchedulePolicy:
    """The organisation's schedule from a validated `bot.config.Config`."""
    reminders = config.reminders
    return SchedulePolicy(
        reminders=ReminderPolicy(
            enabled=reminders.enabled,
            first_after=reminders.first_after,
            interval=reminders.interval,
            max_count=reminders.max_count,
            quiet_hours=QuietHours(reminders.quiet_hours.start, reminders.quiet_hours.end),
            weekends_quiet=reminders.weekends_quiet,
        ),
        digests=config.digests.enabled,
        digest_cron=config.digests.cron,
        timezone=config.organisation.timezone,
    )


def zone(name: str | None, fallback: tzinfo | None = None) -> tzinfo:
    """The zone a platform told us, or the fallback when it is missing or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone %r in a profile; using the organisation's", name)
    return fallback or ZoneInfo("Europe/London")


def own_clock(timezone_name: str | None, hours: Any, organisation: tzinfo) -> tuple[tzinfo, WorkingHours | None]:
    """A member's zone and working hours from what their platform told us (`person_profile`).

    The organisation's zone stands in for a zone we were not told or cannot use; working hours
    that make no sense are None, so the member is reminded by quiet hours alone. The reminder
    sweep and the `remind` command both read a member's clock here, so they agree.
    """
    where = zone(timezone_name, organisation)
    return where, working_hours(hours, where)


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def digest_trigger(cron: str, tz: tzinfo) -> CronTrigger:
    """An APScheduler trigger for a standard five-field cron expression, in `tz`.

    Raises ValueError, with a message for a person, when the expression is not valid.
    """
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(
            _("{cron} is not a cron expression: give five fields, minute hour day month weekday, e.g. 0 9 * * mon").format(cron=repr(cron))
        )
    try:
        fields[4] = _weekdays(fields[4])
        return CronTrigger.from_crontab(" ".join(fields), timezone=tz)
    except ValueError as problem:
        raise ValueError(_("{cron} is not a cron expression Accord can use: {problem}").format(cron=repr(cron), problem=problem)) from None


def check_cron(cron: str) -> str:
    digest_trigger(cron, UTC)
    return " ".join(cron.split())


def _weekdays(field: str) -> str:
    """Cron's weekday field (0 or 7 = Sunday, names, ranges, lists, steps) as day names."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        step = 1
        if "/" in part:
            part, _slash, every = part.partition("/")
            if not every.isdigit() or int(every) == 0:
                raise ValueError(_("{field} is not a weekday field: the step after / must be a whole number").format(field=repr(field)))
            step = int(every)
        if part in ("*", ""):
            low, high = 0, 6
        elif "-" in part:
            first, _dash, last = part.partition("-")
            low, high = _weekday(first, field), _weekday(last, field)
            if high < low:
                high += 7
        else:
            low = _weekday(part, field)
            high = 6 if "/" in field else low
        days.update(day % 7 for day in range(low, high + 1, step))
    return ",".join(_CRON_DAYS[day] for day in sorted(days))


def _weekday(word: str, field: str) -> int:
    if word in _CRON_DAYS:
        return _CRON_DAYS.index(word)
    if word.isdigit() and 0 <= int(word) <= 7:
        return int(word)
    raise ValueError(
        _("{field} is not a weekday field: use 0-7 (0 and 7 are Sunday) or names such as mon, fri").format(field=repr(field))
    )


def reminder_key(assessment_id: str, question_id: str, number: int, person: Identity, slot: int) -> str:
    """The dedupe key of one reminder: one member, one round, one slot, ever."""
    return f"reminder:{assessment_id}:{question_id}:{number}:{person.key}:{slot}"


# ----------------------------------------------------------------------------- sweeps


@dataclass
class SweepReport:
    reminders: int = 0
    revealed: int = 0
    deadline_notices: int = 0
    digests: int = 0

    @property
    def queued(self) -> int:
        return self.reminders + self.revealed + self.deadline_notices + self.digests


class Sweeper:
    """The scheduler's work, one method per sweep; each takes `now` and returns what it did.

    Each sweep reads the due rows through an index, then handles them a batch at a time, one
    transaction per batch. Should a batch fail (a damaged assessment, say), its rows are handled
    one by one, and any that fails alone is put off for an hour and logged, so one bad row never
    holds up everyone else's reminders.
    """

    def __init__(self, database: Engine, policy: SchedulePolicy, *, batch: int = BATCH, language: str = ENGLISH) -> None:
        self.database = database
        self.policy = policy
        self.batch = batch
        self._organisation = zone(policy.timezone)
        self.language = language  # app.yaml's organisation.language: what the channel reads

    def sweep(self, now: datetime) -> SweepReport:
        report = SweepReport()
        report.revealed, report.deadline_notices = self.sweep_deadlines(now)
        report.reminders = self.sweep_reminders(now)
        report.digests = self.sweep_digests(now)
        return report

    def sweep_reminders(self, now: datetime) -> int:
        """Remind every member whose reminder is due, privately; move each round's next time on."""
        (sent,) = self._sweep(
            lambda repository: repository.due_reminders(now, self.batch),
            lambda due: (self._remind_batch(due, now),),
            "remind_at",
            now,
        )
        return sent

    def sweep_deadlines(self, now: datetime) -> tuple[int, int]:
        """Reveal rounds whose deadline passed; tell super-users privately who did not vote.

        With fewer than two votes the round cannot be revealed (everyone would know whose vote
        it is): the super-users are told so once per deadline, and the round stays open.
        Returns (rounds revealed, super-users told it could not be).
        """
        revealed, told = self._sweep(
            lambda repository: repository.due_deadlines(now, self.batch),
            lambda due: self._close_batch(due, now),
            "deadline_at",
            now,
            width=2,
        )
        return revealed, told

    def sweep_digests(self, now: datetime) -> int:
        """Queue the digests whose cron slot has come; plan each assessment's next slot."""
        (queued,) = self._sweep(
            lambda repository: repository.due_digests(now, self.batch),
            lambda due: (self._digest_batch(due, now),),
            "digest_at",
            now,
        )
        return queued

    # ------------------------------------------------------------------ batches

    def _sweep(self, find, handle, column: str, now: datetime, width: int = 1) -> tuple[int, ...]:
        """Find what is due, handle it a batch at a time; `width` numbers are totalled per batch."""
        totals: tuple[int, ...] = (0,) * width
        for _batch in range(MAX_BATCHES):
            with SqlUnitOfWork(self.database, read_only=True) as uow:
                due = find(uow.schedule)
            if not due:
                break
            try:
                totals = _add(totals, handle(due))
            except Exception:  # noqa: BLE001 - find the bad row; handle everyone else
                log.exception("a %s batch failed; handling its %d rows one by one", column, len(due))
                for one in due:
                    try:
                        totals = _add(totals, handle([one]))
                    except Exception:  # noqa: BLE001
                        assessment_id = one[0] if isinstance(one, tuple) else one
                        log.exception("assessment %s failed its %s sweep; trying again in an hour", assessment_id, column)
                        with SqlUnitOfWork(self.database) as uow:
                            uow.schedule.put_off(assessment_id, column, now + PUT_OFF)
                            uow.commit()
            if len(due) < self.batch:
                break
        return totals

    def _remind_batch(self, due: list[str], now: datetime) -> int:
        with SqlUnitOfWork(self.database) as uow:
            repository = uow.schedule
            rounds, nothing_open = repository.open_rounds(due, now)
            outgoing: list[Outgoing] = []
            counted: list[tuple[str, Sent]] = []
            plans: list[tuple[str, str | None, int | None, datetime | None]] = []
            readers = Readers(self.language)  # each member reminded in their own language
            for item in rounds:
                next_check = self._remind(item, now, outgoing, counted, readers, uow)
                plans.append((item.assessment.id, item.round.question_id, item.round.number, next_check))
            plans += [(assessment_id, None, None, None) for assessment_id in nothing_open]
            added = uow.outbox.add_once(outgoing, now)
            repository.record_sent(record for key, record in counted if key in added)
            repository.plan_reminders(plans)
            uow.commit()
        return len(added)

    def _remind(
        self, item: OpenRound, now: datetime, outgoing: list[Outgoing], counted: list[tuple[str, Sent]], readers: Readers, uow: SqlUnitOfWork
    ) -> datetime | None:
        assessment, round_ = item.assessment, item.round
        policy = assessment.settings.schedule.apply(self.policy)
        organisation = zone(policy.timezone, self._organisation)
        zones: dict[Identity, tzinfo] = {}
        waiting = []
        for member in assessment.voters():
            who = member.identity
            if who in round_.votes:
                continue  # never to someone who has voted
            zones[who], hours = own_clock(item.zones.get(who), item.working_hours.get(who), organisation)
            so_far = item.reminders.get(who, Reminded())
            waiting.append(Waiting(who, zones[who], so_far.sent, so_far.last_sent_at, so_far.requested_at, hours))
        decided = plan(policy.reminders, round_.opened_at, waiting, now)
        worded: dict[tuple[int, str, tuple[str, ...]], Message] = {}  # the same count, zone and language: the same words
        for due in decided.send:
            key = reminder_key(assessment.id, round_.question_id, round_.number, due.who, due.number)
            languages = readers.of(uow.profiles, only(due.who))
            same = (due.number, str(zones[due.who]), languages)
            if same not in worded:
                worded[same] = in_languages(
                    languages,
                    lambda: presenters.reminder_message(assessment, round_, due.who, due.number, policy.reminders.max_count, zones[due.who]),
                )
            message = replace(worded[same], audience=only(due.who))
            outgoing.append(Outgoing(assessment.conversation, message, key, assessment.id))
            counted.append((key, Sent(item.round_id, item.member_ids[due.who], due.number, now)))
        return decided.next_check

    def _close_batch(self, due: list[str], now: datetime) -> tuple[int, int]:
        revealed = 0
        notices: set[str] = set()
        with SqlUnitOfWork(self.database) as uow:
            repository = uow.schedule
            outgoing: list[Outgoing] = []
            # One set of queries for the batch, locks taken in id order like the reminder sweep's;
            # an assessment deleted meanwhile is simply not there.
            readers = Readers(self.language)
            say = lambda make: readers.say(uow.profiles, make)  # noqa: E731 - each message in its reader's language
            for assessment in uow.assessments.get_many(due, for_update=True).values():
                revealed += self._close(assessment, now, outgoing, notices, say)
            repository.deadline_handled(due, now)
            added = uow.outbox.add_once(outgoing, now)
            uow.commit()
        return revealed, len(added & notices)  # a notice already queued for this deadline is not told twice

    @staticmethod
    def _close(
        assessment: Assessment, now: datetime, outgoing: list[Outgoing], notices: set[str], say: Callable[[Callable[[], Message]], Message]
    ) -> int:
        opened = assessment.open_scheduled(now)
        if opened is not None:
            # A scheduled start (`start at thursday 10:00`): the first question opens, and says so.
            started = [say(lambda: started_messages(assessment, opened)[0]), say(lambda: presenters.question_message(assessment, opened))]
            for index, message in enumerate(started):
                outgoing.append(Outgoing(assessment.conversation, message, f"start:{assessment.id}:{index}", assessment.id))
            return 0
        round_ = assessment.focus_round
        if not (
            assessment.is_active
            and not assessment.is_paused
            and round_ is not None
            and round_.state is RoundState.OPEN
            and round_.closes_at is not None
            and round_.closes_at <= now
        ):
            return 0
        waiting = [m for m in assessment.voters() if m.identity not in round_.votes]
        base = f"deadline:{assessment.id}:{round_.question_id}:{round_.number}:{round_.closes_at:%Y%m%dT%H%M%S}"
        if assessment.reveal_overdue(now) is not None:
            shown = (say(lambda: presenters.progress_message(assessment, round_)), say(lambda: presenters.reveal_message(assessment, round_)))
            for index, message in enumerate(shown):
                outgoing.append(Outgoing(assessment.conversation, message, f"{base}:channel:{index}", assessment.id))
            for super_user in assessment.super_users():
                message = say(lambda: presenters.deadline_passed_message(assessment, round_, super_user.identity, waiting))
                outgoing.append(Outgoing(assessment.conversation, message, f"{base}:revealed:{super_user.identity.key}", assessment.id))
            return 1
        for super_user in assessment.super_users():
            key = f"{base}:too-few:{super_user.identity.key}"
            message = say(lambda: presenters.deadline_missed_message(assessment, round_, super_user.identity, waiting))
            outgoing.append(Outgoing(assessment.conversation, message, key, assessment.id))
            notices.add(key)
        return 0

    def _digest_batch(self, due: list[tuple[str, datetime]], now: datetime) -> int:
        with SqlUnitOfWork(self.database) as uow:
            repository = uow.schedule
            views = uow.assessments.get_many([assessment_id for assessment_id, _ in due])
            outgoing: list[Outgoing] = []
            plans: list[tuple[str, datetime | None]] = []
            for assessment_id, digest_at in due:
                assessment = views.get(assessment_id)
                if assessment is not None:
                    plans.append((assessment_id, self._digest(repository, assessment, digest_at, now, outgoing)))
            added = uow.outbox.add_once(outgoing, now)
            repository.plan_digests(plans)
            uow.commit()
        return len(added)

    def _digest(
        self, repository: ScheduleRepository, assessment: Assessment, digest_at: datetime, now: datetime, outgoing: list[Outgoing]
    ) -> datetime | None:
        """Queue this assessment's digest if its slot has come; the next slot, or None for no more."""
        policy = assessment.settings.schedule.apply(self.policy)
        if not policy.digests or not wants_digest(assessment, now):
            return None
        waiting = assessment.is_paused or assessment.is_scheduled  # nothing to digest until it runs again, or starts
        if not assessment.is_active and repository.newest_in(assessment.conversation) != assessment.id:
            return None  # a completed assessment's digest stops once the channel has started a newer one
        tz = zone(policy.timezone, self._organisation)
        try:
            trigger = digest_trigger(policy.digest_cron, tz)
        except ValueError:
            log.error("assessment %s has an unusable digest schedule %r; its digests stop", assessment.id, policy.digest_cron)
            return None
        slot = _next_fire(trigger, digest_at)
        if slot is not None and slot <= assessment.created_at:
            slot = _next_fire(trigger, assessment.created_at + timedelta(seconds=1))  # none at the very start
        if slot is None or slot > now:
            return slot
        if waiting:  # the slot passes without a digest; the next one comes as planned
            return _next_fire(trigger, max(slot, now) + timedelta(seconds=1))
        languages = Readers(self.language).of(None, CHANNEL)  # the digest is the channel's
        digests = digest_messages(assessment, now, tz)
        if languages != (ENGLISH,):
            versions = [in_language(language, lambda: digest_messages(assessment, now, tz)) for language in languages]
            digests = [joined(same) for same in zip(*versions)]
        for message in digests:
            outgoing.append(Outgoing(assessment.conversation, message, _digest_key(assessment, slot, message), assessment.id))
        return _next_fire(trigger, max(slot, now) + timedelta(seconds=1))


def started_messages(assessment: Assessment, round_) -> list[Message]:
    """What the channel sees when a scheduled assessment starts by itself."""
    framework = assessment.framework
    intro = presenters.notice(
        None,
        _("{title} starts now").format(title=assessment.shown_title),
        _(
            "{questions} questions in {themes} themes. For each one, every member votes "
            "privately: where we are now and where we aim to be in 18-24 months. Nobody sees anyone else's vote."
        ).format(questions=len(framework.question_ids), themes=len(framework.themes)),
        _("Members: {names}.").format(names=", ".join(sorted(m.name for m in assessment.voters()))),
    )
    return [intro, presenters.question_message(assessment, round_)]


def _add(totals: tuple[int, ...], more: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a + b for a, b in zip(totals, more))


def _next_fire(trigger: CronTrigger, after: datetime) -> datetime | None:
    fire = trigger.get_next_fire_time(None, after)
    return fire.astimezone(UTC) if fire is not None else None


def _digest_key(assessment: Assessment, slot: datetime, message) -> str:
    reader = message.audience.person.key if message.audience.person else "channel"
    return f"digest:{assessment.id}:{slot:%Y%m%dT%H%M}:{reader}"


# -------------------------------------------------------------------- APScheduler


def scheduler_job(
    runtime: Any,
    *,
    every: float = SWEEP_EVERY,
    deadline_every: float = DEADLINE_EVERY,
) -> Callable[[asyncio.Event], Awaitable[None]]:
    """The scheduler as a background task of `accord serve`: runs until `stop` is set."""
    application = runtime.application
    policy = schedule_policy(application.config)
    sweeper = Sweeper(application.database, policy, language=application.config.organisation.language)
    leadership = Leadership(application.database)
    # APScheduler logs every run at INFO; the sweeps log what matters themselves.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    turn = threading.Lock()  # one sweep at a time in this process

    async def run(stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()

        def job(sweep: Callable[[datetime], object]) -> Callable[[], None]:
            def tick() -> None:
                with turn:
                    if not leadership.holds():
                        return
                    try:
                        result = sweep(runtime.clock())
                    except Exception:  # noqa: BLE001 - the next tick tries again; nothing half-done was kept
                        log.exception("the scheduler's %s sweep failed", getattr(sweep, "__name__", "?"))
                        return
                    if result:
                        log.info("%s: %s queued", getattr(sweep, "__name__", "sweep"), result)
                        loop.call_soon_threadsafe(runtime.dispatcher.wake)

            return tick

        scheduler = AsyncIOScheduler(timezone=UTC)
        first = datetime.now(UTC)
        options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None, "replace_existing": True}
        every_s, deadline_s = IntervalTrigger(seconds=every), IntervalTrigger(seconds=deadline_every)
        add = scheduler.add_job
        add(job(_total(sweeper.sweep_deadlines)), deadline_s, id="deadlines", name="close overdue rounds", next_run_time=first, **options)
        add(job(sweeper.sweep_reminders), every_s, id="reminders", name="remind non-voters", next_run_time=first, **options)
        add(job(sweeper.sweep_digests), every_s, id="digests", name="send digests", next_run_time=first, **options)
        if policy.digests:
            # On the minute the digest is due, rather than up to a minute later.
            trigger = digest_trigger(policy.digest_cron, zone(policy.timezone))
            add(job(sweeper.sweep_digests), trigger, id="digests-on-time", name="send digests on time", **options)
        scheduler.start()
        run.scheduler = scheduler  # for tests and diagnostics
        log.info("scheduler started: reminders, deadlines and digests")
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # let the shutdown, queued on the loop, run

            def step_down() -> None:
                with turn:  # after any sweep still running in a worker thread
                    leadership.release()

            await asyncio.to_thread(step_down)
            log.info("scheduler stopped")

    run.sweeper = sweeper
    run.leadership = leadership
    return run


def _total(sweep: Callable[[datetime], tuple[int, int]]) -> Callable[[datetime], int]:
    def total(now: datetime) -> int:
        return sum(sweep(now))

    total.__name__ = getattr(sweep, "__name__", "sweep")
    return total


__all__ = [
    "SweepReport",
    "Sweeper",
    "check_cron",
    "digest_trigger",
    "own_clock",
    "reminder_key",
    "schedule_policy",
    "scheduler_job",
    "zone",
]
