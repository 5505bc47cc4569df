"""How dates, times and lists of names are written, in every message and in the reports."""

from __future__ import annotations

from datetime import datetime, tzinfo

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(moment: datetime) -> str:
    """12 March 2025: the date as a British board paper writes it."""
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def local_time(moment: datetime, zone: tzinfo) -> str:
    """Tue 1 Dec 17:00 (Europe/London): a time as the reader's clock shows it, with the zone named."""
    local = moment.astimezone(zone)
    name = getattr(zone, "key", None) or local.tzname() or "UTC"
    return f"{local:%a} {local.day} {local:%b %H:%M} ({name})"


def join_words(words: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
