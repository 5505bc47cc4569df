"""What can go wrong when storing assessments, in words a person can act on.

Two kinds of failure come out of `storage/`:

- `StorageError`: the database itself is the problem (a malformed URL, a server that cannot be
  reached, a SQLite file that stayed locked). Nobody's command was wrong; an operator has to
  look, or the person has to try again in a moment.
- Domain-level refusals that only the database can detect, because two processes raced:
  `ActiveAssessmentExists` (two people started an assessment in one channel at the same
  moment) and `ConcurrentChange` (someone else changed the assessment between loading and
  saving). Both are `engine.errors.DomainError`s, so an adapter shows their message as it is,
  exactly as it does for the engine's own refusals.
"""

from __future__ import annotations

from engine.errors import ActiveAssessmentExists, ConcurrentChange  # noqa: F401 - re-exported


class StorageError(Exception):
    """The database cannot be used right now; the message says what to check."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
