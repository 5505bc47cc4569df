"""The report on an assessment, fit for a board paper: Markdown (with PNG charts) and HTML.

`write_report` writes ``report.md``, one PNG per chart and ``report.html`` into a directory
(``accord demo`` at the end of a run, ``accord chat``'s export). `report_markdown` gives the Markdown alone, and
`report_html` a self-contained HTML page (images inline as data URIs, nothing fetched from
anywhere, laid out to print on A4) that `bot.export` hands out.

The report is a channel-level document, so by default it is anonymous: it shows what the team
agreed, the anonymous spread of the votes frozen at each reveal, and the agreement measures;
never who voted what, nobody's comments and no member's name. The one exception is
`contributions`, which only `engine.presenters.individual_contributions` can make, and which the
engine makes only for a super-user of the assessment: given it, the report ends with a section
marked confidential.

Every number comes from `engine.scoring.score`, that is, from the consensus the super-user
recorded; nothing is recomputed from votes here. `ReportContext` carries what the assessment
itself does not know: the organisation's name, progress since its earlier assessment,
comparison with similar organisations, the time zone for dates and when the report was made.

The modules:

    document.py   `ReportContext`; the assessment scored and its charts chosen once (`Report`);
                  `report_charts`; the chart renderer a process shares (`default_renderer`)
    words.py      the sentences both renderings share (status, team, tally, agreement, how to
                  read the report, round history...) and how figures are written
    markdown.py   `report_markdown`: one `_md_*` function per section
    html.py       `report_html`: one `_h_*` function per part of the page; `data_uri`
    report.css    the HTML page's style, inlined in every page
    files.py      `write_report` and `ReportFiles`: the report written to a directory
"""

from bot.report.document import ReportContext, default_renderer, report_charts
from bot.report.files import HTML_NAME, REPORT_NAME, ReportFiles, write_report
from bot.report.html import data_uri, report_html
from bot.report.markdown import report_markdown
from bot.report.words import HOW_TO_READ

__all__ = [
    "HOW_TO_READ",
    "HTML_NAME",
    "REPORT_NAME",
    "ReportContext",
    "ReportFiles",
    "data_uri",
    "default_renderer",
    "report_charts",
    "report_html",
    "report_markdown",
    "write_report",
]
