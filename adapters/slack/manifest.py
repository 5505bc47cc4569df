"""The Slack app manifest that `accord manifest slack` prints, ready to paste at api.slack.com/apps.

The manifest's format is Slack's (https://api.slack.com/reference/manifests). What Accord asks
for, and why:

- bot scopes: ``commands`` (the slash commands), ``chat:write`` (questions, progress, results;
  private answers), ``channels:read``/``groups:read``/``mpim:read``/``im:read`` (who is in the
  channel an assessment starts in, and whether whoever asks Accord to act in a channel is in it:
  ``conversations.members``, for public and private channels and group DMs), ``users:read`` (names, and time
  zones for reminders: ``users.info``), ``files:write`` (charts and reports: ``files_upload_v2``),
  ``im:write`` (a person's private report and reminders: ``conversations.open``),
  ``im:history`` (what a person types to Accord in its Messages tab: ``message.im`` events),
  ``channels:history``/``groups:history``/``mpim:history`` (after a crash mid-send, whether
  the message in flight reached the channel: ``conversations.history``, read for Accord's own
  outbox ids only; without them that one message may appear twice);
- slash commands ``/accord`` and ``/finalise``, with user names escaped so a mention arrives as
  ``<@U123|name>``;
- interactivity (the Vote button and modal) and events (``app_home_opened`` for the App Home;
  ``message.im`` for commands typed in the Messages tab, such as ``vote 2 4`` after a reminder;
  ``app_uninstalled`` and ``tokens_revoked`` so an OAuth install is forgotten when removed), all
  at ``/slack/events``; the OAuth redirect at ``/slack/oauth_redirect``;
- the App Home tab, and the Messages tab for reminders and for commands typed to Accord;
- a description that links to the privacy notice and terms `accord serve` answers at
  ``/privacy`` and ``/terms`` (a Slack manifest has no fields for them).

Without an address (no ``--url`` and no ``teams.public_url``) the manifest is for Socket Mode,
which needs no public URL.
"""

from __future__ import annotations

from typing import Any

from bot.config import Config, ConfigError
from bot.legal_pages import PRIVACY_PATH, TERMS_PATH

BOT_SCOPES = (
    "commands",
    "chat:write",
    "channels:read",
    "groups:read",
    "mpim:read",
    "im:read",
    "users:read",
    "files:write",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "mpim:history",
)
BOT_EVENTS = ("app_home_opened", "message.im", "app_uninstalled", "tokens_revoked")

DESCRIPTION = "Your leadership team's consensus self-assessment, in the channel you already use."
LONG_DESCRIPTION = (
    "Accord runs a leadership team's self-assessment inside its Slack channel. Question by question, every member "
    "votes privately on where the organisation is now and where it should be in 18-24 months; Accord shows the "
    "team the anonymous spread and where it disagrees, the team talks, and the super-user records the agreed "
    "answer. At the end Accord posts a scored summary with charts, strengths, priorities and resources. Nobody "
    "sees anyone else's vote except the super-user."
)


def slack_manifest(config: Config, base_url: str | None) -> dict[str, Any]:
    base = (base_url or config.teams.public_url or "").strip().rstrip("/")
    if base and not base.startswith("https://"):
        raise ConfigError(f"Slack only calls https addresses: give --url as https://... (got {base!r})")
    events_url = f"{base}/slack/events" if base else None
    commands = [
        _command("/accord", "Run the team's self-assessment in this channel", "start | status | reveal | next | help", events_url),
        _command("/finalise", "Record the agreed answer (super-user)", "[current] [ambition] [note]", events_url),
    ]
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": not base,
        "token_rotation_enabled": False,
    }
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if base:
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
        oauth["redirect_urls"] = [f"{base}/slack/oauth_redirect"]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Accord",
            "description": DESCRIPTION,
            "long_description": _long_description(base),
            "background_color": "#1d3b5a",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True, "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": "Accord", "always_online": True},
            "slash_commands": commands,
        },
        "oauth_config": oauth,
        "settings": settings,
    }


def _long_description(base: str) -> str:
    # A manifest has no privacy or terms fields (Teams' has), so the app's description points
    # people at the pages `accord serve` answers.
    if not base:
        return LONG_DESCRIPTION
    return f"{LONG_DESCRIPTION} What is kept about you, and who sees it: {base}{PRIVACY_PATH}. Terms of use: {base}{TERMS_PATH}."


def _command(name: str, description: str, hint: str, url: str | None) -> dict[str, Any]:
    command: dict[str, Any] = {"command": name, "description": description, "usage_hint": hint, "should_escape": True}
    if url:
        command["url"] = url
    return command
