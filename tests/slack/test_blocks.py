"""Block Kit from neutral messages: Slack's limits hold whatever the content, and text stays text."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import HeaderBlock, PlainTextObject

from adapters.slack import blocks as block_kit
from engine.assessment import Identity
from engine.views import CHANNEL, Button, ChoiceInput, Field, Kind, Link, Message, Option, TextInput, only


def test_slacks_limits_are_checked_when_a_block_is_made():
    with pytest.raises(SlackObjectFormationError):
        HeaderBlock(text=PlainTextObject(text="x" * 151)).to_dict()


def test_an_overlong_message_is_sent_in_parts_within_slacks_limits_and_nothing_is_lost():
    paragraphs = tuple(f"paragraph {n} " + "word " * 800 for n in range(60))
    message = Message(
        kind=Kind.SUMMARY,
        audience=CHANNEL,
        heading="H" * 400,
        text=paragraphs,
        fields=tuple(Field(f"theme {i}", f"v{i} " * 800) for i in range(25)),
        links=tuple(Link(f"resource {i}", f"https://example.org/{i}", "tool", "d" * 300) for i in range(40)),
        buttons=(Button("finalise", "L" * 100, "1.1", "primary"),),
        footer="f " * 2500,
    )
    parts = block_kit.message_parts(message, "C1")
    assert len(parts) > 1
    for number, blocks in enumerate(parts, start=1):
        assert len(blocks) <= block_kit.MESSAGE_BLOCKS
        assert block_kit.text_size(blocks) <= block_kit.MESSAGE_TEXT
        header = blocks[0]["text"]["text"]
        assert len(header) <= block_kit.HEADER_TEXT and header.endswith(f"(part {number} of {len(parts)})")
        assert all(len(b["text"]["text"]) <= block_kit.SECTION_TEXT for b in blocks if b["type"] == "section" and "text" in b)
        assert all(len(f["text"]) <= block_kit.FIELD_TEXT for b in blocks for f in b.get("fields") or [])
    shown = " ".join(" ".join(_text(b)) for blocks in parts for b in blocks).split()
    for n in range(60):  # every word of every paragraph and field is there, in order
        assert shown.count(f"{n}") >= 1
    assert shown.count("word") == 60 * 800 and shown.count("v24") == 800 and shown.count("f") == 2500
    assert parts[-1][-2]["type"] == "actions"  # the buttons come last, with the footer


def _text(block: dict) -> list[str]:
    found = []
    for key, value in block.items():
        if key == "text" and isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            found += _text(value)
        elif isinstance(value, list):
            found += [t for item in value if isinstance(item, dict) for t in _text(item)]
    return found


def _question(points: int) -> Message:
    options = tuple(Option(p, f"{p} Level {p}", f"What level {p} looks like in practice. " * 3) for p in range(points))
    return Message(
        Kind.QUESTION, CHANNEL, "Question 1.1 (1 of 2)", ("How well do we use evidence?",),
        fields=tuple(Field(o.label, o.description) for o in options),
        inputs=(ChoiceInput("current", "Where are we now?", options), ChoiceInput("ambition", "Where should we be?", options),
                TextInput("comment", "Comment")),
    )  # fmt: skip


def test_a_scale_of_up_to_ten_points_is_radio_buttons_and_eleven_a_select_menu():
    form = block_kit.VoteForm("C1", "q1")
    ten = [b for b in block_kit.vote_modal(_question(10), form)["blocks"] if b["type"] == "input"]
    assert [b["element"]["type"] for b in ten] == ["radio_buttons", "radio_buttons", "plain_text_input"]
    eleven = block_kit.vote_modal(_question(11), form, current=10, ambition=0)
    inputs = [b for b in eleven["blocks"] if b["type"] == "input"]
    assert [b["element"]["type"] for b in inputs] == ["static_select", "static_select", "plain_text_input"]
    current = inputs[0]["element"]
    assert [o["value"] for o in current["options"]] == [str(p) for p in range(11)]
    assert all(len(o["text"]["text"]) <= block_kit.OPTION_TEXT and "description" not in o for o in current["options"])
    assert current["initial_option"]["value"] == "10" and inputs[1]["element"]["initial_option"]["value"] == "0"
    assert block_kit.scale_control(5) == "radio buttons (5 points)"
    assert block_kit.scale_control(11) == "a drop-down menu (11 points)"


def test_peoples_text_cannot_become_markup_but_mentions_stay_mentions():
    message = Message(Kind.NOTICE, only(Identity("slack", "T", "U1")), "Note", ("<!channel> & <https://evil|click> from <@U123|amira>",))
    ((_, section),) = block_kit.message_parts(message)
    assert section["text"]["text"] == "&lt;!channel&gt; &amp; &lt;https://evil|click&gt; from <@U123>"


def test_buttons_carry_their_channel_and_survive_a_round_trip():
    value = block_kit.button_value("C1", "evidence")
    assert block_kit.parse_button_value(value) == block_kit.ButtonTarget("C1", "evidence")
    assert block_kit.parse_button_value("not json") is None
    assert block_kit.parse_button_value('{"c": 1, "v": "x"}') is None
