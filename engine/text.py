"""What people type, made fit to store and to show to others.

Control characters (NUL and the rest of C0, DEL) and the bidirectional controls are removed: an
embedded U+202E (right-to-left override), an isolate or a directional mark makes a comment read
on other people's screens differently from what was stored, which is how misleading text is
smuggled in (Unicode Technical Report #36, "Bidirectional Text Spoofing"). Runs of white space
become one space.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None) -> str:
    """`text` without control or bidirectional characters, its white space collapsed."""
    return " ".join(_UNSAFE.sub("", text or "").split())


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, an ellipsis showing where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
