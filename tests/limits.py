"""The platforms' limits in one table, and the checks every payload a test captured must pass.

Written from the platforms' documentation, not from Accord's constants, so a wrong constant in an
adapter fails these checks rather than agreeing with itself.

- Slack, Block Kit reference (https://api.slack.com/reference/block-kit): 50 blocks a message,
  100 a modal or Home tab; header text 150; section text 3,000, at most 10 fields of 2,000 each;
  a context block at most 10 elements; a text object 3,000; button and option text 75, option
  description 75; radio buttons at most 10 options, a static select at most 100; an input label
  2,000. A message's blocks together: Slack answers ``msg_blocks_too_long`` above about 12,000
  characters of text (slackapi/bolt-js#2509).
- Teams: bot messages over about 28 KB are refused with 413 MessageSizeTooBig in practice (100 KB
  documented); Accord keeps every activity under its own budget of 25,000, counted as the JSON as
  sent (non-ASCII escaped), in UTF-16 code units. Card images at most 1024 x 1024 pixels
  (Adaptive Card image guidance); a card's refresh names at most 60 users (User Specific Views).
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterable
from typing import Any

LIMITS: dict[str, dict[str, int]] = {
    "slack": {
        "blocks per message": 50,
        "blocks per modal": 100,
        "header text": 150,
        "section text": 3000,
        "fields per section": 10,
        "field text": 2000,
        "context elements": 10,
        "text object": 3000,
        "button text": 75,
        "option text": 75,
        "option description": 75,
        "radio options": 10,
        "select options": 100,
        "input label": 2000,
        "text per message": 12_000,
    },
    "teams": {
        "activity size": 25_000,  # Accord's budget; Teams' smallest refusal seen is about 28 KB
        "image pixels per side": 1024,
        "refresh users": 60,
    },
}
SLACK = LIMITS["slack"]
TEAMS = LIMITS["teams"]


# ------------------------------------------------------------------------------ Slack


def slack_problems(blocks: list[dict], surface: str = "message") -> list[str]:
    """Every way some blocks break Slack's limits; `surface` is "message" or "modal"."""
    problems: list[str] = []
    most = SLACK["blocks per message"] if surface == "message" else SLACK["blocks per modal"]
    if len(blocks) > most:
        problems.append(f"{len(blocks)} blocks in one {surface} (at most {most})")
    if surface == "message":
        total = _text_in(blocks)
        if total > SLACK["text per message"]:
            problems.append(f"{total} characters of text in one message (at most {SLACK['text per message']})")
    for block in blocks:
        problems += [f"{block.get('type')} block: {p}" for p in _block_problems(block)]
    return problems


def _block_problems(block: dict) -> Iterable[str]:
    kind = block.get("type")
    if kind == "header":
        yield from _over(block["text"]["text"], "header text")
    elif kind == "section":
        if "text" in block:
            yield from _over(block["text"]["text"], "section text")
        fields = block.get("fields") or []
        if len(fields) > SLACK["fields per section"]:
            yield f"{len(fields)} fields"
        for field in fields:
            yield from _over(field["text"], "field text")
    elif kind == "context":
        if len(block["elements"]) > SLACK["context elements"]:
            yield f"{len(block['elements'])} elements"
        for element in block["elements"]:
            if "text" in element:
                yield from _over(element["text"], "text object")
    elif kind == "actions":
        for element in block["elements"]:
            yield from _over(element["text"]["text"], "button text")
    elif kind == "input":
        yield from _over(block["label"]["text"], "input label")
        element = block["element"]
        options = element.get("options") or []
        if element["type"] == "radio_buttons" and len(options) > SLACK["radio options"]:
            yield f"{len(options)} radio buttons"
        if element["type"] == "static_select" and len(options) > SLACK["select options"]:
            yield f"{len(options)} options in a select menu"
        for option in options:
            yield from _over(option["text"]["text"], "option text")
            if "description" in option:
                if element["type"] != "radio_buttons" and element["type"] != "checkboxes":
                    yield "an option description outside radio buttons or checkboxes"
                yield from _over(option["description"]["text"], "option description")


def _over(text: str, what: str) -> Iterable[str]:
    if len(text) > SLACK[what]:
        yield f"{what} of {len(text)} characters (at most {SLACK[what]})"


def _text_in(node: Any) -> int:
    if isinstance(node, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else _text_in(v) for k, v in node.items())
    if isinstance(node, list):
        return sum(_text_in(item) for item in node)
    return 0


# ------------------------------------------------------------------------------ Teams


def activity_size(activity: dict) -> int:
    """An activity's size as Teams counts it: its JSON as sent, in UTF-16 code units.

    Counted both ways, non-ASCII escaped (as msrest sends it) and not, and the larger taken.
    """
    escaped = json.dumps(activity)
    raw = json.dumps(activity, ensure_ascii=False)
    return max(len(escaped), len(raw.encode("utf-16-le")) // 2)


def teams_problems(activity: dict) -> list[str]:
    """Every way an activity Accord sent breaks Teams' limits (or Accord's budget within them)."""
    problems: list[str] = []
    size = activity_size(activity)
    if size > TEAMS["activity size"]:
        problems.append(f"an activity of {size} (at most {TEAMS['activity size']})")
    for attachment in activity.get("attachments") or []:
        card = attachment.get("content") or {}
        problems += card_problems(card)
    return problems


def card_problems(card: dict) -> list[str]:
    problems: list[str] = []
    refresh = card.get("refresh") or {}
    if len(refresh.get("userIds") or []) > TEAMS["refresh users"]:
        problems.append(f"a refresh naming {len(refresh['userIds'])} users")
    for url in _image_urls(card):
        if url.startswith("data:image/png;base64,"):
            width, height = png_size(base64.b64decode(url.split(",", 1)[1]))
            if max(width, height) > TEAMS["image pixels per side"]:
                problems.append(f"an image of {width}x{height} pixels")
    return problems


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _image_urls(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        if node.get("type") == "Image" and isinstance(node.get("url"), str):
            yield node["url"]
        for value in node.values():
            yield from _image_urls(value)
    elif isinstance(node, list):
        for item in node:
            yield from _image_urls(item)


def long_name(n: int, first: str = "Councillor") -> str:
    """A distinct name of exactly 200 characters, the longest a test gives anyone."""
    name = f"{first} {n:02d} " + " ".join(f"Ward{n:02d}-{i}" for i in range(40))
    return name[:200].rstrip("- ").ljust(200, "x")


def long_comment(who: int, question: str, size: int = 1000) -> str:
    """A comment of exactly `size` characters, unique to the voter and question, plain words only."""
    words = f"comment{who:02d}{question.replace('-', '')} " + " ".join(f"reason{who:02d}x{i}" for i in range(200))
    return words[:size].rstrip().ljust(size, "z")


def normalised(text: str) -> str:
    return " ".join(text.split())
