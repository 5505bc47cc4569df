"""Roles, and who may do what: the one table of the actions that need a role, against the roles.

Every rule of the form "only a super-user can..." lives in `WHO_MAY`; `Assessment` checks each
action through `Assessment.permit`, and the application maps each command to the action it
needs (`bot.service.COMMAND_ACTIONS`), so a test can walk every command against every role from
this one table. Whatever is not here (`status`, `help`, `join`, `summary`, `export` of the
report) anyone in the channel may ask for; the privacy rules decide what each of them is shown.

The words of each action are the end of the refusal a person sees: "Only the super-user can
reveal the votes; ask Sam." Each refusal is one whole sentence (`REFUSALS`), never the action's
words glued into a frame, so a translation can put the verb where its language wants it.
"""

from __future__ import annotations

from enum import Enum

from engine.language import N_

__all__ = ["Action", "REFUSALS", "Role", "SUPER_USERS", "WHO_MAY", "may"]


class Role(str, Enum):
    SUPER_USER = "super-user"
    FACILITATOR = "facilitator"  # chairs the meeting with a super-user's powers, never votes
    MEMBER = "member"
    OBSERVER = "observer"
    WAITING = "waiting"  # asked to join an assessment that needs a super-user's approval
    REMOVED = "removed"  # taken out by a super-user; kept so their recorded votes keep a name


class Action(str, Enum):
    VOTE = "vote"
    SEE_WHO_HAS_NOT_VOTED = "see who has not voted yet"
    SEE_WHO_VOTED_WHAT = "see who voted what"
    ADD_MEMBERS = "add members"
    CHANGE_ROLES = "change roles"
    REVEAL = "reveal the votes"
    FINALISE = "record the consensus"
    SKIP = "skip a question"
    NEXT = "move to the next question"
    REOPEN = "reopen a question"
    CLOSE = "close the assessment"
    SET_DEADLINE = "set a deadline"
    REMIND = "send reminders"
    CHANGE_SCHEDULE = "change the reminder and digest schedule"
    CHANGE_ORGANISATION = "change the organisation's details"
    SEE_SCHEDULE = "see the reminder and digest schedule"
    PAUSE = "pause or resume the assessment"
    REMOVE_MEMBERS = "remove members"
    APPROVE_MEMBERS = "approve members"
    READ_AUDIT = "read the audit trail"


# A facilitator runs the meeting as a super-user does; only voting sets them apart.
SUPER_USERS = frozenset({Role.SUPER_USER, Role.FACILITATOR})
VOTERS = frozenset({Role.SUPER_USER, Role.MEMBER})  # observers and facilitators follow without voting
TAKING_PART = frozenset({Role.SUPER_USER, Role.FACILITATOR, Role.MEMBER, Role.OBSERVER})

WHO_MAY: dict[Action, frozenset[Role]] = {
    Action.VOTE: VOTERS,
    Action.SEE_WHO_HAS_NOT_VOTED: SUPER_USERS,
    Action.SEE_WHO_VOTED_WHAT: SUPER_USERS,
    Action.ADD_MEMBERS: SUPER_USERS,
    Action.CHANGE_ROLES: SUPER_USERS,
    Action.REVEAL: SUPER_USERS,
    Action.FINALISE: SUPER_USERS,
    Action.SKIP: SUPER_USERS,
    Action.NEXT: SUPER_USERS,
    Action.REOPEN: SUPER_USERS,
    Action.CLOSE: SUPER_USERS,
    Action.SET_DEADLINE: SUPER_USERS,
    Action.REMIND: SUPER_USERS,
    Action.CHANGE_SCHEDULE: SUPER_USERS,
    Action.CHANGE_ORGANISATION: SUPER_USERS,
    Action.SEE_SCHEDULE: TAKING_PART,
    Action.PAUSE: SUPER_USERS,
    Action.REMOVE_MEMBERS: SUPER_USERS,
    Action.APPROVE_MEMBERS: SUPER_USERS,
    Action.READ_AUDIT: SUPER_USERS,  # it names who voted what, once revealed
}


# What someone without the role is told, per action: translated where it is raised, `{names}` the
# super-users to ask.
REFUSALS: dict[Action, str] = {
    Action.VOTE: N_("Only the super-user can vote; ask {names}."),
    Action.SEE_WHO_HAS_NOT_VOTED: N_("Only the super-user can see who has not voted yet; ask {names}."),
    Action.SEE_WHO_VOTED_WHAT: N_("Only the super-user can see who voted what; ask {names}."),
    Action.ADD_MEMBERS: N_("Only the super-user can add members; ask {names}."),
    Action.CHANGE_ROLES: N_("Only the super-user can change roles; ask {names}."),
    Action.REVEAL: N_("Only the super-user can reveal the votes; ask {names}."),
    Action.FINALISE: N_("Only the super-user can record the consensus; ask {names}."),
    Action.SKIP: N_("Only the super-user can skip a question; ask {names}."),
    Action.NEXT: N_("Only the super-user can move to the next question; ask {names}."),
    Action.REOPEN: N_("Only the super-user can reopen a question; ask {names}."),
    Action.CLOSE: N_("Only the super-user can close the assessment; ask {names}."),
    Action.SET_DEADLINE: N_("Only the super-user can set a deadline; ask {names}."),
    Action.REMIND: N_("Only the super-user can send reminders; ask {names}."),
    Action.CHANGE_SCHEDULE: N_("Only the super-user can change the reminder and digest schedule; ask {names}."),
    Action.CHANGE_ORGANISATION: N_("Only the super-user can change the organisation's details; ask {names}."),
    Action.SEE_SCHEDULE: N_("Only the super-user can see the reminder and digest schedule; ask {names}."),
    Action.PAUSE: N_("Only the super-user can pause or resume the assessment; ask {names}."),
    Action.REMOVE_MEMBERS: N_("Only the super-user can remove members; ask {names}."),
    Action.APPROVE_MEMBERS: N_("Only the super-user can approve members; ask {names}."),
    Action.READ_AUDIT: N_("Only the super-user can read the audit trail; ask {names}."),
}


def may(role: Role | None, action: Action) -> bool:
    """Whether someone with `role` (None: not taking part) may do `action`."""
    return role in WHO_MAY[action]
