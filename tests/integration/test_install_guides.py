"""The install guides name only what exists: every `accord ...` command against the CLI's parser,
every app.yaml key against the configuration's model, every environment variable against what
reads it, and the addresses and the icon against the code. A guide that names a missing command,
a mistyped key or a renamed route fails here, not in front of a council's IT person."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml
from PIL import Image
from pydantic import BaseModel

from bot.cli import build_parser
from bot.config import Config, parse_config
from bot.legal_pages import PRIVACY_PATH, TERMS_PATH

REPO = Path(__file__).resolve().parents[2]
GUIDES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BASE = "https://accord.example.org"

# ---------------------------------------------------------------------------- reading the guides

_FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
_SPAN = re.compile(r"`([^`\n]+)`")


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced code block."""
    return [(m.group(1), m.group(2)) for m in _FENCE.finditer(text)]


def code_texts(text: str) -> list[str]:
    """Every inline code span (outside fences) and every line of every fenced block."""
    found: list[str] = []
    for _, body in fenced_blocks(text):
        found.extend(body.splitlines())
    found.extend(_SPAN.findall(_FENCE.sub("", text)))
    return found


# `accord` as a program: at the start or after a space, or as a path such as .venv/bin/accord;
# never the slash command /accord nor accord.db or accord-report.
_ACCORD = re.compile(r"(?:^|\s)(?:\S+/)?accord(?=\s|$)(.*)$")
_SHELL_END = re.compile(r"\s(?:#|>|\||&&|;|2>|<)")


def accord_commands(text: str) -> list[str]:
    commands = []
    for code in code_texts(text):
        match = _ACCORD.search(code)
        if not match:
            continue
        rest = match.group(1)
        end = _SHELL_END.search(rest)
        rest = rest[: end.start()] if end else rest
        if rest.strip():
            commands.append("accord" + rest.rstrip())
    return commands


def _placeholder(token: str) -> bool:
    """FILE, PLATFORM:WORKSPACE:USER, <the id>, N: a stand-in, not a word to check."""
    return token.startswith("<") or not re.search(r"[a-z]", token)


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def command_problems(command: str) -> list[str]:
    """What in one `accord ...` line the CLI does not have: a command, an option or a choice."""
    tokens = [t.strip("[]") for t in command.split()[1:]]
    tokens = [t.removesuffix("...") for t in tokens if t.strip("[]")]
    parser = build_parser()
    positionals = [a for a in parser._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]
    problems: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.startswith("-"):
            option = token.split("=", 1)[0]
            action = parser._option_string_actions.get(option)
            if action is None:
                problems.append(f"{command!r}: `{parser.prog}` has no option {option}")
            elif action.nargs != 0 and "=" not in token:
                index += 1  # the option's value
            continue
        alternatives = token.split("|")
        subcommands = _subcommands(parser)
        if subcommands is not None:
            if _placeholder(token):
                return problems  # "accord COMMAND --help": any command
            missing = [a for a in alternatives if a not in subcommands.choices]
            if missing:
                problems.append(f"{command!r}: `{parser.prog}` has no command {', '.join(missing)}")
                return problems
            parser = subcommands.choices[alternatives[0]]
            positionals = [a for a in parser._actions if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]
            continue
        if positionals:
            action = positionals.pop(0) if positionals[0].nargs not in ("+", "*") else positionals[0]
            if action.choices and not _placeholder(token):
                wrong = [a for a in alternatives if a not in action.choices]
                if wrong:
                    problems.append(f"{command!r}: `{parser.prog}` takes {'|'.join(action.choices)}, not {', '.join(wrong)}")
    return problems


# app.yaml keys: `teams.public_url`, `server.workers: 4`, `slack:`, and YAML blocks of app.yaml.
# File names and host names (`report.css`, `slack.com`) look like keys too.
_FILE_ENDINGS = {"md", "py", "css", "yaml", "yml", "json", "png", "zip", "db", "html", "csv", "txt", "cjs", "sh", "toml", "ini"}
_FILE_ENDINGS |= {"com", "org", "net", "uk", "us", "io", "dev"}
_DOTTED = re.compile(r"^([a-z_]+(?:\.[a-z_]+)+)(?::\s.*)?$")
_SECTION = re.compile(r"^([a-z_]+):$")


def _model_at(path: list[str]) -> type[BaseModel] | None:
    model: type[BaseModel] = Config
    for name in path:
        field = model.model_fields.get(name)
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            return None
        model = field.annotation
    return model


def key_exists(dotted: str) -> bool:
    *sections, name = dotted.split(".")
    model = _model_at(sections)
    return model is not None and name in model.model_fields


def named_keys(text: str) -> list[str]:
    keys: list[str] = []
    sections = set(Config.model_fields)
    for span in _SPAN.findall(_FENCE.sub("", text)):
        dotted = _DOTTED.match(span.strip())
        if dotted and dotted.group(1).split(".")[0] in sections and dotted.group(1).rsplit(".", 1)[1] not in _FILE_ENDINGS:
            keys.append(dotted.group(1))
        section = _SECTION.match(span.strip())
        if section and section.group(1) in sections:
            keys.append(section.group(1))
    for language, body in fenced_blocks(text):
        if language not in ("yaml", "yml"):
            continue
        data = yaml.safe_load(body)
        if isinstance(data, dict) and set(data) & sections:  # a piece of app.yaml, not a framework
            keys.extend(_paths(data))
    return keys


def _paths(data: dict, prefix: str = "") -> list[str]:
    paths = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        paths.append(path)
        if isinstance(value, dict) and _model_at(path.split(".")) is not None:
            paths.extend(_paths(value, path + "."))
    return paths


def section_or_key_exists(dotted: str) -> bool:
    return dotted in Config.model_fields if "." not in dotted else key_exists(dotted)


_VARIABLE = re.compile(r"\b(?:ACCORD|SLACK)_[A-Z_]+\b|\bMicrosoftApp[A-Za-z]+\b")


def _readers() -> str:
    """Everything that could read an environment variable: app.yaml, the code, the Makefile."""
    sources = [REPO / "app.yaml", REPO / "Makefile"]
    for folder in ("bot", "adapters", "storage", "engine", "tests"):
        sources.extend((REPO / folder).rglob("*.py"))
    return "\n".join(path.read_text(encoding="utf-8") for path in sources)


# ---------------------------------------------------------------------------- the checker itself


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("accord frobnicate", "has no command frobnicate"),
        ("accord db downgrade", "`accord db` has no command downgrade"),
        ("accord member export|erase PERSON", "has no command erase"),
        ("accord serve --no-such-option", "has no option --no-such-option"),
        ("accord manifest discord --url https://x", "takes slack|teams, not discord"),
    ],
)
def test_a_guide_naming_a_missing_command_or_option_is_caught(command, problem):
    assert any(problem in line for line in command_problems(command)), command_problems(command)


@pytest.mark.parametrize(
    "command",
    [
        "accord db upgrade --database URL",
        "accord member export|forget PLATFORM:WORKSPACE:USER [--output FILE]",
        "accord manifest slack|teams",
        "accord framework check FILE|FOLDER...",
        "accord --config PATH serve --workers N --port 0",
        "accord COMMAND --help",
    ],
)
def test_a_command_the_cli_has_passes(command):
    assert command_problems(command) == []


def test_commands_and_keys_are_found_in_markdown():
    text = (
        "Run `accord db upgrade`, not `/accord start`, then:\n\n```sh\nexport X=1\n"
        "ACCORD_TEAMS_LOCAL=1 .venv/bin/accord serve --port 3978   # local\naccord secrets new-key > key\n```\n"
        "Set `teams.public_url` and `server.workers: 4` in the `slack:` section; not `report.css`.\n\n"
        "```yaml\nteams:\n  public_url: https://x\n```\n"
    )
    assert accord_commands(text) == ["accord serve --port 3978", "accord secrets new-key", "accord db upgrade"]
    assert named_keys(text) == ["teams.public_url", "server.workers", "slack", "teams", "teams.public_url"]
    assert not key_exists("teams.public_address")


# ---------------------------------------------------------------------------- the guides


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_every_accord_command_a_guide_names_exists(guide):
    commands = accord_commands(guide.read_text(encoding="utf-8"))
    problems = [problem for command in commands for problem in command_problems(command)]
    assert problems == []


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_every_app_yaml_key_a_guide_names_exists(guide):
    keys = named_keys(guide.read_text(encoding="utf-8"))
    assert [key for key in keys if not section_or_key_exists(key)] == []


def test_every_environment_variable_the_guides_name_is_read_by_accord():
    readers = _readers()
    named = {name for guide in GUIDES for name in _VARIABLE.findall(guide.read_text(encoding="utf-8"))}
    assert named, "the guides name no variables: the pattern is wrong"
    assert sorted(name for name in named if name not in readers) == []


def test_the_install_guides_name_the_commands_of_every_step():
    slack = (REPO / "docs" / "slack.md").read_text(encoding="utf-8")
    teams = (REPO / "docs" / "teams.md").read_text(encoding="utf-8")
    slack_commands = accord_commands(slack)
    for needed in ("accord manifest slack --url", "accord db upgrade", "accord secrets new-key", "accord serve"):
        assert any(c.startswith(needed) for c in slack_commands), needed
    teams_commands = accord_commands(teams)
    for needed in ("accord manifest teams --url", "accord db upgrade", "accord serve"):
        assert any(c.startswith(needed) for c in teams_commands), needed
    assert "ACCORD_TEAMS_LOCAL=1 accord serve" in teams and "Agents Playground" in teams


@pytest.mark.parametrize(
    ("guide", "steps"),
    [
        # Each step after the one it needs: the server runs before Slack verifies its address.
        ("slack.md", ["accord db upgrade", "accord manifest slack", "App icon", "Redirect URLs",
                      "Install to Workspace", "accord secrets new-key", "accord serve --host", "**Retry**", "/accord start"]),
        ("teams.md", ["accord db upgrade", "create an **Azure Bot** resource", "MicrosoftAppId=", "accord serve --host",
                      "accord manifest teams --url", "Upload an app", "@Accord start"]),
    ],
)
def test_the_install_steps_come_in_the_order_they_are_done(guide, steps):
    text = (REPO / "docs" / guide).read_text(encoding="utf-8")
    section = text[text.index("## Install it, step by step") :]
    numbers = [int(n) for n in re.findall(r"^### (\d+)\. ", section, re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1))
    positions = [section.index(step) for step in steps]
    assert positions == sorted(positions)


def test_the_slack_guide_names_the_addresses_the_code_serves():
    # Imported here, not at collection: a logger that exists when tests/test_layers.py configures
    # logging is left disabled, and tests/integration/test_cli.py checks accord.slack's.
    from adapters.slack.manifest import slack_manifest
    from adapters.slack.platform import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH

    text = (REPO / "docs" / "slack.md").read_text(encoding="utf-8")
    manifest = slack_manifest(parse_config("", environ={}), BASE)
    assert manifest["oauth_config"]["redirect_urls"] == [BASE + REDIRECT_PATH]
    for path in (REDIRECT_PATH, EVENTS_PATH, INSTALL_PATH, PRIVACY_PATH, TERMS_PATH):
        assert f"{BASE}{path}" in text, path


def test_the_teams_guide_names_the_pages_the_package_links_to():
    text = (REPO / "docs" / "teams.md").read_text(encoding="utf-8")
    for path in ("/api/messages", PRIVACY_PATH, TERMS_PATH):
        assert f"{BASE}{path}" in text, path


def test_the_icon_the_slack_guide_names_is_there_and_fits_slack():
    text = (REPO / "docs" / "slack.md").read_text(encoding="utf-8")
    assert "(assets/accord-icon.png)" in text
    with Image.open(REPO / "docs" / "assets" / "accord-icon.png") as icon:
        width, height = icon.size
        assert icon.format == "PNG"
        assert width == height and 512 <= width <= 2000  # Slack's limits for an app icon
        assert icon.convert("RGBA").getpixel((0, 0))[3] == 255  # opaque to the corner: Slack rounds it


def test_app_yaml_speaks_of_the_agents_playground_not_the_emulator():
    for path in [REPO / "app.yaml", *GUIDES, *(REPO / "adapters").rglob("*.py"), *(REPO / "bot").rglob("*.py")]:
        assert "Emulator" not in path.read_text(encoding="utf-8"), path
    assert "Agents Playground" in (REPO / "app.yaml").read_text(encoding="utf-8")
