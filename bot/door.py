"""The one door: every platform's requests enter Accord through `Door.run`.

An adapter turns a platform event into a `Request` (who, where, when, the platform's
idempotency key, whether it was said in a private chat) and a command of the one grammar
(`bot.commands`), and awaits ``door.run(request, command)``. Behind the door, once for every
platform:

- the unit of work, carrying the request's receipt, so a request the platform retries or
  someone replays is applied once (`storage.receipts`); a replay gets ``Reply(replayed=True)``;
- where the work runs: off the event loop (`storage.database_work`), a vote in a group commit
  with the votes that arrive beside it; the console and the CLI run it on their own thread
  (`handle`);
- the use case (`bot.service.Accord`): load, call the engine, queue what others should see in
  the outbox, commit, all in that one unit of work;
- the outbox dispatcher is woken when something was queued.

So a vote reads: adapter, `Door.run`, `Accord._vote`, `SqlUnitOfWork`, `AssessmentRepository`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from bot import commands
from bot.charts import ChartRenderer
from bot.export import ExportFile, export_report
from bot.service import Accord, Directory, NoOne, Reply, Request
from bot.views import AssessmentLine, OwnView, WaitingVote
from engine import presenters
from engine.assessment import Conversation, Identity
from engine.language import ENGLISH, language_of_locale
from engine.presenters.bilingual import in_languages
from engine.views import Message
from storage.database_work import DatabaseWork
from storage.receipts import Receipt, Replayed
from storage.unit_of_work import SqlUnitOfWork

NO_ONE = NoOne()
log = logging.getLogger("accord.door")


class Door:
    def __init__(
        self,
        accord: Accord,
        database: Any,
        work: DatabaseWork | None = None,
        wake: Callable[[], None] = lambda: None,
        *,
        config: Any = None,
        charts: ChartRenderer | None = None,
    ) -> None:
        self._accord = accord
        self._database = database
        self._work = work
        self._wake = wake
        self._config = config
        self._charts = charts

    # ------------------------------------------------------------------ commands

    async def run(self, request: Request, command: commands.Command, directory: Directory = NO_ONE) -> Reply:
        """The command's use case, off the event loop; the dispatcher is woken for what it queued."""
        if self._work is None:
            reply = self.handle(request, command, directory)
        elif isinstance(command, commands.Vote):
            reply = await self._work.command(lambda shared: self._handle(request, command, directory, shared), request.conversation)
        else:
            reply = await self._work.call(self.handle, request, command, directory)
        if reply.queued:
            self._wake()
        return reply

    async def run_text(self, request: Request, text: str, directory: Directory = NO_ONE) -> Reply:
        """A command as typed (the one grammar); a wrong one is answered and changes nothing."""
        try:
            command = commands.parse(text)
        except commands.CommandError:
            return await self._read(_refused, self._accord, request, text)  # off the event loop: it reads a profile
        return await self.run(request, command, directory)

    def handle(self, request: Request, command: commands.Command, directory: Directory = NO_ONE) -> Reply:
        """`run` on the calling thread: for the console and the CLI, which have no event loop."""
        return self._handle(request, command, directory, None)

    def handle_text(self, request: Request, text: str, directory: Directory = NO_ONE) -> Reply:
        try:
            command = commands.parse(text)
        except commands.CommandError:
            return _refused(self._accord, request, text)
        return self.handle(request, command, directory)

    def _handle(self, request: Request, command: commands.Command, directory: Directory, shared: Any) -> Reply:
        receipt = _receipt_of(request)
        accord = self._accord.over(partial(SqlUnitOfWork, self._database, shared=shared, receipt=receipt))
        try:
            return accord.handle(request, command, directory)
        except Replayed:
            return Reply(replayed=True)

    # --------------------------------------------------------------------- reads

    async def own_view(
        self, conversation: Conversation, actor: Identity, question: str | None, locale: str | None = None
    ) -> OwnView | None:
        return await self._read(self._accord.own_view, conversation, actor, question, locale)

    async def language_of(self, person: Identity, locale: str | None = None) -> str:
        """The language a person reads Accord's words in: their choice, their platform's, the
        organisation's. If the database cannot be read (what just failed, often), what the
        platform said, else English: an error must still reach the person, in some language."""
        try:
            return await self._read(self._accord.language_of, person, locale)
        except Exception:  # noqa: BLE001 - logged; the answer is what matters here
            log.warning("could not read the language of %s", person.key, exc_info=True)
            return language_of_locale(locale) or ENGLISH

    async def overview(self, person: Identity) -> tuple[list[WaitingVote], list[AssessmentLine]]:
        return await self._read(self._accord.overview, person)

    async def export(self, assessment_id: str, fmt: str, requested_by: Identity | None) -> ExportFile:
        """The report as one file: the one export use case (`bot.export.export_report`).

        Drawing the charts takes a while, so it runs on a thread of its own, not the writer's.
        """
        return await asyncio.to_thread(self.export_now, assessment_id, fmt, requested_by)

    def export_now(self, assessment_id: str, fmt: str, requested_by: Identity | None) -> ExportFile:
        return export_report(self._database, self._config, assessment_id, fmt, requested_by=requested_by, renderer=self._charts)

    async def _read(self, function: Callable[..., Any], *args: Any) -> Any:
        if self._work is None:
            return function(*args)
        return await self._work.call(function, *args)


def _refused(accord: Accord, request: Request, text: str) -> Reply:
    """The grammar's own answer to text that is not a command, in the person's language(s).

    Read again in their language: only a mistake pays for looking it up.
    """
    languages = accord.readers_of(request).languages.of_person(request.actor.identity.key)

    def explained() -> Message:
        try:
            commands.parse(text)
        except commands.CommandError as wrong:
            return presenters.error_message(request.actor.identity, wrong.message)
        raise AssertionError("a command refused once is refused again")

    return Reply([in_languages(languages, explained)], language=languages[0])


def _receipt_of(request: Request) -> Receipt | None:
    if not request.key:
        return None
    who = request.actor.identity
    return Receipt(who.platform, who.workspace, request.key, request.now)
