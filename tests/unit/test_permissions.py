"""Every command against every role, walked from the one table (engine.permissions.WHO_MAY).

Sam is the super-user, Cai the facilitator, Ana a member, Obi an observer, Zed is in the channel
but not taking part.
For each command and each of them, the use case runs over a fake unit of work on an assessment
whose open question has two votes: a command the table does not allow that role is refused as
a matter of permission and stores nothing; one it allows is never refused for permission (it may
still be refused for the state of the assessment, which is the engine's other business).
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from bot import commands as grammar
from bot.catalogue import FrameworkCatalogue
from bot.service import Accord, Person, Request, action_for
from engine.assessment import Conversation, Role
from engine.permissions import SUPER_USERS, WHO_MAY, Action, may
from engine.views import Kind
from tests.unit.conftest import ANA, CAI, NAMES, OBI, SAM, ZED, at, tiny_framework
from tests.unit.fake_unit_of_work import FakeUnitOfWork, Store

CHANNEL = Conversation("slack", "T-council", "C-leadership")
ROLES = {SAM: Role.SUPER_USER, CAI: Role.FACILITATOR, ANA: Role.MEMBER, OBI: Role.OBSERVER, ZED: None}

COMMANDS = [
    grammar.Start(), grammar.Status(), grammar.Vote(3, 4), grammar.Reveal(), grammar.Who(), grammar.Who("all"),
    grammar.Finalise(3, 4, "agreed"), grammar.Skip("later"), grammar.Next(), grammar.Reopen(), grammar.Summary(),
    grammar.Export("html"), grammar.Join(), grammar.SetRole("@ana", "observer"), grammar.Close(),
    grammar.Organisation(), grammar.Organisation(type="unitary"), grammar.Help(), grammar.Schedule(),
    grammar.Schedule("interval", timedelta(days=2)), grammar.Remind(), grammar.Deadline(after=timedelta(days=2)),
    grammar.SetRole("@ana", "facilitator"), grammar.Pause(), grammar.Resume(), grammar.Remove("@ana"), grammar.Approve("@zed"),
]  # fmt: skip

# Words that say a refusal is about who the person is, not about the assessment's state.
PERMISSION_WORDS = (
    "Only the super-user can",
    "Observers follow the assessment",
    "Facilitators run the meeting without voting",
    "You are not a member of this assessment",
)


class Channel:
    """Everyone in the channel; a mention finds them by name."""

    people = [Person(identity, NAMES[identity]) for identity in ROLES]

    def roster(self, conversation):
        return self.people[:4]  # Zed joined the channel after the assessment started

    def find(self, conversation, mention):
        return next((p for p in self.people if p.name.lower() == mention.lstrip("@").lower()), None)


def ready(store: Store) -> Accord:
    """An assessment under way: Obi observes, the open question has Sam's and Ana's votes."""
    ids = itertools.count(1)
    accord = Accord(
        lambda read_only=False: FakeUnitOfWork(store, read_only=read_only),
        FrameworkCatalogue({"tiny": tiny_framework()}, "tiny"),
        new_id=lambda: f"assessment-{next(ids)}",
        queued_platforms=frozenset({"slack"}),
    )
    for who, command in (
        (SAM, grammar.Start()), (SAM, grammar.SetRole("@obi", "observer")), (SAM, grammar.SetRole("@cai", "facilitator")),
        (SAM, grammar.Vote(3, 4)), (ANA, grammar.Vote(2, 4)),
    ):  # fmt: skip
        assert accord.handle(Request(Person(who, NAMES[who]), CHANNEL, at(1)), command, Channel()).ok
    return accord


def test_every_action_has_its_roles_in_the_table():
    assert set(WHO_MAY) == set(Action)
    assert all(roles <= set(Role) for roles in WHO_MAY.values())


def test_the_table_keeps_the_products_privacy_rules():
    """docs/architecture.md: only super-users (and the facilitator, a super-user who does not
    vote) reveal, finalise, skip, reopen, change roles, see who voted what and run the meeting;
    observers and facilitators follow without voting; someone waiting or removed may do nothing."""
    assert SUPER_USERS == {Role.SUPER_USER, Role.FACILITATOR}
    for action in (
        Action.REVEAL, Action.FINALISE, Action.SKIP, Action.REOPEN, Action.CHANGE_ROLES, Action.SEE_WHO_VOTED_WHAT,
        Action.PAUSE, Action.REMOVE_MEMBERS, Action.APPROVE_MEMBERS,
    ):  # fmt: skip
        assert WHO_MAY[action] == SUPER_USERS, action
    assert WHO_MAY[Action.VOTE] == {Role.SUPER_USER, Role.MEMBER}
    assert not any(role in roles for roles in WHO_MAY.values() for role in (Role.WAITING, Role.REMOVED))


@pytest.mark.parametrize("who", list(ROLES), ids=lambda who: NAMES[who])
@pytest.mark.parametrize("command", COMMANDS, ids=repr)
def test_a_command_is_refused_for_permission_exactly_when_the_table_says_so(command, who):
    store = Store()
    accord = ready(store)
    before = (store.commits, len(store.outbox))
    reply = accord.handle(Request(Person(who, NAMES[who]), CHANNEL, at(5)), command, Channel())
    errors = [" ".join(m.text) for m in reply.messages if m.kind is Kind.ERROR]
    refused_for_permission = any(text.startswith(PERMISSION_WORDS) for text in errors)
    action = action_for(command)
    allowed = action is None or may(ROLES[who], action)
    assert refused_for_permission == (not allowed), errors
    if not allowed:
        assert (store.commits, len(store.outbox)) == before  # a refusal changes nothing


EXAMPLES = {
    "start": "start", "vote": "vote 2 4", "status": "status", "reveal": "reveal", "finalise": "finalise 3 4",
    "skip": "skip", "next": "next", "reopen": "reopen", "who": "who", "superuser": "superuser @ana",
    "observer": "observer @ana", "member": "member @ana", "join": "join", "summary": "summary", "export": "export",
    "close": "close", "organisation": "organisation type unitary", "deadline": "deadline 2d", "remind": "remind",
    "schedule": "schedule interval 2d", "help": "help", "language": "language cy", "facilitator": "facilitator @ana", "remove": "remove @ana",
    "approve": "approve @ana", "pause": "pause", "resume": "resume",
    "audit": "audit",
}  # fmt: skip


@pytest.mark.parametrize("usage", grammar.USAGES, ids=lambda usage: usage.name)
def test_help_marks_as_super_user_only_exactly_what_the_table_keeps_for_super_users(usage):
    action = action_for(grammar.parse(EXAMPLES[usage.name]))
    assert usage.super_user_only == (action is not None and WHO_MAY[action] == SUPER_USERS)
