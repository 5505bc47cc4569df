"""The assessment: a team working through a framework, one question (round) at a time.

The method, in the team's words:

* The super-user starts the assessment; the first question opens for votes.
* Every voting member privately gives a current position and an ambition for 18-24 months.
  A vote can be changed until the round is revealed. Observers watch; they never vote and
  never count.
* The super-user reveals the round (or it reveals itself once everyone has voted, when the
  assessment is set to). The anonymous distribution and the disagreement measures are frozen
  at that moment, and the engine proposes a consensus: the median current and ambition.
* The team talks; the super-user records the agreed answer (finalise), or skips the question.
  The next question then opens.
* A finalised or skipped question can be reopened: that starts a new round on the question
  and leaves every earlier round, and every other question's consensus, as it was recorded.
* Running the meeting: a facilitator chairs with a super-user's powers and never votes or
  counts; `pause` stops the clock (no reminders, deadline reveals or digests) until `resume`,
  which moves the open deadline on by the time paused; a super-user can `remove` someone (their
  open votes withdrawn, revealed and recorded ones kept) and, when joining needs approval,
  `approve` someone waiting; an assessment can be scheduled to open its first question later.

Rounds move only along: open -> revealed -> finalised, open/revealed -> skipped, and
revealed -> superseded (reopened after the discussion, so everyone votes again).
A reveal always needs at least two counted votes: with one, everyone would know whose it is.
Every refusal raises a `DomainError` whose message can be shown to the person as it is.
"""

from __future__ import annotations

import copy
import math
import statistics
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum

from engine import audit
from engine.audit import AuditAction, AuditEvent
from engine.disagreement import Disagreement, Thresholds, Verdict, measure
from engine.errors import DomainError, InvalidTransition, NotFound, NotPermitted, RatingOffScale
from engine.framework import Framework, Question
from engine.language import LANGUAGES, N_, _, ngettext
from engine.permissions import REFUSALS, SUPER_USERS, Action, Role, may
from engine.text import clean
from engine.reminders import ScheduleOverrides

MAX_COMMENT_LENGTH = 1000
MAX_NOTE_LENGTH = 2000
MAX_REASON_LENGTH = 500


class RoundState(str, Enum):
    OPEN = "open"
    REVEALED = "revealed"
    FINALISED = "finalised"
    SKIPPED = "skipped"
    SUPERSEDED = "superseded"  # reopened after the reveal: a new round replaced it


class AssessmentStatus(str, Enum):
    ACTIVE = "active"
    COMPLETED = "completed"


@dataclass(frozen=True, order=True)
class Identity:
    """A person as their platform knows them: platform, workspace (or tenant) and user id.

    Two platforms, or two workspaces, never share an identity even when the ids look alike.
    """

    platform: str
    workspace: str
    user_id: str

    def __post_init__(self) -> None:
        # Identities key every dict of members and votes and are hashed hundreds of times per
        # command; the generated __hash__ would build a tuple each time.
        object.__setattr__(self, "_hash", hash((self.platform, self.workspace, self.user_id)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple:
        # Rebuilt through __init__, so a copy in another process hashes with that process's seed.
        return (Identity, (self.platform, self.workspace, self.user_id))

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user_id}"


@dataclass(frozen=True)
class Conversation:
    """The channel an assessment runs in."""

    platform: str
    workspace: str
    channel_id: str


@dataclass(frozen=True)
class Member:
    identity: Identity
    name: str
    role: Role = Role.MEMBER

    @property
    def votes(self) -> bool:
        return self.role in (Role.SUPER_USER, Role.MEMBER)

    @property
    def is_super_user(self) -> bool:
        """A super-user or a facilitator: either may run the meeting."""
        return self.role in SUPER_USERS

    @property
    def takes_part(self) -> bool:
        """False for someone waiting for approval or removed: kept only for the record."""
        return self.role not in (Role.WAITING, Role.REMOVED)


@dataclass(frozen=True)
class Vote:
    voter: Identity
    current: int
    ambition: int
    comment: str
    cast_at: datetime


@dataclass(frozen=True)
class Proposal:
    """The consensus the engine suggests at the reveal: the median of the votes."""

    current: int
    ambition: int


@dataclass(frozen=True)
class Consensus:
    """What the team agreed for a question, as the super-user recorded it."""

    current: int
    ambition: int
    note: str
    recorded_by: Identity
    recorded_at: datetime

    @property
    def gap(self) -> int:
        return self.ambition - self.current


@dataclass(frozen=True)
class Measures:
    """The disagreement over current positions and over ambitions, frozen at the reveal."""

    current: Disagreement
    ambition: Disagreement

    @property
    def needs_discussion(self) -> bool:
        return self.current.needs_discussion or self.ambition.needs_discussion

    @property
    def verdict(self) -> Verdict:
        """The more worrying of the two verdicts: a split on either deserves the team's time."""
        order = [Verdict.POLARISED, Verdict.SPREAD, Verdict.AGREED, Verdict.TOO_FEW]
        return min((self.current.verdict, self.ambition.verdict), key=order.index)

    def to_dict(self) -> dict:
        return {"current": self.current.to_dict(), "ambition": self.ambition.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> Measures:
        return cls(Disagreement.from_dict(data["current"]), Disagreement.from_dict(data["ambition"]))


@dataclass(frozen=True)
class Progress:
    voted: int
    eligible: int

    @property
    def complete(self) -> bool:
        return self.eligible > 0 and self.voted >= self.eligible

    def line(self) -> str:
        return ngettext("{voted} of {count} have voted", "{voted} of {count} have voted", self.eligible).format(
            voted=self.voted, count=self.eligible
        )


@dataclass
class Round:
    """One pass of the team over one question."""

    question_id: str
    number: int
    state: RoundState
    opened_at: datetime
    votes: dict[Identity, Vote] = field(default_factory=dict)
    revealed_at: datetime | None = None
    closed_at: datetime | None = None
    closes_at: datetime | None = None
    measures: Measures | None = None
    proposal: Proposal | None = None
    consensus: Consensus | None = None
    skip_reason: str = ""

    @property
    def is_closed(self) -> bool:
        return self.state in (RoundState.FINALISED, RoundState.SKIPPED, RoundState.SUPERSEDED)

    def copy(self) -> Round:
        """A copy whose state and votes can change without changing this round."""
        # Every command copies every round of its assessment (see `Assessment.copy`), so
        # directly: through `copy.copy`'s generic protocol this was an eighth of the work of a
        # vote on question 20.
        twin = object.__new__(Round)
        twin.__dict__.update(self.__dict__)
        twin.votes = dict(self.votes)
        return twin


@dataclass(frozen=True)
class Settings:
    auto_reveal: bool = False  # reveal by itself once every voting member has voted
    auto_advance: bool = True  # open the next question once one is finalised or skipped
    thresholds: Thresholds = Thresholds()
    # What the super-user changed of app.yaml's reminder and digest schedule for this assessment.
    schedule: ScheduleOverrides = ScheduleOverrides()
    join_approval: bool = False  # app.yaml's `assessment.join: approval`: a super-user approves each `join`


@dataclass(frozen=True)
class VoteOutcome:
    changed: bool  # an earlier vote of the same person was replaced
    revealed: bool  # this vote completed the round and it revealed itself


@dataclass
class Assessment:
    id: str
    title: str
    conversation: Conversation
    framework: Framework
    settings: Settings
    created_at: datetime
    members: dict[Identity, Member] = field(default_factory=dict)
    rounds: list[Round] = field(default_factory=list)
    status: AssessmentStatus = AssessmentStatus.ACTIVE
    completed_at: datetime | None = None
    focus_question_id: str | None = None
    paused_at: datetime | None = None  # while set, nothing happens by the clock (reminders, deadlines, digests)
    starts_at: datetime | None = None  # a scheduled start: the first question opens then
    # What changed since the last commit, for the audit trail (`engine.audit`): the unit of work
    # writes these with the change and empties the list.
    pending_audit: list[AuditEvent] = field(default_factory=list, repr=False, compare=False)

    # ----------------------------------------------------------------- creation

    @classmethod
    def start(
        cls,
        *,
        assessment_id: str,
        conversation: Conversation,
        framework: Framework,
        starter: Member,
        members: list[Member],
        now: datetime,
        settings: Settings = Settings(),
        title: str | None = None,
        starts_at: datetime | None = None,
    ) -> Assessment:
        """Start an assessment; the starter is its super-user and the first question opens.

        With `starts_at` in the future the assessment is scheduled: it exists (people can join,
        roles can be set) and its first question opens at that time (`open_scheduled`).
        """
        assessment = cls(
            id=assessment_id,
            title=title or framework.in_speaking_language().title,  # stored as said, in the starter's language
            conversation=conversation,
            framework=framework,
            settings=settings,
            created_at=now,
        )
        for member in members:
            if member.identity != starter.identity:
                assessment.members[member.identity] = member
        assessment.members[starter.identity] = replace(starter, role=Role.SUPER_USER)
        if starts_at is not None and starts_at > now:
            assessment.starts_at = starts_at
            return assessment
        first = next(framework.questions())
        assessment._open_round(first.id, now)
        audit.record_start(assessment, starter.identity, now)
        return assessment

    @property
    def shown_title(self) -> str:
        """The title as read in the language speaking.

        An assessment named after its framework (as most are) reads the framework's title in that
        language, whichever language its starter spoke; a title given on purpose is shown as given.
        """
        framework = self.framework
        if any(self.title == framework.in_language(language).title for language in LANGUAGES):
            return framework.in_speaking_language().title
        return self.title

    def copy(self) -> Assessment:
        """A copy that can be changed without changing this one.

        Only the assessment and its rounds change in place; members, votes, the framework and
        the rest are immutable values, so they are shared rather than copied.
        """
        twin = copy.copy(self)
        twin.members = dict(self.members)
        twin.rounds = [round_.copy() for round_ in self.rounds]
        twin.pending_audit = list(self.pending_audit)
        return twin

    # ------------------------------------------------------------------ queries

    @property
    def is_active(self) -> bool:
        return self.status is AssessmentStatus.ACTIVE

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def is_scheduled(self) -> bool:
        """Created to start later: no question has opened yet."""
        return self.starts_at is not None and not self.rounds

    @property
    def focus_round(self) -> Round | None:
        if self.focus_question_id is None:
            return None
        return self.latest_round(self.focus_question_id)

    def latest_round(self, question_id: str) -> Round | None:
        found = None
        for round_ in self.rounds:
            if round_.question_id == question_id:
                found = round_
        return found

    def rounds_of(self, question_id: str) -> list[Round]:
        return [r for r in self.rounds if r.question_id == question_id]

    def question(self, ref: str) -> Question:
        """The question in the language now speaking (its id, number and levels are every language's)."""
        return self.framework.in_speaking_language().question(ref)

    def member(self, identity: Identity) -> Member:
        try:
            return self.members[identity]
        except KeyError:
            raise NotPermitted(
                _("You are not a member of this assessment yet: say `join` to take part, or ask {names}.").format(
                    names=self._super_user_names()
                )
            ) from None

    def permit(self, actor: Identity, action: Action) -> Member:
        """The actor, if their role allows `action` (`engine.permissions.WHO_MAY`); else refused."""
        member = self.members.get(actor)
        if may(member.role if member else None, action):
            return member
        if member is not None and member.role is Role.WAITING:
            raise NotPermitted(
                _("You are not a member of this assessment yet: you asked to join, and {names} has still to approve you.").format(
                    names=self._super_user_names()
                )
            )
        if member is not None and member.role is Role.REMOVED:
            raise NotPermitted(
                _("You are not a member of this assessment: you were removed from it. Ask {names} if that was a mistake.").format(
                    names=self._super_user_names()
                )
            )
        if member is None and may(Role.MEMBER, action):
            self.member(actor)  # refused, saying how to join
        if action is Action.VOTE and member is not None and member.role is Role.FACILITATOR:
            raise NotPermitted(
                _(
                    "Facilitators run the meeting without voting, so the team's measures are the voters' alone. "
                    "Ask {names} to make you a member if you should vote."
                ).format(names=self._super_user_names())
            )
        if action is Action.VOTE:
            raise NotPermitted(
                _("Observers follow the assessment but do not vote. Ask {names} to make you a member if you should.").format(
                    names=self._super_user_names()
                )
            )
        raise NotPermitted(_(REFUSALS[action]).format(names=self._super_user_names()))

    def super_users(self) -> list[Member]:
        return [m for m in self.members.values() if m.is_super_user]

    def voters(self) -> list[Member]:
        return [m for m in self.members.values() if m.votes]

    def with_role(self, role: Role) -> list[Member]:
        """The members in one role: how the summary and the reports count the team (someone
        waiting to join or removed is in neither the voters nor the observers)."""
        return [m for m in self.members.values() if m.role is role]

    def counted_votes(self, round_: Round) -> list[Vote]:
        """Votes of people who vote now; an observer's old vote is never counted."""
        return [v for who, v in round_.votes.items() if who in self.members and self.members[who].votes]

    def progress(self, round_: Round) -> Progress:
        return Progress(voted=len(self.counted_votes(round_)), eligible=len(self.voters()))

    def waiting_for(self, actor: Identity, round_: Round) -> list[Member]:
        """Who has not voted yet: names are for super-users; members see counts only."""
        self.permit(actor, Action.SEE_WHO_HAS_NOT_VOTED)
        return [m for m in self.voters() if m.identity not in round_.votes]

    def individual_votes(self, actor: Identity, round_: Round) -> list[tuple[Member, Vote]]:
        """Who voted what: for super-users only, and on an open question once they have voted.

        A super-user who votes could otherwise read everyone's vote and comment before casting
        their own; until they have, they see who has voted (`has_voted`), not what.
        """
        self.permit(actor, Action.SEE_WHO_VOTED_WHAT)
        if self.votes_hidden_from(actor, round_):
            return []
        return [(self.members[v.voter], v) for v in self.counted_votes(round_)]

    def votes_hidden_from(self, actor: Identity, round_: Round) -> bool:
        """Whether a super-user must vote on this open question before seeing individual votes."""
        member = self.members.get(actor)
        return (
            round_.state is RoundState.OPEN
            and member is not None
            and member.votes
            and actor not in round_.votes
        )

    def has_voted(self, actor: Identity, round_: Round) -> list[Member]:
        """Who has voted on the round, without their votes: for super-users."""
        self.permit(actor, Action.SEE_WHO_HAS_NOT_VOTED)
        return [self.members[v.voter] for v in self.counted_votes(round_)]

    def own_vote(self, actor: Identity, question_id: str) -> Vote | None:
        round_ = self.latest_round(question_id)
        return round_.votes.get(actor) if round_ else None

    def consensus_for(self, question_id: str) -> Consensus | None:
        """The question's recorded consensus: that of its most recently finalised round."""
        for round_ in reversed(self.rounds_of(question_id)):
            if round_.consensus is not None:
                return round_.consensus
        return None

    def finalised_round(self, question_id: str) -> Round | None:
        for round_ in reversed(self.rounds_of(question_id)):
            if round_.consensus is not None:
                return round_
        return None

    def unstarted_questions(self) -> list[Question]:
        started = {r.question_id for r in self.rounds}
        return [q for q in self.framework.questions() if q.id not in started]

    # ---------------------------------------------------------------- membership

    def add_member(self, actor: Identity, member: Member, now: datetime | None = None) -> None:
        self._require_active()
        self.permit(actor, Action.ADD_MEMBERS)
        existing = self.members.get(member.identity)
        self.members[member.identity] = replace(member, role=existing.role if existing else member.role)
        if existing is None:
            audit.record_member(self, AuditAction.MEMBER_ADDED, actor, self.members[member.identity], now)

    def join(self, member: Member, now: datetime | None = None) -> bool:
        """A person in the channel joins; False when already taking part (or already waiting).

        They join as a voting member, or, when the assessment needs approval to join, wait for a
        super-user's `approve` and cannot vote until then. Someone removed cannot join again.
        """
        self._require_active()
        existing = self.members.get(member.identity)
        if existing is not None and existing.role is Role.REMOVED:
            raise NotPermitted(
                _("You were removed from this assessment, so you cannot join it again. Ask {names} if that was a mistake.").format(
                    names=self._super_user_names()
                )
            )
        if existing is not None:
            return False
        role = Role.WAITING if self.settings.join_approval else Role.MEMBER
        self.members[member.identity] = replace(member, role=role)
        audit.record_member(self, AuditAction.MEMBER_JOINED, member.identity, self.members[member.identity], now)
        return True

    def approve(self, actor: Identity, identity: Identity, now: datetime | None = None) -> Member:
        """A super-user lets someone waiting to join take part as a voting member."""
        self._require_active()
        self.permit(actor, Action.APPROVE_MEMBERS)
        waiting = self.members.get(identity)
        if waiting is None or waiting.role is not Role.WAITING:
            raise InvalidTransition(
                _("Only someone who has asked to join and is waiting can be approved: they are not waiting.")
                if waiting is not None
                else _("Only someone who has asked to join and is waiting can be approved: they have not asked to join.")
            )
        approved = replace(waiting, role=Role.MEMBER)
        self.members[identity] = approved
        audit.record_role(self, actor, waiting, approved, now)
        return approved

    def waiting_to_join(self) -> list[Member]:
        return [m for m in self.members.values() if m.role is Role.WAITING]

    def remove(self, actor: Identity, identity: Identity, now: datetime | None = None) -> tuple[Member, list[str]]:
        """Take someone out of the assessment: their votes on open questions are withdrawn.

        Votes already revealed or recorded stay, as the team saw them; the person stays on
        record (role `removed`) so those votes keep a name, and cannot join again. Returns the
        member and the numbers of the questions whose votes were withdrawn.
        """
        self._require_active()
        self.permit(actor, Action.REMOVE_MEMBERS)
        member = self.members.get(identity)
        if member is None or member.role is Role.REMOVED:
            raise NotFound(_("That person is not in this assessment."))
        if identity == actor:
            raise InvalidTransition(_("You cannot remove yourself: make someone else super-user, then ask them."))
        if member.is_super_user and len(self.super_users()) == 1:
            raise InvalidTransition(_("{name} is the only super-user: make someone else super-user first.").format(name=member.name))
        withdrawn = []
        for round_ in self.rounds:
            vote = round_.votes.pop(identity, None) if round_.state is RoundState.OPEN else None
            if vote is not None:
                withdrawn.append(self.question(round_.question_id).number)
                audit.record_vote(self, round_, vote, None, now or audit.latest_moment(self))
        removed = replace(member, role=Role.REMOVED)
        self.members[identity] = removed
        audit.record_role(self, actor, member, removed, now)
        return removed, withdrawn

    def set_role(
        self, actor: Identity, identity: Identity, role: Role, name: str | None = None, now: datetime | None = None
    ) -> Member:
        self.permit(actor, Action.CHANGE_ROLES)
        existing = was = self.members.get(identity)
        if existing is None:
            if name is None:
                raise NotFound(_("That person is not in this assessment yet."))
            existing = Member(identity, name, Role.MEMBER)
        if existing.is_super_user and role not in SUPER_USERS and len(self.super_users()) == 1:
            raise InvalidTransition(
                _("{name} is the only super-user: make someone else super-user first.").format(name=existing.name)
            )
        updated = replace(existing, role=role, name=name or existing.name)
        self.members[identity] = updated
        audit.record_role(self, actor, was, updated, now)
        return updated

    # ------------------------------------------------------------------- voting

    def cast_vote(
        self,
        voter: Identity,
        question_id: str,
        current: int,
        ambition: int,
        now: datetime,
        comment: str = "",
    ) -> VoteOutcome:
        self._require_active()
        self.permit(voter, Action.VOTE)
        question = self.question(question_id)
        round_ = self.latest_round(question.id)
        if round_ is None:
            raise InvalidTransition(_("Question {number} is not open for votes yet.").format(number=question.number))
        if round_.state is not RoundState.OPEN:
            raise InvalidTransition(self._closed_for_votes(question, round_))
        self._check_scores(current, ambition)
        comment = _clean(comment)
        if len(comment) > MAX_COMMENT_LENGTH:
            raise DomainError(
                _("Keep the comment to {limit} characters; it has {length}.").format(limit=MAX_COMMENT_LENGTH, length=len(comment)),
                field="comment",
            )
        changed = voter in round_.votes
        earlier = round_.votes.get(voter)
        round_.votes[voter] = Vote(voter, current, ambition, comment, now)
        audit.record_vote(self, round_, earlier, round_.votes[voter], now)
        revealed = False
        # While paused nothing reveals by itself; `resume` reveals a round everyone voted on meanwhile.
        if self._reveals_itself(round_):
            self._reveal(round_, now)
            audit.record_reveal(self, round_, None, now, "automatic: everyone has voted")
            revealed = True
        return VoteOutcome(changed=changed, revealed=revealed)

    def withdraw_vote(self, voter: Identity, question_id: str, now: datetime | None = None) -> None:
        self._require_active()
        question = self.question(question_id)
        round_ = self.latest_round(question.id)
        if round_ is None or round_.state is not RoundState.OPEN:
            raise InvalidTransition(_("Question {number} is not open, so there is no vote to withdraw.").format(number=question.number))
        withdrawn = round_.votes.pop(voter, None)
        if withdrawn is None:
            raise NotFound(_("You have not voted on question {number}.").format(number=question.number))
        audit.record_vote(self, round_, withdrawn, None, now or withdrawn.cast_at)

    # ------------------------------------------------- the super-user's actions

    def reveal(self, actor: Identity, now: datetime) -> Round:
        self._require_active()
        self.permit(actor, Action.REVEAL)
        round_ = self._require_focus()
        question = self.question(round_.question_id)
        if round_.state is not RoundState.OPEN:
            raise InvalidTransition(_already(round_, question.number))
        voted = self.progress(round_).voted
        if not self._enough_to_reveal(round_):
            raise InvalidTransition(
                ngettext(
                    "Only {count} vote on question {number} so far: revealing now would show whose vote it is. "
                    "Wait for at least two, or skip the question.",
                    "Only {count} votes on question {number} so far: revealing now would show whose vote it is. "
                    "Wait for at least two, or skip the question.",
                    voted,
                ).format(count=voted, number=question.number)
            )
        self._reveal(round_, now)
        audit.record_reveal(self, round_, actor, now)
        return round_

    def finalise(
        self,
        actor: Identity,
        now: datetime,
        current: int | None = None,
        ambition: int | None = None,
        note: str = "",
    ) -> Round:
        """Record the agreed answer; a bare finalise accepts the proposal made at the reveal.

        Safeguards, because the recorded answer ends up in board papers: on a question where
        the team split into two camps the proposal (a median) may be a score nobody gave, so a
        bare finalise is refused there and the team records the answer it agreed; and an answer
        outside the range of the votes (which includes one that differs from a unanimous vote)
        needs a note saying why.
        """
        self._require_active()
        self.permit(actor, Action.FINALISE)
        round_ = self._require_focus()
        question = self.question(round_.question_id)
        if round_.state is RoundState.OPEN:
            raise InvalidTransition(
                _("Reveal question {number} first, so the team sees where it stands before agreeing.").format(number=question.number)
            )
        if round_.state is not RoundState.REVEALED:
            raise InvalidTransition(_already(round_, question.number))
        proposal = round_.proposal
        if current is None:
            if proposal is None:
                raise InvalidTransition(_("There is no proposal to accept: give the agreed current position and ambition."))
            self._refuse_proposal_if_split(round_)
            current = proposal.current
        if ambition is None:
            ambition = max(current, proposal.ambition) if proposal else current
        self._check_scores(current, ambition)
        note = _clean(note)
        if len(note) > MAX_NOTE_LENGTH:
            raise DomainError(_("Keep the note to {limit} characters; it has {length}.").format(limit=MAX_NOTE_LENGTH, length=len(note)))
        if not note:
            self._require_note_outside_votes(round_, current, ambition)
        round_.consensus = Consensus(current, ambition, note, actor, now)
        round_.state = RoundState.FINALISED
        round_.closed_at = now
        audit.record_finalise(self, round_, proposal, actor, now)
        self._after_close(now)
        return round_

    def skip(self, actor: Identity, now: datetime, reason: str = "") -> Round:
        self._require_active()
        self.permit(actor, Action.SKIP)
        round_ = self._require_focus()
        if round_.is_closed:
            question = self.question(round_.question_id)
            raise InvalidTransition(_already(round_, question.number))
        reason = _clean(reason)
        if len(reason) > MAX_REASON_LENGTH:
            raise DomainError(_("Keep the reason to {limit} characters; it has {length}.").format(limit=MAX_REASON_LENGTH, length=len(reason)))
        before_state = round_.state.value
        round_.state = RoundState.SKIPPED
        round_.skip_reason = reason
        round_.closed_at = now
        audit.record(self, AuditAction.SKIPPED, actor, now, round_, before={"state": before_state}, after={"state": "skipped"}, note=reason)
        self._after_close(now)
        return round_

    def next_question(self, actor: Identity, now: datetime) -> Round:
        self._require_active()
        self.permit(actor, Action.NEXT)
        focus = self.focus_round
        if focus is not None and not focus.is_closed:
            question = self.question(focus.question_id)
            raise InvalidTransition(_still(focus, question.number, reopening=False))
        remaining = self.unstarted_questions()
        if not remaining:
            raise InvalidTransition(_("Every question has been answered or skipped: ask for the summary."))
        opened = self._open_round(remaining[0].id, now)
        audit.record(self, AuditAction.NEXT, actor, now, opened)
        return opened

    def reopen(self, actor: Identity, question_ref: str | None, now: datetime) -> Round:
        """Start a new round on a question; every earlier round stays as it was recorded.

        A revealed round that the team wants to vote on again after discussing it is
        superseded. A next question that opened by itself and has no votes yet steps back, so
        the team can return to an earlier one; it opens again in its turn.
        """
        self.permit(actor, Action.REOPEN)
        focus = self.focus_round
        if question_ref is None:
            if focus is None:
                raise InvalidTransition(_("Say which question to reopen, for example `reopen 2.3`."))
            question_ref = focus.question_id
        question = self.question(question_ref)
        latest = self.latest_round(question.id)
        if latest is None:
            raise InvalidTransition(
                _("Question {number} has not been opened yet, so there is nothing to reopen.").format(number=question.number)
            )
        if latest.state is RoundState.OPEN:
            raise InvalidTransition(_("Question {number} is already open for votes.").format(number=question.number))
        set_aside = ""
        if focus is not None and focus is not latest and not focus.is_closed:
            other = self.question(focus.question_id)
            if focus.state is RoundState.OPEN and not focus.votes:
                self.rounds.remove(focus)
                set_aside = f"question {other.number} set aside until its turn"
            else:
                raise InvalidTransition(_still(focus, other.number, reopening=True))
        if latest.state is RoundState.REVEALED:
            latest.state = RoundState.SUPERSEDED
            latest.closed_at = now
        before = {"round": latest.number, "state": latest.state.value, "assessment": self.status.value}
        self.status = AssessmentStatus.ACTIVE
        self.completed_at = None
        opened = self._open_round(question.id, now, number=latest.number + 1)
        audit.record(self, AuditAction.REOPENED, actor, now, opened, before=before, note=set_aside)
        return opened

    def close(self, actor: Identity, now: datetime) -> None:
        """End the assessment now; an open question is skipped, unstarted ones stay unanswered."""
        self._require_active()
        self.permit(actor, Action.CLOSE)
        focus = self.focus_round
        skipped = None
        if focus is not None and not focus.is_closed:
            focus.state = RoundState.SKIPPED
            focus.skip_reason = "the assessment was closed"
            focus.closed_at = now
            skipped = self.question(focus.question_id).number
        self._complete(now)
        audit.record(self, AuditAction.CLOSED, actor, now, None, after={"status": "completed", "skipped": skipped})

    def set_deadline(self, actor: Identity, closes_at: datetime | None, now: datetime) -> Round:
        self._require_active()
        self.permit(actor, Action.SET_DEADLINE)
        if self.is_paused:
            # A deadline set now would move again at `resume`, by the time paused.
            raise InvalidTransition(_("The assessment is paused: `resume` it first, then set the deadline."))
        round_ = self._require_focus()
        if round_.state is not RoundState.OPEN:
            raise InvalidTransition(_("Only an open question can have a deadline."))
        if closes_at is not None and closes_at <= now:
            raise DomainError(_("The deadline has to be in the future."))
        before = round_.closes_at
        round_.closes_at = closes_at
        audit.record_deadline(self, round_, before, actor, now)
        return round_

    def to_remind(self, actor: Identity) -> tuple[Round, list[Member]]:
        """The open round and the voting members who have not voted on it, for a super-user's `remind`."""
        self.permit(actor, Action.REMIND)
        round_ = self.focus_round
        if not self.is_active or round_ is None or round_.state is not RoundState.OPEN:
            raise InvalidTransition(_("No question is open for votes, so there is nobody to remind."))
        if self.is_paused:
            raise InvalidTransition(_("The assessment is paused, so nobody is reminded: `resume` it first."))
        return round_, [m for m in self.voters() if m.identity not in round_.votes]

    def change_schedule(self, actor: Identity, now: datetime | None = None, **changes: object) -> ScheduleOverrides:
        """Change this assessment's reminder or digest schedule; `reset=True` returns to app.yaml's."""
        self.permit(actor, Action.CHANGE_SCHEDULE)
        before = self.settings.schedule
        if changes.pop("reset", False):
            overrides = ScheduleOverrides()
        else:
            overrides = self.settings.schedule.changed(**changes)
        self.settings = replace(self.settings, schedule=overrides)
        if now is not None:
            audit.record(self, AuditAction.SCHEDULE_CHANGED, actor, now, None, before=audit.plain(before), after=audit.plain(overrides))
        return overrides

    # ------------------------------------------------------ running the meeting

    def pause(self, actor: Identity, now: datetime) -> None:
        """Stop the clock: no reminders, deadline reveals or digests until `resume`.

        Votes are still accepted (a member can catch up), but nothing reveals by itself.
        """
        self._require_active()
        self.permit(actor, Action.PAUSE)
        if self.is_paused:
            raise InvalidTransition(_("The assessment is already paused: `resume` starts it again."))
        self.paused_at = now
        audit.record(self, AuditAction.PAUSED, actor, now, None)

    def resume(self, actor: Identity, now: datetime) -> tuple[timedelta, bool]:
        """Start the clock again where it stopped: the open question's deadline moves on by the
        time paused. Returns that time, and whether the open round revealed itself now (everyone
        voted while paused, and the assessment reveals itself when everyone has)."""
        self._require_active()
        self.permit(actor, Action.PAUSE)
        if not self.is_paused:
            raise InvalidTransition(_("The assessment is not paused."))
        paused_for = max(now - self.paused_at, timedelta(0))
        self.paused_at = None
        audit.record(self, AuditAction.RESUMED, actor, now, None, after={"paused_for": str(paused_for)})
        round_ = self.focus_round
        revealed = False
        if round_ is not None and round_.state is RoundState.OPEN:
            if round_.closes_at is not None:
                round_.closes_at += paused_for
            if self._reveals_itself(round_):
                self._reveal(round_, now)
                audit.record_reveal(self, round_, None, now, "automatic: everyone had voted while paused")
                revealed = True
        return paused_for, revealed

    def open_scheduled(self, now: datetime) -> Round | None:
        """Open the first question of a scheduled assessment once its start time has come."""
        if not (self.is_active and self.is_scheduled and self.starts_at <= now):
            return None
        self.starts_at = None
        round_ = self._open_round(next(self.framework.questions()).id, now)
        audit.record(self, AuditAction.NEXT, None, now, round_, note="automatic: the scheduled start")
        return round_

    def record_audit(
        self,
        action: AuditAction,
        actor: Identity,
        now: datetime,
        *,
        question_id: str | None = None,
        before: dict | None = None,
        after: dict | None = None,
        note: str = "",
    ) -> None:
        """Record what the application did with this assessment outside the engine's own changes.

        For reads that disclose individual votes (`who`, `audit`) and the organisation's details:
        they change no aggregate, yet an auditor must see them.
        """
        round_ = self.latest_round(question_id) if question_id else None
        audit.record(self, action, actor, now, round_, before=before, after=after, note=note)

    def reveal_overdue(self, now: datetime) -> Round | None:
        """Reveal the focus round when its deadline has passed (a scheduler job calls this)."""
        round_ = self.focus_round
        if (
            self.is_active
            and not self.is_paused
            and round_ is not None
            and round_.state is RoundState.OPEN
            and round_.closes_at is not None
            and round_.closes_at <= now
            and self._enough_to_reveal(round_)
        ):
            self._reveal(round_, now)
            audit.record_reveal(self, round_, None, now, "automatic: the deadline passed")
            return round_
        return None

    # ---------------------------------------------------------------- internals

    def _open_round(self, question_id: str, now: datetime, number: int = 1) -> Round:
        round_ = Round(question_id=question_id, number=number, state=RoundState.OPEN, opened_at=now)
        self.starts_at = None  # a scheduled assessment opened early (`next`) is no longer scheduled
        self.rounds.append(round_)
        self.focus_question_id = question_id
        return round_

    def _reveal(self, round_: Round, now: datetime) -> None:
        votes = self.counted_votes(round_)
        scale = self.framework.scale
        thresholds = self.settings.thresholds
        currents = [v.current for v in votes]
        ambitions = [v.ambition for v in votes]
        round_.measures = Measures(
            current=measure(currents, scale.minimum, scale.maximum, thresholds),
            ambition=measure(ambitions, scale.minimum, scale.maximum, thresholds),
        )
        if votes:
            current = _median_point(currents, halves="down")
            round_.proposal = Proposal(current=current, ambition=max(current, _median_point(ambitions, halves="up")))
        round_.state = RoundState.REVEALED
        round_.revealed_at = now

    def _enough_to_reveal(self, round_: Round) -> bool:
        return self.progress(round_).voted >= 2

    def _reveals_itself(self, round_: Round) -> bool:
        return (
            self.settings.auto_reveal
            and not self.is_paused
            and self.progress(round_).complete
            and self._enough_to_reveal(round_)
        )

    def _refuse_proposal_if_split(self, round_: Round) -> None:
        measures = round_.measures
        if measures is None or measures.verdict is not Verdict.POLARISED:
            return
        split = measures.current if measures.current.polarised else measures.ambition
        votes = ", ".join(str(v) for v in _ratings(split))
        low = _ratings(measures.current)[0]
        example_ambition = max(low, round_.proposal.ambition if round_.proposal else low)
        sentence = (
            N_(
                "The team is split into two camps on the current position ({votes}), so the proposal is a middle score "
                "that may be nobody's view: record the answer you agreed and why, "
                "`finalise <current> <ambition> <note>`, e.g. `finalise {low} {ambition} agreed after hearing both camps`."
            )
            if split is measures.current
            else N_(
                "The team is split into two camps on the ambition ({votes}), so the proposal is a middle score "
                "that may be nobody's view: record the answer you agreed and why, "
                "`finalise <current> <ambition> <note>`, e.g. `finalise {low} {ambition} agreed after hearing both camps`."
            )
        )
        raise InvalidTransition(_(sentence).format(votes=votes, low=low, ambition=example_ambition))

    def _require_note_outside_votes(self, round_: Round, current: int, ambition: int) -> None:
        measures = round_.measures
        if measures is None or measures.current.n == 0:
            return
        for is_current, value, measured in ((True, current, measures.current), (False, ambition, measures.ambition)):
            ratings = _ratings(measured)
            low, high = ratings[0], ratings[-1]
            if low <= value <= high:
                continue
            raise DomainError(
                _(_OUTSIDE_VOTES[is_current, low == high]).format(
                    value=value, low=low, high=high, current=current, ambition=ambition
                ),
                field="note",
            )

    def _after_close(self, now: datetime) -> None:
        remaining = self.unstarted_questions()
        if not remaining:
            self._complete(now)
            audit.record(self, AuditAction.CLOSED, None, now, None, after={"status": "completed"}, note="automatic: every question answered or skipped")
        elif self.settings.auto_advance:
            opened = self._open_round(remaining[0].id, now)
            audit.record(self, AuditAction.NEXT, None, now, opened, note="automatic: the previous question was closed")

    def _complete(self, now: datetime) -> None:
        self.status = AssessmentStatus.COMPLETED
        self.completed_at = now

    def _require_active(self) -> None:
        if not self.is_active:
            raise InvalidTransition(
                _("This assessment is complete. A super-user can reopen a question, or start a new assessment.")
            )

    def _require_focus(self) -> Round:
        round_ = self.focus_round
        if round_ is None:
            raise InvalidTransition(_("No question is open at the moment."))
        return round_

    def super_user_names(self) -> str:
        """Who to ask, in words: "Sam", or "Sam or Amira"."""
        return self._super_user_names()

    def _super_user_names(self) -> str:
        names = sorted(m.name for m in self.super_users())
        if not names:
            return _("the super-user")
        if len(names) == 1:
            return names[0]
        return _("{names} or {last}").format(names=", ".join(names[:-1]), last=names[-1])

    def _check_scores(self, current: int, ambition: int) -> None:
        scale = self.framework.scale
        for concerned, sentence, value in (
            ("current", N_("The current position {value} is off the scale: give a whole number from {low} to {high}."), current),
            ("ambition", N_("The ambition {value} is off the scale: give a whole number from {low} to {high}."), ambition),
        ):
            if not scale.contains(value):
                raise RatingOffScale(
                    _(sentence).format(value=repr(value), low=scale.minimum, high=scale.maximum),
                    field=concerned,
                )
        if ambition < current:
            raise DomainError(
                _(
                    "The ambition ({ambition}) is below the current position ({current}). The ambition is "
                    "where the organisation aims to be in 18-24 months: give a number at least equal to the current."
                ).format(ambition=ambition, current=current),
                field="ambition",
            )

    def _closed_for_votes(self, question: Question, round_: Round) -> str:
        if round_.state is RoundState.REVEALED:
            return _("Voting on question {number} has closed: the votes have been revealed.").format(number=question.number)
        if round_.state is RoundState.FINALISED:
            return _("Question {number} has been finalised; votes can no longer change.").format(number=question.number)
        return _("Question {number} was skipped.").format(number=question.number)


# How the proposal is worked out, in the team's words: the reveal says it (presenters.rounds)
# and docs/reports.md repeats it.
PROPOSAL_RULE = N_(  # translated where shown
    "The proposal is the middle vote (the median). When it falls halfway between two points, the "
    "current position rounds down and the ambition rounds up: the more cautious view of where we "
    "are, the bolder view of where we could be."
)


def _ratings(measured: Disagreement) -> list[int]:
    """The frozen votes of one measure, lowest first, from its distribution."""
    return [point for point, count in enumerate(measured.distribution, start=measured.scale_min) for _ in range(count)]


def _median_point(values: list[int], *, halves: str) -> int:
    """The median as a point on the scale (`PROPOSAL_RULE` says why halves round as they do)."""
    middle = statistics.median(values)
    return math.floor(middle) if halves == "down" else math.ceil(middle)


def _clean(text: str) -> str:
    return clean(text)


# A refusal names the round's state in a whole sentence per state, so each reads well translated.
_ALREADY = {
    RoundState.OPEN: N_("Question {number} is already open."),
    RoundState.REVEALED: N_("Question {number} has already been revealed."),
    RoundState.FINALISED: N_("Question {number} has already been finalised."),
    RoundState.SKIPPED: N_("Question {number} has already been skipped."),
    RoundState.SUPERSEDED: N_("Question {number} has already been superseded."),
}
_STILL = {
    (RoundState.OPEN, False): N_("Question {number} is still open: finalise it or skip it first."),
    (RoundState.REVEALED, False): N_("Question {number} is still revealed: finalise it or skip it first."),
    (RoundState.OPEN, True): N_("Question {number} is still open: finalise it or skip it before reopening another."),
    (RoundState.REVEALED, True): N_("Question {number} is still revealed: finalise it or skip it before reopening another."),
}
# (the current position?, did every vote give the same score?) -> the refusal of a score outside the votes
_OUTSIDE_VOTES = {
    (True, True): N_(
        "The current position {value} is outside what the team voted (every vote gave {low}): add a note saying why, "
        "e.g. `finalise {current} {ambition} agreed after hearing the evidence`."
    ),
    (True, False): N_(
        "The current position {value} is outside what the team voted (the votes ran from {low} to {high}): add a note "
        "saying why, e.g. `finalise {current} {ambition} agreed after hearing the evidence`."
    ),
    (False, True): N_(
        "The ambition {value} is outside what the team voted (every vote gave {low}): add a note saying why, "
        "e.g. `finalise {current} {ambition} agreed after hearing the evidence`."
    ),
    (False, False): N_(
        "The ambition {value} is outside what the team voted (the votes ran from {low} to {high}): add a note "
        "saying why, e.g. `finalise {current} {ambition} agreed after hearing the evidence`."
    ),
}


def _already(round_: Round, number: str) -> str:
    return _(_ALREADY[round_.state]).format(number=number)


def _still(round_: Round, number: str, *, reopening: bool) -> str:
    return _(_STILL[round_.state, reopening]).format(number=number)
