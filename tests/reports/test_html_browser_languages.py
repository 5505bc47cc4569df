"""The bilingual HTML report in a real browser: axe-core's WCAG 2.2 AA rules find nothing (among
them `html-has-lang`, `html-lang-valid` and `valid-lang` for every block's `lang`). Its Welsh
blocks are the Welsh report's parts, so one page checks both. Skips, saying why, as
tests/reports/test_html_browser.py does."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.export import render_export
from tests.integration.test_charts import build_assessment
from tests.reports.test_html_browser import AXE, WCAG_22_AA, browser, context_for  # noqa: F401 - the fixture


@pytest.fixture(scope="module", params=["bilingual"])
def report_file(request, tmp_path_factory) -> tuple[str, Path]:
    assessment = build_assessment()
    file = render_export(assessment, "html", context=context_for(assessment), language=request.param)
    path = tmp_path_factory.mktemp("html") / file.filename
    path.write_bytes(file.content)
    return request.param, path


def test_the_bilingual_report_meets_wcag_2_2_aa(browser, report_file):  # noqa: F811
    language, path = report_file
    if not AXE.exists():
        pytest.skip("axe-core is not installed under tests/e2e: run `bash tests/e2e/install.sh`")
    page = browser.new_page(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    try:
        page.goto(path.as_uri(), wait_until="load")
        langs = page.eval_on_selector_all("[lang]", "els => els.map(e => e.lang)")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
    finally:
        page.close()
    assert langs[0] == "cy"  # the page's own: Welsh first
    if language == "bilingual":
        assert set(langs[1:]) == {"cy", "en-GB"} and langs.count("cy") - 1 == langs.count("en-GB")
    else:
        assert langs == ["cy"]
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5], v["help"]) for v in result["violations"]]
    assert violations == []
    assert len(result["passes"]) > 20
