"""UPDATE statements built once per shape and run many times with different values.

A save updates only the columns that changed, so the same few shapes (a vote's `current`, a
round's state and reveal time) come back again and again. Each shape is built once here and
then only bound; SQLAlchemy's compiled cache does the rest when it is run with
`Connection.execute`.
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

