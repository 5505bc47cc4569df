"""Neutral messages as Block Kit, built with `slack_sdk.models.blocks`.

Every block is made through slack_sdk's models and turned into JSON with `to_dict()`, which runs
the validators slack_sdk has. Those do not cover every limit Slack enforces (radio buttons take at
most 10 options, and a message whose blocks hold more than about 12,000 characters of text is
refused with ``msg_blocks_too_long``, neither of which slack_sdk checks), so each limit is
enforced here, where the blocks are made, with the constants below and their sources.

People's content (comments, notes, names, question texts) is never clipped: text too long for a
block goes on in the next block, and a message too long for one Slack message is sent as several
(`message_parts`), each headed "part 2 of 3". Only Accord's own labels (a heading, a button, an
option's one-line summary under the full descriptor) are shortened with an ellipsis.

The few words added here around a message ("part 2 of 3", "below" after its charts' names) are
in the message's own language(s) (`in_its_languages`): "rhan 2 o 3 / part 2 of 3" on a bilingual
channel's message.

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
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.paging import split_text
from bot.views import AssessmentLine, WaitingVote
from engine.language import _
from engine.presenters.bilingual import in_its_languages
from engine.views import ChoiceInput, Kind, Message, TextInput
from engine.views import Option as ScaleOption

# Slack's limits. Block Kit reference, https://api.slack.com/reference/block-kit/blocks:
MESSAGE_BLOCKS = 50  # "up to 50 blocks in each message"
MODAL_BLOCKS = 100  # "up to 100 blocks in each modal or Home tab"
HEADER_TEXT = 150  # header block: "Maximum length for the text in this field is 150 characters"
SECTION_TEXT = 3000  # section block text: "Maximum length ... is 3000 characters"
SECTION_FIELDS = 10  # section fields: "Maximum number of items is 10"
FIELD_TEXT = 2000  # "Maximum length for the text in each item is 2000 characters"
CONTEXT_TEXT = 2000  # a context element's text; kept under a section's limit
CONTEXT_ELEMENTS = 10  # context block: "Maximum number of items is 10"
# Elements, https://api.slack.com/reference/block-kit/block-elements and composition objects:
BUTTON_TEXT = 75  # button text: "Maximum length ... is 75 characters"
OPTION_TEXT = 75  # option object text: "Maximum length ... is 75 characters"
OPTION_DESCRIPTION = 75  # option object description: "Maximum length ... is 75 characters"
RADIO_OPTIONS = 10  # radio buttons: "A maximum of 10 options are allowed"
SELECT_OPTIONS = 100  # static select: "Maximum number of options is 100"
MODAL_TITLE = 24  # view title: "Max length of 24 characters"
FALLBACK_TEXT = 3000  # the notification text; Slack truncates at 40,000
# The text of all a message's blocks together. Undocumented as a number: Slack refuses a message
# with ``msg_blocks_too_long`` once its blocks hold about 12,000-13,000 characters, less with more
# blocks (slackapi/bolt-js#2509 measured 13,297 with markdown blocks only, 13,172 with a divider).
# Messages are made to stay under a budget with room for the blocks' own overhead.
MESSAGE_TEXT = 12_000
MESSAGE_TEXT_BUDGET = 11_000

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


def fallback_text(message: Message, part: int = 1, parts: int = 1) -> str:
    """What notifications and screen readers say for the message (or one part of it)."""
    first = message.text[0] if message.text else ""
    heading = _part_heading(message, part, parts)
    return clip(f"{heading}. {first}" if first and part == 1 else heading, FALLBACK_TEXT)


def text_size(blocks: Sequence[dict] | dict) -> int:
    """The characters of text in some blocks: what Slack counts towards ``msg_blocks_too_long``."""
    if isinstance(blocks, dict):
        return sum(text_size(value) if isinstance(value, (dict, list)) else (len(value) if key == "text" and isinstance(value, str) else 0)
                   for key, value in blocks.items())
    return sum(text_size(item) for item in blocks if isinstance(item, (dict, list)))


def message_parts(message: Message, channel_id: str | None = None) -> list[list[dict]]:
    """The message as one or more Slack messages of validated Block Kit JSON; inputs are left to the vote modal.

    Each part has at most `MESSAGE_BLOCKS` blocks and `MESSAGE_TEXT_BUDGET` characters of text,
    and its own header ("part 2 of 3" when there are several); buttons and the footer come last.
    """
    body = [block.to_dict() for block in _body(message)]
    tail = [block.to_dict() for block in _tail(message, channel_id)]
    groups = _pack(body, tail, blocks=MESSAGE_BLOCKS - 1, text=MESSAGE_TEXT_BUDGET - HEADER_TEXT)
    return [[_header(message, index, len(groups))] + group for index, group in enumerate(groups, start=1)]


def answer_parts(messages: Sequence[Message], channel_id: str | None = None) -> list[list[dict]]:
    """Several messages in one answer (an ephemeral reply), divided, in as few Slack messages as fit."""
    parts: list[list[dict]] = []
    divider = DividerBlock().to_dict()
    for message in messages:
        for part in message_parts(message, channel_id):
            if parts and _fits(parts[-1] + [divider] + part, MESSAGE_BLOCKS, MESSAGE_TEXT_BUDGET):
                parts[-1] = parts[-1] + [divider] + part
            else:
                parts.append(part)
    return parts


def _fits(blocks: list[dict], most_blocks: int, most_text: int) -> bool:
    return len(blocks) <= most_blocks and text_size(blocks) <= most_text


def _pack(body: list[dict], tail: list[dict], *, blocks: int, text: int) -> list[list[dict]]:
    """Blocks in order into groups within the limits; the tail stays together, in the last group."""
    groups: list[list[dict]] = [[]]
    for block in body:
        if groups[-1] and not _fits(groups[-1] + [block], blocks, text):
            groups.append([])
        groups[-1].append(block)
    if tail:
        if groups[-1] and not _fits(groups[-1] + tail, blocks, text):
            groups.append([])
        groups[-1].extend(tail)
    return groups


def _part_heading(message: Message, part: int, parts: int) -> str:
    return message.heading + _part_suffix(message, part, parts)


def _part_suffix(message: Message, part: int, parts: int) -> str:
    """" (part 2 of 3)" after the heading of a message sent as several, in the message's language(s)."""
    if parts == 1:
        return ""
    return " (" + in_its_languages(message, lambda: _("part {part} of {parts}").format(part=part, parts=parts)) + ")"


def _header(message: Message, part: int, parts: int) -> dict:
    suffix = _part_suffix(message, part, parts)
    text = clip(_heading(message), HEADER_TEXT - len(suffix)) + suffix
    return HeaderBlock(text=PlainTextObject(text=text, emoji=True)).to_dict()


def _body(message: Message) -> list[Block]:
    blocks: list[Block] = []
    for paragraph in message.text:
        blocks += _sections(escape(paragraph))
    fields: list[MarkdownTextObject] = []
    for f in message.fields:
        shown = f"*{escape(f.label)}*\n{escape(f.value)}"
        if len(shown) > FIELD_TEXT:
            # Too long for a field (a question's votes and comments in `who all`): sections of its own.
            blocks += _fields_block(fields)
            fields = []
            blocks += _sections(shown)
            continue
        if len(fields) == SECTION_FIELDS or sum(len(x.text) for x in fields) + len(shown) > SECTION_TEXT:
            blocks += _fields_block(fields)
            fields = []
        fields.append(MarkdownTextObject(text=shown))
    blocks += _fields_block(fields)
    blocks += _links(message)
    if message.charts:
        names = "; ".join(chart.title for chart in message.charts)
        # Translators: after the names of a message's charts, which Slack shows under it ("(below)").
        below = in_its_languages(message, lambda: _("below"))
        shown = clip(f":bar_chart: {escape(names)} ({escape(below)})", CONTEXT_TEXT)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=shown)]))
    return blocks


def _tail(message: Message, channel_id: str | None) -> list[Block]:
    blocks: list[Block] = []
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
        pieces = split_text(escape(message.footer), CONTEXT_TEXT)
        for start in range(0, len(pieces), CONTEXT_ELEMENTS):
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=p) for p in pieces[start : start + CONTEXT_ELEMENTS]]))
    return blocks


def _fields_block(fields: list[MarkdownTextObject]) -> list[Block]:
    return [SectionBlock(fields=list(fields))] if fields else []


def _sections(mrkdwn: str) -> list[Block]:
    """Escaped text as as many sections as it needs, none over Slack's 3,000 characters."""
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split_text(mrkdwn, SECTION_TEXT)]


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
    """The private vote: the question, its scale with every descriptor, two choices and a comment.

    A choice is radio buttons, or a select menu for a scale of more than 10 points; its options
    repeat each level's descriptor, shortened to Slack's 75 characters; the full descriptors are
    above them.
    """
    blocks: list[Block] = _sections(f"*{escape(question.heading)}*")
    for paragraph in question.text:
        blocks += _sections(escape(paragraph))
    if question.fields:
        scale = "\n".join(f"*{escape(f.label)}*: {escape(f.value)}" for f in question.fields)
        blocks += _sections(scale)
    inputs: list[Block] = [DividerBlock()]
    chosen = {CURRENT_BLOCK: current, AMBITION_BLOCK: ambition}
    for item in question.inputs:
        if isinstance(item, ChoiceInput) and item.name in chosen:
            inputs.append(_choice_input(item, chosen[item.name]))
        elif isinstance(item, TextInput) and item.name == COMMENT_BLOCK:
            inputs.append(
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
    inputs.append(ContextBlock(elements=[MarkdownTextObject(text=_("Only you and the super-user can see your vote."))]))
    view = View(
        type="modal",
        callback_id=VOTE_CALLBACK,
        private_metadata=form.dumps(),
        title=PlainTextObject(text=clip(_("Your vote"), MODAL_TITLE)),
        submit=PlainTextObject(text=_("Vote")),
        close=PlainTextObject(text=_("Cancel")),
        # The form always fits: what would not is the question's description, never its inputs.
        blocks=blocks[: MODAL_BLOCKS - len(inputs)] + inputs,
    )
    return view.to_dict()


def scale_control(points: int) -> str:
    """How the vote modal shows a scale of so many points, in words (for `accord framework check`)."""
    if points <= RADIO_OPTIONS:
        return f"radio buttons ({points} points)"
    return f"a drop-down menu ({points} points)"


def _choice_input(item: ChoiceInput, selected: int | None) -> InputBlock:
    """Radio buttons for up to 10 points (Slack's limit); a static select menu (up to 100) above that."""
    radio = len(item.options) <= RADIO_OPTIONS
    options = [_option(option, radio) for option in item.options[:SELECT_OPTIONS]]
    initial = next((o for o, source in zip(options, item.options) if source.value == selected), None)
    element: RadioButtonsElement | StaticSelectElement
    if radio:
        element = RadioButtonsElement(action_id=CHOICE_ACTION, options=options, initial_option=initial)
    else:
        placeholder = PlainTextObject(text=_("Choose a point on the scale"))
        element = StaticSelectElement(action_id=CHOICE_ACTION, placeholder=placeholder, options=options, initial_option=initial)
    return InputBlock(block_id=item.name, label=PlainTextObject(text=clip(item.label, 2000)), element=element)


def _option(option: ScaleOption, radio: bool) -> Option:
    if radio:
        description = PlainTextObject(text=clip(option.description, OPTION_DESCRIPTION)) if option.description else None
        return Option(value=str(option.value), text=PlainTextObject(text=clip(option.label, OPTION_TEXT)), description=description)
    # A select's options have no description: the level's label, then as much of its descriptor
    # as fits (the full descriptors are above the form).
    text = f"{option.label}: {option.description}" if option.description else option.label
    return Option(value=str(option.value), text=PlainTextObject(text=clip(text, OPTION_TEXT)))


def closed_modal(heading: str, text: str) -> dict:
    """What replaces the vote modal when voting can no longer happen (shown, not submitted)."""
    view = View(
        type="modal",
        title=PlainTextObject(text=clip(_("Your vote"), MODAL_TITLE)),
        close=PlainTextObject(text=_("Close")),
        blocks=[_section(f"*{escape(heading)}*"), _section(text)],
    )
    return view.to_dict()


# ---------------------------------------------------------------------------- App Home


def home_view(waiting: Iterable[WaitingVote], assessments: Iterable[AssessmentLine]) -> dict:
    waiting = list(waiting)
    assessments = list(assessments)
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text="Accord"))]
    blocks.append(
        _section(_("Consensus self-assessment for your leadership team. Say `/accord help` in a channel for the commands."))
    )
    blocks.append(HeaderBlock(text=PlainTextObject(text=_("Waiting for your vote"))))
    if not waiting:
        blocks.append(_section(_("Nothing is waiting for you.") + " :white_check_mark:"))
    for item in waiting[:15]:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=clip(
                        _("{question} in {channel}").format(question=f"*{escape(item.question_heading)}*", channel=f"<#{item.channel_id}>")
                        + f"\n{escape(item.assessment_title)}\n{escape(item.prompt)}",
                        SECTION_TEXT,
                    )
                ),
                accessory=ButtonElement(
                    text=PlainTextObject(text=_("Vote")),
                    action_id=ACTION_PREFIX + "vote",
                    value=button_value(item.channel_id, item.question_id),
                    style="primary",
                ),
            )
        )
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text=PlainTextObject(text=_("Assessments in this workspace"))))
    if not assessments:
        blocks.append(_section(_("None yet. Start one in a channel with `/accord start`.")))
    for line in assessments[:25]:
        detail = f"\n{escape(line.detail)}" if line.detail else ""
        blocks.append(
            _raw_section(
                _("{title} in {channel}: {status}, started {started}").format(
                    title=f"*{escape(line.title)}*", channel=f"<#{line.channel_id}>", status=escape(line.status), started=escape(line.started)
                )
                + detail
            )
        )
    view = View(type="home", blocks=blocks[:MODAL_BLOCKS])
    return view.to_dict()


def _raw_section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(mrkdwn, SECTION_TEXT)))
