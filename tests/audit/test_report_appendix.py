"""The HTML report's appendix: who recorded each agreed answer, when, and the note they gave."""

from __future__ import annotations

import re

from bot.report.document import prepare
from bot.report.html import render_html
from engine.erasure import forget_member
from tests.unit.conftest import SAM, SPREAD, UNANIMOUS, agree, at, start


def appendix(assessment) -> str:
    page = render_html(prepare(assessment, None, None), lambda chart: "")  # charts are not the point here
    found = re.search(r'<section id="recorded">.*?</section>', page)
    assert found, "the report has no appendix of recorded answers"
    return found.group(0)


def test_the_appendix_names_who_recorded_each_answer_when_and_the_note():
    assessment = start()
    agree(assessment, "budget", SPREAD, 2, 4, "two camps, agreed the lower view", minute=0)
    agree(assessment, "reserves", UNANIMOUS, minute=10)
    text = appendix(assessment)
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", text)
    assert len(rows) == 2
    assert "1.1" in rows[0] and ">Sam<" in rows[0] and "two camps, agreed the lower view" in rows[0]
    assert at(2).strftime("%H:%M") in rows[0]
    assert "1.2" in rows[1] and "no note" in rows[1]


def test_a_report_with_nothing_agreed_has_no_appendix_and_an_erased_recorder_is_not_named():
    assessment = start()
    page = render_html(prepare(assessment, None, None), lambda chart: "")
    assert 'id="recorded"' not in page
    agree(assessment, "budget", SPREAD, 2, 4, minute=0)
    forget_member(assessment, SAM)
    assert ">Former member<" in appendix(assessment) and ">Sam<" not in appendix(assessment)
