"""A benchmark hub: an Accord with ``benchmark.hub: true``, run by a sector body.

It takes councils' signed submissions (`bot.benchmark_file`) over HTTPS or from a file, and
answers with aggregates only:

    POST /api/benchmark          a submission, with ``Authorization: Bearer <the council's token>``
    GET  /api/benchmark/peers    ?type=district[&framework=efficient-councils], with a token too:
                                 per theme and per question the median and quartiles, how many
                                 organisations, the range of completion dates; no figures at all
                                 below `benchmark.min_organisations` (never fewer than five)
    accord benchmark import FILE the same checks as a POST, for a file sent another way
    accord benchmark token new L a council's token, printed once; only its SHA-256 is kept

Every check runs before anything is stored, so a refused submission stores nothing: the token
(401 when missing or unknown), the file and its signature (400), what it says (422: a type this
hub does not take, a framework it does not know, an id that is not in it, a score off its scale,
a completion date in the future), and whose it is (403: an organisation id first submitted with
another key, or a token already used by another organisation, so one token cannot stand for
several councils). The latest submission of each organisation id replaces its earlier one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aiohttp import web
from sqlalchemy import Engine

from bot.benchmark_file import (
    PEERS_ROUTE,
    SUBMIT_ROUTE,
    BenchmarkError,
    answer,
    check_payload_shape,
    read_signed,
)
from bot.catalogue import FrameworkCatalogue
from bot.config import Config
from engine.comparison import HUB_MIN_ORGANISATIONS, PeerScores, aggregate, normal_type
from engine.errors import NotFound
from engine.framework import Framework
from storage.benchmark import BenchmarkStore, Submission
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger("accord.benchmark")

MAX_SUBMISSION_BYTES = 256 * 1024  # a framework of a few hundred questions is a few tens of kB


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Accepted:
    organisation_id: str
    organisation_type: str
    replaced: bool  # an earlier submission of this organisation was replaced

    def line(self) -> str:
        what = "Replaced the earlier submission of" if self.replaced else "Took the first submission of"
        return f"{what} organisation {self.organisation_id} ({self.organisation_type})."


class Hub:
    def __init__(self, database: Engine, catalogue: FrameworkCatalogue, config: Config) -> None:
        self.database = database
        self.catalogue = catalogue
        self.types = tuple(dict.fromkeys(normal_type(t) for t in config.benchmark.types))
        self.min_organisations = max(HUB_MIN_ORGANISATIONS, config.benchmark.min_organisations)

    # ------------------------------------------------------------------ tokens

    def new_token(self, label: str, now: datetime) -> str:
        """A new council's token, returned once; the hub keeps only its hash."""
        label = " ".join(label.split())
        if not label:
            raise BenchmarkError("Give the council a label, e.g. `accord benchmark token new north-kesteven`.")
        token = secrets.token_urlsafe(32)
        with SqlUnitOfWork(self.database) as uow:
            store = BenchmarkStore(uow.session)
            if store.token_label_taken(label):
                raise BenchmarkError(f"There is already a token labelled {label!r}: choose another label.")
            store.add_token(label, token_hash(token), now)
            uow.commit()
        return token

    # ------------------------------------------------------------------ submissions

    def accept(self, document: bytes | str, token: str | None, now: datetime, *, by_file: bool = False) -> Accepted:
        """Check a submission through and keep it, or refuse it (BenchmarkError) and keep nothing.

        `by_file`: `accord benchmark import`, run by the hub's operator, needs no token.
        """
        with SqlUnitOfWork(self.database) as uow:
            store = BenchmarkStore(uow.session)
            presented = None
            if not by_file:
                presented = store.token(token_hash(token)) if token else None
                if presented is None:
                    raise BenchmarkError(
                        "No valid token: send the council's token as `Authorization: Bearer <token>` "
                        "(the hub's operator makes one with `accord benchmark token new <council>`).",
                        401,
                    )
            signed = read_signed(document)
            check_payload_shape(signed.payload)
            submission = self._judge(signed.payload, signed.public_key, now)
            earlier = store.submission(submission.organisation_id)
            if earlier is not None and earlier.public_key != submission.public_key:
                raise BenchmarkError(
                    "This organisation id was first submitted with another signing key; a submission for it must be "
                    "signed with that key.",
                    403,
                )
            if presented is not None and presented.organisation_id not in (None, submission.organisation_id):
                raise BenchmarkError("This token already submits for another organisation: each council has its own token.", 403)
            store.keep_submission(submission, presented.label if presented else None, now)
            if presented is not None and presented.organisation_id is None:
                store.bind_token(token_hash(token), submission.organisation_id)
            uow.commit()
        log.info("benchmark submission from %s (%s)", submission.organisation_id, submission.organisation_type)
        return Accepted(submission.organisation_id, submission.organisation_type, earlier is not None)

    def _judge(self, payload: dict[str, Any], public_key: str, now: datetime) -> Submission:
        """What the payload says, checked against this hub's types and frameworks (422)."""
        kind = normal_type(payload["organisation_type"])
        if kind not in self.types:
            raise BenchmarkError(
                f"Unknown type of council {payload['organisation_type']!r}: this hub takes {', '.join(self.types)}.", 422
            )
        framework = self._framework(payload["framework"]["id"], 422)
        completed_on = date.fromisoformat(payload["completed_on"])
        if completed_on > now.date():
            raise BenchmarkError(f"completed_on {completed_on} is in the future.", 422)
        scale = framework.scale
        themes = {t.id: t for t in framework.themes}
        questions = {q.id: q for q in framework.questions()}
        if not payload["questions"]:
            raise BenchmarkError("The submission has no agreed question: there is nothing to compare.", 422)
        for question_id, figures in payload["questions"].items():
            if question_id not in questions:
                raise BenchmarkError(f"Question {question_id!r} is not in the framework {framework.id!r}.", 422)
            for field in ("current", "ambition"):
                if not scale.contains(figures[field]):
                    raise BenchmarkError(
                        f"Question {question_id!r}: {field} {figures[field]!r} is off the framework's scale "
                        f"({scale.describe()}, whole numbers).",
                        422,
                    )
        for theme_id, figures in payload["themes"].items():
            if theme_id not in themes:
                raise BenchmarkError(f"Theme {theme_id!r} is not in the framework {framework.id!r}.", 422)
            for field in ("current", "ambition"):
                value = figures[field]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not scale.minimum <= value <= scale.maximum:
                    raise BenchmarkError(
                        f"Theme {theme_id!r}: {field} {value!r} is off the framework's scale ({scale.describe()}).", 422
                    )
            answered = figures["answered"]
            if type(answered) is not int or not 1 <= answered <= len(themes[theme_id].questions):
                raise BenchmarkError(f"Theme {theme_id!r}: answered must be a count of its questions.", 422)
        return Submission(
            organisation_id=payload["organisation_id"],
            organisation_type=kind,
            framework_id=framework.id,
            framework_version=payload["framework"]["version"],
            completed_on=completed_on,
            public_key=public_key,
            themes={k: {"current": v["current"], "ambition": v["ambition"], "answered": v["answered"]} for k, v in payload["themes"].items()},
            questions={k: {"current": v["current"], "ambition": v["ambition"]} for k, v in payload["questions"].items()},
        )

    # ------------------------------------------------------------------ aggregates

    def peers(self, organisation_type: str | None, framework_id: str | None) -> dict[str, Any]:
        """The aggregate for one type of council on one framework (the hub's default framework)."""
        kind = normal_type(organisation_type)
        if kind is None:
            raise BenchmarkError(f"Say which type of council: ?type= one of {', '.join(self.types)}.")
        if kind not in self.types:
            raise BenchmarkError(f"Unknown type of council {organisation_type!r}: this hub takes {', '.join(self.types)}.")
        framework = self._framework(framework_id, 400)
        with SqlUnitOfWork(self.database, read_only=True) as uow:
            found = BenchmarkStore(uow.session).submissions(kind, framework.id)
        peers = [
            PeerScores(
                tuple((key, float(value["current"])) for key, value in s.themes.items() if value["current"] is not None),
                tuple((key, float(value["current"])) for key, value in s.questions.items()),
            )
            for s in found
        ]
        dates = [s.completed_on for s in found]
        return answer(
            aggregate(peers, min_peers=self.min_organisations),
            organisation_type=kind,
            framework=framework,
            first=min(dates, default=None),
            last=max(dates, default=None),
        )

    def check_token(self, token: str | None) -> None:
        with SqlUnitOfWork(self.database, read_only=True) as uow:
            if not token or BenchmarkStore(uow.session).token(token_hash(token)) is None:
                raise BenchmarkError("No valid token: the benchmark is for the councils that take part.", 401)

    def _framework(self, framework_id: str | None, status: int) -> Framework:
        try:
            return self.catalogue.get(framework_id)
        except NotFound:
            raise BenchmarkError(f"This hub does not know the framework {framework_id!r}: it has {', '.join(self.catalogue.ids())}.", status) from None


# ---------------------------------------------------------------------------- HTTP

HUB = web.AppKey("benchmark_hub", Hub)


def mount(app: web.Application, runtime: Any) -> bool:
    """Add the hub's routes when this install is a hub; True when it did."""
    application = runtime.application
    if not application.config.benchmark.hub:
        return False
    app[HUB] = Hub(application.database, application.catalogue, application.config)

    async def submit(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_SUBMISSION_BYTES:
            return _refusal(BenchmarkError("The submission is larger than any benchmark file.", 413))
        body = await request.content.read(MAX_SUBMISSION_BYTES + 1)
        if len(body) > MAX_SUBMISSION_BYTES:
            return _refusal(BenchmarkError("The submission is larger than any benchmark file.", 413))
        try:
            accepted = await runtime.database_work.call(app[HUB].accept, body, _bearer(request), runtime.clock())
        except BenchmarkError as problem:
            return _refusal(problem)
        return web.json_response(
            {"organisation_id": accepted.organisation_id, "type": accepted.organisation_type, "replaced": accepted.replaced},
            status=200 if accepted.replaced else 201,
        )

    async def peers(request: web.Request) -> web.Response:
        hub = app[HUB]
        try:
            await runtime.database_work.call(hub.check_token, _bearer(request))
            body = await runtime.database_work.call(hub.peers, request.query.get("type"), request.query.get("framework"))
        except BenchmarkError as problem:
            return _refusal(problem)
        return web.json_response(body)

    app.router.add_post(SUBMIT_ROUTE, submit)
    app.router.add_get(PEERS_ROUTE, peers)
    return True


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _refusal(problem: BenchmarkError) -> web.Response:
    return web.Response(
        status=problem.status,
        text=json.dumps({"error": str(problem)}),
        content_type="application/json",
        headers={"WWW-Authenticate": 'Bearer realm="accord-benchmark"'} if problem.status == 401 else None,
    )
