"""One message in several languages: Welsh first, then English, as the Welsh Language Standards ask.

A presenter is called once per language, inside `speaking`, and the versions are joined into
one neutral `Message` that every adapter renders as it renders any other: the headings joined,
the first language's paragraphs, a divider, the second's; field labels, input labels and button
labels joined ("Pleidleisio / Vote"), so there is one form and one set of buttons; links and
the chart's numbers once. What the framework says (a question's prompt) is the same in both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from engine.language import in_language
from engine.views import Button, Chart, ChoiceInput, Field, Message, Option, Series, TextInput

DIVIDER = "———"  # between the Welsh and the English text


def in_languages(languages: Sequence[str], make: Callable[[], Message]) -> Message:
    """The message `make` builds, in each of `languages` in order, as one message."""
    return replace(joined([in_language(language, make) for language in languages]), languages=tuple(languages))


def in_its_languages(message: Message, make: Callable[[], str]) -> str:
    """Words a platform adds around `message` (Teams' "Resources"), in the message's language(s).

    A message built before its languages were kept, or outside a use case, has none: then the
    words are in the language speaking.
    """
    if not message.languages:
        return make()
    versions = [in_language(language, make) for language in message.languages]
    words = versions[0]
    for other in versions[1:]:
        words = _both(words, other)
    return words


def joined(versions: Sequence[Message]) -> Message:
    """The versions of one message, each in its language, as one message: the first language first."""
    first = versions[0]
    for other in versions[1:]:
        first = _join(first, other)
    return first


def _both(first: str, second: str, between: str = " / ") -> str:
    return first if first == second or not second else f"{first}{between}{second}" if first else second


def _join(first: Message, second: Message) -> Message:
    text = first.text
    if second.text != first.text:
        own = tuple(t for t in second.text if t not in first.text)  # the framework's words once
        text = first.text + ((DIVIDER,) + own if own else ())
    return replace(
        first,
        heading=_both(first.heading, second.heading),
        text=text,
        fields=tuple(
            Field(_both(a.label, b.label), _both(a.value, b.value)) for a, b in zip(first.fields, second.fields)
        ),
        inputs=tuple(_join_input(a, b) for a, b in zip(first.inputs, second.inputs)),
        buttons=tuple(Button(a.action, _both(a.label, b.label), a.value, a.style) for a, b in zip(first.buttons, second.buttons)),
        charts=tuple(_join_chart(a, b) for a, b in zip(first.charts, second.charts)),
        footer=_both(first.footer, second.footer, "\n"),
    )


def _join_input(first: ChoiceInput | TextInput, second: ChoiceInput | TextInput) -> ChoiceInput | TextInput:
    if isinstance(first, ChoiceInput) and isinstance(second, ChoiceInput):
        options = tuple(
            Option(a.value, _both(a.label, b.label), _both(a.description, b.description)) for a, b in zip(first.options, second.options)
        )
        return replace(first, label=_both(first.label, second.label), options=options)
    assert isinstance(first, TextInput) and isinstance(second, TextInput)
    return replace(first, label=_both(first.label, second.label), placeholder=_both(first.placeholder, second.placeholder))


def _join_chart(first: Chart, second: Chart) -> Chart:
    return replace(
        first,
        title=_both(first.title, second.title),
        series=tuple(Series(_both(a.name, b.name), a.values) for a, b in zip(first.series, second.series)),
        alt_text=_both(first.alt_text, second.alt_text, " "),
    )
