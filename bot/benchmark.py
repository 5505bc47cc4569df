"""A council's side of the sector benchmark: export, submit, fetch, and the daily schedule.

    accord benchmark export [--output FILE]   the signed file (`bot.benchmark_file`)
    accord benchmark submit                   export and send it to `benchmark.hub_url`
    accord benchmark fetch                    fetch the aggregates for this council's type

A council takes part once it opts in (``organisation.share: true`` in app.yaml, or the
`organisation share` command) and says what type of council it is. The file holds its latest
completed assessment's agreed scores per theme and question (`engine.scoring`), its type, the
completion date and a random organisation id made once per install; it is signed with the
install's Ed25519 key, kept in the database encrypted with ``database.secret_keys`` like Slack's
tokens (`storage.secrets`), so exporting needs ``ACCORD_SECRET_KEYS`` set.

`accord serve` with ``benchmark.hub_url`` set runs `benchmark_job`: at start, then every ten
minutes it submits an assessment completed since the last submission ("on completion"), and at
start and on ``benchmark.fetch_cron`` (daily by default) it fetches the aggregates, which are
stored (`storage.benchmark`) and shown in the report's peer section (`bot.comparison`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.benchmark_file import (
    PEERS_ROUTE,
    SUBMIT_ROUTE,
    BenchmarkError,
    new_organisation_id,
    new_signing_key,
    payload_of,
    sign,
)
from bot.catalogue import FrameworkCatalogue
from bot.config import Config
from bot.scheduler import digest_trigger, zone
from engine.assessment import AssessmentStatus
from engine.comparison import normal_type
from engine.scoring import score
from storage.benchmark import BenchmarkStore
from storage.reports import AssessmentListing
from storage.secrets import SecretKeyError, Secrets, missing_key
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger("accord.benchmark")

TOKEN_VARIABLE = "ACCORD_BENCHMARK_TOKEN"
SUBMIT_EVERY = 600.0  # seconds between looks for a newly completed assessment
HTTP_TIMEOUT = 30.0
_SIGNING = "This council's benchmark submissions are signed with a key Accord keeps encrypted in the database"


@dataclass(frozen=True)
class Export:
    document: dict[str, Any]
    assessment_id: str
    organisation_id: str
    organisation_type: str

    def text(self) -> str:
        return json.dumps(self.document, indent=2, ensure_ascii=False) + "\n"

    def line(self) -> str:
        payload = self.document["payload"]
        return (
            f"Signed benchmark file for organisation {self.organisation_id} ({self.organisation_type}): "
            f"{len(payload['questions'])} agreed questions, {len(payload['themes'])} themes, completed {payload['completed_on']}. "
            "It holds no names, notes or individual votes."
        )


# ---------------------------------------------------------------------------- export


def export_submission(database: Engine, config: Config, now: datetime) -> Export:
    """The signed file of this council's latest completed assessment, or a BenchmarkError saying why not."""
    with SqlUnitOfWork(database) as uow:
        latest = _latest_completed(uow)
        if latest is None:
            raise BenchmarkError("There is no completed assessment to share yet: finish one first (or `close` it).")
        organisation = uow.reports.organisation(latest.platform, latest.workspace)
        if not (config.organisation.share or (organisation is not None and organisation.share_for_comparison)):
            raise BenchmarkError(
                "This council has not opted in to the sector benchmark: set organisation.share: true in app.yaml, "
                "or have a super-user say `organisation share`."
            )
        kind = normal_type((organisation.type if organisation else None) or config.organisation.type)
        if kind is None:
            raise BenchmarkError(
                "Say what type of council this is first: organisation.type in app.yaml, or `organisation type district`."
            )
        keys = _secrets(config)
        store = BenchmarkStore(uow.session)
        identity = store.identity()
        if identity is None:
            private, public = new_signing_key()
            identity = store.create_identity(new_organisation_id(), keys.encrypt(private), public, now)
        try:
            private = keys.decrypt(identity.signing_key)
        except SecretKeyError:
            raise BenchmarkError(
                "The benchmark signing key was encrypted with a key that is not in ACCORD_SECRET_KEYS: put that key back."
            ) from None
        assessment = uow.assessments.get(latest.id)
        payload = payload_of(
            score(assessment),
            assessment.framework,
            organisation_id=identity.organisation_id,
            organisation_type=kind,
            completed_on=latest.completed_at.astimezone(config.organisation.tzinfo).date(),
        )
        document = sign(payload, private, identity.public_key)
        uow.commit()
    return Export(document, latest.id, identity.organisation_id, kind)


def reencrypt_signing_key(database: Engine, keys: tuple[str, ...]) -> bool:
    """`accord secrets rotate`: the signing key encrypted with the first key; False when there is none."""
    secrets = Secrets(keys)
    with SqlUnitOfWork(database) as uow:
        try:
            done = BenchmarkStore(uow.session).reencrypt_identity(secrets.reencrypt)
        except SecretKeyError:
            raise SecretKeyError(
                "The benchmark signing key was encrypted with a key that is not in ACCORD_SECRET_KEYS: put that key back "
                "(after the new one, separated by a comma)."
            ) from None
        uow.commit()
    return done


def _latest_completed(uow: SqlUnitOfWork) -> AssessmentListing | None:
    completed = [a for a in uow.reports.list_assessments() if a.status is AssessmentStatus.COMPLETED and a.completed_at]
    return max(completed, key=lambda a: (a.completed_at, a.id), default=None)


def _secrets(config: Config) -> Secrets:
    if not config.database.secret_keys:
        raise missing_key(_SIGNING)
    return Secrets(config.database.secret_keys)


# ---------------------------------------------------------------------------- the hub, over HTTPS


def submit(database: Engine, config: Config, now: datetime, export: Export | None = None) -> tuple[Export, dict[str, Any]]:
    """Export (unless given) and send the file to the hub; the hub's answer."""
    export = export or export_submission(database, config, now)
    answer = _call(config, "POST", SUBMIT_ROUTE, json.dumps(export.document).encode("utf-8"))
    with SqlUnitOfWork(database) as uow:
        BenchmarkStore(uow.session).mark_submitted(export.assessment_id, now)
        uow.commit()
    return export, answer


def submit_if_new(database: Engine, config: Config, now: datetime) -> bool:
    """Submit the latest completed assessment once: True when one went to the hub."""
    with SqlUnitOfWork(database, read_only=True) as uow:
        latest = _latest_completed(uow)
        identity = BenchmarkStore(uow.session).identity()
    if latest is None or (identity is not None and identity.submitted_assessment_id == latest.id):
        return False
    submit(database, config, now)
    return True


@dataclass(frozen=True)
class Fetched:
    organisation_type: str
    framework_id: str
    body: dict[str, Any]

    def line(self) -> str:
        if not self.body.get("shown"):
            return f"{self.framework_id}, {self.organisation_type} councils: no figures yet. {self.body.get('reason', '')}".strip()
        return (
            f"{self.framework_id}, {self.organisation_type} councils: a benchmark of {self.body['organisations']} councils, "
            f"{len(self.body['themes'])} themes and {len(self.body['questions'])} questions; the reports show it."
        )


def fetch(database: Engine, config: Config, catalogue: FrameworkCatalogue, now: datetime) -> list[Fetched]:
    """Fetch and keep the aggregates for this council's type, on each framework it has completed."""
    with SqlUnitOfWork(database, read_only=True) as uow:
        latest = _latest_completed(uow)
        organisation = uow.reports.organisation(latest.platform, latest.workspace) if latest else None
        frameworks = sorted({a.framework_id for a in uow.reports.list_assessments() if a.status is AssessmentStatus.COMPLETED})
    kind = normal_type((organisation.type if organisation else None) or config.organisation.type)
    if kind is None:
        raise BenchmarkError("Say what type of council this is first: organisation.type in app.yaml, or `organisation type district`.")
    found = []
    for framework_id in frameworks or [catalogue.default]:
        query = urllib.parse.urlencode({"type": kind, "framework": framework_id})
        body = _call(config, "GET", f"{PEERS_ROUTE}?{query}")
        found.append(Fetched(kind, framework_id, body))
    with SqlUnitOfWork(database) as uow:
        store = BenchmarkStore(uow.session)
        for item in found:
            store.save_fetched(item.framework_id, item.organisation_type, item.body, now)
        uow.commit()
    return found


def _call(config: Config, method: str, route: str, body: bytes | None = None) -> dict[str, Any]:
    settings = config.benchmark
    if not settings.hub_url:
        raise BenchmarkError("No hub is set: put its address in benchmark.hub_url in app.yaml.")
    # An app.yaml written without the token line still finds it in the environment.
    token = settings.token or os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise BenchmarkError(
            f"No token for the hub: set benchmark.token (the shipped app.yaml reads it from {TOKEN_VARIABLE}); "
            "the hub's operator makes one with `accord benchmark token new <council>`."
        )
    url = settings.hub_url + route
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", "application/json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as refused:
        try:
            reason = json.loads(refused.read()).get("error") or refused.reason
        except ValueError:
            reason = refused.reason
        raise BenchmarkError(f"The hub at {settings.hub_url} said no ({refused.code}): {reason}") from None
    except (urllib.error.URLError, OSError) as problem:
        reason = getattr(problem, "reason", problem)
        raise BenchmarkError(f"Cannot reach the hub at {settings.hub_url}: {reason}") from None
    except ValueError:
        raise BenchmarkError(f"The hub at {settings.hub_url} did not answer with JSON.") from None


# ---------------------------------------------------------------------------- the schedule


def benchmark_job(runtime: Any, *, submit_every: float = SUBMIT_EVERY) -> Callable[[asyncio.Event], Awaitable[None]] | None:
    """`accord serve`'s benchmark work for a council's install (None when no hub is set).

    APScheduler, as the reminders and digests: at start both jobs run; then a newly completed
    assessment is submitted within `submit_every` seconds, and the aggregates are fetched on
    ``benchmark.fetch_cron`` in the organisation's time zone. Several server processes may each
    do it: a submission replaces itself at the hub and a fetch replaces the stored one.
    """
    application = runtime.application
    config: Config = application.config
    if not config.benchmark.hub_url:
        return None
    turn = threading.Lock()
    said: list[str] = []  # the last reason nothing was submitted, said once rather than every ten minutes

    def submitting() -> None:
        with turn:
            try:
                if submit_if_new(application.database, config, runtime.clock()):
                    log.info("submitted the latest completed assessment to the benchmark hub")
                said.clear()
            except (BenchmarkError, SecretKeyError) as problem:
                if said != [str(problem)]:
                    log.info("benchmark: nothing submitted: %s", problem)
                    said[:] = [str(problem)]
            except Exception:
                log.exception("benchmark submission failed")

    def fetching() -> None:
        with turn:
            try:
                for item in fetch(application.database, config, application.catalogue, runtime.clock()):
                    log.info("benchmark: %s", item.line())
            except BenchmarkError as problem:
                log.warning("benchmark: could not fetch the aggregates: %s", problem)
            except Exception:
                log.exception("benchmark fetch failed")

    def first() -> None:
        submitting()
        fetching()

    async def run(stop: asyncio.Event) -> None:
        scheduler = AsyncIOScheduler(timezone=zone(config.organisation.timezone))
        options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        scheduler.add_job(first, id="benchmark-start", name="benchmark: submit and fetch at start", **options)
        scheduler.add_job(submitting, IntervalTrigger(seconds=submit_every), id="benchmark-submit", name="benchmark: submit", **options)
        trigger = digest_trigger(config.benchmark.fetch_cron, zone(config.organisation.timezone))
        scheduler.add_job(fetching, trigger, id="benchmark-fetch", name="benchmark: fetch the aggregates", **options)
        scheduler.start()
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)

    return run
