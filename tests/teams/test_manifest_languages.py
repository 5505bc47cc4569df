"""The Teams package in British English and Welsh (issue 19, item 5): `localizationInfo` in the
manifest and a `cy-GB.json` beside it, as the Teams localisation schema asks."""

from __future__ import annotations

import json
import re
import zipfile

from adapters.teams.manifest import write_teams_package
from bot.config import parse_config

APP_ID = "11111111-2222-3333-4444-555555555555"
# The keys the localisation schema (v1.17) allows for what Accord's manifest has, and their limits.
LIMITS = {"name.short": 30, "name.full": 100, "description.short": 80, "description.full": 4000}
COMMAND_KEY = re.compile(r"^bots\[(\d+)\]\.commandLists\[(\d+)\]\.commands\[(\d+)\]\.(title|description)$")


def package(tmp_path) -> tuple[dict, dict]:
    config = parse_config(f"organisation:\n  name: Cyngor Sir Northshire\nteams:\n  app_id: {APP_ID}\n", environ={})
    path = write_teams_package(config, tmp_path / "accord-teams.zip", "https://accord.example.org")
    with zipfile.ZipFile(path) as zipped:
        return json.loads(zipped.read("manifest.json")), json.loads(zipped.read("cy-GB.json").decode("utf-8"))


def test_the_manifest_names_its_welsh_file_and_the_file_is_in_the_package(tmp_path):
    manifest, _ = package(tmp_path)
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "en-GB",
        "additionalLanguages": [{"languageTag": "cy-GB", "file": "cy-GB.json"}],
    }


def test_the_welsh_file_is_valid_for_the_localisation_schema_of_the_same_version(tmp_path):
    manifest, welsh = package(tmp_path)
    version = re.search(r"/v(\d+\.\d+)/MicrosoftTeams\.schema\.json$", manifest["$schema"]).group(1)
    assert welsh["$schema"].endswith(f"/v{version}/MicrosoftTeams.Localization.schema.json") and version == manifest["manifestVersion"]
    for key, limit in LIMITS.items():
        assert welsh[key] and len(welsh[key]) <= limit, key
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    for key, value in welsh.items():
        if key == "$schema" or key in LIMITS:
            continue
        found = COMMAND_KEY.match(key)
        assert found, f"{key} is not a key the localisation schema allows"
        b, n, c, field = found.groups()
        command = manifest["bots"][int(b)]["commandLists"][int(n)]["commands"][int(c)]  # points at a real command
        assert value and len(value) <= (32 if field == "title" else 128)
        if field == "title":
            assert value == command["title"]  # the words people type stay as they are
    assert sum(1 for key in welsh if key.endswith(".description")) == len(commands)


def test_the_welsh_file_speaks_welsh(tmp_path):
    manifest, welsh = package(tmp_path)
    assert welsh["name.short"] == "Accord"
    assert welsh["description.short"] == "Hunanasesiad eich tîm arwain, yn y sianel."
    assert welsh["description.full"] != manifest["description"]["full"] and "uwch-ddefnyddiwr" in welsh["description.full"]
