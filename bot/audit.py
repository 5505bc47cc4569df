"""The audit trail outside the chat: verify it, export it, and record disclosures made elsewhere.

    accord audit verify [ASSESSMENT] [--heads]      exit 0 and "N entries, chain intact", or the
                                                    first broken link and exit 1; `--heads` also
                                                    prints each chain's last hash
    accord audit export ASSESSMENT --format csv|json [--output FILE]

What is and is not detected is written in `storage.audit`. An export names people and carries
their comments, so a file is written readable by its owner only, like an export of individual
votes.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from engine.assessment import Identity
from engine.audit import INSTALL_CHAIN, AuditAction, AuditEvent, AuditRecord
from engine.errors import NotFound
from storage.audit import Verification
from storage.unit_of_work import SqlUnitOfWork

EXIT_BROKEN = 1
EXIT_USAGE = 2

COLUMNS = (
    "sequence", "at", "platform", "action", "actor", "actor_name", "subject",
    "before", "after", "note", "person", "person_name", "comments", "hash",
)  # fmt: skip


def verify(database: Any, assessment_id: str | None = None) -> Verification:
    with SqlUnitOfWork(database, read_only=True) as uow:
        return uow.audit.verify(assessment_id)


def trail(database: Any, assessment_id: str) -> list[AuditRecord]:
    """An assessment's whole trail, oldest first; `NotFound` when there is none."""
    with SqlUnitOfWork(database, read_only=True) as uow:
        records = uow.audit.entries(assessment_id)
        if not records:
            uow.assessments.get(assessment_id)  # NotFound for an unknown assessment
    return records


def export_trail(records: list[AuditRecord], fmt: str) -> str:
    rows = [_row(record) for record in records]
    if fmt == "json":
        return json.dumps({"entries": rows}, indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def record_disclosure(database: Any, assessment_id: str, person: Identity, now: datetime, note: str, platform: str) -> None:
    """Record that individual votes were shown outside the chat (an export with them)."""
    with SqlUnitOfWork(database) as uow:
        assessment = uow.assessments.get(assessment_id, for_update=True)
        assessment.record_audit(AuditAction.INDIVIDUAL_VOTES_SHOWN, person, now, note=note)
        uow.platform = platform
        uow.commit()


def record_install_event(uow: SqlUnitOfWork, event: AuditEvent, platform: str = "console") -> None:
    """An event tied to no assessment (a member's data exported or forgotten), in the install's chain."""
    uow.audit.append(INSTALL_CHAIN, [event], platform)


# --------------------------------------------------------------------------- CLI


def run_audit(config: Any, args: Any, out: TextIO) -> int:
    from bot.app import open_database
    from bot.export import write_file

    database = open_database(args.database or config.database.url)
    try:
        if args.audit_command == "verify":
            checked = verify(database, args.assessment)
            print(checked.line(), file=out if checked.intact else sys.stderr)
            if checked.intact and getattr(args, "heads", False):
                for chain, last in sorted(checked.heads.items()):
                    print(f"{chain} {last}", file=out)
            return 0 if checked.intact else EXIT_BROKEN
        try:
            records = trail(database, args.assessment)
        except NotFound:
            print(f"accord: there is no assessment {args.assessment!r}; `accord export --list` shows them.", file=sys.stderr)
            return EXIT_USAGE
    finally:
        database.dispose()
    text = export_trail(records, args.format)
    if not args.output or args.output == "-":
        out.write(text)
        out.flush()
        return 0
    write_file(Path(args.output), text.encode("utf-8"), owner_only=True)  # names and comments: confidential
    print(f"Wrote {len(records)} audit entries of {args.assessment} to {args.output}: keep it confidential.", file=out)
    return 0


def _row(record: AuditRecord) -> dict[str, Any]:
    event = record.event
    return {
        "sequence": record.sequence,
        "at": event.at.isoformat(),
        "platform": record.platform,
        "action": event.action.value,
        "actor": event.actor,
        "actor_name": event.actor_name,
        "subject": event.subject,
        "before": event.before,
        "after": event.after,
        "note": event.note,
        "person": event.person,
        "person_name": event.person_name,
        "comments": event.comments,
        "hash": record.hash,
    }


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)) or value is None:
        return "" if value in (None, {}) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a spreadsheet must never run a name or a note as a formula
    return value
