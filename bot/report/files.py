"""The report written to a directory: ``report.md``, one PNG per chart, and ``report.html``.

`write_report` is what ``accord demo`` does at the end of a run and ``accord chat``'s export.
Each file is written whole or not at all, so a reader never sees half a report.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.charts import ChartRenderer, chart_filename
from bot.report.document import ReportContext, default_renderer, prepare
from bot.report.html import data_uri, render_html
from bot.report.markdown import render_markdown
from engine.assessment import Assessment

REPORT_NAME = "report.md"
HTML_NAME = "report.html"


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote: the Markdown file, the images it refers to, and the HTML page."""

    markdown: Path
    images: tuple[Path, ...]
    html: Path | None = None


def write_report(
    assessment: Assessment,
    directory: Path,
    *,
    renderer: ChartRenderer | None = None,
    context: ReportContext | None = None,
    html: bool = True,
) -> ReportFiles:
    """Write ``report.md``, its charts and ``report.html`` into `directory` (created if needed; same names overwritten)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    renderer = default_renderer() if renderer is None else renderer
    report = prepare(assessment, context, None)
    images: list[Path] = []
    for chart in report.charts.all:
        path = renderer.save(chart, directory)
        if path not in images:
            images.append(path)
    markdown = directory / REPORT_NAME
    _write_text(markdown, render_markdown(report, chart_filename))
    page = None
    if html:
        page = directory / HTML_NAME
        _write_text(page, render_html(report, lambda chart: data_uri(renderer.render(chart))))
    return ReportFiles(markdown=markdown, images=tuple(images), html=page)


def _write_text(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
