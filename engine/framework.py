"""Frameworks: what a team assesses itself against.

A framework is a list of themes; each theme has questions. Every question has a descriptor for
every point of the framework's maturity scale, so a member can see what "3" means for *this*
question before voting. Resources (guidance, case studies, tools, training, peer support) belong
where they help: to a question, to one level of a question (what helps a team reach it), and, as a
fallback for questions without their own, to a theme. Every question needs resources from one of
those places, so a priority always comes with somewhere to start. Frameworks are written in YAML and validated
here, strictly: a broken file is reported with the file, the key and what is wrong, never
half-loaded.

An assessment keeps a snapshot of its framework (`Framework.to_dict`), so what a team
answered never changes when the file does.

A framework is written in English and may carry its Welsh beside it: a `cy:` block in each place
that holds words (the framework, the scale, a theme, a question, a resource) gives the same keys
in Welsh. `Framework.in_language` is the framework as a person reads it (English where a
translation is missing); `missing_translations` lists what is missing, for `framework check`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cached_property
from typing import Any

import yaml

from engine.errors import FrameworkError, NotFound
from engine.language import ENGLISH, LANGUAGES, speaking_language

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_DESCRIPTOR_LENGTH = 240
# The languages a framework may be translated into, each a block beside the English (`cy:`).
TRANSLATED = tuple(language for language in LANGUAGES if language != ENGLISH)

# language -> the words in that language, keyed as the file keys them ("title", or "levels" -> point -> text)
Translations = Mapping[str, Mapping[str, Any]]


class ResourceKind(str, Enum):
    CASE_STUDY = "case study"
    GUIDANCE = "guidance"
    TOOL = "tool"
    TRAINING = "training"
    PEER_SUPPORT = "peer support"


@dataclass(frozen=True)
class Scale:
    minimum: int
    maximum: int
    labels: Mapping[int, str]
    translations: Translations = field(default_factory=dict, compare=False)

    @property
    def points(self) -> range:
        return range(self.minimum, self.maximum + 1)

    def label(self, point: int) -> str:
        return self.labels[point]

    def contains(self, value: object) -> bool:
        return type(value) is int and self.minimum <= value <= self.maximum

    def describe(self) -> str:
        return f"{self.minimum}–{self.maximum}"


@dataclass(frozen=True)
class Resource:
    title: str
    url: str
    kind: ResourceKind
    description: str = ""
    publisher: str = ""  # who stands behind it: "Local Government Association"; optional in old snapshots
    translations: Translations = field(default_factory=dict, compare=False)

    @property
    def credit(self) -> str:
        """The publisher to name beside the title: none when the title names it already ("Solace")."""
        return "" if self.publisher.lower() in self.title.lower() else self.publisher

    def to_dict(self) -> dict[str, str]:
        data: dict[str, Any] = {"title": self.title, "url": self.url, "kind": self.kind.value, "description": self.description}
        if self.publisher:
            data["publisher"] = self.publisher
        data.update(_translations_to_dict(self.translations))
        return data


@dataclass(frozen=True)
class Question:
    id: str
    number: str  # "2.3": third question of the second theme, as people will say it
    theme_id: str
    prompt: str
    guidance: str
    levels: Mapping[int, str]  # descriptor for every point of the scale
    resources: tuple[Resource, ...] = ()  # the question's own
    level_resources: Mapping[int, tuple[Resource, ...]] = field(default_factory=dict)  # what helps reach a level
    translations: Translations = field(default_factory=dict, compare=False)

    def descriptor(self, point: int) -> str:
        return self.levels[point]

    def resources_for(self, point: int) -> tuple[Resource, ...]:
        """What helps reach `point` on this question: the level's own resources, then the question's."""
        return _unique((*self.level_resources.get(point, ()), *self.resources))

    def level_to_dict(self, point: int) -> str | dict[str, Any]:
        """A level as the file writes it: the descriptor alone, or with the level's resources."""
        if not self.level_resources.get(point):
            return self.levels[point]
        return {"descriptor": self.levels[point], "resources": [r.to_dict() for r in self.level_resources[point]]}


@dataclass(frozen=True)
class Theme:
    id: str
    number: int
    title: str
    summary: str
    questions: tuple[Question, ...]
    resources: tuple[Resource, ...]
    translations: Translations = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: int
    description: str
    scale: Scale
    themes: tuple[Theme, ...]
    translations: Translations = field(default_factory=dict, compare=False)
    # A translated framework (`in_language`) remembers the one written in English: its snapshot.
    english: Framework | None = field(default=None, compare=False, repr=False)

    def in_language(self, language: str) -> Framework:
        """The framework as read in `language`: each text its translation, or the English where there is none."""
        source = self.english or self
        if language not in TRANSLATED:
            return source
        cached = source._translated
        if language not in cached:
            cached[language] = _translate_framework(source, language)
        return cached[language]

    def in_speaking_language(self) -> Framework:
        """The framework in the language now speaking (`engine.language.speaking`)."""
        return self.in_language(speaking_language())

    @cached_property
    def _translated(self) -> dict[str, Framework]:
        return {}

    def missing_translations(self, language: str) -> list[str]:
        """Every text without its `language` translation, as the file's key of the missing words
        ("themes[0].questions[1].cy.guidance"), in the order of the file."""
        return list(_missing(self, language))

    def questions(self) -> Iterator[Question]:
        for theme in self.themes:
            yield from theme.questions

    # A framework never changes once parsed, and every vote asks these again: each is worked out
    # once per framework object.
    @cached_property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions())

    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {question.id: question for question in self.questions()}

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {question_id: n for n, question_id in enumerate(self.question_ids, 1)}

    def position(self, question_id: str) -> int:
        """Where a question comes in the whole list, from 1."""
        return self._positions[question_id]

    @cached_property
    def views(self) -> dict[Any, Any]:
        """Room for views derived from this framework alone (`engine.presenters`), made once each."""
        return {}

    def question(self, ref: str) -> Question:
        """A question by id, by number ("2.3") or by position in the whole list ("7")."""
        ref = ref.strip()
        found = self._by_id.get(ref)
        if found is not None:
            return found
        ordered = list(self.questions())
        # People write "Q2.3", "q7" or "#7" for a number; only a number loses its prefix.
        number = ref[1:] if ref[:1] in ("q", "Q", "#") and ref[1:2].isdecimal() else ref
        for question in ordered:
            if number == question.number:
                return question
        if number.isdecimal() and number.isascii() and 1 <= int(number) <= len(ordered):
            return ordered[int(number) - 1]
        raise NotFound(
            f"There is no question {ref!r} in {self.title}: use a number such as 2.3 "
            f"(theme 2, question 3) or 1 to {len(ordered)}."
        )

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise NotFound(f"There is no theme {theme_id!r} in {self.title}.")

    def theme_of(self, question_id: str) -> Theme:
        return self.theme(self.question(question_id).theme_id)

    def to_dict(self) -> dict[str, Any]:
        """The framework in the file's own shape, with its translations: what an assessment stores as its snapshot."""
        if self.english is not None:
            return self.english.to_dict()
        return {
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "description": self.description,
            **_translations_to_dict(self.translations),
            "scale": {
                "min": self.scale.minimum,
                "max": self.scale.maximum,
                "labels": {p: self.scale.labels[p] for p in self.scale.points},
                **_translations_to_dict(self.scale.translations),
            },
            "themes": [
                {
                    "id": t.id,
                    "title": t.title,
                    "summary": t.summary,
                    **_translations_to_dict(t.translations),
                    "questions": [
                        {
                            "id": q.id,
                            "prompt": q.prompt,
                            "guidance": q.guidance,
                            "levels": {p: q.level_to_dict(p) for p in self.scale.points},
                            **({"resources": [r.to_dict() for r in q.resources]} if q.resources else {}),
                            **_translations_to_dict(q.translations),
                        }
                        for q in t.questions
                    ],
                    "resources": [r.to_dict() for r in t.resources],
                }
                for t in self.themes
            ],
        }


# What each part of a framework may say in another language (the keys of its `cy:` block).
_FRAMEWORK_WORDS = ("title", "description")
_SCALE_WORDS = ("labels",)
_THEME_WORDS = ("title", "summary")
_QUESTION_WORDS = ("prompt", "guidance", "levels")
_RESOURCE_WORDS = ("title", "description", "publisher", "url")  # a publisher's Welsh page has its own address


def _translations_to_dict(translations: Translations) -> dict[str, Any]:
    return {language: dict(words) for language, words in translations.items() if words}


def _words(part: Any, language: str, name: str) -> Any:
    """The translation of one text of a part, or its English when there is none."""
    translated = part.translations.get(language, {}).get(name)
    english = getattr(part, name)
    if isinstance(english, Mapping):  # per point: each point falls back on its own
        return {point: (translated or {}).get(point) or text for point, text in english.items()}
    return translated or english


def _translate_resource(resource: Resource, language: str) -> Resource:
    return replace(resource, **{name: _words(resource, language, name) for name in _RESOURCE_WORDS})


def _translate_framework(framework: Framework, language: str) -> Framework:
    resources = lambda found: tuple(_translate_resource(r, language) for r in found)
    themes = tuple(
        replace(
            theme,
            title=_words(theme, language, "title"),
            summary=_words(theme, language, "summary"),
            resources=resources(theme.resources),
            questions=tuple(
                replace(
                    question,
                    prompt=_words(question, language, "prompt"),
                    guidance=_words(question, language, "guidance"),
                    levels=_words(question, language, "levels"),
                    resources=resources(question.resources),
                    level_resources={point: resources(found) for point, found in question.level_resources.items()},
                )
                for question in theme.questions
            ),
        )
        for theme in framework.themes
    )
    return replace(
        framework,
        title=_words(framework, language, "title"),
        description=_words(framework, language, "description"),
        scale=replace(framework.scale, labels=_words(framework.scale, language, "labels")),
        themes=themes,
        english=framework,
    )


def _missing_in(part: Any, key: str, language: str, names: tuple[str, ...]) -> Iterator[str]:
    """The keys of `part`'s texts that have English but no `language` translation."""
    words = part.translations.get(language, {})
    for name in names:
        english = getattr(part, name)
        # An address and a publisher's name stay as they are unless the publisher has its own in
        # the language (Audit Wales is Archwilio Cymru); an empty text needs nothing.
        if name in ("url", "publisher") or not english:
            continue
        if isinstance(english, Mapping):
            for point in english:
                if not (words.get(name) or {}).get(point):
                    yield _join(key, f"{language}.{name}.{point}")
        elif not words.get(name):
            yield _join(key, f"{language}.{name}")


def _missing(framework: Framework, language: str) -> Iterator[str]:
    def resources(found: tuple[Resource, ...], key: str) -> Iterator[str]:
        for index, resource in enumerate(found):
            yield from _missing_in(resource, f"{key}[{index}]", language, _RESOURCE_WORDS)

    yield from _missing_in(framework, "", language, _FRAMEWORK_WORDS)
    yield from _missing_in(framework.scale, "scale", language, _SCALE_WORDS)
    for t, theme in enumerate(framework.themes):
        key = f"themes[{t}]"
        yield from _missing_in(theme, key, language, _THEME_WORDS)
        for q, question in enumerate(theme.questions):
            question_key = f"{key}.questions[{q}]"
            yield from _missing_in(question, question_key, language, _QUESTION_WORDS)
            for point, found in question.level_resources.items():
                yield from resources(found, f"{question_key}.levels.{point}.resources")
            yield from resources(question.resources, f"{question_key}.resources")
        yield from resources(theme.resources, f"{key}.resources")


MAX_YAML_DEPTH = 50  # a framework nests 7 levels deep, app.yaml 4


class NoAliases:
    """A YAML loader part that refuses aliases (``*name``) where it meets them, before expanding any,
    and nesting deeper than `MAX_YAML_DEPTH`, before it is built.

    Aliases let a few hundred bytes expand into gigabytes (nested aliases, "a billion laughs"):
    a 255-byte app.yaml took 7.6 s and 154 MB to be refused. Hand-written configuration and
    frameworks have no need of them. PyYAML builds nested values by recursion, so 5,000 `[`
    raised RecursionError (found by tests/fuzz/test_yaml.py) instead of saying what is wrong.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not allowed here: write the value out", event.start_mark
            )
        if self._depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"values are nested more than {MAX_YAML_DEPTH} levels deep here", self.peek_event().start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _StrictLoader(NoAliases, yaml.SafeLoader):
    """YAML's safe loader, except that a key written twice in one mapping is an error.

    Plain YAML keeps the last value silently, so a pasted second `prompt:` would replace the
    first without anyone noticing. Aliases are refused (`NoAliases`).
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is written twice in the same place", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class FrameworkProblems(FrameworkError):
    """Several things wrong with one framework, each a `FrameworkError`, so a file is fixed in one go.

    Reads as its first problem (`key`, `problem`) to code that expects one; `str()` lists them all.
    """

    def __init__(self, problems: list[FrameworkError]) -> None:
        first = problems[0]
        super().__init__(first.source, first.key, first.problem)
        self.problems = problems
        self.args = ("\n".join(describe_problem(problem) for problem in problems),)

    def __str__(self) -> str:
        return self.args[0]


def problems_of(error: FrameworkError) -> list[FrameworkError]:
    """Every problem an error from the parser stands for (one, or each of `FrameworkProblems`)."""
    return list(getattr(error, "problems", [error]))


def describe_problem(error: FrameworkError) -> str:
    """One problem for a person: the file, the key, what is wrong, and the line when it is known."""
    line = getattr(error, "line", None)
    return f"{error} (line {line})" if line else str(error)


def parse_framework_yaml(text: str, source: str) -> Framework:
    """Parse and validate a framework written in YAML; `source` names it in error messages.

    Every problem is found in one pass; each carries the line it is on (`line`) where the YAML
    says so, which `describe_problem` shows.
    """
    loader = None
    try:
        loader = _StrictLoader(text)  # its reader refuses control characters here, already
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FrameworkError(source, where, f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise FrameworkError(source, "", f"not valid YAML: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()
    try:
        return parse_framework(data, source)
    except FrameworkError as error:
        lines = _lines_of(node)
        for problem in problems_of(error):
            problem.line = _line_for(problem.key, lines)  # type: ignore[attr-defined]
        if isinstance(error, FrameworkProblems):  # its text lists the lines too
            raise FrameworkProblems(error.problems) from None
        raise


def line_of_key(text: str, key: str) -> int | None:
    """The line of `key` in a framework's YAML ("themes[2].cy.title"), or of the nearest key around it."""
    loader = _StrictLoader(text)
    try:
        return _line_for(key, _lines_of(loader.get_single_node()))
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _lines_of(node: Any, path: str = "", lines: dict[str, int] | None = None) -> dict[str, int]:
    """The line of every key path in a YAML node tree, in the parser's spelling (`themes[0].title`)."""
    lines = {} if lines is None else lines
    if node is None:
        return lines
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = _join(path, str(key_node.value))
            lines[key] = key_node.start_mark.line + 1
            _lines_of(value_node, key, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines_of(item, f"{path}[{index}]", lines)
    return lines


def _line_for(key: str, lines: dict[str, int]) -> int | None:
    """The line of `key`, or of the nearest enclosing key (a missing key is reported where its parent is)."""
    key = key.split(", ")[0]
    while key:
        if key in lines:
            return lines[key]
        key = re.sub(r"(\.[^.\[]*|\[\d+\])$", "", key) if re.search(r"(\.[^.\[]*|\[\d+\])$", key) else ""
    return None


def parse_framework(data: Any, source: str) -> Framework:
    """Validate a framework already read into plain data (a YAML document or a snapshot).

    Raises the one `FrameworkError` found, or `FrameworkProblems` listing each of several.
    """
    parser = _Parser(source)
    try:
        framework = parser.framework(data)
    except FrameworkError as problem:  # one that stops the walk (the document is not a mapping)
        parser.problems.append(problem)
    except _AlreadyReported:
        pass
    if len(parser.problems) == 1:
        raise parser.problems[0]
    if parser.problems:
        raise FrameworkProblems(parser.problems)
    return framework


class _AlreadyReported(Exception):
    """A part that cannot be checked because a problem above it is already noted (a missing key)."""


class _Checked(dict):
    """A mapping whose missing required keys are already reported: reading one skips the part."""

    def __missing__(self, key: str) -> Any:
        raise _AlreadyReported(key)


class _Parser:
    """Walks the document keeping the dotted key, so every error says where it is."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[FrameworkError] = []

    def fail(self, key: str, problem: str) -> FrameworkError:
        return FrameworkError(self.source, key, problem)

    def attempt(self, check: Any, default: Any = None) -> Any:
        """`check()`, or `default` with its problem noted: one mistake does not hide the next."""
        try:
            return check()
        except FrameworkError as problem:
            self.problems.append(problem)
        except _AlreadyReported:
            pass
        return default

    def mapping(self, value: Any, key: str, required: set[str], optional: set[str] = frozenset()) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key or "(top level)", f"should be a mapping of keys, not {_kind(value)}")
        missing = [name for name in sorted(required) if name not in value or value[name] is None]
        if missing:
            where = ", ".join(_join(key, name) for name in missing)
            self.problems.append(self.fail(where, "is missing" if len(missing) == 1 else "are missing"))
        # The translation blocks (`cy`) are documented with the framework, not named in every refusal.
        allowed = ", ".join(sorted((required | set(optional)) - set(TRANSLATED)))
        for name in sorted(set(map(str, value)) - required - set(optional)):
            self.problems.append(self.fail(_join(key, name), f"unknown key (allowed here: {allowed})"))
        return _Checked({name: item for name, item in value.items() if item is not None or name not in required})

    def text(self, value: Any, key: str, *, allow_empty: bool = False, limit: int | None = None) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # `title: 123` is more likely a slip than a title; a number meant as text goes in quotes.
            raise self.fail(key, f"should be text, not a number (put it in quotes: '{value}')")
        if not isinstance(value, str):
            raise self.fail(key, f"should be text, not {_kind(value)}")
        value = " ".join(value.split())
        if not value and not allow_empty:
            raise self.fail(key, "is empty")
        if limit is not None and len(value) > limit:
            raise self.fail(key, f"is {len(value)} characters long; keep it to {limit}")
        return value

    def slug(self, value: Any, key: str) -> str:
        text = self.text(value, key)
        if not _SLUG.match(text):
            raise self.fail(key, f"{text!r} should be a slug: lowercase letters, digits and hyphens")
        return text

    def integer(self, value: Any, key: str) -> int:
        if type(value) is not int:
            raise self.fail(key, f"should be a whole number, not {_kind(value)}")
        return value

    def items(self, value: Any, key: str, minimum: int) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(key, f"should be a list, not {_kind(value)}")
        if len(value) < minimum:
            raise self.fail(key, f"needs at least {minimum}, has {len(value)}")
        return value

    def per_point(self, value: Any, key: str, points: range, what: str) -> dict[int, str]:
        result = self._points(value, key, points, f"every point of the scale to {what}")
        missing = [p for p in points if p not in result]
        if missing:
            raise self.fail(f"{key}.{missing[0]}", f"is missing: give {what} for every point from {points[0]} to {points[-1]}")
        return result

    def framework(self, data: Any) -> Framework:
        doc = self.mapping(data, "", {"id", "title", "scale", "themes"}, {"version", "description", *TRANSLATED})
        framework_id = self.attempt(lambda: self.slug(doc["id"], "id"))
        title = self.attempt(lambda: self.text(doc["title"], "title"))
        version = self.attempt(lambda: self.integer(doc.get("version", 1), "version"))
        description = self.attempt(lambda: self.text(doc.get("description", ""), "description", allow_empty=True))
        scale = self.attempt(lambda: self.scale(doc["scale"]))
        translations = self.translations(doc, "", _FRAMEWORK_WORDS)
        themes: list[Theme] = []
        seen_questions: set[str] = set()
        seen_themes: set[str] = set()
        for index, raw in enumerate(self.attempt(lambda: self.items(doc["themes"], "themes", 1), [])):
            theme = self.attempt(lambda: self.theme(raw, f"themes[{index}]", index + 1, scale, seen_questions))
            if theme is None:
                continue
            if theme.id in seen_themes:
                self.problems.append(self.fail(f"themes[{index}].id", f"{theme.id!r} is used by another theme"))
            seen_themes.add(theme.id)
            themes.append(theme)
        if self.problems:
            raise _AlreadyReported("the framework")
        return Framework(
            id=framework_id,
            title=title,
            version=version,
            description=description,
            scale=scale,
            themes=tuple(themes),
            translations=translations,
        )

    def scale(self, raw: Any) -> Scale:
        doc = self.mapping(raw, "scale", {"min", "max", "labels"}, set(TRANSLATED))
        low, high = self.integer(doc["min"], "scale.min"), self.integer(doc["max"], "scale.max")
        if "labels" not in doc:
            raise _AlreadyReported("scale.labels")
        if not low < high:
            raise self.fail("scale.max", f"should be greater than scale.min ({low}), is {high}")
        if high - low > 10:
            raise self.fail("scale.max", "a maturity scale has at most 11 points")
        labels = self.per_point(doc["labels"], "scale.labels", range(low, high + 1), "a label")
        return Scale(low, high, labels, self.translations(doc, "scale", _SCALE_WORDS, range(low, high + 1)))

    def theme(self, raw: Any, key: str, number: int, scale: Scale | None, seen: set[str]) -> Theme:
        """A theme; its problems are noted and the walk goes on (a broken scale skips the levels)."""
        doc = self.mapping(raw, key, {"id", "title", "questions"}, {"summary", "resources", *TRANSLATED})
        theme_id = self.attempt(lambda: self.slug(doc["id"], f"{key}.id"), "")
        title = self.attempt(lambda: self.text(doc["title"], f"{key}.title"), "")
        summary = self.attempt(lambda: self.text(doc.get("summary", ""), f"{key}.summary", allow_empty=True), "")
        questions: list[Question] = []
        for index, item in enumerate(self.attempt(lambda: self.items(doc["questions"], f"{key}.questions", 1), [])):
            question = self.attempt(lambda: self.question(item, f"{key}.questions[{index}]", f"{number}.{index + 1}", theme_id, scale, seen))
            if question is not None:
                questions.append(question)
        # Theme resources are the fallback for questions without their own, so they may be left out
        # only when every question has some.
        resources = self.resources(doc["resources"], f"{key}.resources") if "resources" in doc else ()
        if "resources" not in doc or resources:
            for index, question in enumerate(questions):
                if not question.resources and not resources:
                    self.problems.append(
                        self.fail(
                            f"{key}.questions[{index}].resources",
                            "is missing: give the question resources of its own, or its theme resources to fall back on",
                        )
                    )
        translations = self.translations(doc, key, _THEME_WORDS)
        return Theme(
            id=theme_id,
            number=number,
            title=title,
            summary=summary,
            questions=tuple(questions),
            resources=resources,
            translations=translations,
        )

    def resources(self, raw: Any, key: str) -> tuple[Resource, ...]:
        """A list of resources, each checked; an empty list is refused (leave the key out instead)."""
        found = []
        for index, item in enumerate(self.attempt(lambda: self.items(raw, key, 1), [])):
            resource = self.attempt(lambda item=item, index=index: self.resource(item, f"{key}[{index}]"))
            if resource is not None:
                found.append(resource)
        urls = [r.url for r in found]
        for index, url in enumerate(urls):
            if url in urls[:index]:
                self.problems.append(self.fail(f"{key}[{index}].url", f"{url!r} is listed twice here"))
        return tuple(found)

    def question(self, raw: Any, key: str, number: str, theme_id: str, scale: Scale | None, seen: set[str]) -> Question:
        doc = self.mapping(raw, key, {"id", "prompt", "levels"}, {"guidance", "resources", *TRANSLATED})
        question_id = self.attempt(lambda: self.slug(doc["id"], f"{key}.id"), "")
        if question_id and question_id in seen:
            self.problems.append(self.fail(f"{key}.id", f"{question_id!r} is used by another question"))
        seen.add(question_id)
        prompt = self.attempt(lambda: self.text(doc["prompt"], f"{key}.prompt"), "")
        guidance = self.attempt(lambda: self.text(doc.get("guidance", ""), f"{key}.guidance", allow_empty=True), "")
        levels: dict[int, str] = {}
        level_resources: dict[int, tuple[Resource, ...]] = {}
        if scale is not None and "levels" in doc:
            raw_levels = self.attempt(lambda: self.level_resources(doc["levels"], f"{key}.levels", level_resources), {})
            levels = self.attempt(lambda: self.per_point(raw_levels, f"{key}.levels", scale.points, "a descriptor"), {})
        resources = self.resources(doc["resources"], f"{key}.resources") if "resources" in doc else ()
        return Question(
            id=question_id,
            number=number,
            theme_id=theme_id,
            prompt=prompt,
            guidance=guidance,
            levels=levels,
            resources=resources,
            level_resources=level_resources,
            translations=self.translations(doc, key, _QUESTION_WORDS, scale.points if scale is not None else None),
        )

    def level_resources(self, raw: Any, key: str, found: dict[int, tuple[Resource, ...]]) -> Any:
        """The levels with each written as its descriptor alone; a level's resources go into `found`.

        A level is its descriptor (text), or a mapping of `descriptor` and the `resources` that help
        a team reach it.
        """
        if not isinstance(raw, Mapping):
            return raw  # `per_point` says what is wrong
        plain: dict[Any, Any] = {}
        for raw_point, value in raw.items():
            if not isinstance(value, Mapping):
                plain[raw_point] = value
                continue
            level = self.mapping(value, f"{key}.{raw_point}", {"descriptor"}, {"resources"})
            # A missing descriptor is reported just now: a stand-in keeps it from being reported twice.
            plain[raw_point] = level.get("descriptor", "(missing)")
            point = _as_int(raw_point)
            if "resources" in level and point is not None:
                found[point] = self.resources(level["resources"], f"{key}.{raw_point}.resources")
        return plain

    def resource(self, raw: Any, key: str) -> Resource:
        doc = self.mapping(raw, key, {"title", "url", "kind"}, {"description", "publisher", *TRANSLATED})
        return Resource(
            title=self.attempt(lambda: self.text(doc["title"], f"{key}.title"), ""),
            url=self.attempt(lambda: self.url(doc["url"], f"{key}.url"), ""),
            kind=self.attempt(lambda: self.kind(doc["kind"], f"{key}.kind"), ResourceKind.GUIDANCE),
            description=self.attempt(lambda: self.text(doc.get("description", ""), f"{key}.description", allow_empty=True), ""),
            publisher=self.attempt(lambda: self.text(doc.get("publisher", ""), f"{key}.publisher", allow_empty=True), ""),
            translations=self.translations(doc, key, _RESOURCE_WORDS),
        )

    def translations(self, doc: Mapping[str, Any], key: str, names: tuple[str, ...], points: range | None = None) -> dict[str, dict[str, Any]]:
        """The `cy:` block (one per translated language) beside a part's English: the same keys, in Welsh.

        A block may leave texts out (they read in English, and `framework check` lists them), but
        what it gives is checked like the English.
        """
        found: dict[str, dict[str, Any]] = {}
        for language in TRANSLATED:
            if language not in doc:
                continue
            where = _join(key, language)
            block = self.attempt(lambda: self.mapping(doc[language], where, set(), set(names)), {})
            words: dict[str, Any] = {}
            for name in names:
                if name not in block:
                    continue
                at = f"{where}.{name}"
                if name in ("levels", "labels"):
                    if points is not None:
                        words[name] = self.attempt(lambda: self.some_points(block[name], at, points), {})
                elif name == "url":
                    words[name] = self.attempt(lambda: self.url(block[name], at), "")
                else:
                    limit = MAX_DESCRIPTOR_LENGTH if name == "labels" else None
                    words[name] = self.attempt(lambda: self.text(block[name], at, limit=limit), "")
            found[language] = {name: text for name, text in words.items() if text}
        return found

    def some_points(self, value: Any, key: str, points: range) -> dict[int, str]:
        """Texts for some points of the scale (a translation may still lack some)."""
        return {point: text for point, text in self._points(value, key, points, "points of the scale to their words").items() if text}

    def _points(self, value: Any, key: str, points: range, mapping: str) -> dict[int, str]:
        """Each point's text; a point off the scale is a problem, a text that fails is "" (its problem noted)."""
        if not isinstance(value, Mapping):
            raise self.fail(key, f"should map {mapping}, not {_kind(value)}")
        result: dict[int, str] = {}
        for raw in value:
            point = _as_int(raw)
            if point is None or point not in points:
                self.problems.append(self.fail(f"{key}.{raw}", f"is not a point of the scale {points[0]}–{points[-1]}"))
                continue
            result[point] = self.attempt(lambda: self.text(value[raw], f"{key}.{raw}", limit=MAX_DESCRIPTOR_LENGTH), "")
        return result

    def url(self, value: Any, key: str) -> str:
        url = self.text(value, key)
        if not url.startswith("https://"):
            raise self.fail(key, f"{url!r} should be a web address starting with https://")
        return url

    def kind(self, value: Any, key: str) -> ResourceKind:
        kind_text = self.text(value, key).lower()
        try:
            return ResourceKind(kind_text)
        except ValueError:
            kinds = ", ".join(k.value for k in ResourceKind)
            raise self.fail(key, f"{kind_text!r} is not a kind of resource (use one of: {kinds})") from None


def _unique(resources: tuple[Resource, ...]) -> tuple[Resource, ...]:
    """Resources in order, each web address once."""
    seen: set[str] = set()
    kept = []
    for resource in resources:
        if resource.url not in seen:
            seen.add(resource.url)
            kept.append(resource)
    return tuple(kept)


def _join(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


def _as_int(value: Any) -> int | None:
    if type(value) is int:
        return value
    text = value.strip() if isinstance(value, str) else ""
    digits = text[1:] if text.startswith("-") else text
    if digits.isascii() and digits.isdecimal():
        return int(text)
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )
