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
from bot.report.html import data_uri, render_bilingual_html, render_html
from bot.report.markdown import render_markdown
from engine.assessment import Assessment
from engine.language import BILINGUAL, ENGLISH, WELSH, speaking, speaking_language

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
    language: str | None = None,
) -> ReportFiles:
    """Write ``report.md``, its charts and ``report.html`` into `directory` (created if needed; same names overwritten).

    In `language` (en, cy or bilingual; by default the language speaking): a bilingual
    ``report.md`` is the Welsh report then the English, a bilingual ``report.html`` both side by side.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    renderer = default_renderer() if renderer is None else renderer
    language = language or speaking_language()
    reports = []
    images: list[Path] = []
    for each in (WELSH, ENGLISH) if language == BILINGUAL else (language,):
        with speaking(each):  # the charts' axes in the report's language, and their files named for it
            report = prepare(assessment, context, None)
            for chart in report.charts.all:
                path = renderer.save(chart, directory)
                if path not in images:
                    images.append(path)
        reports.append((each, report))
    markdown = directory / REPORT_NAME
    _write_text(markdown, "\n---\n\n".join(render_markdown(report, chart_filename) for _, report in reports))
    page = None
    if html:
        page = directory / HTML_NAME
        image = lambda chart: data_uri(renderer.render(chart))
        _write_text(page, render_html(reports[0][1], image) if len(reports) == 1 else render_bilingual_html(reports, image))
    return ReportFiles(markdown=markdown, images=tuple(images), html=page)


def _write_text(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
