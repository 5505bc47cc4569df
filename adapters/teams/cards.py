"""Accord's neutral messages as Adaptive Cards (schema 1.5), built for botbuilder's CardFactory.

One function renders any `engine.views.Message`: heading, text, fields, inputs, buttons,
links, charts and footer. A question becomes the card a team votes on: theme and question,
the descriptor of every level, a choice set for the current position and one for the
ambition, a comment box, and a Vote button that is a Universal Action (`Action.Execute`,
verb "vote"). Every other button (Accept proposal, ...) is an `Action.Execute` with the
command as its verb, so one invoke handler serves them all.

The question card posted to the channel is the *shared* view: progress only. Its `refresh`
names the channel's members (`userIds`, at most 60, Teams' limit), so Teams asks the bot
(verb "refresh") for each of those people's own view as they look at it: the same card with
their vote selected and a line saying what they voted, changeable until the reveal.
Reference: "Universal Actions for Adaptive Cards" and "User Specific Views" in the Teams
platform documentation. Beyond 60 people Teams refreshes the card for nobody else ("in chats or
channels with more than 60 users, the card will automatically refresh only for users specified in
the userIds list"), so for a larger channel the card also carries a visible **Show my vote**
button (an `Action.Execute` with the refresh verb), which anyone can press to get their own view.

Size: Teams refuses a bot's message that is too large with HTTP 413 (MessageSizeTooBig). The
Bot Framework documents 100 KB for a bot's message ("Format your bot messages"; it was 40 KB
until 2025), but messages of about 28 KB are refused in practice (Microsoft Q&A threads on
RequestEntityTooLarge, and the 28 KB of Teams' incoming webhooks). So every activity Accord
sends is kept under `MESSAGE_BUDGET`, 25,000, safely below the smallest limit seen: `fit` splits
a card over `CARD_BUDGET` into several cards, "part 2 of 3", and breaks long text between lines or
words, never dropping any of it. Size is counted as `payload_size`: the JSON as the connector
client sends it (every non-ASCII character escaped), so its UTF-16 code units, its characters and
its bytes are one number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from botbuilder.core import CardFactory
from botbuilder.schema import Attachment

from bot.paging import split_text
from engine.language import N_, _
from engine.presenters.bilingual import in_its_languages
from engine.views import Button, ChoiceInput, Kind, Message, TextInput

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
VOTE_VERB = "vote"
REFRESH_VERB = "refresh"
MAX_REFRESH_USERS = 60  # Teams refreshes automatically for at most 60 named people
SHOW_MY_VOTE = N_("Show my vote")

# See the module docstring for where these come from.
MESSAGE_LIMIT = 28_000  # the smallest size Teams has been seen to refuse
MESSAGE_BUDGET = 25_000  # every activity Accord sends stays under this
ENVELOPE = 3_000  # the activity around the card: conversation, sender, recipient, service URL, summary
CARD_BUDGET = MESSAGE_BUDGET - ENVELOPE
TEXT_PIECE = 3_000  # the most text in one TextBlock or FactSet, so cards can be packed closely
PART_MARK = 48  # room for " (rhan 12 o 12) / (part 12 of 12)" and its JSON


class Images(Protocol):
    def url(self, chart) -> str | None: ...
    def inline(self, chart) -> str | None: ...


@dataclass(frozen=True)
class OwnVote:
    """What one person voted, shown on their own view of the question card."""

    current: int | None
    ambition: int | None
    comment: str = ""


def attachment(card: dict) -> Attachment:
    return CardFactory.adaptive_card(card)


def render(
    message: Message,
    images: Images | None = None,
    *,
    refresh_user_ids: Sequence[str] = (),
    notice: Message | None = None,
    problem: str | None = None,
) -> dict:
    """The Adaptive Card for a message.

    `notice` (e.g. "we recorded your vote") and `problem` (what was wrong with a submission)
    are shown above a personal view of a question card. The words the card adds around the
    message (Resources, Refresh, Open the chart...) are in the message's language(s), Welsh
    first when it has two: a card the outbox delivers later is rendered outside any `speaking`.
    """

    def around(make: Callable[[], str]) -> str:
        return in_its_languages(message, make)

    body: list[dict] = []
    if problem:
        body.append(_container([_text(problem, wrap=True, color="attention", weight="bolder")], style="attention"))
    if notice is not None:
        body.append(_container([_text(notice.heading, weight="bolder")] + [_text(t) for t in notice.text], style="good"))
    heading_colour = "attention" if message.kind is Kind.ERROR else None
    body.append(_text(message.heading, size="medium", weight="bolder", color=heading_colour, style="heading"))
    for paragraph in message.text:
        body.append(_text(paragraph))
    if message.fields:
        body.extend(_fields(message))
    for chart in message.charts:
        body.append(_image(chart, images, around(lambda: _("Open the chart"))))
    choose_one = around(lambda: _("Choose one from the list.")) if message.inputs else ""
    for item in message.inputs:
        body.append(_input(item, choose_one))
    if message.links:
        body.append(_text(around(lambda: _("Resources")), weight="bolder", spacing="medium"))
        for link in message.links:
            line = f"[{_escape_link(link.title)}]({link.url})"
            if link.description:
                line += f": {link.description}"
            body.append(_text(line, spacing="small"))
    if message.footer:
        body.append(_text(message.footer, size="small", subtle=True, spacing="medium"))
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    actions = [_action(button) for button in message.buttons]
    if actions:
        card["actions"] = actions
    question = _question_id(message)
    if message.kind is Kind.QUESTION and question:
        everyone = list(dict.fromkeys(refresh_user_ids))
        card["refresh"] = {
            "action": {"type": "Action.Execute", "verb": REFRESH_VERB, "title": around(lambda: _("Refresh")), "data": {"question": question}},
            "userIds": everyone[:MAX_REFRESH_USERS],
        }
        if len(everyone) > MAX_REFRESH_USERS:
            # Those beyond the 60 are never refreshed by Teams: a button gets them their own view.
            card.setdefault("actions", []).append(_action(Button(REFRESH_VERB, around(lambda: _(SHOW_MY_VOTE)), question)))
    return card


def payload_size(payload: Any) -> int:
    """The size Teams counts: the JSON as sent, non-ASCII escaped, so characters = UTF-16 units = bytes."""
    return len(json.dumps(payload))


def fit(card: dict, budget: int = CARD_BUDGET, message: Message | None = None) -> list[dict]:
    """The card as one or more cards of at most `budget` each (`payload_size`), with nothing left out.

    Long text is broken between lines or words into several TextBlocks and facts into several
    FactSets; the pieces are packed in order into cards, each headed with the heading and
    "(part 2 of 3)", in the language(s) of `message`, the message the card was rendered from
    (without one, in the language speaking). Inputs and actions go together on the last card, so a vote's inputs are
    submitted by its own button; the refresh stays on the first. A single element larger than the
    budget (an inline chart) has a card to itself.
    """
    if payload_size(card) <= budget:
        return [card]
    pieces = [piece for element in card.get("body", []) for piece in _pieces(element)]
    heading = next((e for e in pieces if e.get("type") == "TextBlock" and e.get("style") == "heading"), None)
    inputs = [e for e in pieces if str(e.get("type", "")).startswith("Input.")]
    content = [e for e in pieces if not str(e.get("type", "")).startswith("Input.")]
    shell = {key: value for key, value in card.items() if key not in ("body", "actions", "refresh")}
    room = budget - PART_MARK - (payload_size(heading) if heading is not None else 0)
    last = {**shell, "body": inputs, **({"actions": card["actions"]} if card.get("actions") else {})}
    groups: list[list[dict]] = [[]]
    for element in content:
        if groups[-1] and payload_size({**shell, "body": groups[-1] + [element]}) > room:
            groups.append([])
        groups[-1].append(element)
    if payload_size({**last, "body": groups[-1] + inputs}) > room:
        groups.append([])
    groups[-1].extend(inputs)
    cards: list[dict] = []
    for number, group in enumerate(groups, start=1):
        mark = _part_mark(message, number, len(groups))
        body = [_marked(e, mark) if e is heading else e for e in group]
        if heading is not None and heading not in group:
            body.insert(0, _marked(heading, mark))
        part: dict[str, Any] = {**shell, "body": body}
        if number == 1 and card.get("refresh"):
            part["refresh"] = card["refresh"]
        if number == len(groups) and card.get("actions"):
            part["actions"] = card["actions"]
        cards.append(part)
    return cards


def _part_mark(message: Message | None, number: int, parts: int) -> str:
    def make() -> str:
        return _("(part {number} of {parts})").format(number=number, parts=parts)

    return in_its_languages(message, make) if message is not None else make()


def _marked(heading: dict, mark: str) -> dict:
    return {**heading, "text": f"{heading['text']} {mark}"}


def _pieces(element: dict) -> list[dict]:
    """An element as smaller ones of the same kind, none with more than `TEXT_PIECE` of text."""
    kind = element.get("type")
    if kind == "TextBlock" and len(element.get("text", "")) > TEXT_PIECE:
        pieces = split_text(element["text"], TEXT_PIECE)
        return [{**element, "text": piece, **({"spacing": "none"} if index else {})} for index, piece in enumerate(pieces)]
    if kind == "FactSet" and payload_size(element) > TEXT_PIECE:
        out: list[dict] = []
        facts: list[dict] = []
        for fact in element.get("facts", []):
            if len(fact["title"]) + len(fact["value"]) > TEXT_PIECE:
                # Too long for a fact (one question's votes and comments in `who all`): text of its own.
                if facts:
                    out.append({**element, "facts": facts})
                    facts = []
                out.append(_text(f"**{fact['title']}**", spacing="medium"))
                out.extend(_pieces(_text(fact["value"], spacing="none")))
                continue
            if facts and payload_size(facts + [fact]) > TEXT_PIECE:
                out.append({**element, "facts": facts})
                facts = []
            facts.append(fact)
        if facts:
            out.append({**element, "facts": facts})
        return out
    return [element]


def scale_control(points: int) -> str:
    """How a question card shows a scale of so many points, in words (for `accord framework check`)."""
    return f"a drop-down list, an Adaptive Card Input.ChoiceSet with style compact ({points} points)"


def own_view(message: Message, vote: OwnVote | None) -> Message:
    """A question message as one member sees it: their vote selected in the inputs."""
    if vote is None:
        return message
    inputs = []
    for item in message.inputs:
        if isinstance(item, ChoiceInput) and item.name in ("current", "ambition"):
            value = vote.current if item.name == "current" else vote.ambition
            valid = value if value is not None and any(o.value == value for o in item.options) else None
            item = replace(item, selected=valid)
        elif isinstance(item, TextInput) and item.name == "comment":
            item = replace(item, value=vote.comment)
        inputs.append(item)
    return replace(message, inputs=tuple(inputs))


def question_id_of(message: Message) -> str | None:
    return _question_id(message)


def invoke_card_response_body(card: dict) -> dict:
    """The `value` of an adaptiveCard/action response that replaces the card."""
    return {"statusCode": 200, "type": CONTENT_TYPE, "value": card}


# ---------------------------------------------------------------------- elements


# Teams' card markdown has bold and italics but no code spans: a command written `vote 3 4`
# would show its backticks, so it is shown in bold instead.
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def teams_markdown(text: str) -> str:
    """The message's markdown as Teams' cards render it: code spans in bold, no stray backticks."""
    return _CODE_SPAN.sub(r"**\1**", text).replace("`", "'")


def _text(text: str, **options: Any) -> dict:
    block: dict[str, Any] = {"type": "TextBlock", "text": teams_markdown(text), "wrap": True}
    for name, value in options.items():
        if value is None:
            continue
        if name == "subtle":
            block["isSubtle"] = value
        else:
            block[name] = value
    return block


def _container(items: list[dict], style: str) -> dict:
    return {"type": "Container", "style": style, "items": items, "bleed": False}


def _fields(message: Message) -> list[dict]:
    if message.kind is Kind.QUESTION:
        # The descriptor of every level: too long for a fact's title column, so one block each.
        return [_text(f"**{f.label}**: {f.value}", spacing="small") for f in message.fields]
    return [{"type": "FactSet", "facts": [{"title": teams_markdown(f.label), "value": teams_markdown(f.value)} for f in message.fields]}]


def _image(chart, images: Images | None, open_title: str) -> dict:
    if images is None:
        return _text(chart.alt_text, subtle=True)
    full = images.url(chart)
    inline = images.inline(chart)
    if full is None and inline is None:
        return _text(chart.alt_text, subtle=True)  # too large to go inline, and no address to link
    image = {"type": "Image", "url": inline or full, "altText": chart.alt_text, "size": "stretch"}
    if full is not None:
        image["selectAction"] = {"type": "Action.OpenUrl", "title": open_title, "url": full}
    return image


def _input(item: ChoiceInput | TextInput, choose_one: str) -> dict:
    if isinstance(item, ChoiceInput):
        element: dict[str, Any] = {
            "type": "Input.ChoiceSet",
            "id": item.name,
            "label": item.label,
            "style": "compact",
            "isRequired": True,
            # Teams shows it under the list it is about, so it need not name the list.
            "errorMessage": choose_one,
            "choices": [{"title": o.label, "value": str(o.value)} for o in item.options],
        }
        if item.selected is not None:
            element["value"] = str(item.selected)
        return element
    element = {
        "type": "Input.Text",
        "id": item.name,
        "label": item.label,
        "isMultiline": True,
        "maxLength": 1000,
    }
    if item.placeholder:
        element["placeholder"] = item.placeholder
    if item.value:
        element["value"] = item.value
    return element


def _action(button: Button) -> dict:
    action: dict[str, Any] = {
        "type": "Action.Execute",
        "title": button.label,
        "verb": button.action,
        "data": {"question": button.value},
        # For clients older than Universal Actions: the same data as a plain submit.
        "fallback": {"type": "Action.Submit", "title": button.label, "data": {"question": button.value, "verb": button.action}},
    }
    if button.style == "primary":
        action["style"] = "positive"
    elif button.style == "danger":
        action["style"] = "destructive"
    return action


def _question_id(message: Message) -> str | None:
    for button in message.buttons:
        if button.action == VOTE_VERB and button.value:
            return button.value
    if message.key and message.key.startswith("round:"):
        # The key is Accord's own (engine.presenters.round_key), never a platform id.
        parts = message.key.split(":")
        if len(parts) >= 4:
            return ":".join(parts[2:-1])
    return None


def _escape_link(title: str) -> str:
    return title.replace("[", "(").replace("]", ")")
