"""Tables of one feature: Slack (issue 4): installations and OAuth states.

Created by migration ``0003_slack``, which branches from revision 0002.

- ``slack_installation``: one row per workspace (or Enterprise Grid organisation) Accord was
  installed into through "Add to Slack" (OAuth v2): the bot token and what Slack said about it.
  A reinstall replaces the row. Single-workspace installs (``SLACK_BOT_TOKEN``) need no row.
- ``slack_oauth_state``: the ``state`` values handed out when an install starts, each usable once
  and only until it expires (Slack's OAuth guidance: https://api.slack.com/authentication/oauth-v2).
(Slack's delivery receipts became every platform's, in `storage.receipts`; migration 0005.)

The small repositories below are the only code that reads and writes these rows; the Slack
adapter uses them through a session, never the tables themselves. The bot token and the refresh
token are encrypted before they are written and decrypted as they are read (`storage.secrets`,
with the keys the caller gives; migration 0006 encrypted the rows written before), so a copy of
the database or a backup gives nobody a working token. Without keys, installs can be deleted
but not saved or read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from sqlalchemy import UniqueConstraint, delete
from sqlmodel import Field, Session, SQLModel, select

from storage.secrets import HOLDS_TOKENS, Secrets, missing_key
from storage.tables import UtcDateTime


class SlackInstallationRow(SQLModel, table=True):
    """Accord's bot in one workspace or organisation, as the OAuth install left it."""

    __tablename__ = "slack_installation"
    __table_args__ = (
        # "" rather than NULL for an absent enterprise or team, so the constraint holds on both databases.
        UniqueConstraint("client_id", "enterprise_id", "team_id", name="uq_slack_installation_workspace"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: str
    app_id: str = ""
    enterprise_id: str = ""
    enterprise_name: str = ""
    team_id: str = ""
    team_name: str = ""
    is_enterprise_install: bool = False
    installer_user_id: str = ""
    bot_token: str  # encrypted: "fernet:..." (storage.secrets)
    bot_id: str = ""
    bot_user_id: str = ""
    bot_scopes: str = ""  # comma-separated, as Slack gives them
    bot_refresh_token: str | None = None  # encrypted too, when Slack gives one (token rotation)
    bot_token_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    installed_at: datetime = Field(sa_type=UtcDateTime)


class SlackOAuthStateRow(SQLModel, table=True):
    """A ``state`` handed to a browser starting an install, redeemable once before it expires."""

    __tablename__ = "slack_oauth_state"
    __table_args__ = (UniqueConstraint("state", name="uq_slack_oauth_state"),)

    id: int | None = Field(default=None, primary_key=True)
    state: str
    expires_at: datetime = Field(sa_type=UtcDateTime)


# ----------------------------------------------------------------------------- repositories


@dataclass(frozen=True)
class SlackInstallation:
    client_id: str
    app_id: str
    enterprise_id: str | None
    enterprise_name: str | None
    team_id: str | None
    team_name: str | None
    is_enterprise_install: bool
    installer_user_id: str
    bot_token: str
    bot_id: str
    bot_user_id: str
    bot_scopes: str
    bot_refresh_token: str | None
    bot_token_expires_at: datetime | None
    installed_at: datetime


class SlackInstallations:
    """Installs by workspace; ``secrets`` encrypt and decrypt their tokens (None: no key is set)."""

    def __init__(self, session: Session, secrets: Secrets | None = None) -> None:
        self._session = session
        self._secrets = secrets

    def save(self, installation: SlackInstallation) -> None:
        """Keep the newest install of a workspace: a reinstall (new scopes, new token) replaces it."""
        secrets = self._need_secrets("Accord keeps Slack installs' tokens encrypted")
        bot_token = secrets.encrypt(installation.bot_token)
        refresh_token = None if installation.bot_refresh_token is None else secrets.encrypt(installation.bot_refresh_token)
        row = self._row(installation.client_id, installation.enterprise_id, installation.team_id)
        if row is None:
            row = SlackInstallationRow(
                client_id=installation.client_id,
                enterprise_id=installation.enterprise_id or "",
                team_id=installation.team_id or "",
                bot_token=bot_token,
                installed_at=installation.installed_at,
            )
        row.app_id = installation.app_id
        row.enterprise_name = installation.enterprise_name or ""
        row.team_name = installation.team_name or ""
        row.is_enterprise_install = installation.is_enterprise_install
        row.installer_user_id = installation.installer_user_id
        row.bot_token = bot_token
        row.bot_id = installation.bot_id
        row.bot_user_id = installation.bot_user_id
        row.bot_scopes = installation.bot_scopes
        row.bot_refresh_token = refresh_token
        row.bot_token_expires_at = installation.bot_token_expires_at
        row.installed_at = installation.installed_at
        self._session.add(row)
        self._session.flush()

    def find(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> SlackInstallation | None:
        """The workspace's install, or else its organisation's (an org-wide install covers every workspace)."""
        row = self._row(client_id, enterprise_id, team_id)
        if row is None and enterprise_id:
            row = self._row(client_id, enterprise_id, None)
        if row is None:
            return None
        secrets = self._need_secrets(HOLDS_TOKENS)
        return _installation(row, secrets)

    def check_keys(self) -> int:
        """Decrypt every kept token, so a missing or wrong key is found at start-up, not on a request."""
        rows = self._session.exec(select(SlackInstallationRow)).all()
        if rows:
            secrets = self._need_secrets(HOLDS_TOKENS)
            for row in rows:
                _installation(row, secrets)
        return len(rows)

    def reencrypt(self) -> int:
        """Encrypt every kept token with the first key (key rotation); the number of installs."""
        rows = self._session.exec(select(SlackInstallationRow).with_for_update()).all()
        if rows:
            secrets = self._need_secrets(HOLDS_TOKENS)
            for row in rows:
                row.bot_token = secrets.reencrypt(row.bot_token)
                if row.bot_refresh_token is not None:
                    row.bot_refresh_token = secrets.reencrypt(row.bot_refresh_token)
                self._session.add(row)
            self._session.flush()
        return len(rows)

    def delete(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> None:
        self._session.execute(
            delete(SlackInstallationRow).where(
                SlackInstallationRow.client_id == client_id,
                SlackInstallationRow.enterprise_id == (enterprise_id or ""),
                SlackInstallationRow.team_id == (team_id or ""),
            )
        )

    def _need_secrets(self, what: str) -> Secrets:
        if self._secrets is None:
            raise missing_key(what)
        return self._secrets

    def _row(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> SlackInstallationRow | None:
        return self._session.exec(
            select(SlackInstallationRow).where(
                SlackInstallationRow.client_id == client_id,
                SlackInstallationRow.enterprise_id == (enterprise_id or ""),
                SlackInstallationRow.team_id == (team_id or ""),
            )
        ).first()


class SlackOAuthStates:
    def __init__(self, session: Session) -> None:
        self._session = session

    def issue(self, state: str, expires_at: datetime) -> None:
        self._session.add(SlackOAuthStateRow(state=state, expires_at=expires_at))
        self._session.flush()

    def consume(self, state: str, now: datetime) -> bool:
        """True once for a state issued here that has not expired; it can never be used again."""
        deleted = self._session.execute(
            delete(SlackOAuthStateRow).where(SlackOAuthStateRow.state == state, SlackOAuthStateRow.expires_at > now)
        )
        self._session.execute(delete(SlackOAuthStateRow).where(SlackOAuthStateRow.expires_at <= now))
        return deleted.rowcount == 1


def _installation(row: SlackInstallationRow, secrets: Secrets) -> SlackInstallation:
    return SlackInstallation(
        client_id=row.client_id,
        app_id=row.app_id,
        enterprise_id=row.enterprise_id or None,
        enterprise_name=row.enterprise_name or None,
        team_id=row.team_id or None,
        team_name=row.team_name or None,
        is_enterprise_install=row.is_enterprise_install,
        installer_user_id=row.installer_user_id,
        bot_token=secrets.decrypt(row.bot_token),
        bot_id=row.bot_id,
        bot_user_id=row.bot_user_id,
        bot_scopes=row.bot_scopes,
        bot_refresh_token=None if row.bot_refresh_token is None else secrets.decrypt(row.bot_refresh_token),
        bot_token_expires_at=row.bot_token_expires_at,
        installed_at=row.installed_at,
    )
