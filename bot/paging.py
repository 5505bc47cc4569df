"""Breaking long text where a person would: what both platforms' adapters use to page content.

Each platform caps how much text one block, card or message may hold (see
`adapters.slack.blocks` and `adapters.teams.cards`). Comments, notes and names are the team's
content, so Accord never cuts them short: text too long for one place is continued in the next,
broken at a line, else between words.
"""

from __future__ import annotations

# Where a break reads best, best first: between lines, list items, sentences, then words.
BREAKS = ("\n", "; ", ", ", ". ", " ")


def split_text(text: str, limit: int) -> list[str]:
    """Text in pieces of at most `limit` characters, each broken where it reads best (`BREAKS`).

    A break is looked for in the second half of the room, so no piece is tiny. Nothing is lost
    but the whitespace at a break; a word is broken only when it is longer than half the limit.
    An HTML-style escape (``&amp;``) is never broken.
    """
    text = text.strip()
    pieces: list[str] = []
    while len(text) > limit:
        cut = -1
        for mark in BREAKS:
            found = text.rfind(mark, limit // 2, limit + 1 - len(mark.rstrip()))
            if found != -1:
                cut = found + len(mark.rstrip())
                break
        if cut < limit // 2:
            cut = limit
            entity = text.rfind("&", cut - 5, cut)
            if entity > 0 and ";" not in text[entity:cut]:
                cut = entity
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        pieces.append(text)
    return pieces
