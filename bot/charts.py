"""Charts: the engine's neutral `Chart` specs drawn as PNG images with matplotlib.

The engine says what a chart shows (`engine.views.Chart`); this module decides how it looks.
Four kinds:

- DISTRIBUTION: grouped bars, votes per point of the scale, one group per point and one bar
  per series ("Current", "Ambition").
- RADAR: one closed polygon per series ("Now", "Ambition (18-24 months)") over the themes,
  the radial axis running from the scale's minimum to its maximum.
- THEMES: the radar's figures as horizontal bars on the scale, one pair per theme: what the
  summary shows when fewer than three themes are scored.
- GAPS: horizontal bars of ambition minus current per theme, in the order given, each labelled
  with its value.

Only matplotlib's object-oriented API is used (a `Figure` on its own Agg canvas): pyplot is never
imported, so there is no global figure registry and nothing to close, and two threads rendering
two charts do not share a figure.

Output is deterministic: the same chart gives the same bytes (no software or date metadata in the
PNG), so images can be cached and named by their content (`chart_filename`). `ChartRenderer`
memoises rendered images in a small, thread-safe LRU cache and, given a `cache_dir`, also on disk
under their content hash, so several processes (workers of `accord serve`, a CLI export) draw
each chart once between them.

Colours are the Okabe-Ito palette, which readers with the common forms of colour-blindness can
tell apart; the second series is also hatched (bars) or dashed with square markers (radar), so
the charts still read in greyscale print.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from engine.language import ENGLISH, speaking_language
from engine.views import Chart, ChartKind

__all__ = ["PALETTE", "Palette", "ChartRenderer", "chart_digest", "chart_filename", "figure_size", "render_png"]

# Bump when the look of the charts changes, so content-named files and caches change too.
STYLE_VERSION = 1

DEFAULT_DPI = 144


@dataclass(frozen=True)
class Palette:
    """Every colour the charts use. Series colours go in order: current/now first, then ambition."""

    series: tuple[str, ...]
    gap: str
    text: str
    muted: str
    grid: str
    background: str


# Okabe, M. & Ito, K. (2008) "Color Universal Design": blue, orange, bluish green, reddish purple,
# sky blue, vermillion.
PALETTE = Palette(
    series=("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"),
    gap="#009E73",
    text="#1A1A1A",
    muted="#555555",
    grid="#D0D0D0",
    background="#FFFFFF",
)

# Per series, so the charts also work without colour: bar hatching, radar marker and line style.
HATCHES = ("", "///", "...", "xx", "\\\\\\", "++")
MARKERS = ("o", "s", "^", "D", "v", "P")
LINESTYLES = ("-", "--", "-.", ":", "-", "--")

# Sizes in inches (pixels = inches x dpi) and in points; at 144 dpi 1 pt is 2 px.
BAR_FIGSIZE = (8.0, 5.0)
RADAR_FIGSIZE = (7.0, 7.0)
TITLE_SIZE = 14
LABEL_SIZE = 11
TICK_SIZE = 10
LEGEND_SIZE = 10.5
VALUE_SIZE = 10
SMALL_SIZE = 9


def figure_size(kind: ChartKind) -> tuple[float, float]:
    """The fixed size of a chart of this kind, in inches."""
    return RADAR_FIGSIZE if kind is ChartKind.RADAR else BAR_FIGSIZE


# ------------------------------------------------------------------- content hash


def chart_digest(chart: Chart) -> str:
    """A SHA-256 of everything in the spec (and the style version), as hex."""
    spec = {
        "style": STYLE_VERSION,
        "kind": ChartKind(chart.kind).value,
        "title": chart.title,
        "categories": list(chart.categories),
        "series": [
            {"name": s.name, "values": [None if v is None else float(v) for v in s.values]} for s in chart.series
        ],
        "alt_text": chart.alt_text,
        "scale_min": chart.scale_min,
        "scale_max": chart.scale_max,
    }
    if speaking_language() != ENGLISH:  # the axes are labelled in the language speaking
        spec["language"] = speaking_language()
    canonical = json.dumps(spec, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def chart_filename(chart: Chart) -> str:
    """A stable, filesystem-safe name from the kind and the content, e.g. ``radar-3f2a9c1b.png``."""
    kind = re.sub(r"[^a-z0-9]+", "-", ChartKind(chart.kind).value.lower()).strip("-") or "chart"
    return f"{kind}-{chart_digest(chart)[:8]}.png"


# ------------------------------------------------------------------------ rendering


def render_png(chart: Chart, *, dpi: int = DEFAULT_DPI) -> bytes:
    """Draw the chart and return the PNG bytes; identical charts give identical bytes."""
    if dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi!r}")
    # matplotlib is imported with the first chart drawn, not when Accord starts: most requests
    # draw nothing, and the import is half of a server's start-up and a third of its memory.
    from bot.drawing import draw_png

    return draw_png(chart, dpi)


class ChartRenderer:
    """Renders charts to PNG, remembering the last `maxsize` images by content.

    Safe to share between threads: the cache is guarded by a lock (rendering itself happens
    outside it, so two different charts render in parallel).
    """

    def __init__(self, *, dpi: int = DEFAULT_DPI, maxsize: int = 64, cache_dir: Path | None = None) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize!r}")
        self.dpi = dpi
        self.maxsize = maxsize
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.hits = 0
        self.misses = 0
        self.disk_hits = 0
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, chart: Chart) -> bytes:
        key = chart_digest(chart)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return cached
            self.misses += 1
        png = self._from_disk(key)
        if png is None:
            png = render_png(chart, dpi=self.dpi)
            self._to_disk(key, png)
        with self._lock:
            self._cache[key] = png
            self._cache.move_to_end(key)
            while len(self._cache) > self.maxsize:
                self._cache.popitem(last=False)
        return png

    def save(self, chart: Chart, directory: Path) -> Path:
        """Write the chart into `directory` under its content name (replacing any file of that name)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / chart_filename(chart)
        png = self.render(chart)
        # Write beside it and rename, so a reader never sees half an image.
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            partial.write_bytes(png)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return path

    def _disk_path(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"{key}-{self.dpi}.png"

    def _from_disk(self, key: str) -> bytes | None:
        path = self._disk_path(key)
        if path is None:
            return None
        try:
            png = path.read_bytes()
        except OSError:
            return None
        if not png.startswith(b"\x89PNG\r\n\x1a\n") or not png.endswith(b"IEND\xaeB`\x82"):
            return None  # a damaged file is drawn again and replaced
        with self._lock:
            self.disk_hits += 1
        return png

    def _to_disk(self, key: str, png: bytes) -> None:
        path = self._disk_path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            try:
                partial.write_bytes(png)
                os.replace(partial, path)
            finally:
                partial.unlink(missing_ok=True)
        except OSError:
            pass  # the cache is an optimisation: a read-only disk only costs a redraw

    @property
    def size(self) -> int:
        """How many images are cached now."""
        with self._lock:
            return len(self._cache)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


# -------------------------------------------------------------------- chart kinds
