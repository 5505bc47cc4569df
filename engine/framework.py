"""Frameworks: what a team assesses itself against.

A framework is a list of themes; each theme has questions and resources. Every question
has a descriptor for every point of the framework's maturity scale, so a member can see what
"3" means for *this* question before voting. Frameworks are written in YAML and validated
here, strictly: a broken file is reported with the file, the key and what is wrong, never
half-loaded.

An assessment keeps a snapshot of its framework (`Framework.to_dict`), so what a team
answered never changes when the file does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from enum import Enum
from typing import Any

import yaml

from engine.errors import FrameworkError, NotFound

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_DESCRIPTOR_LENGTH = 240


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


@dataclass(frozen=True)
class Question:
    id: str
    number: str  # "2.3": third question of the second theme, as people will say it
    theme_id: str
    prompt: str
    guidance: str
    levels: Mapping[int, str]  # descriptor for every point of the scale

    def descriptor(self, point: int) -> str:
        return self.levels[point]


@dataclass(frozen=True)
class Theme:
    id: str
    number: int
    title: str
    summary: str
    questions: tuple[Question, ...]
    resources: tuple[Resource, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    version: int
    description: str
    scale: Scale
    themes: tuple[Theme, ...]

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
        """The framework in the file's own shape: what an assessment stores as its snapshot."""
        return {
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "description": self.description,
            "scale": {
                "min": self.scale.minimum,
                "max": self.scale.maximum,
                "labels": {p: self.scale.labels[p] for p in self.scale.points},
            },
            "themes": [
                {
                    "id": t.id,
                    "title": t.title,
                    "summary": t.summary,
                    "questions": [
                        {
                            "id": q.id,
                            "prompt": q.prompt,
                            "guidance": q.guidance,
                            "levels": {p: q.levels[p] for p in self.scale.points},
                        }
                        for q in t.questions
                    ],
                    "resources": [
                        {
                            "title": r.title,
                            "url": r.url,
                            "kind": r.kind.value,
                            "description": r.description,
                        }
                        for r in t.resources
                    ],
                }
                for t in self.themes
            ],
        }


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


def parse_framework_yaml(text: str, source: str) -> Framework:
    """Parse and validate a framework written in YAML; `source` names it in error messages."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FrameworkError(source, where, f"not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise FrameworkError(source, "", f"not valid YAML: {exc}") from None
    return parse_framework(data, source)


def parse_framework(data: Any, source: str) -> Framework:
    """Validate a framework already read into plain data (a YAML document or a snapshot)."""
    return _Parser(source).framework(data)


class _Parser:
    """Walks the document keeping the dotted key, so every error says where it is."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> FrameworkError:
        return FrameworkError(self.source, key, problem)

    def mapping(self, value: Any, key: str, required: set[str], optional: set[str] = frozenset()) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key or "(top level)", f"should be a mapping of keys, not {_kind(value)}")
        missing = [name for name in sorted(required) if name not in value or value[name] is None]
        if missing:
            where = ", ".join(_join(key, name) for name in missing)
            raise self.fail(where, "is missing" if len(missing) == 1 else "are missing")
        unknown = sorted(set(map(str, value)) - required - set(optional))
        if unknown:
            allowed = ", ".join(sorted(required | set(optional)))
            raise self.fail(_join(key, unknown[0]), f"unknown key (allowed here: {allowed})")
        return value

    def text(self, value: Any, key: str, *, allow_empty: bool = False, limit: int | None = None) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
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
        if not isinstance(value, Mapping):
            raise self.fail(key, f"should map every point of the scale to {what}, not {_kind(value)}")
        result: dict[int, str] = {}
        for raw in value:
            point = _as_int(raw)
            if point is None or point not in points:
                raise self.fail(f"{key}.{raw}", f"is not a point of the scale {points[0]}–{points[-1]}")
            result[point] = self.text(value[raw], f"{key}.{raw}", limit=MAX_DESCRIPTOR_LENGTH)
        missing = [p for p in points if p not in result]
        if missing:
            raise self.fail(f"{key}.{missing[0]}", f"is missing: give {what} for every point from {points[0]} to {points[-1]}")
        return result

    def framework(self, data: Any) -> Framework:
        doc = self.mapping(data, "", {"id", "title", "scale", "themes"}, {"version", "description"})
        scale = self.scale(doc["scale"])
        version = self.integer(doc.get("version", 1), "version")
        themes: list[Theme] = []
        seen_questions: set[str] = set()
        seen_themes: set[str] = set()
        for index, raw in enumerate(self.items(doc["themes"], "themes", 1)):
            theme = self.theme(raw, f"themes[{index}]", index + 1, scale, seen_questions)
            if theme.id in seen_themes:
                raise self.fail(f"themes[{index}].id", f"{theme.id!r} is used by another theme")
            seen_themes.add(theme.id)
            themes.append(theme)
        return Framework(
            id=self.slug(doc["id"], "id"),
            title=self.text(doc["title"], "title"),
            version=version,
            description=self.text(doc.get("description", ""), "description", allow_empty=True),
            scale=scale,
            themes=tuple(themes),
        )

    def scale(self, raw: Any) -> Scale:
        doc = self.mapping(raw, "scale", {"min", "max", "labels"})
        low, high = self.integer(doc["min"], "scale.min"), self.integer(doc["max"], "scale.max")
        if not low < high:
            raise self.fail("scale.max", f"should be greater than scale.min ({low}), is {high}")
        if high - low > 10:
            raise self.fail("scale.max", "a maturity scale has at most 11 points")
        labels = self.per_point(doc["labels"], "scale.labels", range(low, high + 1), "a label")
        return Scale(low, high, labels)

    def theme(self, raw: Any, key: str, number: int, scale: Scale, seen: set[str]) -> Theme:
        doc = self.mapping(raw, key, {"id", "title", "questions", "resources"}, {"summary"})
        theme_id = self.slug(doc["id"], f"{key}.id")
        questions: list[Question] = []
        for index, item in enumerate(self.items(doc["questions"], f"{key}.questions", 1)):
            qkey = f"{key}.questions[{index}]"
            qdoc = self.mapping(item, qkey, {"id", "prompt", "levels"}, {"guidance"})
            question_id = self.slug(qdoc["id"], f"{qkey}.id")
            if question_id in seen:
                raise self.fail(f"{qkey}.id", f"{question_id!r} is used by another question")
            seen.add(question_id)
            questions.append(
                Question(
                    id=question_id,
                    number=f"{number}.{index + 1}",
                    theme_id=theme_id,
                    prompt=self.text(qdoc["prompt"], f"{qkey}.prompt"),
                    guidance=self.text(qdoc.get("guidance", ""), f"{qkey}.guidance", allow_empty=True),
                    levels=self.per_point(qdoc["levels"], f"{qkey}.levels", scale.points, "a descriptor"),
                )
            )
        resources = tuple(
            self.resource(item, f"{key}.resources[{index}]")
            for index, item in enumerate(self.items(doc["resources"], f"{key}.resources", 1))
        )
        return Theme(
            id=theme_id,
            number=number,
            title=self.text(doc["title"], f"{key}.title"),
            summary=self.text(doc.get("summary", ""), f"{key}.summary", allow_empty=True),
            questions=tuple(questions),
            resources=resources,
        )

    def resource(self, raw: Any, key: str) -> Resource:
        doc = self.mapping(raw, key, {"title", "url", "kind"}, {"description"})
        url = self.text(doc["url"], f"{key}.url")
        if not url.startswith("https://"):
            raise self.fail(f"{key}.url", f"{url!r} should be a web address starting with https://")
        kind_text = self.text(doc["kind"], f"{key}.kind").lower()
        try:
            kind = ResourceKind(kind_text)
        except ValueError:
            kinds = ", ".join(k.value for k in ResourceKind)
            raise self.fail(f"{key}.kind", f"{kind_text!r} is not a kind of resource (use one of: {kinds})") from None
        return Resource(
            title=self.text(doc["title"], f"{key}.title"),
            url=url,
            kind=kind,
            description=self.text(doc.get("description", ""), f"{key}.description", allow_empty=True),
        )


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
