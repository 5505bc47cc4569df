"""The use cases over a fake unit of work: what each command stores, queues and answers.

No database and no platform: `Accord` runs over `FakeUnitOfWork`, so these read as a team's
conversation and run in milliseconds. The engine's rules are tested in test_assessment.py; here,
what the application does around them: which use case a command reaches, what is committed,
what goes to the channel and what only to the person who asked, and that a refusal stores nothing.
"""

from __future__ import annotations

import typing


from bot import commands as grammar
from bot.service import HANDLERS, Accord, Person, Reply, Request
from engine.assessment import Conversation
from engine.views import Kind
from tests.unit.conftest import ANA, BEN, CAI, NAMES, SAM, at

CHANNEL = Conversation("slack", "T-council", "C-leadership")
OTHER_CHANNEL = Conversation("slack", "T-council", "C-finance")


class Team:
    """Everyone in the channel, for `start`."""

    def __init__(self, *people) -> None:
        self.people = [Person(identity, NAMES[identity]) for identity in people]

    def roster(self, conversation):
        return self.people

    def find(self, conversation, mention):
        return None


def say(accord: Accord, who, command, *, where: Conversation = CHANNEL, minutes: float = 1, private: bool = False) -> Reply:
    request = Request(Person(who, NAMES[who]), where, at(minutes), private=private)
    return accord.handle(request, command, Team(SAM, ANA, BEN, CAI))


def dm(who) -> Conversation:
    return Conversation("slack", "T-council", "D-" + who.user_id)


def test_every_command_of_the_grammar_reaches_a_use_case():
    commands = set(typing.get_args(grammar.Command)) | {grammar.Organisation}
    assert commands <= set(HANDLERS)


def test_start_commits_the_assessment_and_queues_the_channels_messages(accord, store):
    reply = say(accord, SAM, grammar.Start())
    assert reply.ok and reply.queued
    (assessment,) = store.assessments.values()
    assert assessment.members[SAM].is_super_user
    assert {entry.conversation for entry in store.outbox} == {CHANNEL}
    assert any(entry.message.kind is Kind.QUESTION for entry in store.outbox)


def test_a_vote_is_confirmed_to_the_voter_alone_and_the_channel_sees_only_the_count(accord, store):
    say(accord, SAM, grammar.Start())
    store.outbox.clear()
    reply = say(accord, ANA, grammar.Vote(2, 4, "our data is patchy"), minutes=2)
    (confirmation,) = reply.answers(ANA)
    assert confirmation.kind is Kind.VOTE_RECORDED
    (assessment,) = store.assessments.values()
    (vote,) = assessment.focus_round.votes.values()
    assert (vote.current, vote.ambition, vote.comment) == (2, 4, "our data is patchy")
    channel = " ".join(" ".join(entry.message.text) + entry.message.heading for entry in store.outbox)
    assert "1 of 4" in channel and "patchy" not in channel


def test_a_refused_vote_names_the_input_and_stores_nothing(accord, store):
    say(accord, SAM, grammar.Start())
    before = (store.commits, len(store.outbox))
    reply = say(accord, ANA, grammar.Vote(4, 2), minutes=2)
    (refusal,) = reply.messages
    assert refusal.kind is Kind.ERROR and refusal.concerns == "ambition"
    assert (store.commits, len(store.outbox)) == before
    (assessment,) = store.assessments.values()
    assert assessment.focus_round.votes == {}


def test_a_vote_said_in_a_private_chat_lands_on_the_persons_assessment_and_its_channel(accord, store):
    say(accord, SAM, grammar.Start())
    store.outbox.clear()
    reply = say(accord, ANA, grammar.Vote(3, 4), where=dm(ANA), minutes=2, private=True)
    assert reply.ok and reply.answers(ANA)
    (assessment,) = store.assessments.values()
    assert ANA in assessment.focus_round.votes
    assert {entry.conversation for entry in store.outbox} == {CHANNEL}  # the progress line, not the DM


def test_a_private_chat_with_two_assessments_under_way_asks_which(accord, store):
    say(accord, SAM, grammar.Start())
    say(accord, SAM, grammar.Start(), where=OTHER_CHANNEL)
    commits = store.commits
    reply = say(accord, ANA, grammar.Vote(3, 4), where=dm(ANA), minutes=2, private=True)
    (refusal,) = reply.messages
    assert refusal.kind is Kind.ERROR and "2 assessments under way" in refusal.text[0]
    assert store.commits == commits


def test_a_private_chat_with_no_assessment_says_so(accord, store):
    reply = say(accord, ANA, grammar.Status(), where=dm(ANA), private=True)
    (refusal,) = reply.messages
    assert "not taking part in an assessment under way" in refusal.text[0]


def test_start_in_a_private_chat_is_refused(accord, store):
    reply = say(accord, SAM, grammar.Start(), where=dm(SAM), private=True)
    assert not reply.ok and store.assessments == {}


def test_an_export_commits_so_that_its_receipt_is_kept(accord, store):
    """Nothing changes, but the commit carries the request's receipt: a replay uploads nothing twice."""
    say(accord, SAM, grammar.Start())
    commits = store.commits
    reply = say(accord, ANA, grammar.Export("html"), minutes=2)
    assert reply.ok and reply.assessment is not None
    assert store.commits == commits + 1


def test_the_assessment_changed_underneath_is_tried_again(accord, store):
    from engine.errors import ConcurrentChange

    say(accord, SAM, grammar.Start())
    tries = []
    original = HANDLERS[grammar.Reveal]

    def raced_once(service, request, command, directory):
        tries.append(1)
        if len(tries) == 1:
            raise ConcurrentChange()
        return original(service, request, command, directory)

    say(accord, ANA, grammar.Vote(3, 4), minutes=2)
    say(accord, BEN, grammar.Vote(3, 4), minutes=3)
    HANDLERS[grammar.Reveal] = raced_once
    try:
        reply = say(accord, SAM, grammar.Reveal(), minutes=4)
    finally:
        HANDLERS[grammar.Reveal] = original
    assert reply.ok and len(tries) == 2
    (assessment,) = store.assessments.values()
    assert assessment.focus_round.state.value == "revealed"


def test_time_comes_from_the_request(accord, store):
    say(accord, SAM, grammar.Start(), minutes=10)
    (assessment,) = store.assessments.values()
    assert assessment.created_at == at(10)  # the use case never reads the clock


def test_control_and_bidirectional_characters_never_reach_the_store(accord, store):
    """A comment that would read differently on others' screens (U+202E) or carries a NUL."""
    say(accord, SAM, grammar.Start())
    say(accord, ANA, grammar.Vote(2, 4, "fine \u202egnorw\u202c\x00 really"), minutes=2)
    (assessment,) = store.assessments.values()
    assert assessment.focus_round.votes[ANA].comment == "fine gnorw really"


def test_a_skip_reason_past_its_limit_is_refused_and_stores_nothing(accord, store):
    say(accord, SAM, grammar.Start())
    commits = store.commits
    reply = say(accord, SAM, grammar.Skip("x" * 501), minutes=2)
    assert not reply.ok and "Keep the reason to 500 characters" in reply.messages[0].text[0]
    assert store.commits == commits


# --- the organisation: the workspace's, apart from any assessment ------------------------------


def _organisation(store):
    return store.organisations.get(("slack", "T-council"))


def test_the_organisation_is_named_and_typed_before_any_assessment_and_never_takes_a_title(accord, store):
    named = say(accord, ANA, grammar.Organisation(name="Northshire District Council"))
    assert named.ok and "Organisation: Northshire District Council, type not set" in named.messages[0].heading
    say(accord, ANA, grammar.Organisation(type="district"))
    say(accord, SAM, grammar.Start())
    say(accord, SAM, grammar.Organisation(share=True))
    organisation = _organisation(store)
    assert (organisation.name, organisation.type, organisation.share_for_comparison) == (
        "Northshire District Council", "district", True
    )
    shown = say(accord, CAI, grammar.Organisation())
    assert shown.messages[0].heading == "Organisation: Northshire District Council, a district council"
    assert shown.messages[0].audience.person == CAI  # only the person who asked


def test_a_type_set_during_an_assessment_leaves_the_name_unset_not_the_assessments_title(accord, store):
    say(accord, SAM, grammar.Start())
    say(accord, SAM, grammar.Organisation(type="unitary"))
    assert _organisation(store).name is None
    shown = say(accord, BEN, grammar.Organisation()).messages[0]
    assert shown.heading == "Organisation: a unitary council"
    assert "Still to set: `organisation name ...`." in shown.text


def test_a_super_user_changes_the_organisation_from_another_channel_or_a_private_chat_after_the_assessment(accord, store):
    say(accord, SAM, grammar.Start())
    say(accord, SAM, grammar.Close())
    assert say(accord, SAM, grammar.Organisation(name="Northshire Council"), where=OTHER_CHANNEL).ok
    assert say(accord, SAM, grammar.Organisation(type="district"), where=dm(SAM), private=True).ok
    assert (_organisation(store).name, _organisation(store).type) == ("Northshire Council", "district")


def test_once_a_workspace_has_assessments_only_a_super_user_changes_the_organisation(accord, store):
    say(accord, SAM, grammar.Start())
    say(accord, SAM, grammar.Organisation(name="Northshire Council"))
    commits = store.commits
    refused = say(accord, ANA, grammar.Organisation(name="Ana's Council"))
    assert not refused.ok and "Only the super-user can change the organisation's details; ask Sam." in refused.messages[0].text[0]
    elsewhere = say(accord, ANA, grammar.Organisation(type="county"), where=OTHER_CHANNEL)
    assert not elsewhere.ok
    assert "Only a super-user of one of this workspace's assessments" in elsewhere.messages[0].text[0]
    assert store.commits == commits and _organisation(store).name == "Northshire Council"
