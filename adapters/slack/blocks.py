"""Neutral messages as Block Kit, built with `slack_sdk.models.blocks`.

Every block is made through slack_sdk's models and turned into JSON with `to_dict()`, which runs
their validators, so a message that breaks one of Slack's limits fails here, when it is made, not
as ``invalid_blocks`` in production. The limits we shape content to (Slack's Block Kit reference,
https://api.slack.com/reference/block-kit) are the constants below: text is shortened with an
ellipsis rather than refused, because a long descriptor or comment is the team's content, not a
bug.

Slack's mrkdwn treats ``&``, ``<`` and ``>`` as control characters
(https://api.slack.com/reference/surfaces/formatting#escaping), so all text from the engine and
from people is escaped before it is put in a block.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.views import AssessmentLine, WaitingVote
from engine.views import ChoiceInput, Kind, Message, TextInput

# Slack's limits (Block Kit reference).
MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
HEADER_TEXT = 150
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
CONTEXT_TEXT = 2000  # a context element's text; kept under a section's limit
BUTTON_TEXT = 75
OPTION_TEXT = 75
OPTION_DESCRIPTION = 75
MODAL_TITLE = 24
FALLBACK_TEXT = 3000  # the notification text; Slack truncates at 40,000

# Where the vote modal keeps its inputs: the view_submission listener reads them back by these ids.
VOTE_CALLBACK = "accord_vote"
CURRENT_BLOCK, AMBITION_BLOCK, COMMENT_BLOCK = "current", "ambition", "comment"
CHOICE_ACTION, TEXT_ACTION = "choice", "text"
COMMENT_LIMIT = 1000  # engine.assessment.MAX_COMMENT_LENGTH

ACTION_PREFIX = "accord_"


_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Za-z0-9_-]+)(?:\|[^&|]*)?&gt;")


def escape(text: str) -> str:
    """Text safe in mrkdwn; a person's mention as Slack wrote it (``<@U123|name>``) stays a mention."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _ESCAPED_MENTION.sub(r"<@\1>", escaped)


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ----------------------------------------------------------------------- button values


def button_value(channel_id: str | None, value: str) -> str:
    """A button carries its channel, so it also works where Slack sends none (the App Home)."""
    return json.dumps({"c": channel_id, "v": value}, separators=(",", ":"))


@dataclass(frozen=True)
class ButtonTarget:
    channel_id: str | None
    value: str


def parse_button_value(raw: str | None) -> ButtonTarget | None:
    try:
        data = json.loads(raw or "")
        if isinstance(data, dict) and isinstance(data.get("v"), str) and isinstance(data.get("c"), (str, type(None))):
            return ButtonTarget(data["c"], data["v"])
    except ValueError:
        pass
    return None


# ---------------------------------------------------------------------------- messages


def fallback_text(message: Message) -> str:
    """What notifications and screen readers say for the message."""
    first = message.text[0] if message.text else ""
    return clip(f"{message.heading}. {first}" if first else message.heading, FALLBACK_TEXT)


def message_blocks(message: Message, channel_id: str | None = None) -> list[dict]:
    """The message as validated Block Kit JSON; inputs are left to the vote modal."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=clip(_heading(message), HEADER_TEXT), emoji=True))]
    for paragraph in message.text:
        blocks.append(_section(paragraph))
    for start in range(0, len(message.fields), SECTION_FIELDS):
        chunk = message.fields[start : start + SECTION_FIELDS]
        blocks.append(
            SectionBlock(
                fields=[
                    MarkdownTextObject(text=clip(f"*{escape(f.label)}*\n{escape(f.value)}", FIELD_TEXT)) for f in chunk
                ]
            )
        )
    blocks += _links(message)
    if message.charts:
        names = "; ".join(chart.title for chart in message.charts)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(f":bar_chart: {escape(names)} (below)", CONTEXT_TEXT))]))
    if message.buttons:
        blocks.append(
            ActionsBlock(
                block_id="accord_actions",
                elements=[
                    ButtonElement(
                        text=PlainTextObject(text=clip(b.label, BUTTON_TEXT), emoji=True),
                        action_id=ACTION_PREFIX + b.action,
                        value=button_value(channel_id, b.value),
                        style=b.style if b.style in ("primary", "danger") else None,
                    )
                    for b in message.buttons
                ],
            )
        )
    if message.footer:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(escape(message.footer), CONTEXT_TEXT))]))
    return _fit(blocks, MESSAGE_BLOCKS)


def messages_blocks(messages: Sequence[Message], channel_id: str | None = None) -> list[dict]:
    """Several messages in one answer (an ephemeral reply), divided, within one message's limit."""
    blocks: list[dict] = []
    for index, message in enumerate(messages):
        if index:
            blocks.append(DividerBlock().to_dict())
        blocks += message_blocks(message, channel_id)
    if len(blocks) > MESSAGE_BLOCKS:
        blocks = blocks[: MESSAGE_BLOCKS - 1] + [_section("…").to_dict()]
    return blocks


def _heading(message: Message) -> str:
    return f":warning: {message.heading}" if message.kind is Kind.ERROR else message.heading


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(escape(text), SECTION_TEXT)))


def _links(message: Message) -> list[Block]:
    lines = []
    for link in message.links:
        title = escape(link.title).replace("|", "¦")
        line = f"• <{link.url}|{title}>"
        if link.kind:
            line += f" ({escape(link.kind)})"
        if link.description:
            line += f": {escape(link.description)}"
        lines.append(line)
    sections: list[Block] = []
    current = ""
    for line in lines:
        line = clip(line, SECTION_TEXT)
        if current and len(current) + 1 + len(line) > SECTION_TEXT:
            sections.append(SectionBlock(text=MarkdownTextObject(text=current)))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        sections.append(SectionBlock(text=MarkdownTextObject(text=current)))
    return sections


def _fit(blocks: list[Block], limit: int) -> list[dict]:
    if len(blocks) > limit:
        blocks = blocks[: limit - 1] + [_section("… (shortened: the rest is in the report)")]
    return [block.to_dict() for block in blocks]


# --------------------------------------------------------------------------- vote modal


@dataclass(frozen=True)
class VoteForm:
    """What the vote modal needs to know to come back: where, and on which question."""

    channel_id: str
    question_id: str

    def dumps(self) -> str:
        return json.dumps({"channel": self.channel_id, "question": self.question_id}, separators=(",", ":"))

    @staticmethod
    def loads(raw: str | None) -> VoteForm | None:
        try:
            data = json.loads(raw or "")
        except ValueError:
            return None
        if isinstance(data, dict) and isinstance(data.get("channel"), str) and isinstance(data.get("question"), str):
            return VoteForm(data["channel"], data["question"])
        return None


def vote_modal(
    question: Message,
    form: VoteForm,
    *,
    current: int | None = None,
    ambition: int | None = None,
    comment: str = "",
) -> dict:
    """The private vote: the question, its scale with every descriptor, two radio groups and a comment.

    The radio options repeat each level's descriptor, shortened to Slack's 75 characters; the
    full descriptors are above them.
    """
    blocks: list[Block] = [_section(f"*{escape(question.heading)}*")]
    for paragraph in question.text:
        blocks.append(_section(paragraph))
    if question.fields:
        scale = "\n".join(f"*{escape(f.label)}*: {escape(f.value)}" for f in question.fields)
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(scale, SECTION_TEXT))))
    blocks.append(DividerBlock())
    chosen = {CURRENT_BLOCK: current, AMBITION_BLOCK: ambition}
    for item in question.inputs:
        if isinstance(item, ChoiceInput) and item.name in chosen:
            blocks.append(_radio_input(item, chosen[item.name]))
        elif isinstance(item, TextInput) and item.name == COMMENT_BLOCK:
            blocks.append(
                InputBlock(
                    block_id=COMMENT_BLOCK,
                    label=PlainTextObject(text=clip(item.label, 2000)),
                    optional=True,
                    element=PlainTextInputElement(
                        action_id=TEXT_ACTION,
                        multiline=True,
                        max_length=COMMENT_LIMIT,
                        initial_value=comment or None,
                        placeholder=PlainTextObject(text=clip(item.placeholder, 150)) if item.placeholder else None,
                    ),
                )
            )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text="Only you and the super-user can see your vote.")]))
    view = View(
        type="modal",
        callback_id=VOTE_CALLBACK,
        private_metadata=form.dumps(),
        title=PlainTextObject(text=clip("Your vote", MODAL_TITLE)),
        submit=PlainTextObject(text="Vote"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks[:MODAL_BLOCKS],
    )
    return view.to_dict()


def _radio_input(item: ChoiceInput, selected: int | None) -> InputBlock:
    options = [
        Option(
            value=str(option.value),
            text=PlainTextObject(text=clip(option.label, OPTION_TEXT)),
            description=PlainTextObject(text=clip(option.description, OPTION_DESCRIPTION)) if option.description else None,
        )
        for option in item.options
    ]
    initial = next((o for o, source in zip(options, item.options) if source.value == selected), None)
    return InputBlock(
        block_id=item.name,
        label=PlainTextObject(text=clip(item.label, 2000)),
        element=RadioButtonsElement(action_id=CHOICE_ACTION, options=options, initial_option=initial),
    )


def closed_modal(heading: str, text: str) -> dict:
    """What replaces the vote modal when voting can no longer happen (shown, not submitted)."""
    view = View(
        type="modal",
        title=PlainTextObject(text=clip("Your vote", MODAL_TITLE)),
        close=PlainTextObject(text="Close"),
        blocks=[_section(f"*{escape(heading)}*"), _section(text)],
    )
    return view.to_dict()


# ---------------------------------------------------------------------------- App Home


def home_view(waiting: Iterable[WaitingVote], assessments: Iterable[AssessmentLine]) -> dict:
    waiting = list(waiting)
    assessments = list(assessments)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Accord"))]
    blocks.append(
        _section("Consensus self-assessment for your leadership team. Say `/accord help` in a channel for the commands.")
    )
    blocks.append(HeaderBlock(text=PlainTextObject(text="Waiting for your vote")))
    if not waiting:
        blocks.append(_section("Nothing is waiting for you. :white_check_mark:"))
    for item in waiting[:15]:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=clip(
                        f"*{escape(item.question_heading)}* in <#{item.channel_id}>\n"
                        f"{escape(item.assessment_title)}\n{escape(item.prompt)}",
                        SECTION_TEXT,
                    )
                ),
                accessory=ButtonElement(
                    text=PlainTextObject(text="Vote"),
                    action_id=ACTION_PREFIX + "vote",
                    value=button_value(item.channel_id, item.question_id),
                    style="primary",
                ),
            )
        )
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=PlainTextObject(text="Assessments in this workspace")))
    if not assessments:
        blocks.append(_section("None yet. Start one in a channel with `/accord start`."))
    for line in assessments[:25]:
        detail = f"\n{escape(line.detail)}" if line.detail else ""
        blocks.append(
            _raw_section(
                f"*{escape(line.title)}* in <#{line.channel_id}>: {escape(line.status)}, started {escape(line.started)}{detail}"
            )
        )
    view = View(type="home", blocks=blocks[:MODAL_BLOCKS])
    return view.to_dict()


def _raw_section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(mrkdwn, SECTION_TEXT)))
