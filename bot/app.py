"""Wiring: from a validated `Config` to a ready `Accord` service over a migrated database.

The embedded default (SQLite) is migrated automatically, so `accord demo` and a single-team
install need nothing else. A server database (PostgreSQL) is migrated only on purpose, with
`accord db upgrade`, so several workers never race to change the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine

from bot.catalogue import FrameworkCatalogue
from bot.charts import ChartRenderer
from bot.comparison import report_context
from bot.config import Config
from bot.door import Door
from bot.i18n import install as install_catalogues
from bot.scheduler import schedule_policy
from bot.service import Accord
from engine.assessment import Settings
from engine.disagreement import Thresholds
from storage import migrate
from storage.database import create_db_engine
from storage.database_work import DatabaseWork
from storage.unit_of_work import SqlUnitOfWork


# Platforms whose channel messages go through the outbox; the console answers in place.
QUEUED_PLATFORMS = frozenset({"slack", "msteams"})


class NotMigrated(Exception):
    """The database exists but its tables are older than this version of Accord."""


@dataclass
class Application:
    config: Config
    catalogue: FrameworkCatalogue
    database: Engine
    accord: Accord

    def door(
        self, work: DatabaseWork | None = None, wake: Callable[[], None] = lambda: None, charts: ChartRenderer | None = None
    ) -> Door:
        """The one door to these use cases: `accord serve` gives it the server's database work and
        dispatcher; the console and the CLI run it on their own thread."""
        return Door(self.accord, self.database, work, wake, config=self.config, charts=charts)


def settings_from(config: Config) -> Settings:
    return Settings(
        auto_reveal=config.assessment.auto_reveal,
        auto_advance=config.assessment.auto_advance,
        join_approval=config.assessment.join == "approval",
        thresholds=Thresholds(**config.disagreement.thresholds_kwargs()),
    )


def open_database(url: str, secret_keys: Sequence[str] = ()) -> Engine:
    """``secret_keys`` for the migration that encrypts Slack tokens kept in the clear (0006)."""
    database = create_db_engine(url)
    if database.dialect.name == "sqlite":
        migrate.upgrade(database, secret_keys=secret_keys)
    elif not migrate.is_up_to_date(database):
        raise NotMigrated(
            "The database's tables are not up to date with this version of Accord. "
            "Run `accord db upgrade` once, then start again."
        )
    return database


def _summary_context(uow: SqlUnitOfWork, assessment, config: Config) -> dict:
    context = report_context(uow.reports, assessment, config)
    return {"progress": context.progress, "comparison": context.comparison}


def make_accord(config: Config, catalogue: FrameworkCatalogue, unit_of_work: Callable[[], SqlUnitOfWork]) -> Accord:
    """The use cases as app.yaml configures them: the one place they are wired."""
    return Accord(
        unit_of_work,
        catalogue,
        settings_from(config),
        queued_platforms=QUEUED_PLATFORMS,
        schedule_policy=schedule_policy(config),
        summary_context=lambda uow, assessment: _summary_context(uow, assessment, config),
        language=config.organisation.language,
    )


def build(config: Config, database_url: str | None = None) -> Application:
    install_catalogues()  # the compiled Welsh catalogue, registered once per process
    catalogue = FrameworkCatalogue.load(config.frameworks.paths, config.frameworks.default)
    database = open_database(database_url or config.database.url, config.database.secret_keys)
    return Application(config, catalogue, database, make_accord(config, catalogue, partial(SqlUnitOfWork, database)))
