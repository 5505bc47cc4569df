"""Block Kit from neutral messages: Slack's limits hold whatever the content, and text stays text."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import HeaderBlock, PlainTextObject

from adapters.slack import blocks as block_kit
from engine.assessment import Identity
from engine.views import CHANNEL, Button, Field, Kind, Link, Message, only


def test_slacks_limits_are_checked_when_a_block_is_made():
    with pytest.raises(SlackObjectFormationError):
        HeaderBlock(text=PlainTextObject(text="x" * 151)).to_dict()


def test_an_overlong_message_is_shortened_to_fit_instead_of_refused():
    message = Message(
        kind=Kind.SUMMARY,
        audience=CHANNEL,
        heading="H" * 400,
        text=tuple("paragraph " * 400 for _ in range(60)),
        fields=tuple(Field(f"theme {i}", "v" * 2500) for i in range(25)),
        links=tuple(Link(f"resource {i}", f"https://example.org/{i}", "tool", "d" * 300) for i in range(40)),
        buttons=(Button("finalise", "L" * 100, "1.1", "primary"),),
        footer="f" * 5000,
    )
    blocks = block_kit.message_blocks(message, "C1")
    assert len(blocks) == block_kit.MESSAGE_BLOCKS
    assert len(blocks[0]["text"]["text"]) == block_kit.HEADER_TEXT and blocks[0]["text"]["text"].endswith("…")
    assert all(len(block["text"]["text"]) <= block_kit.SECTION_TEXT for block in blocks if block["type"] == "section" and "text" in block)


def test_peoples_text_cannot_become_markup_but_mentions_stay_mentions():
    message = Message(Kind.NOTICE, only(Identity("slack", "T", "U1")), "Note", ("<!channel> & <https://evil|click> from <@U123|amira>",))
    (section,) = [block for block in block_kit.message_blocks(message) if block["type"] == "section"]
    assert section["text"]["text"] == "&lt;!channel&gt; &amp; &lt;https://evil|click&gt; from <@U123>"


def test_buttons_carry_their_channel_and_survive_a_round_trip():
    value = block_kit.button_value("C1", "evidence")
    assert block_kit.parse_button_value(value) == block_kit.ButtonTarget("C1", "evidence")
    assert block_kit.parse_button_value("not json") is None
    assert block_kit.parse_button_value('{"c": 1, "v": "x"}') is None
