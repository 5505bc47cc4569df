"""`storage.statements.run` stores and finds exactly what `Connection.execute` would.

It hands SQL compiled once to the driver, so what the columns' types do on the way in (a
timezone-aware time kept as UTC, a dict kept as JSON, a JSON path) must still happen, on SQLite
and on PostgreSQL. Each check reads the row back through the ORM, as the rest of Accord does.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from storage import statements
from storage.tables import OutboxRow

_outbox = OutboxRow.__table__
WHEN = datetime(2026, 11, 30, 18, 30, tzinfo=timezone(timedelta(hours=-5)))  # 23:30 UTC
INSERT = insert(_outbox).returning(_outbox.c.id)
UNCLAIM = update(_outbox).where(_outbox.c.id == bindparam("k_id")).values(claimed_until=None, attempts=_outbox.c.attempts + 1)
UNCLAIM_AT = update(_outbox).where(_outbox.c.id == bindparam("k_id")).values(claimed_until=bindparam("v_until"))
BY_KEY = select(_outbox.c.id).where(_outbox.c.message["key"].as_string() == bindparam("k_key"))


def row(number: int, **overrides) -> dict:
    values = {
        "platform": "slack",
        "workspace": "T1",
        "channel_id": f"C{number}",
        "message": {"key": f"progress-{number}", "text": ["naïve café", "3 of 8 have voted"]},
        "created_at": WHEN,
        "next_attempt_at": WHEN,
        "attempts": 0,
        "last_error": "",
    }
    return {**values, **overrides}


def stored(database: Engine, outbox_id: int) -> OutboxRow:
    with Session(database) as session:
        found = session.get(OutboxRow, outbox_id)
        assert found is not None
        return found


def test_values_go_in_through_their_column_types(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        outbox_id = statements.run(connection, INSERT, row(1)).scalar()
    kept = stored(db_engine, outbox_id)
    assert kept.created_at == WHEN and kept.created_at.utcoffset() == timedelta(0)
    assert kept.message == {"key": "progress-1", "text": ["naïve café", "3 of 8 have voted"]}
    assert kept.claimed_until is None and kept.dedupe_key is None  # columns not given keep their defaults


def test_many_rows_at_once_and_a_json_path_in_the_where_clause(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        statements.run(connection, insert(_outbox), [row(2), row(3), row(4)])
        found = statements.run(connection, BY_KEY, {"k_key": "progress-3"}).all()
        missing = statements.run(connection, BY_KEY, {"k_key": "progress-9"}).all()
    assert len(found) == 1 and stored(db_engine, found[0][0]).channel_id == "C3"
    assert missing == []


def test_values_the_statement_carries_itself_are_used(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        outbox_id = statements.run(connection, INSERT, row(5, claimed_until=WHEN, attempts=2)).scalar()
    with db_engine.begin() as connection:
        changed = statements.run(connection, UNCLAIM, {"k_id": outbox_id})
        assert changed.rowcount == 1
        assert statements.run(connection, UNCLAIM, {"k_id": outbox_id + 1000}).rowcount == 0
    kept = stored(db_engine, outbox_id)
    assert (kept.claimed_until, kept.attempts) == (None, 3)


def test_a_statement_is_compiled_again_for_another_set_of_values(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        first = statements.run(connection, INSERT, row(6)).scalar()
        second = statements.run(connection, INSERT, row(7, dedupe_key="reminder:7", claimed_until=WHEN)).scalar()
    assert stored(db_engine, first).dedupe_key is None
    assert (stored(db_engine, second).dedupe_key, stored(db_engine, second).claimed_until) == ("reminder:7", WHEN)


def test_a_value_left_out_is_refused_not_stored_as_null(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        outbox_id = statements.run(connection, INSERT, row(8, claimed_until=WHEN)).scalar()
    with pytest.raises((KeyError, DBAPIError)):
        with db_engine.begin() as connection:
            statements.run(connection, UNCLAIM_AT, {"k_id": outbox_id})  # no "v_until"
    assert stored(db_engine, outbox_id).claimed_until == WHEN
