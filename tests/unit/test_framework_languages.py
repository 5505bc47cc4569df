"""Frameworks in Welsh and English (issue 19, item 3): a `cy:` block beside each English text."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import FrameworkError
from engine.framework import parse_framework, parse_framework_yaml, problems_of
from engine.language import WELSH, speaking

SHIPPED = Path(__file__).resolve().parents[2] / "bot" / "frameworks" / "efficient-councils.yaml"


@pytest.fixture(scope="module")
def shipped():
    return parse_framework_yaml(SHIPPED.read_text(encoding="utf-8"), SHIPPED.name)


def test_the_shipped_framework_reads_in_welsh_with_nothing_missing(shipped):
    welsh = shipped.in_language(WELSH)
    assert shipped.missing_translations(WELSH) == []
    assert welsh.title == "Cynghorau effeithlon a deallus"
    assert welsh.scale.label(1) == "Dechreuol"
    first = welsh.question("1.1")
    assert first.prompt.startswith("Pa mor dda yr ydym yn defnyddio data")
    assert first.descriptor(3).startswith("Mae gennym sylfaen dystiolaeth gyffredin")
    assert first.resources[2].title == "Astudiaethau achos"
    assert len(welsh.question_ids) == 25 and welsh.question_ids == shipped.question_ids
    # Every text of every question is Welsh, not the English left in place.
    for english, cymraeg in zip(shipped.questions(), welsh.questions()):
        assert cymraeg.prompt != english.prompt and cymraeg.guidance != english.guidance
        assert all(cymraeg.descriptor(p) != english.descriptor(p) for p in shipped.scale.points)


def test_a_publisher_with_a_welsh_name_and_page_is_named_and_linked_in_welsh(shipped):
    audit = next(r for q in shipped.in_language(WELSH).questions() for r in q.resources if "archwilio" in r.url)
    assert (audit.title, audit.publisher, audit.url) == ("Archwilio Cymru", "Archwilio Cymru", "https://www.archwilio.cymru/")
    english = next(r for q in shipped.questions() for r in q.resources if r.title == "Audit Wales")
    assert english.url == "https://www.audit.wales/"


def test_the_framework_follows_the_language_speaking_and_english_is_the_english(shipped):
    with speaking(WELSH):
        assert shipped.in_speaking_language().theme("finance").title == "Cynllunio ariannol a hyfywedd"
    assert shipped.in_speaking_language() is shipped
    assert shipped.in_language(WELSH).in_language("en") is shipped


def test_a_missing_translation_reads_in_english_and_is_listed(shipped):
    text = SHIPPED.read_text(encoding="utf-8")
    welsh_level = '            2: "Mae gennym ddata defnyddiol, ond'
    assert welsh_level in text
    lines = [line for line in text.splitlines() if not line.startswith(welsh_level)]
    framework = parse_framework_yaml("\n".join(lines), "missing.yaml")
    assert framework.missing_translations(WELSH) == ["themes[0].questions[0].cy.levels.2"]
    question = framework.in_language(WELSH).question("1.1")
    assert question.descriptor(2) == shipped.question("1.1").descriptor(2)  # English stands in
    assert question.descriptor(3).startswith("Mae gennym sylfaen")


def test_the_snapshot_keeps_the_welsh(shipped):
    again = parse_framework(shipped.to_dict(), "snapshot")
    assert again.missing_translations(WELSH) == []
    assert again.in_language(WELSH).question("5.5").prompt == shipped.in_language(WELSH).question("5.5").prompt
    assert shipped.in_language(WELSH).to_dict() == shipped.to_dict()  # a translated copy stores the original


def test_a_welsh_block_is_checked_like_the_english(shipped):
    data = shipped.to_dict()
    question = data["themes"][0]["questions"][0]
    question["cy"]["levels"][9] = "Y tu hwnt i'r raddfa"
    question["cy"]["promt"] = "Camsillafiad"
    data["themes"][0]["cy"]["title"] = 7
    with pytest.raises(FrameworkError) as raised:
        parse_framework(data, "broken")
    found = {(p.key, p.problem) for p in problems_of(raised.value)}
    assert ("themes[0].questions[0].cy.levels.9", "is not a point of the scale 1–5") in found
    assert any(key == "themes[0].questions[0].cy.promt" and "unknown key" in problem for key, problem in found)
    assert any(key == "themes[0].cy.title" and "should be text" in problem for key, problem in found)
