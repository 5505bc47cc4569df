"""OAuth installs ("Add to Slack") kept in Accord's own database, for slack-bolt.

bolt's OAuth flow (`AsyncOAuthSettings`) needs an installation store, to keep each workspace's
bot token when it installs and to find it for every request from that workspace, and a state
store, to check that a browser finishing an install is the one that started it. Both are here,
kept in Accord's database through `bot.platform_state.SlackInstallationPort`, so several
`accord serve` workers share them (bolt's defaults are files on one machine). Only bot tokens
are kept: Accord asks for no user scopes. The port encrypts them on the way in and decrypts
them on the way out (ACCORD_SECRET_KEYS); this store sees and hands bolt only plain tokens.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.platform_state import SlackInstallation, SlackInstallationPort

log = logging.getLogger("accord.slack")


def _when(epoch: float | int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(float(epoch), tz=timezone.utc)


def _scopes(scopes: Any) -> str:
    if not scopes:
        return ""
    return scopes if isinstance(scopes, str) else ",".join(scopes)


class DatabaseInstallationStore(AsyncInstallationStore):
    def __init__(self, port: SlackInstallationPort, client_id: str) -> None:
        self._port = port
        self.client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        record = SlackInstallation(
            client_id=self.client_id,
            app_id=bot.app_id or "",
            enterprise_id=bot.enterprise_id,
            enterprise_name=bot.enterprise_name,
            team_id=bot.team_id,
            team_name=bot.team_name,
            is_enterprise_install=bool(bot.is_enterprise_install),
            installer_user_id="",
            bot_token=bot.bot_token,
            bot_id=bot.bot_id or "",
            bot_user_id=bot.bot_user_id or "",
            bot_scopes=_scopes(bot.bot_scopes),
            bot_refresh_token=bot.bot_refresh_token,
            bot_token_expires_at=_when(bot.bot_token_expires_at),
            installed_at=_when(bot.installed_at) or datetime.now(timezone.utc),
        )
        await self._port.save(record)
        log.info("Accord was installed in Slack workspace %s (%s)", bot.team_id or bot.enterprise_id, bot.team_name)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        if is_enterprise_install:
            team_id = None
        found = await self._port.find(self.client_id, enterprise_id, team_id)
        if found is None:
            return None
        return Bot(
            app_id=found.app_id or None,
            enterprise_id=found.enterprise_id,
            enterprise_name=found.enterprise_name,
            team_id=found.team_id,
            team_name=found.team_name,
            bot_token=found.bot_token,
            bot_id=found.bot_id,
            bot_user_id=found.bot_user_id,
            bot_scopes=found.bot_scopes,
            bot_refresh_token=found.bot_refresh_token,
            bot_token_expires_at=int(found.bot_token_expires_at.timestamp()) if found.bot_token_expires_at else None,
            is_enterprise_install=found.is_enterprise_install,
            installed_at=found.installed_at.timestamp(),
        )

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        # Accord keeps bot installs only; bolt then asks async_find_bot (installation_store_bot_only).
        raise NotImplementedError()

    async def token_for(self, team_id: str) -> str | None:
        found = await self._port.find(self.client_id, None, team_id)
        return found.bot_token if found else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._delete(enterprise_id, team_id)

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None) -> None:
        if user_id is None:
            await self._delete(enterprise_id, team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._delete(enterprise_id, team_id)

    async def _delete(self, enterprise_id: str | None, team_id: str | None) -> None:
        await self._port.delete(self.client_id, enterprise_id, team_id)
        log.info("Accord was uninstalled from Slack workspace %s", team_id or enterprise_id)


class DatabaseOAuthStateStore(AsyncOAuthStateStore):
    def __init__(self, port: SlackInstallationPort, expiration: timedelta = timedelta(minutes=10)) -> None:
        self._port = port
        self._expiration = expiration

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        await self._port.issue_state(state, datetime.now(timezone.utc) + self._expiration)
        return state

    async def async_consume(self, state: str) -> bool:
        return await self._port.consume_state(state, datetime.now(timezone.utc))
