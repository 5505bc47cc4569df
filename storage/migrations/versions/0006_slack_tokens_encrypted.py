"""Slack tokens at rest: the bot and refresh tokens of OAuth installs are encrypted (`storage.secrets`).

Only rows still in the clear are encrypted (an encrypted value starts ``fernet:``), so a second
run, or a table where some rows were encrypted already, is safe. The keys come from the caller
(`storage.migrate.upgrade(..., secret_keys=...)`, which `accord db upgrade` and start-up fill
from ACCORD_SECRET_KEYS), never from the environment here. A database with tokens and no key is
refused before anything is changed: the whole upgrade is one transaction, so it rolls back. A
database without tokens (a single-workspace install, whose token is in app.yaml) needs no key.

Offline (``alembic upgrade --sql``) nothing can be encrypted in SQL; the plain rows are left for
`accord secrets rotate`, which encrypts whatever it finds in the clear.

Revision ID: 0006_slack_tokens_encrypted
Revises: 0005_receipts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from storage.secrets import HOLDS_TOKENS, PREFIX, Secrets, is_encrypted, missing_key

revision: str = "0006_slack_tokens_encrypted"
down_revision: str | None = "0005_receipts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The table as this revision knows it, not as storage/slack_tables.py may describe it later.
installations = sa.table(
    "slack_installation",
    sa.column("id", sa.Integer()),
    sa.column("bot_token", sa.String()),
    sa.column("bot_refresh_token", sa.String()),
)


def _plain_rows(connection: sa.Connection) -> list[sa.Row]:
    return connection.execute(
        sa.select(installations.c.id, installations.c.bot_token, installations.c.bot_refresh_token)
        .where(
            sa.or_(
                ~installations.c.bot_token.startswith(PREFIX, autoescape=True),
                sa.and_(
                    installations.c.bot_refresh_token.is_not(None),
                    ~installations.c.bot_refresh_token.startswith(PREFIX, autoescape=True),
                ),
            )
        )
        .order_by(installations.c.id)
    ).all()


def upgrade() -> None:
    if context.is_offline_mode():
        return
    connection = op.get_bind()
    rows = _plain_rows(connection)
    if not rows:
        return
    keys = context.config.attributes.get("secret_keys") or ()
    if not keys:
        raise missing_key(HOLDS_TOKENS)
    secrets = Secrets(keys)

    def encrypted(value: str | None) -> str | None:
        return value if value is None or is_encrypted(value) else secrets.encrypt(value)

    for row in rows:
        connection.execute(
            installations.update()
            .where(installations.c.id == row.id)
            .values(bot_token=encrypted(row.bot_token), bot_refresh_token=encrypted(row.bot_refresh_token))
        )


def downgrade() -> None:
    # Going back to a version that reads tokens in the clear: decrypt them, with the same keys.
    if context.is_offline_mode():
        return
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(installations.c.id, installations.c.bot_token, installations.c.bot_refresh_token)
    ).all()
    sealed = [row for row in rows if is_encrypted(row.bot_token) or is_encrypted(row.bot_refresh_token)]
    if not sealed:
        return
    keys = context.config.attributes.get("secret_keys") or ()
    if not keys:
        raise missing_key(HOLDS_TOKENS)
    secrets = Secrets(keys)
    for row in sealed:
        connection.execute(
            installations.update()
            .where(installations.c.id == row.id)
            .values(
                bot_token=secrets.decrypt(row.bot_token),
                bot_refresh_token=None if row.bot_refresh_token is None else secrets.decrypt(row.bot_refresh_token),
            )
        )
