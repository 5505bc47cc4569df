"""The catalogue test (issue 19): every message in the code has a complete Welsh translation.

Every msgid Babel extracts from engine/, bot/ and adapters/ has a Welsh translation, not empty
and not fuzzy, with exactly the English's named placeholders, all six of Welsh's plural forms,
and the committed .mo is what the .po compiles to. The checker itself is shown to catch a
removed, an emptied, a fuzzy and a broken translation, so the test can fail.
"""

from __future__ import annotations

import copy

import pytest
from babel.messages.catalog import Catalog

from bot import i18n


@pytest.fixture(scope="module")
def template() -> Catalog:
    return i18n.extract()


@pytest.fixture(scope="module")
def welsh() -> Catalog:
    return i18n.read("cy")


def test_the_code_has_messages_to_translate(template):
    ids = {m.id for m in template if m.id}
    assert "We recorded your vote on question {number}" in ids
    assert "Where are we now?" in ids


def test_every_message_has_a_welsh_translation_with_the_same_placeholders(template, welsh):
    assert i18n.problems(template, welsh) == []


def test_the_compiled_catalogue_is_up_to_date_with_the_po(welsh):
    assert i18n.mo_path("cy").read_bytes() == i18n.compiled(welsh), "run `python -m bot.i18n compile`"


def test_the_po_declares_welshs_six_plural_forms(welsh):
    assert welsh.num_plurals == 6


def _without(catalogue: Catalog, msgid: str) -> Catalog:
    changed = copy.deepcopy(catalogue)
    changed.delete(msgid)
    return changed


def test_the_check_fails_when_one_welsh_string_is_removed(template, welsh):
    found = i18n.problems(template, _without(welsh, "Where are we now?"))
    assert found == ["missing: 'Where are we now?'"]


def test_the_check_fails_on_an_empty_a_fuzzy_or_a_broken_translation(template, welsh):
    changed = copy.deepcopy(welsh)
    changed["Vote"].string = ""
    changed["Your comment: {comment}"].string = "Eich sylw: {sylw}"
    changed["Note: {note}"].flags.add("fuzzy")
    found = i18n.problems(template, changed)
    assert "missing: 'Vote'" in found
    assert "fuzzy: 'Note: {note}'" in found
    assert any("placeholders ['sylw'] instead of ['comment']" in problem for problem in found)


def test_a_plural_entry_needs_all_six_welsh_forms():
    template = Catalog(locale="en")
    template.add(("{count} vote", "{count} votes"))
    welsh = Catalog(locale="cy")
    welsh.add(("{count} vote", "{count} votes"), ("{count} pleidlais", "{count} bleidlais"))
    assert i18n.problems(template, welsh) == ["2 plural forms instead of 6: '{count} vote'"]
    forms = ("{count} pleidlais", "{count} bleidlais", "{count} bleidlais", "{count} pleidlais", "{count} pleidlais", "{count} pleidlais")
    complete = Catalog(locale="cy")
    complete.add(("{count} vote", "{count} votes"), forms)
    assert i18n.problems(template, complete) == []
