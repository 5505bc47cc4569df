"""Accord's icon, a white "A" on Accord's blue, in the shapes and sizes the platforms ask for.

The Teams package draws its two icons when it is written (`adapters.teams.manifest`). Slack's
manifest cannot carry an icon, so the guide (docs/slack.md) has the administrator upload
docs/assets/accord-icon.png, which this module writes, the same every time::

    python -m bot.icon docs/assets/accord-icon.png
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

ACCENT = "#0072B2"  # Okabe-Ito blue; white on it is 5.1:1
WHITE = (255, 255, 255, 255)
SLACK_ICON_SIZE = 512  # Slack takes square icons of 512 to 2000 pixels

Shape = Literal["round", "square", "outline"]


def icon_png(size: int, shape: Shape = "round") -> bytes:
    """The icon as PNG bytes.

    ``round``: a blue disc on transparent (Teams' colour icon); ``square``: blue to the edges,
    for Slack, which rounds the corners itself; ``outline``: a white ring on transparent
    (Teams' outline icon).
    """
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = max(1, size // 16)
    disc = (margin, margin, size - margin, size - margin)
    if shape == "square":
        draw.rectangle((0, 0, size, size), fill=ACCENT)
    elif shape == "round":
        draw.ellipse(disc, fill=ACCENT)
    else:
        draw.ellipse(disc, outline=WHITE, width=max(1, size // 16))
    try:
        font = ImageFont.load_default(size=int(size * 0.55))
    except TypeError:  # Pillow older than 10.1
        font = ImageFont.load_default()
    draw.text((size / 2, size / 2), "A", fill=WHITE, font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bot.icon OUTPUT.png   (the 512x512 icon to upload to Slack)", file=sys.stderr)
        return 2
    path = Path(argv[0])
    path.write_bytes(icon_png(SLACK_ICON_SIZE, "square"))
    print(f"Wrote {path} ({SLACK_ICON_SIZE}x{SLACK_ICON_SIZE}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
