"""The neutral message model every adapter renders.

A use case answers with `Message`s; the Slack adapter renders them as Block Kit, the Teams
adapter as Adaptive Cards, the console as text. A message says who may see it (the channel,
or one person), what it is (`Kind`), and carries its content as headings, text, fields,
inputs, buttons, links and chart specifications. Charts are data here: pixels are made in
`bot/`.

A message with a `key` stands for one message in the channel that is updated in place
(a question's progress line), rather than posted again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from engine.assessment import Identity


class Kind(str, Enum):
    QUESTION = "question"
    PROGRESS = "progress"
    VOTE_RECORDED = "vote recorded"
    REVEAL = "reveal"
    INDIVIDUAL_VOTES = "individual votes"
    AUDIT = "audit"  # the audit trail, for a super-user only
    CONSENSUS = "consensus"
    SKIPPED = "skipped"
    SUMMARY = "summary"
    STATUS = "status"
    HELP = "help"
    NOTICE = "notice"
    ERROR = "error"


@dataclass(frozen=True)
class Audience:
    """Who may see a message: the whole channel, or one person only."""

    person: Identity | None = None

    @property
    def is_channel(self) -> bool:
        return self.person is None


CHANNEL = Audience()


def only(person: Identity) -> Audience:
    return Audience(person)


@dataclass(frozen=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True)
class Option:
    value: int
    label: str
    description: str = ""


@dataclass(frozen=True)
class ChoiceInput:
    """A choice of one point on the scale, e.g. the current position."""

    name: str
    label: str
    options: tuple[Option, ...]
    selected: int | None = None


@dataclass(frozen=True)
class TextInput:
    name: str
    label: str
    placeholder: str = ""
    value: str = ""


@dataclass(frozen=True)
class Button:
    action: str  # the command it stands for: "vote", "reveal", "finalise"...
    label: str
    value: str = ""  # what the action applies to, e.g. the question id
    style: str | None = None  # "primary" or "danger"


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    kind: str = ""
    description: str = ""


class ChartKind(str, Enum):
    DISTRIBUTION = "distribution"  # votes per point of the scale, current and ambition
    RADAR = "radar"  # current against ambition, by theme
    THEMES = "themes"  # the same as bars: below three themes a radar draws only a spoke or a line
    GAPS = "gaps"  # ambition minus current, by theme


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    alt_text: str
    scale_min: int = 1
    scale_max: int = 5


@dataclass(frozen=True)
class Message:
    kind: Kind
    audience: Audience
    heading: str
    text: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    inputs: tuple[ChoiceInput | TextInput, ...] = ()
    buttons: tuple[Button, ...] = ()
    links: tuple[Link, ...] = ()
    charts: tuple[Chart, ...] = ()
    footer: str = ""
    key: str | None = None  # the channel message this one creates or updates in place
    concerns: str | None = None  # an error's input ("current", "ambition", "comment"), for forms
    # The language(s) its words are in, Welsh first when two: a platform's own words around it
    # (Teams' "Resources", "part 2 of 3") are said in them too. Empty: the language speaking.
    languages: tuple[str, ...] = ()

    @property
    def is_private(self) -> bool:
        return not self.audience.is_channel


# --------------------------------------------------------------- serialisation
# Messages wait in the outbox as JSON until a platform takes them, so they must survive the
# round trip exactly: `message_from_dict(message_to_dict(m)) == m`.


def message_to_dict(message: Message) -> dict:
    person = message.audience.person
    return {
        "kind": message.kind.value,
        "audience": None if person is None else [person.platform, person.workspace, person.user_id],
        "heading": message.heading,
        "text": list(message.text),
        "fields": [[f.label, f.value] for f in message.fields],
        "inputs": [_input_to_dict(i) for i in message.inputs],
        "buttons": [[b.action, b.label, b.value, b.style] for b in message.buttons],
        "links": [[link.title, link.url, link.kind, link.description] for link in message.links],
        "charts": [
            {
                "kind": chart.kind.value,
                "title": chart.title,
                "categories": list(chart.categories),
                "series": [[s.name, list(s.values)] for s in chart.series],
                "alt_text": chart.alt_text,
                "scale": [chart.scale_min, chart.scale_max],
            }
            for chart in message.charts
        ],
        "footer": message.footer,
        "key": message.key,
        "concerns": message.concerns,
        "languages": list(message.languages),
    }


def message_from_dict(data: dict) -> Message:
    audience = CHANNEL if data["audience"] is None else only(Identity(*data["audience"]))
    return Message(
        kind=Kind(data["kind"]),
        audience=audience,
        heading=data["heading"],
        text=tuple(data["text"]),
        fields=tuple(Field(*f) for f in data["fields"]),
        inputs=tuple(_input_from_dict(i) for i in data["inputs"]),
        buttons=tuple(Button(*b) for b in data["buttons"]),
        links=tuple(Link(*link) for link in data["links"]),
        charts=tuple(
            Chart(
                kind=ChartKind(c["kind"]),
                title=c["title"],
                categories=tuple(c["categories"]),
                series=tuple(Series(name, tuple(values)) for name, values in c["series"]),
                alt_text=c["alt_text"],
                scale_min=c["scale"][0],
                scale_max=c["scale"][1],
            )
            for c in data["charts"]
        ),
        footer=data["footer"],
        key=data["key"],
        concerns=data.get("concerns"),  # absent from messages queued before it existed
        languages=tuple(data.get("languages", ())),  # likewise
    )


def _input_to_dict(item: ChoiceInput | TextInput) -> dict:
    if isinstance(item, ChoiceInput):
        return {
            "type": "choice",
            "name": item.name,
            "label": item.label,
            "options": [[o.value, o.label, o.description] for o in item.options],
            "selected": item.selected,
        }
    return {"type": "text", "name": item.name, "label": item.label, "placeholder": item.placeholder, "value": item.value}


def _input_from_dict(data: dict) -> ChoiceInput | TextInput:
    if data["type"] == "choice":
        return ChoiceInput(data["name"], data["label"], tuple(Option(*o) for o in data["options"]), data["selected"])
    return TextInput(data["name"], data["label"], data["placeholder"], data["value"])
