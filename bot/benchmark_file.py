"""The sector benchmark's two documents: a council's signed submission, and a hub's answer.

A submission is what `accord benchmark export` writes and a hub takes (`bot.benchmark_hub`)::

    {"payload": {...}, "public_key": "<base64>", "signature": "<base64>"}

and its payload holds exactly these keys, nothing else (a hub refuses any other):

    format             "accord-benchmark/1"
    organisation_id    32 hex digits, random, made once per install and kept in its database:
                       it says nothing of the council's name and cannot be worked back to it
    organisation_type  "district", "county"... (lower case)
    framework          {"id", "version", "scale": {"minimum", "maximum"}}
    completed_on       the date the assessment was completed (YYYY-MM-DD)
    themes             theme id -> {"current", "ambition", "answered"}: `engine.scoring`'s figures
    questions          question id -> {"current", "ambition"}: the agreed answers

No names, notes, titles, comments or individual votes: the figures come from the recorded
consensus through `engine.scoring.score`, as the council's own summary shows them.

The signature is Ed25519 (RFC 8032, `cryptography`) over the payload as canonical JSON (keys
sorted, no spaces, UTF-8). The public key travels with the file; a hub pins the first key it sees
for an organisation id, so nobody else can replace that organisation's submission.

A hub's answer (`GET /api/benchmark/peers`) is `answer(...)`; a council's install reads it back
with `read_answer` into the `engine.comparison.Aggregate` its report compares against.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from engine.comparison import Aggregate, Spread
from engine.framework import Framework
from engine.scoring import Scorecard

FORMAT = "accord-benchmark/1"
SUBMIT_ROUTE = "/api/benchmark"
PEERS_ROUTE = "/api/benchmark/peers"
PAYLOAD_KEYS = frozenset({"format", "organisation_id", "organisation_type", "framework", "completed_on", "themes", "questions"})
_ORGANISATION_ID = re.compile(r"^[0-9a-f]{32}$")


class BenchmarkError(Exception):
    """Something about the benchmark cannot be done as asked; str() says why and what to do.

    `status` is the HTTP status a hub answers with (400 malformed, 401 no or wrong token, 403 a
    key or token that belongs to another organisation, 422 well-formed but not acceptable).
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------- keys


def new_organisation_id() -> str:
    return secrets.token_hex(16)


def new_signing_key() -> tuple[str, str]:
    """(private key, public key), each the raw 32 bytes in base64."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _b64(private), _b64(public)


# ---------------------------------------------------------------------------- submission


def payload_of(card: Scorecard, framework: Framework, *, organisation_id: str, organisation_type: str, completed_on: date) -> dict[str, Any]:
    """What a council shares: its agreed scores per theme and per question, and nothing else."""
    return {
        "format": FORMAT,
        "organisation_id": organisation_id,
        "organisation_type": organisation_type,
        "framework": {
            "id": framework.id,
            "version": framework.version,
            "scale": {"minimum": framework.scale.minimum, "maximum": framework.scale.maximum},
        },
        "completed_on": completed_on.isoformat(),
        "themes": {
            t.theme.id: {"current": t.current, "ambition": t.ambition, "answered": t.answered} for t in card.themes if t.scored
        },
        "questions": {
            q.question.id: {"current": q.consensus.current, "ambition": q.consensus.ambition}
            for q in card.questions
            if q.consensus is not None
        },
    }


def sign(payload: dict[str, Any], private_key: str, public_key: str) -> dict[str, Any]:
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    return {"payload": payload, "public_key": public_key, "signature": _b64(key.sign(canonical(payload)))}


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Signed:
    """A submission whose signature checked out; its payload still has to be judged by the hub."""

    payload: dict[str, Any]
    public_key: str


def read_signed(data: bytes | str | dict[str, Any]) -> Signed:
    """The file's payload once its Ed25519 signature matches; BenchmarkError (400) otherwise."""
    document = data
    if not isinstance(data, dict):
        try:
            document = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise BenchmarkError("This is not a benchmark file: it is not JSON. Use the file `accord benchmark export` wrote.") from None
    if not isinstance(document, dict) or set(document) != {"payload", "public_key", "signature"}:
        raise BenchmarkError("This is not a benchmark file: it needs exactly payload, public_key and signature.")
    payload, public_key, signature = document["payload"], document["public_key"], document["signature"]
    if not isinstance(payload, dict) or not isinstance(public_key, str) or not isinstance(signature, str):
        raise BenchmarkError("This is not a benchmark file: payload must be an object, public_key and signature text.")
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signature, validate=True), canonical(payload))
    except InvalidSignature:
        raise BenchmarkError("The signature does not match the file: it was changed after it was signed, or signed with another key.") from None
    except ValueError:
        raise BenchmarkError("The file's public key or signature is not valid base64 Ed25519.") from None
    return Signed(payload, public_key)


def check_payload_shape(payload: dict[str, Any]) -> None:
    """The payload has exactly the keys of the format, each of the right kind (400 otherwise)."""
    if payload.get("format") != FORMAT:
        raise BenchmarkError(f"Unknown format {payload.get('format')!r}: this hub reads {FORMAT}.")
    extra = set(payload) - PAYLOAD_KEYS
    if extra:
        raise BenchmarkError(f"The payload holds what a submission never shares: {', '.join(sorted(extra))}.")
    missing = PAYLOAD_KEYS - set(payload)
    if missing:
        raise BenchmarkError(f"The payload lacks {', '.join(sorted(missing))}.")
    if not isinstance(payload["organisation_id"], str) or not _ORGANISATION_ID.match(payload["organisation_id"]):
        raise BenchmarkError("organisation_id must be 32 hexadecimal digits.")
    if not isinstance(payload["organisation_type"], str):
        raise BenchmarkError("organisation_type must be text.")
    framework = payload["framework"]
    if not isinstance(framework, dict) or not isinstance(framework.get("id"), str) or type(framework.get("version")) is not int:
        raise BenchmarkError("framework must give its id (text) and version (a whole number).")
    try:
        date.fromisoformat(payload["completed_on"])
    except (TypeError, ValueError):
        raise BenchmarkError("completed_on must be a date, YYYY-MM-DD.") from None
    for part, fields in (("themes", {"current", "ambition", "answered"}), ("questions", {"current", "ambition"})):
        entries = payload[part]
        if not isinstance(entries, dict) or not all(isinstance(v, dict) and set(v) == fields for v in entries.values()):
            raise BenchmarkError(f"{part} must map each id to {', '.join(sorted(fields))}.")


# ---------------------------------------------------------------------------- a hub's answer


def answer(
    peers: Aggregate,
    *,
    organisation_type: str,
    framework: Framework,
    first: date | None,
    last: date | None,
) -> dict[str, Any]:
    """The hub's answer for one type and framework: figures only when the aggregate has them."""
    body: dict[str, Any] = {
        "format": FORMAT,
        "type": organisation_type,
        "framework": framework.id,
        "min_organisations": peers.min_peers,
        "shown": peers.shown,
    }
    if not peers.shown:
        body["organisations"] = None
        body["reason"] = (
            f"Fewer than {peers.min_peers} {organisation_type} councils have contributed an assessment on this framework, "
            "so no figures are shown: with fewer, one council's scores could be worked out."
        )
        body["themes"], body["questions"] = [], []
        return body
    titles = {t.id: t.title for t in framework.themes}
    numbers = {q.id: q.number for q in framework.questions()}
    body["organisations"] = peers.organisations
    body["completed"] = {"from": first.isoformat() if first else None, "to": last.isoformat() if last else None}
    body["themes"] = [dict(id=key, title=titles.get(key, key), **_spread(value)) for key, value in peers.themes.items()]
    body["questions"] = [dict(id=key, number=numbers.get(key), **_spread(value)) for key, value in peers.questions.items()]
    return body


def read_answer(body: dict[str, Any]) -> tuple[Aggregate, date | None, date | None]:
    """A hub's answer as the aggregate a report compares against, with its date range."""
    try:
        minimum = int(body["min_organisations"])
        if not body.get("shown"):
            return Aggregate(minimum, None, {}, {}), None, None
        themes = {t["id"]: _from_spread(t) for t in body["themes"]}
        questions = {q["id"]: _from_spread(q) for q in body["questions"]}
        completed = body.get("completed") or {}
        first = date.fromisoformat(completed["from"]) if completed.get("from") else None
        last = date.fromisoformat(completed["to"]) if completed.get("to") else None
        return Aggregate(minimum, int(body["organisations"]), themes, questions), first, last
    except (KeyError, TypeError, ValueError):
        raise BenchmarkError("The hub's answer is not a benchmark of this version of Accord.") from None


def _spread(value: Spread) -> dict[str, Any]:
    return {
        "organisations": value.organisations,
        "lower_quartile": round(value.lower_quartile, 4),
        "median": round(value.median, 4),
        "upper_quartile": round(value.upper_quartile, 4),
    }


def _from_spread(item: dict[str, Any]) -> Spread:
    return Spread(int(item["organisations"]), float(item["lower_quartile"]), float(item["median"]), float(item["upper_quartile"]))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
