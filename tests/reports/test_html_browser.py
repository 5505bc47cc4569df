"""The HTML report in a real browser: Debian's chromium, headless, driven by Playwright.

Opened from a file, as someone would open an emailed report: every image loads, nothing is
fetched from anywhere, the console stays quiet, and printing gives a sane number of A4 pages.
Skips, saying why, when chromium or Playwright is missing (`bash tests/e2e/install.sh`).
"""

from __future__ import annotations

import base64
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.charts import figure_size
from bot.export import render_export
from bot.report import ReportContext
from engine.comparison import PeerScores, compare
from engine.progress import Baseline, agreed_answers, progress_since
from engine.scoring import score
from engine.views import ChartKind
from tests.integration.test_charts import SUPER_USER, build_assessment, png_size

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
A4_POINTS = (595.0, 842.0)  # 210 mm x 297 mm

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[test]'")
if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium: run `bash tests/e2e/install.sh`", allow_module_level=True)


def context_for(assessment) -> ReportContext:
    card = score(assessment)
    # A year earlier, every agreed answer one point lower (never below 1).
    answers = {qid: (max(1, now - 1), ambition) for qid, (now, ambition) in agreed_answers(card).items()}
    earlier = Baseline("Leadership self-assessment 2024", datetime(2024, 3, 1, tzinfo=timezone.utc), 1, card.figures(), answers)
    peers = [PeerScores(tuple((t.theme.id, v) for t in card.themes)) for v in (2.0, 2.5, 3.0, 3.5, 4.0, 3.0)]
    return ReportContext(
        organisation="Northshire District Council",
        progress=progress_since(card, earlier),
        comparison=compare(card, peers, organisation_type="district"),
        generated_at=datetime(2025, 3, 14, tzinfo=timezone.utc),
    )


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module", params=["anonymous", "with individual votes"])
def report_file(request, tmp_path_factory) -> Path:
    assessment = build_assessment()
    if request.param == "anonymous":
        file = render_export(assessment, "html", context=context_for(assessment))
    else:
        file = render_export(assessment, "html", requested_by=SUPER_USER, include_individual_votes=True)
    path = tmp_path_factory.mktemp("html") / file.filename
    path.write_bytes(file.content)
    return path


@pytest.fixture(scope="module")
def opened(browser, report_file):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    console: list[tuple[str, str]] = []
    requests: list[str] = []
    failures: list[str] = []
    page.on("console", lambda message: console.append((message.type, message.text)))
    page.on("pageerror", lambda error: console.append(("pageerror", str(error))))
    page.on("request", lambda request: requests.append(request.url))
    page.on("requestfailed", lambda request: failures.append(request.url))
    page.goto(report_file.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    yield page, console, requests, failures
    page.close()


def test_every_image_loads_and_has_alt_text(opened):
    page, *_ = opened
    images = page.eval_on_selector_all(
        "img",
        "els => els.map(e => ({complete: e.complete, width: e.naturalWidth, height: e.naturalHeight, alt: e.alt, src: e.src.slice(0, 22)}))",
    )
    assert len(images) >= 3
    for image in images:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0, image
        assert image["src"] == "data:image/png;base64,"
        assert len(image["alt"]) > 20


def test_nothing_is_fetched_off_the_page_and_the_console_is_quiet(opened, report_file):
    page, console, requests, failures = opened
    off_page = [url for url in requests if url != report_file.as_uri() and not url.startswith("data:")]
    assert off_page == []
    assert failures == []
    assert [entry for entry in console if entry[0] in ("error", "warning", "pageerror")] == []


def test_the_page_reads_as_a_report(opened):
    page, *_ = opened
    assert page.title().startswith("Leadership self-assessment 2025")
    headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent)")
    assert headings[:3] == ["Summary", "How to read this report", "Results by theme"]
    assert "Question by question" in headings
    assert page.eval_on_selector_all("a[href]", "els => els.every(a => a.href.startsWith('https://'))")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0  # nothing sticks out sideways


def test_it_prints_on_a_sane_number_of_a4_pages(opened, report_file):
    page, *_ = opened
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 4 <= pages <= 16, pages
    sizes = {tuple(round(float(v)) for v in box) for box in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
    assert sizes == {(596, 843)} or sizes == {(595, 842)}, sizes


def test_the_inline_images_are_the_charts_at_their_fixed_sizes(report_file):
    html = report_file.read_text(encoding="utf-8")
    found = re.findall(r'<figure class="chart (\w+)[^"]*"><img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    kinds = [kind for kind, _ in found]
    assert kinds[:2] == ["radar", "gaps"] and kinds[2:] == ["distribution"] * (len(kinds) - 2)
    for kind, data in found:
        width, height = figure_size(ChartKind(kind))
        assert png_size(base64.b64decode(data)) == (round(width * 144), round(height * 144))


AXE = Path(__file__).resolve().parents[1] / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def test_the_report_meets_wcag_2_2_aa_as_axe_core_checks_it(browser, report_file):
    """Councils publish the report with board papers: the Public Sector Bodies Accessibility
    Regulations ask for WCAG 2.2 AA. axe-core's A and AA rules, run in the browser, find nothing."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed under tests/e2e: run `bash tests/e2e/install.sh`")
    page = browser.new_page(viewport={"width": 1200, "height": 900}, bypass_csp=True)  # the report runs no script; axe must
    try:
        page.goto(report_file.as_uri(), wait_until="load")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    finally:
        page.close()
    violations = [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]][:5], violation["help"])
        for violation in result["violations"]
    ]
    assert violations == []
    assert len(result["passes"]) > 20  # the rules really ran
