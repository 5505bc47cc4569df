"""The privacy notice and terms in a real browser: axe-core's WCAG 2.2 A and AA rules find nothing.

A council links to its privacy notice from its own site, so it is held to the same Public Sector
Bodies Accessibility Regulations as the report. Skips, saying why, without chromium, Playwright
or axe-core (`bash tests/e2e/install.sh`), as tests/reports/test_html_browser.py does.
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from bot.config import parse_config
from bot.legal_pages import privacy_page, render_page, terms_page
from tests.reports.test_html_browser import AXE, CHROMIUM, FLAGS, WCAG_22_AA, sync_api

OWN_TEXT = dedent(
    """
    organisation:
      name: Northshire Council
    legal:
      contact: https://www.northshire.gov.uk/data-protection
      terms: |
        # Our terms
        Read them at https://www.northshire.gov.uk/terms or ask dpo@northshire.gov.uk.

        - one
        - two
    """
)


@pytest.fixture(scope="module")
def browser():
    if not AXE.exists():
        pytest.skip("axe-core is not installed under tests/e2e: run `bash tests/e2e/install.sh`")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.mark.parametrize("which", ["privacy", "terms"])
@pytest.mark.parametrize("text", ["organisation:\n  name: Northshire Council\n", OWN_TEXT], ids=["built-in", "own text"])
def test_the_pages_meet_wcag_2_2_aa_as_axe_core_checks_them(browser, tmp_path, which, text):
    config = parse_config(text, environ={})
    page_of = privacy_page if which == "privacy" else terms_page
    other = ("terms", "Terms of use") if which == "privacy" else ("privacy", "Privacy notice")
    path = tmp_path / f"{which}.html"
    path.write_text(render_page(page_of(config), config.organisation.name, other), encoding="utf-8")

    page = browser.new_page(viewport={"width": 390, "height": 844}, bypass_csp=True)  # a phone: the narrowest it is read on
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_22_AA)
        # Nothing is wider than the screen: no sideways scrolling to read a line (WCAG 1.4.10).
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        page.close()
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5], v["help"]) for v in result["violations"]]
    assert violations == []
    assert len(result["passes"]) > 10  # the rules really ran
