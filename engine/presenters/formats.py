"""How dates, times, numbers and lists of names are written, in every message and in the reports.

In the language speaking (`engine.language`), by Babel's CLDR data: "2 December 2026" in
English, "2 Rhagfyr 2026" in Welsh.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from engine.language import N_, _, babel_locale

_RESOURCE_KINDS = {
    "case study": N_("case study"),
    "guidance": N_("guidance"),
    "tool": N_("tool"),
    "training": N_("training"),
    "peer support": N_("peer support"),
}  # engine.framework.ResourceKind's values, marked here, translated where shown


def kind_words(kind: str) -> str:
    """A kind of resource (engine.framework.ResourceKind's value) in the language speaking."""
    return _(_RESOURCE_KINDS[kind]) if kind in _RESOURCE_KINDS else kind


def long_date(moment: datetime) -> str:
    """12 March 2025 (12 Mawrth 2025): the date as a British board paper writes it."""
    return format_date(moment, "d MMMM y", locale=babel_locale())


def local_time(moment: datetime, zone: tzinfo) -> str:
    """Tue 1 Dec 17:00 (Europe/London): a time as the reader's clock shows it, with the zone named."""
    local = moment.astimezone(zone)
    name = getattr(zone, "key", None) or local.tzname() or "UTC"
    return f"{format_datetime(local, 'EEE d MMM HH:mm', locale=babel_locale())} ({name})"


def decimal(value: float, digits: int) -> str:
    """A figure with `digits` decimals, as the language writes it (rounded as Python rounds)."""
    rounded = Decimal(f"{value:.{digits}f}")
    return format_decimal(rounded, "0." + "0" * digits if digits else "0", locale=babel_locale())


def join_words(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(words) == 1:
        return words[0]
    return _("{first} and {last}").format(first=", ".join(words[:-1]), last=words[-1])
