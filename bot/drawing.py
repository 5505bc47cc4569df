"""Drawing the charts with matplotlib: what `bot.charts.render_png` calls for each new chart.

Kept apart so that matplotlib (and numpy) are imported only when a chart is first drawn. How the
charts look, their palette and sizes, and why only the object-oriented API is used: `bot.charts`.
"""

from __future__ import annotations

import io
import math
import textwrap

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.charts import (
    BAR_FIGSIZE,
    RADAR_FIGSIZE,
    HATCHES,
    LABEL_SIZE,
    LEGEND_SIZE,
    LINESTYLES,
    MARKERS,
    PALETTE,
    SMALL_SIZE,
    TICK_SIZE,
    TITLE_SIZE,
    VALUE_SIZE,
    figure_size,
)
from engine.language import _
from engine.views import Chart, ChartKind


def draw_png(chart: Chart, dpi: int) -> bytes:
    """The chart as PNG bytes, drawn on a Figure of its own (see `bot.charts`)."""
    kind = ChartKind(chart.kind)
    fig = Figure(figsize=figure_size(kind), dpi=dpi, facecolor=PALETTE.background, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(w_pad=0.12, h_pad=0.12)
    draw = {ChartKind.DISTRIBUTION: _distribution, ChartKind.RADAR: _radar, ChartKind.THEMES: _themes, ChartKind.GAPS: _gaps}[kind]
    draw(fig, chart)
    buffer = io.BytesIO()
    fig.savefig(
        buffer,
        format="png",
        dpi=dpi,
        facecolor=PALETTE.background,
        edgecolor=PALETTE.background,
        metadata={"Software": None},
    )
    return buffer.getvalue()


def _distribution(fig: Figure, chart: Chart) -> None:
    ax = fig.add_subplot()
    _style_axes(ax)
    count = len(chart.categories)
    series = chart.series
    width = 0.8 / max(len(series), 1)
    highest = 0.0
    for index, s in enumerate(series):
        offset = (index - (len(series) - 1) / 2) * width
        # Zero bars are left out (a flat sliver reads as a drawing fault); missing values too.
        points = [(i, float(v)) for i, v in enumerate(s.values[:count]) if _present(v) and v != 0]
        xs = [i + offset for i, _ in points]
        heights = [v for _, v in points]
        highest = max([highest, *heights])
        colour = _series_colour(index)
        bars = ax.bar(
            xs,
            heights,
            width * 0.92,
            label=_plain(s.name),
            color=colour,
            edgecolor=_darker(colour),
            linewidth=0.9,
            hatch=HATCHES[index % len(HATCHES)] or None,
            zorder=3,
        )
        ax.bar_label(
            bars,
            labels=[_count(v) for v in heights],
            padding=2,
            fontsize=VALUE_SIZE,
            color=PALETTE.text,
        )
    if count <= 7:
        labels = [_wrap(_plain(c), max(8, 96 // max(count, 1))) for c in chart.categories]
        ax.set_xticks(range(count), labels, fontsize=TICK_SIZE, color=PALETTE.text)
    else:  # a long scale: slanted labels keep neighbours apart
        labels = [_plain(c) for c in chart.categories]
        ax.set_xticks(
            range(count), labels, fontsize=SMALL_SIZE, color=PALETTE.text, rotation=30, ha="right", rotation_mode="anchor"
        )
    ax.set_xlim(-0.6, max(count, 1) - 0.4)
    ax.set_ylim(0, max(1.0, highest) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.grid(True, color=PALETTE.grid, linewidth=0.8, zorder=0)
    ax.tick_params(axis="x", length=0, pad=6)
    ax.set_xlabel(_("Point on the scale"), fontsize=LABEL_SIZE, color=PALETTE.muted, labelpad=8)
    ax.set_ylabel(_("Number of votes"), fontsize=LABEL_SIZE, color=PALETTE.muted)
    _title(fig, chart.title, BAR_FIGSIZE[0])
    _legend(fig, ax, len(series))


def _radar(fig: Figure, chart: Chart) -> None:
    ax = fig.add_subplot(projection="polar")
    count = len(chart.categories)
    low, high = chart.scale_min, chart.scale_max
    ax.set_theta_offset(math.pi / 2)  # the first theme at the top
    ax.set_theta_direction(-1)  # then clockwise, as people read
    ax.set_facecolor(PALETTE.background)
    ax.set_ylim(low, high)
    points = list(range(low, high + 1))
    ax.set_rgrids(points, labels=[str(p) for p in points], fontsize=SMALL_SIZE, color=PALETTE.muted)
    ax.yaxis.grid(True, color=PALETTE.grid, linewidth=0.8)
    ax.xaxis.grid(True, color=PALETTE.grid, linewidth=0.8)
    ax.spines["polar"].set_color(PALETTE.muted)
    ax.spines["polar"].set_linewidth(0.8)
    if count == 0:
        ax.set_xticks([])
    else:
        angles = np.linspace(0, 2 * math.pi, count, endpoint=False)
        ax.set_rlabel_position(math.degrees(math.pi / count) if count > 1 else 90)
        ax.set_xticks(angles, [_wrap(_plain(c), 20) for c in chart.categories], fontsize=TICK_SIZE, color=PALETTE.text)
        ax.tick_params(axis="x", pad=10)
        for label, angle in zip(ax.get_xticklabels(), angles):
            # Where the label sits on the page: theta runs clockwise from the top.
            on_page = math.pi / 2 - angle
            x, y = math.cos(on_page), math.sin(on_page)
            label.set_horizontalalignment("left" if x > 0.1 else "right" if x < -0.1 else "center")
            label.set_verticalalignment("bottom" if y > 0.1 else "top" if y < -0.1 else "center")
        closed = np.append(angles, angles[:1])
        for index, s in enumerate(chart.series):
            values = [float(v) if _present(v) else math.nan for v in s.values[:count]]
            values += [math.nan] * (count - len(values))
            radii = np.array(values + values[:1])
            colour = _series_colour(index)
            ax.plot(
                closed,
                radii,
                color=colour,
                linewidth=2.2,
                linestyle=LINESTYLES[index % len(LINESTYLES)],
                marker=MARKERS[index % len(MARKERS)],
                # Later series sit below and a little larger, so equal values still show both markers.
                markersize=7 + 1.5 * min(index, 2),
                markeredgecolor=_darker(colour),
                label=_plain(s.name),
                zorder=3 + len(chart.series) - index,
                clip_on=False,
            )
            if count >= 3 and not np.isnan(radii).any():
                ax.fill(closed, radii, color=colour, alpha=0.12, zorder=2)
    _title(fig, chart.title, RADAR_FIGSIZE[0])
    _legend(fig, ax, len(chart.series))


def _themes(fig: Figure, chart: Chart) -> None:
    """Now and ambition per theme as horizontal bars on the scale, first theme at the top."""
    ax = fig.add_subplot()
    _style_axes(ax)
    count = len(chart.categories)
    series = chart.series
    height = 0.8 / max(len(series), 1)
    low, high = chart.scale_min, chart.scale_max
    for index, s in enumerate(series):
        offset = (index - (len(series) - 1) / 2) * height
        points = [(i, float(v)) for i, v in enumerate(s.values[:count]) if _present(v)]
        colour = _series_colour(index)
        bars = ax.barh(
            [i + offset for i, _ in points],
            [v - low for _, v in points],
            height * 0.92,
            left=low,
            label=_plain(s.name),
            color=colour,
            edgecolor=_darker(colour),
            linewidth=0.9,
            hatch=HATCHES[index % len(HATCHES)] or None,
            zorder=3,
        )
        ax.bar_label(bars, labels=[f"{v:.1f}" for _, v in points], padding=4, fontsize=VALUE_SIZE, color=PALETTE.text)
    ax.set_yticks(range(count), [_wrap(_plain(c), 30) for c in chart.categories], fontsize=TICK_SIZE, color=PALETTE.text)
    ax.set_ylim(max(count, 1) - 0.4, -0.6)
    ax.set_xlim(low, high + 0.12 * max(high - low, 1))
    ax.set_xticks(range(low, high + 1))
    ax.xaxis.grid(True, color=PALETTE.grid, linewidth=0.8, zorder=0)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0, pad=6)
    ax.set_xlabel(_("Point on the scale"), fontsize=LABEL_SIZE, color=PALETTE.muted)
    _title(fig, chart.title, BAR_FIGSIZE[0])
    _legend(fig, ax, len(series))


def _gaps(fig: Figure, chart: Chart) -> None:
    ax = fig.add_subplot()
    _style_axes(ax)
    count = len(chart.categories)
    values = chart.series[0].values[:count] if chart.series else ()
    points = [(i, float(v)) for i, v in enumerate(values) if _present(v)]
    bars = ax.barh(
        [i for i, _ in points],
        [v for _, v in points],
        height=0.6,
        color=PALETTE.gap,
        edgecolor=_darker(PALETTE.gap),
        linewidth=0.9,
        zorder=3,
    )
    ax.bar_label(bars, labels=[_signed(v) for _, v in points], padding=5, fontsize=VALUE_SIZE, color=PALETTE.text)
    ax.set_yticks(range(count), [_wrap(_plain(c), 30) for c in chart.categories], fontsize=TICK_SIZE, color=PALETTE.text)
    ax.set_ylim(count - 0.4, -0.6)  # first category at the top, as given
    smallest = min([0.0, *(v for _, v in points)])
    largest = max([float(chart.scale_max), *(v for _, v in points)])
    span = max(largest - smallest, 1.0)
    ax.set_xlim(smallest - (0.12 * span if smallest < 0 else 0), largest + 0.12 * span)
    ax.axvline(0, color=PALETTE.muted, linewidth=1.0, zorder=4)
    ax.xaxis.grid(True, color=PALETTE.grid, linewidth=0.8, zorder=0)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0, pad=6)
    ax.set_xlabel(_("Ambition minus current position (points on the scale)"), fontsize=LABEL_SIZE, color=PALETTE.muted)
    _title(fig, chart.title, BAR_FIGSIZE[0])


# ------------------------------------------------------------------------ helpers


def _style_axes(ax) -> None:
    ax.set_facecolor(PALETTE.background)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(PALETTE.muted)
    ax.tick_params(labelsize=TICK_SIZE, colors=PALETTE.muted, labelcolor=PALETTE.text)
    ax.set_axisbelow(True)


def _title(fig: Figure, title: str, width_inches: float) -> None:
    if title:
        # About 9 characters per inch at this size keeps a title inside the figure.
        fig.suptitle(_wrap(_plain(title), int(width_inches * 9)), fontsize=TITLE_SIZE, color=PALETTE.text, fontweight="bold")


def _legend(fig: Figure, ax, series: int) -> None:
    if series == 0:
        return
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=min(series, 3),
        frameon=False,
        fontsize=LEGEND_SIZE,
        labelcolor=PALETTE.text,
        handlelength=2.6,
        columnspacing=2.0,
    )


def _series_colour(index: int) -> str:
    return PALETTE.series[index % len(PALETTE.series)]


def _darker(colour: str, factor: float = 0.6) -> tuple[float, float, float]:
    r, g, b = to_rgb(colour)
    return (r * factor, g * factor, b * factor)


def _present(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _count(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _signed(value: float) -> str:
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text.replace("-", "\u2212")


def _plain(text: str) -> str:
    """Text shown as written: a dollar sign must not switch matplotlib into maths mode."""
    return str(text).replace("$", r"\$")


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=max(width, 4), break_long_words=False)) or text

