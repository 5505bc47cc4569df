"""The reports' Welsh catalogue: every message the report, chart and export modules wrap has its
Welsh, with the same placeholders, and the compiled catalogue that ships says the same as its source."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
LOCALE = REPO / "bot" / "locale" / "cy" / "LC_MESSAGES"
WRAPPED = [
    "bot/report/words.py",
    "bot/report/document.py",
    "bot/report/html.py",
    "bot/report/markdown.py",
    "bot/drawing.py",
    "bot/charts.py",
    "bot/export.py",
]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w*)\}", text))


def wrapped_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for path in WRAPPED:
        for _line, message, _comments, _context in extract_from_file("python", str(REPO / path), keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else tuple(message))
    return found


def test_every_wrapped_message_has_its_welsh_with_the_same_placeholders():
    with open(LOCALE / "accord.po", "rb") as source:
        catalogue = read_po(source, locale="cy")
    assert catalogue.num_plurals == 6  # CLDR's Welsh: zero, one, two, few, many, other
    messages = wrapped_messages()
    assert len(messages) > 150
    problems = []
    for message in sorted(messages, key=str):
        key = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(key)
        if entry is None or not all(entry.string if isinstance(entry.string, tuple) else (entry.string,)):
            problems.append(f"no Welsh for {message!r}")
            continue
        expected = placeholders(message[-1] if isinstance(message, tuple) else message)
        for welsh in entry.string if isinstance(entry.string, tuple) else (entry.string,):
            if placeholders(welsh) != expected:
                problems.append(f"{message!r}: {welsh!r} has {sorted(placeholders(welsh))}, not {sorted(expected)}")
    assert problems == []


def test_the_compiled_catalogue_is_the_source_compiled():
    with open(LOCALE / "accord.po", "rb") as source, open(LOCALE / "accord.mo", "rb") as compiled:
        po, mo = read_po(source, locale="cy"), read_mo(compiled)
    def entries(catalogue):
        return {_plain(m.id): _plain(m.string) for m in catalogue if m.id}

    assert entries(po) == entries(mo)


def _plain(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value
