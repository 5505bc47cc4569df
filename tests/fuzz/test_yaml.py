"""Framework files and app.yaml from random and broken input: a clear error, never a crash.

Whatever a person writes (or a bad copy-and-paste leaves behind), `parse_framework_yaml` must
either return a framework or raise `FrameworkError`, and `parse_config` return a configuration
or raise `ConfigError`; each with a message naming what is wrong. Any other exception would reach
the person as a traceback at start-up, or in `accord framework check`.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.config import ConfigError, parse_config
from engine.errors import FrameworkError
from engine.framework import parse_framework_yaml
from tests.fuzz.conftest import budget
from tests.unit.conftest import TINY_YAML

REPO = Path(__file__).resolve().parents[2]
SHIPPED_APP_YAML = (REPO / "app.yaml").read_text(encoding="utf-8")

# Scalars as YAML can write them, including the ones it reads in surprising ways.
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.text(max_size=20),
    st.sampled_from(["18:00", "0x1F", "1e3", "~", "yes", "no", "${HOME}", "${NOPE:-x}", "${", "2d", "-", "*", ".inf"]),
)  # fmt: skip
keys = st.one_of(st.text(max_size=12), st.sampled_from([
    "id", "title", "version", "scale", "min", "max", "labels", "themes", "questions", "prompt", "levels", "guidance",
    "resources", "url", "kind", "summary", "description", "database", "url", "frameworks", "paths", "default",
    "reminders", "digests", "slack", "teams", "server", "port", "assessment", "disagreement", "quiet_hours",
    "organisation", "local_mode", "app_id", "signing_secret", "secret_keys", "timezone", "first_after", "interval",
]))  # fmt: skip
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5), max_leaves=30)


def mutations(original: str) -> st.SearchStrategy[str]:
    """A real file, damaged the way files get damaged: lines lost, doubled, re-indented or edited."""

    lines = original.splitlines()

    @st.composite
    def damaged(draw) -> str:
        out = list(lines)
        for _ in range(draw(st.integers(1, 4))):
            if not out:
                break
            at = draw(st.integers(0, len(out) - 1))
            how = draw(st.sampled_from(["drop", "double", "indent", "dedent", "replace", "insert", "truncate"]))
            if how == "drop":
                del out[at]
            elif how == "double":
                out.insert(at, out[at])
            elif how == "indent":
                out[at] = "  " + out[at]
            elif how == "dedent":
                out[at] = out[at].lstrip()
            elif how == "replace":
                head = out[at].split(":", 1)[0]
                out[at] = f"{head}: {draw(st.text(max_size=15))}"
            elif how == "insert":
                out.insert(at, draw(st.text(max_size=30)))
            else:
                out[at] = out[at][: draw(st.integers(0, len(out[at])))]
        return "\n".join(out)

    return damaged()


# Nesting deep enough to exhaust PyYAML's recursion, in each of YAML's ways of nesting.
deeply_nested = st.builds(
    lambda opener, depth: opener * depth if opener != "block" else "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(depth)),
    st.sampled_from(["[", "{a: ", "- ", "block"]),
    st.integers(40, 3000),
)


def framework_texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200), documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True)), mutations(TINY_YAML), deeply_nested
    )


def config_texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200), documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True)), mutations(SHIPPED_APP_YAML), deeply_nested
    )


@settings(max_examples=budget(300))
@given(framework_texts())
@example("&a [*a]")
@example("themes: [" * 200)
@example("[" * 5000)  # was RecursionError: a traceback instead of a message
@example("id: x\nid: y")
@example("\x00")
def test_a_framework_file_is_either_a_framework_or_a_clear_refusal(text):
    try:
        parse_framework_yaml(text, "fuzzed.yaml")
    except FrameworkError as refused:
        assert refused.message.startswith("fuzzed.yaml") and len(refused.message) > len("fuzzed.yaml: ")


@settings(max_examples=budget(300))
@given(config_texts())
@example("a: &x 1\nb: *x")
@example("database: [" * 200)
@example("[" * 5000)  # was RecursionError
@example("server:\n  port: 99999999999999999999999")
@example("\ufeff\x00")
def test_an_app_yaml_is_either_a_configuration_or_a_clear_refusal(text):
    try:
        parse_config(text, source="app.yaml", environ={})
    except ConfigError as refused:
        assert str(refused).startswith("app.yaml") and len(str(refused)) > len("app.yaml: ")
