"""Core statements built once and run many times with different values.

Building a SQLAlchemy statement (coercing every column and value, computing its cache key) costs
more than running a small one on SQLite, and the hot paths (a vote, the outbox) run the same few
shapes again and again. These are built on first use and then only bound.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, update
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
