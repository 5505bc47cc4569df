"""The use cases: one method per command (the table `HANDLERS`), each inside one unit of work.

An adapter turns a platform event into a `Request` (who, where, when) and a `Command`, and hands
them to the one door (`bot.door.Door`), which calls `Accord.handle`. The use case loads the
channel's assessment, calls one method of the engine, builds the messages that report the
change, and commits both together: for platforms
that deliver through the outbox (Slack, Teams) every message not meant for the person who asked
is written to the outbox in the same transaction, so it exists exactly when the change does.
Only after the commit does the person get an answer, so nothing is reported as saved unless it
is. A refused action rolls back and answers the person privately with the engine's own words;
nothing changes.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Protocol

from bot import commands
from bot.catalogue import FrameworkCatalogue
from bot.readers import Readers
from bot.scheduler import check_cron, own_clock, reminder_key, zone
from bot.views import AssessmentLine, OwnView, WaitingVote
from engine import presenters
from engine.assessment import Assessment, AssessmentStatus, Conversation, Identity, Member, Role, RoundState, Settings
from engine.audit import INSTALL_CHAIN, AuditAction, AuditEvent
from engine.errors import ConcurrentChange, DomainError, NotFound, NotPermitted
from engine.language import ENGLISH, N_, _, ngettext, speak, speaking
from engine.permissions import Action
from engine.presenters.bilingual import in_languages, joined
from engine.reminders import SchedulePolicy, Waiting, add_duration, plan_on_request
from engine.text import clip
from engine.views import Field, Kind, Message, only
from storage.audit import AuditLog
from storage.outbox import OutboxRepository, Outgoing
from storage.profiles import ProfileRepository
from storage.reports import ReportQueries
from storage.repository import AssessmentRepository
from storage.schedule import Reminded, ScheduleRepository, Sent

log = logging.getLogger(__name__)

# Who reads which language, for the piece of work under way (set by `Accord.handle`).
_readers: ContextVar[Readers | None] = ContextVar("accord_readers", default=None)


def _asker_learnt_on_open(open_unit_of_work: Callable[..., UnitOfWork], readers: Readers) -> Callable[..., UnitOfWork]:
    """Units of work that, the first time one opens, read the asker's language in it and speak it.

    One small read in the command's own transaction, rather than a transaction of its own.
    """

    @contextmanager
    def opened(**options: Any) -> Iterator[UnitOfWork]:
        with open_unit_of_work(**options) as uow:
            if not readers.knows_asker:
                readers.learn(uow.profiles, readers.asker)
                speak(readers.asker_language())
            yield uow

    return opened  # type: ignore[return-value]


class _DryRun(Exception):
    """A unit of work of a run that may only say, not store, was asked to commit."""


def _never_committing(open_unit_of_work: Callable[..., UnitOfWork]) -> Callable[..., UnitOfWork]:
    """Units of work whose commit is refused: a command run again only to word its answer."""

    def refused() -> None:
        raise _DryRun

    @contextmanager
    def opened(**options: Any) -> Iterator[UnitOfWork]:
        with open_unit_of_work(**options) as uow:
            uow.commit = refused  # type: ignore[method-assign]
            yield uow

    return opened  # type: ignore[return-value]


@dataclass(frozen=True)
class Person:
    identity: Identity
    name: str


@dataclass(frozen=True)
class Request:
    """Who asked, where, and when (time is always passed in).

    `key` is the platform's idempotency key for the request (Slack's trigger id, Teams'
    activity id, the console's line number): a request with a key already applied is not
    applied again (`storage.receipts`). `private` says it was said in a private chat with
    Accord (a Slack DM, a Teams personal chat) rather than in the assessment's channel: it
    then acts on the assessment under way that the person takes part in.
    """

    actor: Person
    conversation: Conversation
    now: datetime
    key: str | None = None
    private: bool = False
    locale: str | None = None  # the language the platform says the person reads (Teams' activity locale, Slack's)


class Directory(Protocol):
    """What the platform can tell us about people in a channel."""

    def roster(self, conversation: Conversation) -> list[Person]:
        """The channel's human members."""

    def find(self, conversation: Conversation, mention: str) -> Person | None:
        """The person a mention such as "@amira" or "<@U123>" stands for."""


class NoOne:
    """A directory that knows nobody: for commands that look no one up (a vote, a reveal)."""

    def roster(self, conversation: Conversation) -> list[Person]:
        return []

    def find(self, conversation: Conversation, mention: str) -> Person | None:
        return None


class UnitOfWork(Protocol):
    """One transaction and its repositories (`storage.unit_of_work.SqlUnitOfWork`, or a fake)."""

    assessments: AssessmentRepository
    outbox: OutboxRepository
    profiles: ProfileRepository  # people's time zones and working hours, for reminders and deadlines
    schedule: ScheduleRepository  # the scheduler's rows: reminders sent, digests planned
    reports: ReportQueries  # the organisation, earlier assessments and peers
    audit: AuditLog  # the audit trail: written on commit from what the assessments recorded
    platform: str | None  # where the request came from, for the audit trail

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc: object) -> None: ...
    def commit(self) -> None: ...


@dataclass
class Reply:
    """What a command produced: its messages, and the assessment they concern.

    `queued` says the messages for anyone but the asker are already in the outbox: the adapter
    answers the asker (`answers`) and leaves the rest to the dispatcher.
    """

    messages: list[Message] = field(default_factory=list)
    assessment: Assessment | None = None
    queued: bool = False
    replayed: bool = False  # the request was applied before (a retry): nothing was done now
    language: str = ENGLISH  # the asker's: what the adapter's own words (a form's title, Cancel) are written in

    @property
    def ok(self) -> bool:
        return not any(m.kind is Kind.ERROR for m in self.messages)

    def answers(self, actor: Identity) -> list[Message]:
        """The messages for the person who asked, to deliver in the response to their request."""
        return [m for m in self.messages if m.audience.person == actor]


class Accord:
    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        catalogue: FrameworkCatalogue,
        settings: Settings = Settings(),
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        queued_platforms: frozenset[str] = frozenset(),
        attempts: int = 3,
        schedule_policy: SchedulePolicy = SchedulePolicy(),
        summary_context: Callable[[UnitOfWork, Assessment], dict] | None = None,
        language: str = ENGLISH,
    ) -> None:
        # app.yaml's organisation.language: en, cy or bilingual (what the channel reads).
        self.language = language
        # app.yaml's reminder and digest schedule and the organisation's time zone, for
        # `remind`, `deadline` and `schedule` (the built-in defaults equal app.yaml's defaults).
        self.schedule_policy = schedule_policy
        self._uow = unit_of_work
        self._catalogue = catalogue
        self._settings = settings
        self._new_id = new_id
        self._queued_platforms = queued_platforms
        self._attempts = attempts
        # What the summary adds from outside the assessment (progress since the last one, the
        # comparison with similar organisations), read in the command's own transaction.
        self._summary_context = summary_context or (lambda uow, assessment: {})

    def over(self, unit_of_work: Callable[..., UnitOfWork]) -> Accord:
        """These use cases, configured as they are, over other units of work (one per request)."""
        other = copy.copy(self)
        other._uow = unit_of_work
        return other

    # ----------------------------------------------------------------- entry point

    def handle(self, request: Request, command: commands.Command, directory: Directory) -> Reply:
        readers = Readers(self.language, request.actor.identity, request.locale)
        token = _readers.set(readers)
        try:
            # Until the asker's profile is read (in the command's own unit of work, as it opens),
            # what they are told is in the language their platform or the organisation gives.
            with speaking(readers.asker_language()):
                reply = self.over(_asker_learnt_on_open(self._uow, readers))._handle(request, command, directory)
            if not readers.knows_asker:
                # Answered without opening a unit of work (help, or a refusal before reading
                # anything), so nothing was stored: read the language now and answer again in it.
                guessed = readers.asker_language()
                with self._uow(read_only=True) as uow:
                    readers.learn(uow.profiles, request.actor.identity)
                if readers.asker_language() != guessed:
                    with speaking(readers.asker_language()):
                        reply = self._handle(request, command, directory)
            if not reply.ok and len(readers.asker_languages()) > 1:
                reply = self._refused_in_each(request, command, directory, reply, readers.asker_languages())
        finally:
            _readers.reset(token)
        reply.language = readers.asker_language()
        return reply

    def _refused_in_each(
        self, request: Request, command: commands.Command, directory: Directory, refused: Reply, languages: tuple[str, ...]
    ) -> Reply:
        """A refusal to someone who reads two languages, in both, Welsh first.

        The engine words a refusal as it raises it, in the language speaking, so the command is
        worked out again in the other language, over units of work that cannot commit: the second
        run only says. Should it come out otherwise (the assessment moved on in between), the
        refusal stays in the first language.
        """
        versions = [refused]
        for language in languages[1:]:
            try:
                with speaking(language):
                    again = self.over(_never_committing(self._uow))._handle(request, command, directory)
            except _DryRun:
                return refused
            if again.ok or [m.kind for m in again.messages] != [m.kind for m in refused.messages]:
                return refused
            versions.append(again)
        messages = [replace(joined(list(each)), languages=languages) for each in zip(*(v.messages for v in versions))]
        return replace(refused, messages=messages)

    def _handle(self, request: Request, command: commands.Command, directory: Directory) -> Reply:
        handler = HANDLERS[type(command)]
        for attempt in range(1, self._attempts + 1):
            try:
                return handler(self, request, command, directory)
            except ConcurrentChange as raced:
                # Someone else's command landed between our read and our write; nothing of
                # ours was stored, so running the command again on the new state is safe.
                if attempt == self._attempts:
                    return Reply([refusal(request.actor.identity, raced)])
            except DomainError as refused:
                return Reply([refusal(request.actor.identity, refused)])
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ languages

    def readers_of(self, request: Request) -> Readers:
        """Who reads which language for this request; the asker's own is read now (one small read)."""
        readers = Readers(self.language, request.actor.identity, request.locale)
        with self._uow(read_only=True) as uow:
            readers.learn(uow.profiles, request.actor.identity)
        return readers

    def _say(self, uow: UnitOfWork | None, make: Callable[[], Message]) -> Message:
        """The one helper that picks a message's language: its reader's, or the channel's (Welsh first when bilingual)."""
        readers = _readers.get(None) or Readers(self.language)
        return readers.say(uow.profiles if uow is not None else None, make)

    # ---------------------------------------------------------------------- queries

    def own_view(
        self, conversation: Conversation, actor: Identity, question_ref: str | None, locale: str | None = None
    ) -> OwnView | None:
        """The question as `actor` sees it (a card refreshed for one member), or None if there is none.

        A read, not a command: nothing changes and nothing is queued. The privacy rules stay the
        engine's: the member gets the channel's question message plus their own vote only.
        """
        with self._uow(read_only=True) as uow:  # a read never waits behind a vote
            assessment = uow.assessments.active_in(conversation) or uow.assessments.latest_in(conversation)
            if assessment is None:
                return None
            try:
                question_id = assessment.question(question_ref).id if question_ref else assessment.focus_question_id
            except DomainError:  # an unknown question on a forged or stale card
                return None
            round_ = assessment.latest_round(question_id) if question_id else None
            if round_ is None:
                return None
            readers = Readers(self.language, actor, locale)  # `locale`: what the platform said with the request
            readers.learn(uow.profiles, actor)
            # The person's own view (a vote form, a refreshed card): in their language(s).
            message = in_languages(readers.languages.of_person(actor.key), lambda: presenters.question_message(assessment, round_))
            vote = round_.votes.get(actor)
            member = assessment.members.get(actor)
            return OwnView(
                question=message,
                number=assessment.question(question_id).number,
                current=vote.current if vote else None,
                ambition=vote.ambition if vote else None,
                comment=vote.comment if vote else "",
                member=member is not None,
                observer=member is not None and not member.votes,
                voting=bool(message.inputs),
                language=readers.languages.of_person(actor.key)[0],
            )

    def overview(self, person: Identity) -> tuple[list[WaitingVote], list[AssessmentLine]]:
        """A person's assessments at a glance: the votes waiting for them, and where each stands.

        Only the assessments the person takes part in: an assessment in a private channel is no
        one else's business, not even its title. Only the person's own state and counts are
        given, never anyone's vote.
        """
        with speaking(self.language_of(person)):  # the person's own page: their language
            return self._overview(person)

    def language_of(self, person: Identity, locale: str | None = None) -> str:
        """The language a page of the person's own (Slack's App Home) is written in."""
        readers = Readers(self.language, person, locale)
        with self._uow(read_only=True) as uow:
            readers.learn(uow.profiles, person)
        return readers.languages.of_person(person.key)[0]

    def _overview(self, person: Identity) -> tuple[list[WaitingVote], list[AssessmentLine]]:
        waiting: list[WaitingVote] = []
        lines: list[AssessmentLine] = []
        with self._uow(read_only=True) as uow:  # a read never waits behind a vote
            summaries = uow.assessments.list_for_workspace(person.platform, person.workspace)
            loaded = uow.assessments.get_many([summary.id for summary in summaries])
            for summary in summaries:
                assessment = loaded.get(summary.id)
                if assessment is None or person not in assessment.members or not assessment.members[person].takes_part:
                    continue
                started = presenters.long_date(summary.created_at)
                if summary.status is not AssessmentStatus.ACTIVE:
                    lines.append(AssessmentLine(summary.title, summary.channel_id, _("complete"), started))
                    continue
                round_ = assessment.focus_round
                detail = ""
                if round_ is not None:
                    question = assessment.question(round_.question_id)
                    detail = _(_QUESTION_IS[round_.state]).format(number=question.number)
                    if round_.state is RoundState.OPEN:
                        detail = _("Question {number} is open: {progress}").format(
                            number=question.number, progress=assessment.progress(round_).line()
                        )
                        member = assessment.members.get(person)
                        if member is not None and member.votes and person not in round_.votes:
                            heading = presenters.question_label(assessment, question)
                            waiting.append(WaitingVote(summary.channel_id, assessment.shown_title, question.id, heading, question.prompt))
                lines.append(AssessmentLine(summary.title, summary.channel_id, _("under way"), started, detail + "." if detail else ""))
        return waiting, lines

    # --------------------------------------------------------------------- helpers

    @contextmanager
    def _active(self, request: Request) -> Iterator[tuple[UnitOfWork, Assessment]]:
        with self._uow() as uow:
            if request.private:
                assessment = self._theirs(uow, request, for_update=True)
            else:
                assessment = uow.assessments.active_in(request.conversation, for_update=True)
            if assessment is None:
                raise NotFound(_("No assessment is running in this channel. Start one with `start`."))
            yield uow, assessment

    def _theirs(self, uow: UnitOfWork, request: Request, *, for_update: bool = False) -> Assessment:
        """In a private chat: the one assessment under way that the person takes part in."""
        actor = request.actor.identity
        running = [
            uow.assessments.get(summary.id)
            for summary in uow.assessments.list_for_workspace(actor.platform, actor.workspace)
            if summary.status is AssessmentStatus.ACTIVE
        ]
        theirs = [assessment for assessment in running if actor in assessment.members and assessment.members[actor].takes_part]
        if not theirs:
            raise NotFound(
                _(
                    "You are not taking part in an assessment under way, so there is nothing to act on here. "
                    "Say `join` in the channel where the assessment runs, or `start` one there."
                )
            )
        if len(theirs) > 1:
            listed = "; ".join(
                _("{title} (started {date})").format(title=a.shown_title, date=presenters.long_date(a.created_at)) for a in theirs
            )
            raise DomainError(
                ngettext(
                    "You take part in {count} assessment under way: {listed}. Say it in the channel of the one "
                    "you mean, or use the buttons on its question there.",
                    "You take part in {count} assessments under way: {listed}. Say it in the channel of the one "
                    "you mean, or use the buttons on its question there.",
                    len(theirs),
                ).format(count=len(theirs), listed=listed)
            )
        return uow.assessments.get(theirs[0].id, for_update=True) if for_update else theirs[0]

    def _finish(self, uow: UnitOfWork, request: Request, assessment: Assessment | None, messages: list[Message]) -> Reply:
        """Queue what others should see, save, commit: one transaction. Then answer."""
        queued = request.conversation.platform in self._queued_platforms
        if queued:
            # The assessment's channel, which is not where the person spoke in a private chat.
            where = assessment.conversation if assessment is not None else request.conversation
            for message in messages:
                if message.audience.person != request.actor.identity:
                    uow.outbox.add(
                        where,
                        message,
                        request.now,
                        assessment_id=assessment.id if assessment else None,
                    )
        uow.platform = request.conversation.platform  # for the audit trail
        uow.commit()  # writes the assessment's changes first
        return Reply(messages, assessment, queued)

    def _summary_of(self, uow: UnitOfWork, assessment: Assessment) -> Message:
        return presenters.summary_message(assessment, **self._summary_context(uow, assessment))

    def _after_close(self, uow: UnitOfWork, assessment: Assessment, closed: list[Message]) -> list[Message]:
        """What follows a finalise or skip: the next question, or the end and the summary."""
        messages = list(closed)
        if not assessment.is_active:
            messages += [
                self._say(uow, lambda: presenters.completed_message(assessment)),
                self._say(uow, lambda: self._summary_of(uow, assessment)),
            ]
        else:
            focus = assessment.focus_round
            if focus is not None and focus.state is RoundState.OPEN:
                messages.append(self._say(uow, lambda: presenters.question_message(assessment, focus)))
        return messages

    # ------------------------------------------------------------------- use cases

    def _start(self, request: Request, command: commands.Start, directory: Directory) -> Reply:
        if request.private:
            raise DomainError(_("Start an assessment in the team's channel, where everyone in it can take part, not in a private chat."))
        framework = self._catalogue.get(command.framework)
        with self._uow() as uow:
            running = uow.assessments.active_in(request.conversation)
            if running is not None:
                raise DomainError(
                    _(
                        "{title} is already running in this channel. Say `status` to see where it stands, "
                        "or ask a super-user to `close` it first."
                    ).format(title=running.title)
                )
            starts_at = None
            if command.at is not None:
                theirs = self._clock_of(uow, request.actor.identity, None)
                starts_at = _wall_clock(command.at.on(request.now.astimezone(theirs).replace(tzinfo=None)), theirs)
                if starts_at <= request.now:
                    raise DomainError(_("That time has already passed: give a time still to come, e.g. `start at thursday 10:00`."))
            people = {person.identity: person for person in directory.roster(request.conversation)}
            people[request.actor.identity] = request.actor
            assessment = Assessment.start(
                assessment_id=self._new_id(),
                conversation=request.conversation,
                framework=framework,
                starter=Member(request.actor.identity, request.actor.name),
                members=[Member(person.identity, person.name) for person in people.values()],
                now=request.now,
                settings=self._settings,
                starts_at=starts_at,
            )
            uow.assessments.add(assessment)
            if assessment.is_scheduled:
                scheduled = self._say(uow, lambda: presenters.notice(
                    None,
                    _("{name} scheduled {title}").format(name=request.actor.name, title=assessment.shown_title),
                    _("It starts {when}: the first question opens then, and Accord says so here.").format(
                        when=presenters.local_time(starts_at, self._clock_of(uow, request.actor.identity, None))
                    ),
                    _("Members: {names}.").format(names=", ".join(sorted(m.name for m in assessment.voters()))),
                ))
                return self._finish(uow, request, assessment, [scheduled])
            return self._finish(uow, request, assessment, self._started(uow, request, assessment))

    def _clock_of(self, uow: UnitOfWork, person: Identity, assessment: Assessment | None) -> tzinfo:
        """The person's clock if their platform told us, else the organisation's."""
        schedule = assessment.settings.schedule if assessment is not None else None
        policy = schedule.apply(self.schedule_policy) if schedule is not None else self.schedule_policy
        organisation = zone(policy.timezone)
        profile = uow.profiles.get(person)
        return zone(profile.timezone if profile else None, organisation)

    def _started(self, uow: UnitOfWork, request: Request, assessment: Assessment) -> list[Message]:
        return [self._say(uow, lambda: self._introduced(request, assessment)), self._say(uow, lambda: presenters.question_message(assessment, assessment.focus_round))]

    def _introduced(self, request: Request, assessment: Assessment) -> Message:
        framework = assessment.framework
        themes = len(framework.themes)
        questions = len(framework.question_ids)
        intro = presenters.notice(
            None,
            _("{name} started {title}").format(name=request.actor.name, title=assessment.shown_title),
            _(
                "{questions} questions in {themes} themes. For each one, every member votes privately: where we are "
                "now and where we aim to be in 18-24 months, on a {scale} scale ({labels})."
            ).format(
                questions=questions,
                themes=themes,
                scale=framework.scale.describe(),
                labels=", ".join(framework.scale.label(pt) for pt in framework.scale.points),
            ),
            _(
                "Nobody sees anyone else's vote. Once the votes are revealed the team sees the anonymous spread, "
                "discusses, and {name} records the agreed answer."
            ).format(name=request.actor.name),
            _("Members: {names}.").format(names=", ".join(sorted(m.name for m in assessment.voters()))),
        )
        return intro

    def _vote(self, request: Request, command: commands.Vote, directory: Directory) -> Reply:
        actor = request.actor.identity
        with self._active(request) as (uow, assessment):
            if command.question is not None:
                question_id = assessment.question(command.question).id
            elif assessment.focus_round is not None:
                question_id = assessment.focus_round.question_id
            else:
                raise DomainError(_("No question is open at the moment."))
            outcome = assessment.cast_vote(actor, question_id, command.current, command.ambition, request.now, command.comment)
            round_ = assessment.latest_round(question_id)
            vote = round_.votes[actor]
            messages = [
                self._say(uow, lambda: presenters.vote_recorded(assessment, question_id, vote, outcome)),
                self._say(uow, lambda: presenters.progress_message(assessment, round_)),
            ]
            if outcome.revealed:
                messages.append(self._say(uow, lambda: presenters.reveal_message(assessment, round_)))
            return self._finish(uow, request, assessment, messages)

    def _reveal(self, request: Request, command: commands.Reveal, directory: Directory) -> Reply:
        with self._active(request) as (uow, assessment):
            round_ = assessment.reveal(request.actor.identity, request.now)
            messages = [
                self._say(uow, lambda: presenters.progress_message(assessment, round_)),
                self._say(uow, lambda: presenters.reveal_message(assessment, round_)),
            ]
            return self._finish(uow, request, assessment, messages)

    def _finalise(self, request: Request, command: commands.Finalise, directory: Directory) -> Reply:
        with self._active(request) as (uow, assessment):
            round_ = assessment.finalise(request.actor.identity, request.now, command.current, command.ambition, command.note)
            messages = self._after_close(uow, assessment, [self._say(uow, lambda: presenters.consensus_message(assessment, round_))])
            return self._finish(uow, request, assessment, messages)

    def _skip(self, request: Request, command: commands.Skip, directory: Directory) -> Reply:
        with self._active(request) as (uow, assessment):
            round_ = assessment.skip(request.actor.identity, request.now, command.reason)
            messages = self._after_close(uow, assessment, [self._say(uow, lambda: presenters.skipped_message(assessment, round_))])
            return self._finish(uow, request, assessment, messages)

    def _next(self, request: Request, command: commands.Next, directory: Directory) -> Reply:
        with self._active(request) as (uow, assessment):
            round_ = assessment.next_question(request.actor.identity, request.now)
            return self._finish(uow, request, assessment, [self._say(uow, lambda: presenters.question_message(assessment, round_))])

    def _reopen(self, request: Request, command: commands.Reopen, directory: Directory) -> Reply:
        with self._uow() as uow:
            assessment = self._current(uow, request, for_update=True)
            round_ = assessment.reopen(request.actor.identity, command.question, request.now)
            question = assessment.question(round_.question_id)
            note = self._say(uow, lambda: presenters.notice(
                None,
                _("Question {number} reopened").format(number=question.number),
                _("Every earlier answer stays on record; everyone votes again."),
            ))
            return self._finish(uow, request, assessment, [note, self._say(uow, lambda: presenters.question_message(assessment, round_))])

    def _who(self, request: Request, command: commands.Who, directory: Directory) -> Reply:
        with self._uow() as uow:
            assessment = self._current(uow, request)
            if command.question and command.question.lower() == "all":
                shown = presenters.contributions_message(assessment, request.actor.identity)
                self._disclosed(uow, request, assessment, None, "with `who all`")
                return Reply([shown], assessment)
            if command.question:
                round_ = assessment.latest_round(assessment.question(command.question).id)
                if round_ is None:
                    raise DomainError(_("That question has not been opened yet."))
            else:
                round_ = assessment.focus_round
                if round_ is None:
                    assessment.permit(request.actor.identity, Action.SEE_WHO_VOTED_WHAT)
                    raise DomainError(_("No question is open at the moment."))
            shown = presenters.individual_votes_message(assessment, request.actor.identity, round_)
            self._disclosed(uow, request, assessment, round_.question_id if round_ else None, "with `who`")
        return Reply([shown], assessment)

    def _disclosed(self, uow: UnitOfWork, request: Request, assessment: Assessment, question_id: str | None, how: str) -> None:
        """Record in the audit trail that individual votes were shown to the asker, and commit."""
        assessment.record_audit(AuditAction.INDIVIDUAL_VOTES_SHOWN, request.actor.identity, request.now, question_id=question_id, note=how)
        uow.platform = request.conversation.platform
        uow.commit()

    def _audit(self, request: Request, command: commands.Audit, directory: Directory) -> Reply:
        actor = request.actor.identity
        with self._uow() as uow:
            assessment = self._current(uow, request)
            assessment.permit(actor, Action.READ_AUDIT)
            question_id = assessment.question(command.question).id if command.question else None
            subject = f"question {assessment.question(question_id).number}" if question_id else None
            records = uow.audit.entries(assessment.id, subject=subject)
            shown = presenters.audit_message(assessment, actor, records, question_id)
            assessment.record_audit(AuditAction.AUDIT_READ, actor, request.now, question_id=question_id)
            return self._finish(uow, request, assessment, [shown])

    def _status(self, request: Request, command: commands.Status, directory: Directory) -> Reply:
        with self._uow() as uow:
            assessment = self._current(uow, request)
            status = presenters.status_message(assessment, request.actor.identity)
            clock = self._clock_of(uow, request.actor.identity, assessment)
        if assessment.is_active and assessment.is_scheduled:
            starts = presenters.local_time(assessment.starts_at, clock)
            status = replace(
                status, text=(_("Scheduled: it starts {when}, when the first question opens.").format(when=starts), *status.text)
            )
        if assessment.is_active and assessment.is_paused:
            status = replace(
                status,
                text=(
                    _("Paused since {when}: no reminders, deadlines or digests until a super-user says `resume`.").format(
                        when=presenters.local_time(assessment.paused_at, clock)
                    ),
                    *status.text,
                ),
            )
        return Reply([status], assessment)

    def _summary(self, request: Request, command: commands.Summary, directory: Directory) -> Reply:
        with self._uow() as uow:
            assessment = self._current(uow, request)
            return self._finish(uow, request, assessment, [self._say(uow, lambda: self._summary_of(uow, assessment))])

    def _export(self, request: Request, command: commands.Export, directory: Directory) -> Reply:
        # The adapter renders and delivers the file (bot.export); the use case checks the ask.
        formats = {"markdown": "markdown", "md": "markdown", "html": "html", "csv": "csv", "json": "json"}
        if command.format not in formats:
            raise DomainError(_("I can export the report as html, csv, json or markdown, not {format}.").format(format=repr(command.format)))
        with self._uow() as uow:
            assessment = self._current(uow, request)
            uow.commit()  # changes nothing, but keeps the request's receipt: a replay uploads nothing twice
        fmt = formats[command.format]
        return Reply(
            [
                presenters.notice(
                    request.actor.identity,
                    _("Report"),
                    _("Your {format} report on {title} is on its way.").format(
                        format=fmt.upper() if fmt != "markdown" else "Markdown", title=assessment.shown_title
                    ),
                )
            ],
            assessment,
        )

    def _join(self, request: Request, command: commands.Join, directory: Directory) -> Reply:
        actor = request.actor.identity
        with self._active(request) as (uow, assessment):
            if not assessment.join(Member(actor, request.actor.name), request.now):
                member = assessment.members[actor]
                if member.role is Role.WAITING:
                    said = _("You have asked to join; {names} has still to approve you.").format(names=assessment.super_user_names())
                    return Reply([presenters.notice(actor, _("Waiting for approval"), said)], assessment)
                return Reply([presenters.notice(actor, _("Already taking part"), _(_YOU_ARE[member.role]))], assessment)
            if assessment.members[actor].role is Role.WAITING:
                # Joining needs approval (app.yaml's `assessment.join: approval`): the super-users are asked, privately.
                waiting = presenters.notice(
                    actor,
                    _("Waiting for approval"),
                    _(
                        "This assessment needs a super-user's approval to join: {names} has been asked. "
                        "You can vote once you are approved."
                    ).format(names=assessment.super_user_names()),
                )
                asked = [
                    self._say(uow, lambda: presenters.notice(
                        super_user.identity,
                        _("{name} asks to join {title}").format(name=request.actor.name, title=assessment.shown_title),
                        _("Say `approve @{name}` to let them vote, or leave it: until then they cannot vote.").format(
                            name=request.actor.name
                        ),
                    ))
                    for super_user in assessment.super_users()
                ]
                return self._finish(uow, request, assessment, [waiting, *asked])
            joined = self._say(uow, lambda: presenters.notice(
                None,
                _("{name} joined the assessment").format(name=request.actor.name),
                _("They can vote from the open question on."),
            ))
            return self._finish(uow, request, assessment, [joined])

    def _approve(self, request: Request, command: commands.Approve, directory: Directory) -> Reply:
        person = directory.find(request.conversation, command.person)
        if person is None:
            raise NotFound(_("I can't find {person} in this channel.").format(person=clip(command.person, 60)))
        with self._active(request) as (uow, assessment):
            member = assessment.approve(request.actor.identity, person.identity, request.now)
            joined = self._say(uow, lambda: presenters.notice(
                None,
                _("{name} joined the assessment").format(name=member.name),
                _("Approved by {name}; they can vote from the open question on.").format(name=request.actor.name),
            ))
            told = self._say(uow, lambda: presenters.notice(
                member.identity,
                _("You can take part"),
                _("{name} approved you: you can vote from the open question on.").format(name=request.actor.name),
            ))
            messages = [joined, told]
            focus = assessment.focus_round
            if focus is not None and focus.state is RoundState.OPEN:
                messages.append(self._say(uow, lambda: presenters.progress_message(assessment, focus)))
            return self._finish(uow, request, assessment, messages)

    def _remove(self, request: Request, command: commands.Remove, directory: Directory) -> Reply:
        person = directory.find(request.conversation, command.person)
        if person is None:
            raise NotFound(_("I can't find {person} in this channel.").format(person=clip(command.person, 60)))
        actor = request.actor.identity
        with self._active(request) as (uow, assessment):
            member, withdrawn = assessment.remove(actor, person.identity, request.now)
            stay = _("Votes already revealed or recorded stay as the team saw them.")
            votes = (
                " " + _("Their vote on question {numbers} was withdrawn.").format(numbers=presenters.join_words(withdrawn))
                if withdrawn
                else ""
            )
            done = presenters.notice(
                actor,
                _("{name} was removed from the assessment").format(name=member.name),
                _("They no longer vote or count in the progress.") + votes + " " + stay,
            )
            told = self._say(uow, lambda: presenters.notice(
                member.identity,
                _("You were removed from {title}").format(title=assessment.shown_title),
                _("{name} removed you, so you no longer vote in it.").format(name=request.actor.name)
                + (" " + _("Your vote on the open question was withdrawn.") if withdrawn else "")
                + " "
                + _("Votes already revealed or recorded stay as the team saw them."),  # in their language, not the asker's
            ))
            messages = [done, told]
            focus = assessment.focus_round
            if focus is not None and focus.state is RoundState.OPEN:
                messages.append(self._say(uow, lambda: presenters.progress_message(assessment, focus)))
            return self._finish(uow, request, assessment, messages)

    def _pause(self, request: Request, command: commands.Pause, directory: Directory) -> Reply:
        with self._active(request) as (uow, assessment):
            assessment.pause(request.actor.identity, request.now)
            paused = self._say(uow, lambda: presenters.notice(
                None,
                _("Assessment paused"),
                _(
                    "{name} paused the assessment: no reminders, no deadlines and no digests until a super-user "
                    "says `resume`. Votes are still accepted, but nothing is revealed by itself meanwhile."
                ).format(name=request.actor.name),
            ))
            return self._finish(uow, request, assessment, [paused])

    def _resume(self, request: Request, command: commands.Resume, directory: Directory) -> Reply:
        with self._active(request) as (uow, assessment):
            paused_for, revealed = assessment.resume(request.actor.identity, request.now)
            round_ = assessment.focus_round
            text = [_("{name} resumed the assessment after {duration}.").format(name=request.actor.name, duration=_duration_words(paused_for))]
            if round_ is not None and round_.state is RoundState.OPEN and round_.closes_at is not None:
                clock = self._clock_of(uow, request.actor.identity, assessment)
                text.append(
                    _("The deadline moved on by the time paused: voting now closes {when}.").format(
                        when=presenters.local_time(round_.closes_at, clock)
                    )
                )
            messages = [self._say(uow, lambda: presenters.notice(None, _("Assessment resumed"), *text))]
            if revealed:
                messages += [self._say(uow, lambda: presenters.progress_message(assessment, round_)), self._say(uow, lambda: presenters.reveal_message(assessment, round_))]
            return self._finish(uow, request, assessment, messages)

    def _setrole(self, request: Request, command: commands.SetRole, directory: Directory) -> Reply:
        person = directory.find(request.conversation, command.person)
        if person is None:
            raise NotFound(_("I can't find {person} in this channel.").format(person=clip(command.person, 60)))
        with self._active(request) as (uow, assessment):
            member = assessment.set_role(request.actor.identity, person.identity, Role(command.role), person.name, request.now)
            explanation = {
                Role.SUPER_USER: _("They can reveal, finalise, skip and reopen questions, and see who voted what."),
                Role.FACILITATOR: _(
                    "They run the meeting like a super-user (reveal, finalise, see who voted what) but do not vote, "
                    "and do not count in the progress or the measures."
                ),
                Role.MEMBER: _("They vote on every question."),
                Role.OBSERVER: _("They follow the assessment without voting; they do not count in the progress."),
            }[member.role]
            changed = self._say(uow, lambda: presenters.notice(None, _(_NOW_A[member.role]).format(name=member.name), explanation))
            return self._finish(uow, request, assessment, [changed])

    def _close(self, request: Request, command: commands.Close, directory: Directory) -> Reply:
        with self._active(request) as (uow, assessment):
            assessment.close(request.actor.identity, request.now)
            closed = self._say(uow, lambda: presenters.notice(
                None,
                _("Assessment closed"),
                _("{name} closed the assessment. The summary covers the questions agreed.").format(name=request.actor.name),
            ))
            return self._finish(uow, request, assessment, [closed, self._say(uow, lambda: self._summary_of(uow, assessment))])

    def _organisation(self, request: Request, command: commands.Organisation, directory: Directory) -> Reply:
        """Show or change the organisation behind this workspace: its name, type and sharing.

        The organisation belongs to the workspace, not to one assessment, so it can be set before
        the first assessment, between assessments or during one; an assessment's title never
        becomes its name.
        """
        where = request.conversation
        with self._uow() as uow:
            queries = uow.reports
            known = queries.organisation(where.platform, where.workspace)
            if not command.changes:
                return Reply([_organisation_notice(request.actor.identity, known)])
            self._may_change_organisation(uow, request)
            before = {"name": known.name, "type": known.type, "share": known.share_for_comparison} if known else None
            updated = queries.record_organisation(
                where.platform,
                where.workspace,
                name=command.name if command.name is not None else (known.name if known else None),
                type=command.type if command.type is not None else (known.type if known else None),
                share_for_comparison=command.share if command.share is not None else (known.share_for_comparison if known else False),
                now=request.now,
            )
            after = {"name": updated.name, "type": updated.type, "share": updated.share_for_comparison}
            # The organisation is the workspace's, not one assessment's: its changes go in the install's chain.
            changed = AuditEvent(
                AuditAction.ORGANISATION_CHANGED, request.now, actor=request.actor.identity.key, actor_name=request.actor.name,
                subject="organisation", before=before, after=after,
            )  # fmt: skip
            uow.audit.append(INSTALL_CHAIN, [changed], where.platform)
            return self._finish(uow, request, None, [self._say(uow, lambda: _organisation_notice(None, updated))])

    def _may_change_organisation(self, uow: UnitOfWork, request: Request) -> None:
        """A super-user of the channel's assessment, or of any in the workspace, may change the organisation.

        Before the workspace's first assessment there is no super-user to ask, so whoever sets it up
        may; the person who then says `start` becomes the first super-user.
        """
        actor = request.actor.identity
        where = request.conversation
        channel = None if request.private else uow.assessments.active_in(where) or uow.assessments.latest_in(where)
        if channel is not None and channel.members.get(actor) is not None and channel.members[actor].is_super_user:
            return
        workspace = uow.assessments.list_for_workspace(where.platform, where.workspace)
        for summary in workspace:
            member = uow.assessments.get(summary.id).members.get(actor)
            if member is not None and member.is_super_user:
                return
        if channel is not None:
            channel.permit(actor, Action.CHANGE_ORGANISATION)  # refused, naming the channel's super-users
        if workspace:
            raise NotPermitted(_("Only a super-user of one of this workspace's assessments can change the organisation's details."))

    def _help(self, request: Request, command: commands.Help, directory: Directory) -> Reply:
        return Reply([self._say(None, lambda: help_message(request.actor.identity, command.topic))])

    def _language(self, request: Request, command: commands.Language, directory: Directory) -> Reply:
        """`language cy|en` keeps the person's own choice; a bare `language` says which they read."""
        actor = request.actor.identity
        with self._uow() as uow:
            readers = _readers.get(None) or self.readers_of(request)
            if command.language is None:
                reads = readers.languages.of_person(actor.key)
                chosen = readers.languages.chosen.get(actor.key)
                return Reply([self._say(uow, lambda: _language_notice(actor, reads, chosen))])
            uow.profiles.choose_language(actor, command.language, request.now)
            readers.learn_choice(actor, command.language)
            with speaking(command.language):  # the answer in the language just chosen
                told = _language_notice(actor, (command.language,), command.language)
            return self._finish(uow, request, None, [told])

    # ------------------------------------------------- reminders, deadlines, schedule

    def _remind(self, request: Request, command: commands.Remind, directory: Directory) -> Reply:
        """One round of reminders now, privately, to everyone who has not voted.

        Each takes the member's next reminder slot, under the same unique key the scheduler
        uses, so the scheduler counts it and never repeats it. Anyone a reminder may not reach
        now (their quiet hours, a weekend, outside their working hours) is reminded by the
        scheduler at the first moment it may, by the same rule (a request is recorded, in this
        transaction). Someone reminded, or asked for, within the last hour is left alone.
        """
        actor = request.actor.identity
        now = request.now
        with self._active(request) as (uow, assessment):
            round_, waiting = assessment.to_remind(actor)  # the engine refuses anyone but a super-user
            policy = assessment.settings.schedule.apply(self.schedule_policy)
            organisation = zone(policy.timezone)
            schedule = uow.schedule
            round_id, so_far = schedule.reminders_of(assessment.id, round_.question_id, round_.number)
            profiles = uow.profiles.get_many([m.identity for m in waiting])
            members = {m.identity: m for m in waiting}
            clocks: dict[Identity, tzinfo] = {}
            asked: list[Waiting] = []
            for member in waiting:
                past = so_far.get(member.identity, (None, Reminded()))[1]
                profile = profiles.get(member.identity)
                told = (profile.timezone, profile.working_hours) if profile else (None, None)
                where, hours = own_clock(*told, organisation)  # the sweep's rule, so it honours the request
                clocks[member.identity] = where
                asked.append(Waiting(member.identity, where, past.sent, past.last_sent_at, past.requested_at, hours))
            decided = plan_on_request(policy.reminders, asked, now, RECENTLY_REMINDED)
            outgoing: list[Outgoing] = []
            records: list[tuple[str, Sent]] = []
            readers = _readers.get(None) or Readers(self.language)
            for member in waiting:
                readers.know(member.identity, profiles.get(member.identity))  # read with their clocks, in one query
            for due in decided.now:
                message = self._say(
                    uow,
                    lambda: presenters.reminder_message(assessment, round_, due.who, due.number, policy.reminders.max_count, clocks[due.who]),
                )
                key = reminder_key(assessment.id, round_.question_id, round_.number, due.who, due.number)
                outgoing.append(Outgoing(assessment.conversation, message, key, assessment.id))
                member_id = so_far.get(due.who, (None, None))[0]
                if round_id is not None and member_id is not None:
                    records.append((key, Sent(round_id, member_id, due.number, now)))
            reminded = [members[due.who] for due in decided.now]
            later = [(members[who], when, clocks[who]) for who, when in decided.later]
            recently = [members[who] for who in decided.recently]
            off_work = [who for who, _ in decided.later if who in decided.off_work]
            if later and round_id is not None:
                schedule.request(round_id, [so_far[m.identity][0] for m, _, _ in later if m.identity in so_far], now)
                schedule.remind_by(assessment.id, min(when for _, when, _ in later))
            confirmation = presenters.reminders_sent_message(assessment, actor, round_, reminded, recently, later, off_work)
            if request.conversation.platform in self._queued_platforms:
                added = uow.outbox.add_once(outgoing, now)
                schedule.record_sent(record for key, record in records if key in added)
                return self._finish(uow, request, assessment, [confirmation])
            # Answered in place (the console): the reminders are part of the reply.
            schedule.record_sent(record for _, record in records)
            return self._finish(uow, request, assessment, [confirmation, *(item.message for item in outgoing)])

    def _deadline(self, request: Request, command: commands.Deadline, directory: Directory) -> Reply:
        actor = request.actor.identity
        with self._active(request) as (uow, assessment):
            organisation = zone(assessment.settings.schedule.apply(self.schedule_policy).timezone)
            profile = uow.profiles.get(actor)
            theirs = zone(profile.timezone if profile else None, organisation)
            if command.clear:
                closes_at = None
            elif command.after is not None:
                closes_at = add_duration(request.now, command.after, theirs)
            else:
                closes_at = _wall_clock(command.at, theirs)
            round_ = assessment.set_deadline(actor, closes_at, request.now)
            question = assessment.question(round_.question_id)
            if closes_at is None:
                answer = presenters.notice(
                    actor,
                    _("Deadline removed"),
                    _("Voting on question {number} stays open until a super-user reveals it.").format(number=question.number),
                )
            else:
                answer = presenters.notice(
                    actor,
                    _("Deadline set for question {number}").format(number=question.number),
                    _(
                        "Voting closes {when}. The votes are revealed then if at least two "
                        "people have voted, and you will be told privately who has not."
                    ).format(when=presenters.local_time(closes_at, theirs)),
                )
            return self._finish(uow, request, assessment, [answer, self._say(uow, lambda: presenters.deadline_message(assessment, round_, organisation))])

    def _schedule(self, request: Request, command: commands.Schedule, directory: Directory) -> Reply:
        actor = request.actor.identity
        with self._uow() as uow:
            assessment = self._current(uow, request, for_update=True)
            if command.setting is None:
                assessment.permit(actor, Action.SEE_SCHEDULE)  # anyone else is told how to join
                policy = assessment.settings.schedule.apply(self.schedule_policy)
                shown = presenters.schedule_message(actor, assessment, policy, assessment.settings.schedule, zone(policy.timezone))
                return Reply([shown], assessment)
            value = command.value
            if command.setting == "digest_cron":
                try:
                    value = check_cron(str(value))
                except ValueError as wrong:
                    raise DomainError(str(wrong)) from None
            if command.setting == "reset":
                assessment.change_schedule(actor, request.now, reset=True)
            else:
                assessment.change_schedule(actor, request.now, **{command.setting: value})
            if command.setting in ("digests", "digest_cron", "reset"):
                # The digest sweep works out the next digest on the changed schedule.
                uow.schedule.plan_digest(assessment.id, request.now)
            policy = assessment.settings.schedule.apply(self.schedule_policy)
            shown = presenters.schedule_message(
                actor, assessment, policy, assessment.settings.schedule, zone(policy.timezone), heading=_("Schedule changed")
            )
            return self._finish(uow, request, assessment, [shown])

    def _current(self, uow: UnitOfWork, request: Request, *, for_update: bool = False) -> Assessment:
        """The channel's assessment under way, else its latest; in a private chat, the person's."""
        if request.private:
            return self._theirs(uow, request, for_update=for_update)
        where = request.conversation
        assessment = uow.assessments.active_in(where, for_update=for_update) or uow.assessments.latest_in(where)
        if assessment is None:
            raise NotFound(_("No assessment has been run in this channel yet. Start one with `start`."))
        return assessment


# The use case of each command: explicit, so a reader sees every command and where it goes.
HANDLERS: dict[type, Callable[[Accord, Request, commands.Command, Directory], Reply]] = {
    commands.Start: Accord._start,
    commands.Status: Accord._status,
    commands.Vote: Accord._vote,
    commands.Reveal: Accord._reveal,
    commands.Who: Accord._who,
    commands.Finalise: Accord._finalise,
    commands.Skip: Accord._skip,
    commands.Next: Accord._next,
    commands.Reopen: Accord._reopen,
    commands.Summary: Accord._summary,
    commands.Export: Accord._export,
    commands.Join: Accord._join,
    commands.SetRole: Accord._setrole,
    commands.Close: Accord._close,
    commands.Organisation: Accord._organisation,
    commands.Help: Accord._help,
    commands.Schedule: Accord._schedule,
    commands.Remind: Accord._remind,
    commands.Deadline: Accord._deadline,
    commands.Pause: Accord._pause,
    commands.Resume: Accord._resume,
    commands.Remove: Accord._remove,
    commands.Approve: Accord._approve,
    commands.Audit: Accord._audit,
    commands.Language: Accord._language,
}


def action_for(command: commands.Command) -> Action | None:
    """The action a command needs by `engine.permissions.WHO_MAY`; None: anyone in the channel.

    The engine checks it where the action happens; this says which one each command reaches, so
    the whole table can be walked command by command (tests/unit/test_permissions.py).
    """
    if isinstance(command, commands.Schedule):
        return Action.SEE_SCHEDULE if command.setting is None else Action.CHANGE_SCHEDULE
    if isinstance(command, commands.Organisation):
        return Action.CHANGE_ORGANISATION if command.changes else None
    return COMMAND_ACTIONS[type(command)]


COMMAND_ACTIONS: dict[type, Action | None] = {
    commands.Start: None,
    commands.Status: None,  # super-users also see who has not voted; members see counts
    commands.Vote: Action.VOTE,
    commands.Reveal: Action.REVEAL,
    commands.Who: Action.SEE_WHO_VOTED_WHAT,
    commands.Finalise: Action.FINALISE,
    commands.Skip: Action.SKIP,
    commands.Next: Action.NEXT,
    commands.Reopen: Action.REOPEN,
    commands.Summary: None,
    commands.Export: None,  # the report carries no one's vote
    commands.Join: None,
    commands.SetRole: Action.CHANGE_ROLES,
    commands.Close: Action.CLOSE,
    commands.Help: None,
    commands.Remind: Action.REMIND,
    commands.Deadline: Action.SET_DEADLINE,
    commands.Pause: Action.PAUSE,
    commands.Resume: Action.PAUSE,
    commands.Remove: Action.REMOVE_MEMBERS,
    commands.Approve: Action.APPROVE_MEMBERS,
    commands.Audit: Action.READ_AUDIT,
    commands.Language: None,  # a person's own language, theirs to choose
}


def refusal(person: Identity, refused: DomainError) -> Message:
    """The engine's refusal for the person who asked, naming the input it concerns."""
    return replace(presenters.error_message(person, refused.message), concerns=refused.field)


RECENTLY_REMINDED = timedelta(hours=1)  # `remind` leaves alone anyone reminded this recently


def _duration_words(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        words.format(count=n)
        for n, words in (
            (days, ngettext("{count} day", "{count} days", days)),
            (hours, ngettext("{count} hour", "{count} hours", hours)),
            (minutes, ngettext("{count} minute", "{count} minutes", minutes)),
        )
        if n
    ]
    return " ".join(parts) if parts else _("less than a minute")


# Where an assessment stands, for the person's own view (App Home): the round's state in a whole sentence.
_QUESTION_IS = {
    RoundState.OPEN: N_("Question {number} is open"),
    RoundState.REVEALED: N_("Question {number} is revealed"),
    RoundState.FINALISED: N_("Question {number} is finalised"),
    RoundState.SKIPPED: N_("Question {number} is skipped"),
    RoundState.SUPERSEDED: N_("Question {number} is superseded"),
}
# "You are a member of this assessment." and "Sam is now an observer": one whole sentence per role
# someone can be told (waiting and removed people are answered before either is said).
_YOU_ARE = {
    Role.SUPER_USER: N_("You are a super-user of this assessment."),
    Role.FACILITATOR: N_("You are a facilitator of this assessment."),
    Role.MEMBER: N_("You are a member of this assessment."),
    Role.OBSERVER: N_("You are an observer of this assessment."),
}
_NOW_A = {
    Role.SUPER_USER: N_("{name} is now a super-user"),
    Role.FACILITATOR: N_("{name} is now a facilitator"),
    Role.MEMBER: N_("{name} is now a member"),
    Role.OBSERVER: N_("{name} is now an observer"),
}


def _wall_clock(at: datetime, where: tzinfo) -> datetime:
    """A naive date and time as read on the clock in `where`, as an aware instant."""
    return at.replace(tzinfo=where).astimezone(timezone.utc).astimezone(where)


def _organisation_notice(person: Identity | None, organisation) -> Message:
    if organisation is None:
        return presenters.notice(
            person,
            _("Organisation"),
            _(
                "Not set yet. Say its name (`organisation name Northshire District Council`), what kind of council it is "
                "(`organisation type unitary`), and whether to compare anonymised results with similar councils "
                "(`organisation share`)."
            ),
        )
    kind = _("a {type} council").format(type=organisation.type) if organisation.type else _("type not set")
    heading = (
        _("Organisation: {name}, {kind}").format(name=organisation.name, kind=kind)
        if organisation.name
        else _("Organisation: {kind}").format(kind=kind)
    )
    missing = [
        f"`organisation {word} ...`" for word, value in (("name", organisation.name), ("type", organisation.type)) if not value
    ]
    sharing = (
        _(
            "Shares anonymised theme scores with similar councils: others see only medians and quartiles, and only "
            "once enough councils of the same type have completed an assessment."
        )
        if organisation.share_for_comparison
        else _("Does not share results with other councils (say `organisation share` to take part in comparisons).")
    )
    text = [sharing] + ([_("Still to set: {settings}.").format(settings=_(" and ").join(missing))] if missing else [])
    return presenters.notice(person, heading, *text)


def help_message(person: Identity, topic: str | None = None) -> Message:
    if topic:
        usage = commands.usage(topic)
        if usage is None:
            raise NotFound(_("There is no command {command}. Say `help` for the list.").format(command=repr(clip(topic, 40))))
        said = _(usage.summary)
        said = said[:1].upper() + said[1:] + "."
        if usage.super_user_only:
            said += " " + _("Super-users only.")
        return Message(kind=Kind.HELP, audience=only(person), heading=f"`{usage.syntax}`", text=(said,))
    fields = tuple(
        Field(f"{u.syntax}", _("{summary} (super-user)").format(summary=_(u.summary)) if u.super_user_only else _(u.summary))
        for u in commands.USAGES
    )
    return Message(
        kind=Kind.HELP,
        audience=only(person),
        heading=_("What you can say to Accord"),
        text=(_("Scores are points on the framework's scale: the current position first, then the ambition for 18-24 months."),),
        fields=fields,
    )


# Whole sentences, not a language's name in a frame: Welsh mutates it ("yn Gymraeg").
_WRITES_TO_YOU = {
    ("en",): N_("Accord writes to you in English"),
    ("cy",): N_("Accord writes to you in Welsh (Cymraeg)"),
    ("cy", "en"): N_("Accord writes to you in Welsh, then English"),
}


def _language_notice(person: Identity, reads: tuple[str, ...], chosen: str | None) -> Message:
    if chosen:
        why = _("You chose it; say `language en` or `language cy` to change it.")
    else:
        why = _("Your platform's language or the organisation's; say `language cy` or `language en` to choose your own.")
    return Message(
        kind=Kind.NOTICE,
        audience=only(person),
        heading=_(_WRITES_TO_YOU[reads]),
        text=(why, _("Messages in the channel are in the organisation's language.")),
    )
