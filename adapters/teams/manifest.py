"""The Teams app package: manifest.json and its two icons, zipped, ready to upload.

`accord manifest teams --url https://accord.example.org` writes `accord-teams.zip`. An admin
uploads it in Teams (Apps > Manage your apps > Upload an app) or in the Teams admin centre;
docs/teams.md walks through the whole installation.

The manifest follows the Teams app manifest schema 1.17: the bot (its id is the Azure Bot's
Microsoft App ID) in team, group chat and personal scope, its command list (Teams shows at
most 10 commands per list, so the ten a team uses most), the two icons (192x192 colour,
32x32 white outline on transparent) and the domain Accord is served from. The developer is the
organisation named in app.yaml, and its privacy and terms links are the pages `accord serve`
answers at `/privacy` and `/terms`.

The package is in British English and Welsh (`localizationInfo`): Teams shows the app's name,
descriptions and command descriptions from ``cy-GB.json`` to a person whose Teams speaks Welsh.
The command words themselves stay as people type them.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from bot import commands as grammar
from bot.config import Config, ConfigError, OrganisationConfig
from bot.icon import ACCENT, icon_png
from bot.legal_pages import PRIVACY_PATH, TERMS_PATH
from engine.language import WELSH, _, speaking

SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
# The localisation file's schema: of the same manifest version as the manifest, as Teams requires.
LOCALIZATION_SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.Localization.schema.json"
DEFAULT_LANGUAGE_TAG = "en-GB"
WELSH_LANGUAGE_TAG = "cy-GB"
WELSH_FILE = "cy-GB.json"
MANIFEST_VERSION = "1.17"
APP_VERSION = "1.0.0"
DEVELOPER_NAME_LIMIT = 32  # the schema's maxLength for developer.name
MENU = ("start", "status", "reveal", "finalise", "skip", "next", "reopen", "summary", "join", "help")


def teams_manifest(config: Config, base_url: str) -> dict:
    app_id = config.teams.app_id
    if not app_id:
        raise ConfigError(
            "teams.app_id (MicrosoftAppId) is not set: register the bot in Azure first (docs/teams.md, step 1) "
            "and set MicrosoftAppId, then write the package again."
        )
    if config.organisation.name == OrganisationConfig.model_fields["name"].default:
        raise ConfigError(
            "organisation.name in app.yaml is not set: Teams shows it as the app's developer, and the privacy "
            "notice and terms name it. Set it to your organisation's name, then write the package again."
        )
    base = base_url.rstrip("/")
    host = urlsplit(base).hostname
    if not base.startswith("https://") or not host:
        raise ConfigError(f"The public address must start with https:// (got {base_url!r}): Teams only talks to bots over https.")
    website = config.organisation.website
    if website and not website.startswith("https://"):
        raise ConfigError(f"organisation.website must start with https:// (got {website!r}): Teams accepts no other link.")
    scopes = ["team", "groupChat", "personal"]
    commands = []
    for name in MENU:
        usage = grammar.usage(name)
        if usage is not None:
            commands.append({"title": name, "description": usage.summary[:128]})
    # Teams shows the developer on the app's page with these three links: the organisation that
    # runs this server, and the pages `accord serve` itself serves (bot/legal_pages.py).
    developer = {
        "name": _at_most(config.organisation.name, DEVELOPER_NAME_LIMIT),
        "websiteUrl": website or f"{base}{PRIVACY_PATH}",
        "privacyUrl": f"{base}{PRIVACY_PATH}",
        "termsOfUseUrl": f"{base}{TERMS_PATH}",
    }
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": app_id,
        "developer": developer,
        "name": {"short": "Accord", "full": "Accord: consensus self-assessment"},
        "description": {
            "short": "Your leadership team's self-assessment, in the channel.",
            "full": (
                "Accord runs a leadership team's consensus self-assessment in its channel: question by question, "
                "everyone votes privately on a card, Accord shows where the team disagrees, the team talks, and the "
                "super-user records the agreed answer. At the end Accord posts a scored summary with charts, strengths, "
                "priorities and resources."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": app_id,
                "scopes": scopes,
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [{"scopes": scopes, "commands": commands}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
        "localizationInfo": {
            "defaultLanguageTag": DEFAULT_LANGUAGE_TAG,
            "additionalLanguages": [{"languageTag": WELSH_LANGUAGE_TAG, "file": WELSH_FILE}],
        },
    }


# The app's own words in Welsh. The schema's limits: name.short 30, description.short 80,
# description.full 4000 characters; a command's description 128.
WELSH_NAME_FULL = "Accord: hunanasesiad consensws"
WELSH_DESCRIPTION_SHORT = "Hunanasesiad eich tîm arwain, yn y sianel."
WELSH_DESCRIPTION_FULL = (
    "Mae Accord yn cynnal hunanasesiad consensws tîm arwain yn ei sianel: fesul cwestiwn, mae pawb yn pleidleisio'n "
    "breifat ar gerdyn, mae Accord yn dangos lle mae'r tîm yn anghytuno, mae'r tîm yn trafod, ac mae'r "
    "uwch-ddefnyddiwr yn cofnodi'r ateb y cytunwyd arno. Ar y diwedd mae Accord yn cyhoeddi crynodeb wedi'i sgorio "
    "gyda siartiau, cryfderau, blaenoriaethau ac adnoddau."
)


def teams_localization(manifest: dict) -> dict:
    """``cy-GB.json``: the manifest's words in Welsh, keyed as the localisation schema keys them.

    Command descriptions come from the message catalogue (the grammar's summaries); the titles are
    the commands people type, so they stay.
    """
    words = {
        "$schema": LOCALIZATION_SCHEMA,
        "name.short": manifest["name"]["short"],  # Accord is a name
        "name.full": WELSH_NAME_FULL,
        "description.short": WELSH_DESCRIPTION_SHORT,
        "description.full": WELSH_DESCRIPTION_FULL,
    }
    with speaking(WELSH):
        for b, bot in enumerate(manifest["bots"]):
            for n, command_list in enumerate(bot["commandLists"]):
                for c, command in enumerate(command_list["commands"]):
                    key = f"bots[{b}].commandLists[{n}].commands[{c}]"
                    words[f"{key}.title"] = command["title"]
                    words[f"{key}.description"] = _(command["description"])[:128]
    return words


def _at_most(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word, with an ellipsis, when it is longer."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut:  # the cut falls inside a word: drop it
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def write_teams_package(config: Config, output: Path, base_url: str | None) -> Path:
    base = base_url or config.teams.public_url
    if not base:
        raise ConfigError(
            "Give the public https address Accord is served at: `accord manifest teams --url https://accord.example.org`, "
            "or set teams.public_url in app.yaml."
        )
    manifest = teams_manifest(config, base)
    from bot.i18n import install

    install()  # the Welsh catalogue, for the commands' descriptions
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as package:
        for name, data in (
            ("manifest.json", json.dumps(manifest, indent=2).encode("utf-8")),
            (WELSH_FILE, json.dumps(teams_localization(manifest), indent=2, ensure_ascii=False).encode("utf-8")),
            ("color.png", icon_png(192, "round")),
            ("outline.png", icon_png(32, "outline")),
        ):
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)
    return output
