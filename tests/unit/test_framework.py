"""Frameworks: the shipped file, the messages for broken files, question lookup, snapshots."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from engine.errors import FrameworkError, NotFound
from engine.framework import ResourceKind, parse_framework, parse_framework_yaml
from tests.unit.conftest import TINY_YAML

ALLOWED_KINDS = {"case study", "guidance", "tool", "training", "peer support"}


# --- the shipped framework ------------------------------------------------------------------


def test_shipped_framework_has_the_five_themes_in_order(shipped):
    assert [t.title for t in shipped.themes] == [
        "Understanding of local place and priority setting",
        "Leadership of place",
        "Financial planning and viability",
        "Organisational leadership and governance",
        "Capacity to deliver",
    ]
    assert shipped.id == "efficient-councils"
    assert (shipped.scale.minimum, shipped.scale.maximum) == (1, 5)


def test_shipped_framework_describes_every_level_of_every_question(shipped):
    for theme in shipped.themes:
        assert len(theme.questions) >= 4, theme.title
        for question in theme.questions:
            assert question.prompt.endswith("?"), question.id
            assert sorted(question.levels) == [1, 2, 3, 4, 5], question.id
            assert all(len(question.descriptor(p)) > 20 for p in range(1, 6)), question.id
            # five different descriptors, not one pasted five times
            assert len(set(question.levels.values())) == 5, question.id
    assert len(set(shipped.question_ids)) == len(shipped.question_ids)


def test_shipped_framework_offers_at_least_three_safe_resources_per_theme(shipped):
    for theme in shipped.themes:
        assert len(theme.resources) >= 3, theme.title
        for resource in theme.resources:
            assert resource.kind.value in ALLOWED_KINDS
            assert resource.url.startswith("https://"), resource.url
            assert resource.title and resource.publisher


def test_question_numbers_are_theme_dot_position(shipped):
    numbers = [q.number for q in shipped.questions()]
    assert numbers[:2] == ["1.1", "1.2"]
    assert shipped.question("2.3").theme_id == shipped.themes[1].id
    assert shipped.question("2.3") is shipped.themes[1].questions[2]


# --- broken files: the message names the source, the key path and what is wrong -------------


def error_for(mutate) -> str:
    """The message for the tiny framework after `mutate(document)` breaks it."""
    document = yaml.safe_load(TINY_YAML)
    mutate(document)
    with pytest.raises(FrameworkError) as caught:
        parse_framework_yaml(yaml.safe_dump(document, sort_keys=False), "councils.yaml")
    return str(caught.value)


def _question(doc, theme=0, index=0):
    return doc["themes"][theme]["questions"][index]


BROKEN = {
    "missing key": (
        lambda d: d["themes"][1].pop("title"),
        "councils.yaml: themes[1].title: is missing",
    ),
    "null value counts as missing": (
        lambda d: _question(d, 0, 1).update(prompt=None),
        "councils.yaml: themes[0].questions[1].prompt: is missing",
    ),
    "unknown key": (
        lambda d: _question(d).update(colour="red"),
        "councils.yaml: themes[0].questions[0].colour: unknown key (allowed here: guidance, id, levels, prompt, resources)",
    ),
    "duplicate question id": (
        lambda d: _question(d, 1, 0).update(id="budget"),
        "councils.yaml: themes[1].questions[0].id: 'budget' is used by another question",
    ),
    "duplicate theme id": (
        lambda d: d["themes"][1].update(id="money"),
        "councils.yaml: themes[1].id: 'money' is used by another theme",
    ),
    "missing level": (
        lambda d: _question(d, 0, 1)["levels"].pop(3),
        "councils.yaml: themes[0].questions[1].levels.3: is missing: give a descriptor for every point from 1 to 5",
    ),
    "level off the scale": (
        lambda d: _question(d)["levels"].update({6: "Budget 6: beyond leading."}),
        "councils.yaml: themes[0].questions[0].levels.6: is not a point of the scale 1–5",
    ),
    "empty descriptor": (
        lambda d: _question(d)["levels"].update({2: "   "}),
        "councils.yaml: themes[0].questions[0].levels.2: is empty",
    ),
    "descriptor too long": (
        lambda d: _question(d)["levels"].update({2: "x" * 241}),
        "councils.yaml: themes[0].questions[0].levels.2: is 241 characters long; keep it to 240",
    ),
    "bad resource kind": (
        lambda d: d["themes"][0]["resources"][2].update(kind="podcast"),
        "councils.yaml: themes[0].resources[2].kind: 'podcast' is not a kind of resource "
        "(use one of: case study, guidance, tool, training, peer support)",
    ),
    "not a web address": (
        lambda d: d["themes"][1]["resources"][0].update(url="ftp://example.org/file"),
        "councils.yaml: themes[1].resources[0].url: 'ftp://example.org/file' should be a web address starting with https://",
    ),
    "bad slug": (
        lambda d: d["themes"][0].update(id="Money Matters"),
        "councils.yaml: themes[0].id: 'Money Matters' should be a slug: lowercase letters, digits and hyphens",
    ),
    "min equals max": (
        lambda d: d["scale"].update(min=5),
        "councils.yaml: scale.max: should be greater than scale.min (5), is 5",
    ),
    "min above max": (
        lambda d: d["scale"].update(min=7),
        "councils.yaml: scale.max: should be greater than scale.min (7), is 5",
    ),
    "scale end not a whole number": (
        lambda d: d["scale"].update(max=5.5),
        "councils.yaml: scale.max: should be a whole number, not a number",
    ),
    "theme without questions": (
        lambda d: d["themes"][1].update(questions=[]),
        "councils.yaml: themes[1].questions: needs at least 1, has 0",
    ),
    "questions not a list": (
        lambda d: d["themes"][1].update(questions="skills, culture"),
        "councils.yaml: themes[1].questions: should be a list, not text",
    ),
}


@pytest.mark.parametrize("mutate, expected", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_file_is_reported_with_source_key_and_problem(mutate, expected):
    assert error_for(mutate) == expected


def test_invalid_yaml_is_reported_with_its_line():
    text = TINY_YAML.replace("  - id: people\n", "  - id: people\n   title: [unclosed\n", 1)
    line = text.splitlines().index("   title: [unclosed") + 1
    with pytest.raises(FrameworkError) as caught:
        parse_framework_yaml(text, "councils.yaml")
    message = str(caught.value)
    assert message.startswith(f"councils.yaml: line {line}, column ")
    assert "not valid YAML" in message


def test_a_document_that_is_not_a_mapping_is_refused():
    with pytest.raises(FrameworkError) as caught:
        parse_framework_yaml("- just\n- a list\n", "councils.yaml")
    assert str(caught.value) == "councils.yaml: (top level): should be a mapping of keys, not a list"


def test_resource_kind_is_case_insensitive(tiny):
    document = tiny.to_dict()
    document["themes"][0]["resources"][0]["kind"] = "Case Study"
    assert parse_framework(document, "snapshot").themes[0].resources[0].kind is ResourceKind.CASE_STUDY


def test_a_plain_http_address_is_refused():
    message = error_for(lambda d: d["themes"][1]["resources"][0].update(url="http://example.org/peers"))
    assert "themes[1].resources[0].url" in message and "https://" in message


def test_a_key_written_twice_is_refused():
    text = TINY_YAML.replace(
        '        prompt: "How sound is our budget?"\n',
        '        prompt: "How sound is our budget?"\n        prompt: "How big is our budget?"\n',
    )
    with pytest.raises(FrameworkError) as caught:
        parse_framework_yaml(text, "councils.yaml")
    assert "prompt" in str(caught.value)


def test_aliases_are_refused_before_they_are_expanded():
    text = TINY_YAML.replace(
        '        prompt: "How sound is our budget?"\n',
        '        prompt: &budget "How sound is our budget?"\n        guidance: *budget\n',
    )
    assert text != TINY_YAML
    with pytest.raises(FrameworkError) as caught:
        parse_framework_yaml(text, "councils.yaml")
    assert "aliases (*budget) are not allowed" in str(caught.value)


def test_a_theme_missing_several_keys_names_each_of_them():
    def strip(document):
        for key in ("id", "title", "questions"):
            document["themes"][1].pop(key)

    message = error_for(strip)
    assert all(f"themes[1].{key}" in message for key in ("id", "title", "questions"))


# --- resources per question and per level ----------------------------------------------------

LGA_PEERS = {
    "title": "Corporate peer challenge",
    "publisher": "Local Government Association",
    "url": "https://www.local.gov.uk/our-support/peer-challenges",
    "kind": "peer support",
}
CIPFA_CODE = {
    "title": "Financial Management Code",
    "publisher": "CIPFA",
    "url": "https://www.cipfa.org/policy-and-guidance/publications/f/financial-management-code",
    "kind": "guidance",
}


def _with_question_resources(document):
    budget = _question(document)
    budget["resources"] = [dict(CIPFA_CODE), dict(LGA_PEERS)]
    budget["levels"][3] = {"descriptor": "Budget 3: it balances and is realistic.", "resources": [dict(LGA_PEERS)]}
    return document


def test_a_question_has_resources_of_its_own_and_for_a_level():
    framework = parse_framework(_with_question_resources(yaml.safe_load(TINY_YAML)), "councils.yaml")
    budget = framework.question("budget")
    assert [r.title for r in budget.resources] == ["Financial Management Code", "Corporate peer challenge"]
    assert budget.resources[0].publisher == "CIPFA"
    assert budget.descriptor(3) == "Budget 3: it balances and is realistic."
    # Reaching 3: the level's own resource first, then the question's, each address once.
    assert [r.title for r in budget.resources_for(3)] == ["Corporate peer challenge", "Financial Management Code"]
    assert [r.title for r in budget.resources_for(4)] == ["Financial Management Code", "Corporate peer challenge"]
    assert parse_framework(framework.to_dict(), "snapshot") == framework


def test_a_resource_names_its_publisher_unless_its_title_already_does():
    from engine.framework import Resource

    peers = Resource("Peer challenges", "https://www.local.gov.uk/our-support/peer-challenges", ResourceKind.PEER_SUPPORT, publisher="Local Government Association")
    solace = Resource("Solace", "https://solace.org.uk/", ResourceKind.PEER_SUPPORT, publisher="Solace")
    assert (peers.credit, solace.credit) == ("Local Government Association", "")


def test_a_theme_may_leave_resources_to_its_questions():
    def own_resources_only(document):
        document["themes"][1].pop("resources")
        for question in document["themes"][1]["questions"]:
            question["resources"] = [dict(LGA_PEERS)]

    document = yaml.safe_load(TINY_YAML)
    own_resources_only(document)
    framework = parse_framework(document, "councils.yaml")
    assert framework.themes[1].resources == ()
    assert framework.question("skills").resources_for(2)[0].publisher == "Local Government Association"


def test_a_question_with_no_resources_anywhere_is_refused():
    message = error_for(lambda d: d["themes"][1].pop("resources"))
    problem = "resources: is missing: give the question resources of its own, or its theme resources to fall back on"
    assert f"councils.yaml: themes[1].questions[0].{problem}" in message
    assert f"councils.yaml: themes[1].questions[1].{problem}" in message


def test_every_problem_with_question_and_level_resources_is_named_in_one_run():
    def broken(document):
        _with_question_resources(document)
        budget = _question(document)
        budget["resources"][0]["kind"] = "podcast"
        budget["resources"][1].pop("url")
        budget["levels"][3]["resources"][0]["url"] = "http://www.local.gov.uk/our-support/peer-challenges"
        budget["levels"][4] = {"resources": [dict(LGA_PEERS)]}
        _question(document, 0, 1)["resources"] = [dict(CIPFA_CODE), dict(CIPFA_CODE)]

    message = error_for(broken)
    for expected in (
        "themes[0].questions[0].resources[0].kind: 'podcast' is not a kind of resource",
        "themes[0].questions[0].resources[1].url: is missing",
        (
            "themes[0].questions[0].levels.3.resources[0].url: 'http://www.local.gov.uk/our-support/peer-challenges' "
            "should be a web address starting with https://"
        ),
        "themes[0].questions[0].levels.4.descriptor: is missing",
        (
            "themes[0].questions[1].resources[1].url: "
            "'https://www.cipfa.org/policy-and-guidance/publications/f/financial-management-code' is listed twice here"
        ),
    ):
        assert expected in message, expected
    assert message.count("levels.4") == 1  # the missing descriptor is named once, not also as a missing level


def test_the_shipped_framework_gives_every_question_its_own_resources(shipped):
    for question in shipped.questions():
        assert len(question.resources) >= 2, question.id
        assert len({r.kind for r in question.resources}) >= 2, question.id  # not only one kind of help
        for resource in question.resources:
            assert resource.publisher and resource.title, question.id
            assert resource.url.startswith("https://"), resource.url


def test_a_level_written_as_a_superscript_is_reported_as_off_the_scale():
    message = error_for(lambda d: _question(d)["levels"].update({"²": "Budget squared"}))
    assert "themes[0].questions[0].levels.²" in message


# --- finding a question -----------------------------------------------------------------------


def test_a_question_is_found_by_number_position_or_id(tiny):
    assert tiny.question("2.1").id == "skills"
    assert tiny.question("3").id == "skills"  # third question overall
    assert tiny.question("culture").number == "2.2"
    assert tiny.question(" q1.2 ").id == "reserves"
    assert tiny.question("#4").id == "culture"
    assert tiny.theme_of("skills").title == "People"


@pytest.mark.parametrize("ref", ["9", "0", "3.1", "budgets"])
def test_an_unknown_question_is_explained(tiny, ref):
    with pytest.raises(NotFound) as caught:
        tiny.question(ref)
    assert str(caught.value) == (
        f"There is no question {ref!r} in Tiny council check: use a number such as 2.3 "
        "(theme 2, question 3) or 1 to 4."
    )


def test_a_question_whose_id_starts_with_q_is_found_by_id():
    document = yaml.safe_load(TINY_YAML)
    document["themes"][0]["questions"][0]["id"] = "quality-of-budget"
    framework = parse_framework(document, "councils.yaml")
    assert framework.question("quality-of-budget").number == "1.1"


def test_a_superscript_digit_is_not_a_question_number(tiny):
    with pytest.raises(NotFound):
        tiny.question("²")


# --- snapshots --------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["tiny", "shipped"])
def test_a_snapshot_reads_back_as_the_same_framework(which, request):
    framework = request.getfixturevalue(which)
    assert parse_framework(framework.to_dict(), "snapshot") == framework


@pytest.mark.parametrize("which", ["tiny", "shipped"])
def test_a_snapshot_survives_json_where_level_keys_become_text(which, request):
    framework = request.getfixturevalue(which)
    stored = json.loads(json.dumps(framework.to_dict()))
    assert "1" in stored["scale"]["labels"]  # JSON made the int keys strings
    restored = parse_framework(stored, "snapshot")
    assert restored == framework
    assert restored.question("2.1").descriptor(3) == framework.question("2.1").descriptor(3)


def test_a_snapshot_does_not_change_when_its_source_does(tiny):
    snapshot = tiny.to_dict()
    kept = copy.deepcopy(snapshot)
    restored = parse_framework(snapshot, "snapshot")
    snapshot["themes"][0]["questions"][0]["prompt"] = "Changed later"
    assert snapshot != kept
    assert restored.question("1.1").prompt == "How sound is our budget?"
