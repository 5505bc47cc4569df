"""Core statements built once and run many times with different values.

Building a SQLAlchemy statement (coercing every column and value, computing its cache key) costs
more than running a small one on SQLite, and the hot paths (a vote, the outbox) run the same few
shapes again and again. These are built on first use and then only bound.

`run` goes one step further for those few: SQLAlchemy compiles the statement once per database
kind and set of values given, and each later run hands the SQL and the values, put through the
columns' own bind processors, to the driver with `Connection.exec_driver_sql`. Measured on a
vote (five such statements), `Connection.execute` spent about three times as long per statement
setting up its execution context (the compiled-cache lookup, `construct_params`, the processors
looked up again) as SQLite spent running it. Rows come back as the driver gives them, without
result processing: `run` is for statements that return ids, counts and versions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql import ClauseElement
from sqlmodel import SQLModel


@functools.lru_cache(maxsize=512)
def update_where(table: str, columns: tuple[str, ...], keys: tuple[str, ...]) -> Any:
    """UPDATE <table> SET <columns> WHERE <keys> = ...; bind `v_<column>` and `k_<key>`."""
    target = SQLModel.metadata.tables[table]
    return (
        update(target)
        .where(*(target.c[key] == bindparam(f"k_{key}") for key in keys))
        .values({column: bindparam(f"v_{column}") for column in columns})
    )


def values(changes: dict[str, Any]) -> dict[str, Any]:
    """The parameters for `update_where`'s SET part."""
    return {f"v_{name}": value for name, value in changes.items()}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    fixed: dict[str, Any]  # values the statement carries itself (``claimed_until=None``)
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    order: tuple[str, ...] | None  # positional drivers (SQLite's qmark): the names in the SQL's order


_COMPILED: dict[tuple[int, str, frozenset[str]], tuple[ClauseElement, _Compiled]] = {}


def run(
    connection: Connection, statement: ClauseElement, parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> CursorResult:
    """`connection.execute(statement, parameters)` for a statement built once (see the module)."""
    many = not isinstance(parameters, Mapping)
    first = parameters[0] if many else parameters
    compiled = _compiled(connection, statement, frozenset(first))
    rows = [_bound(compiled, one) for one in parameters] if many else _bound(compiled, parameters)
    return connection.exec_driver_sql(compiled.sql, rows)


def _bound(compiled: _Compiled, given: Mapping[str, Any]) -> Any:
    values = {**compiled.fixed, **given} if compiled.fixed else dict(given)
    for name, process in compiled.processors:
        values[name] = process(values[name])
    return values if compiled.order is None else tuple(values[name] for name in compiled.order)


def _compiled(connection: Connection, statement: ClauseElement, names: frozenset[str]) -> _Compiled:
    dialect = connection.dialect
    key = (id(statement), dialect.name, names)
    entry = _COMPILED.get(key)
    if entry is not None and entry[0] is statement:
        return entry[1]
    compiled = statement.compile(dialect=dialect, column_keys=sorted(names))
    if getattr(compiled, "escaped_bind_names", None):
        raise ValueError(f"bind names this driver cannot take as they are: {sorted(compiled.escaped_bind_names)}")
    processors = []
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((name, process))
    # A required value left out is not made NULL here: the driver refuses the missing name.
    fixed = {name: bind.effective_value for name, bind in compiled.binds.items() if name not in names and not bind.required}
    result = _Compiled(compiled.string, fixed, tuple(processors), tuple(compiled.positiontup) if compiled.positional else None)
    _COMPILED[key] = (statement, result)  # the statement is kept, so its id is never reused
    return result
