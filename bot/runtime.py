"""What one server process shares: the application, the one door, the ports and the dispatcher.

`Runtime` is handed to every platform adapter (`adapters/slack`, `adapters/teams`) and to the
background jobs of `accord serve`. It lives apart from `bot.server`, the composition root that
imports the adapters, so an adapter depends on bot/ without depending on another adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from bot.app import Application
from bot.charts import ChartRenderer
from bot.delivery import OutboxDispatcher
from bot.door import Door  # noqa: F401 - the type of Runtime.door
from bot.platform_state import ConversationReferences, Profiles, SlackInstallationPort, token_secrets
from storage.database_work import DatabaseWork

# How long the outbox dispatcher lets a burst of commands gather before sending what they queued
# (`OutboxDispatcher.run`): short enough that a reveal or a progress line seems immediate.
GATHER_SECONDS = 0.25


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Runtime:
    """What every platform adapter and background job of one server process shares."""

    application: Application
    dispatcher: OutboxDispatcher
    clock: Callable[[], datetime] = utc_now
    charts: ChartRenderer = field(default_factory=ChartRenderer)
    # Where the platforms and the dispatcher run their database work, off the event loop.
    database_work: DatabaseWork | None = None
    # The one door every platform's commands go through, and the ports for platform state.
    door: Door = field(init=False)
    profiles: Profiles = field(init=False)
    references: ConversationReferences = field(init=False)
    slack_installations: SlackInstallationPort = field(init=False)

    def __post_init__(self) -> None:
        if self.database_work is None:
            self.database_work = DatabaseWork(self.application.database)
        database, work = self.application.database, self.database_work
        self.door = self.application.door(work, self.dispatcher.wake, self.charts)
        self.profiles = Profiles(database, work)
        self.references = ConversationReferences(database, work)
        secrets = token_secrets(self.application.config.database.secret_keys)
        self.slack_installations = SlackInstallationPort(database, work, secrets)


def build_runtime(application: Application, clock: Callable[[], datetime] = utc_now) -> Runtime:
    work = DatabaseWork(application.database)
    dispatcher = OutboxDispatcher(application.database, {}, clock, gather=GATHER_SECONDS, run=work.call)
    return Runtime(application, dispatcher, clock, database_work=work)
