"""Domain errors.

Every refusal in the engine raises a `DomainError` whose message is written for the person
who asked, so an adapter can show it as it is ("Only the super-user can finalise; ask Sam").
"""

from __future__ import annotations

from engine.language import _


class DomainError(Exception):
    """A refused action, with a message fit to show the person who asked.

    `field` names the input the refusal is about ("current", "ambition", "comment"), so a form
    can show the message beside it without reading the words.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class FrameworkError(DomainError):
    """A framework file that cannot be used: names the source, the key and what is wrong."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        location = f"{source}: {key}" if key else source
        super().__init__(f"{location}: {problem}")  # for the framework's author: the file's words, not the product's
        self.source = source
        self.key = key
        self.problem = problem


class RatingOffScale(DomainError, ValueError):
    """A score that is not a whole number on the framework's scale."""


class NotPermitted(DomainError):
    """The person's role does not allow the action (only super-users reveal, finalise...)."""


class InvalidTransition(DomainError):
    """The round or assessment is not in a state where the action makes sense."""


class NotFound(DomainError):
    """A question, member or assessment named in a command does not exist."""


class ConcurrentChange(DomainError):
    """The assessment changed underneath this command; nothing of it was saved."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or _("Someone else changed this assessment at the same moment, so your action was not saved. Please try again.")
        )


class ActiveAssessmentExists(InvalidTransition):
    """A channel runs at most one active assessment: the database refused a second one."""

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message or _("This channel already has an assessment under way. Finish or close it before starting another.")
        )
