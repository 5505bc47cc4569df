"""bot.charts: engine chart specs drawn as PNG, deterministically, without pyplot.

`build_assessment` (also used by test_report) plays a small assessment of the real framework
with fixed numbers; the numbers each theme should come to are worked out in test_report.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import bot.charts as charts
from bot.charts import PALETTE, ChartRenderer, chart_filename, figure_size, render_png
from engine.assessment import Assessment, Conversation, Identity, Member
from engine.framework import Framework, parse_framework_yaml
from engine.presenters import distribution_chart, summary_charts
from engine.scoring import score
from engine.views import Chart, ChartKind, Series

REPO_ROOT = Path(__file__).resolve().parents[2]
FRAMEWORK_FILE = REPO_ROOT / "bot" / "frameworks" / "efficient-councils.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# --- a small assessment played with fixed numbers --------------------------------------------

SUPER_USER = Identity("console", "demo", "u1")
VOTERS = (SUPER_USER, Identity("console", "demo", "u2"), Identity("console", "demo", "u3"), Identity("console", "demo", "u4"))
NAMES = ("Amira Quennell", "Bartholomew Ferraby", "Celestine Okonjo", "Dashiell Marrow")
STARTED = datetime(2025, 3, 12, 9, 0, tzinfo=timezone.utc)
COMMENT = "PRIVATE COMMENT from {name} on {question}"
NOTE_1_2 = "Split between services; agreed 3 after discussing the audit findings."
SKIP_REASON = "Waiting for the partnership review"

# Per question, in order: the four votes (current, ambition) and what the super-user does.
# ("finalise", None) accepts the proposal; ("finalise", (c, a, note)) records other numbers.
SAME = lambda current, ambition: ((current, ambition),) * 4  # noqa: E731
PLAN: tuple[tuple[tuple[tuple[int, int], ...] | None, str, tuple | None], ...] = (
    (SAME(2, 4), "finalise", None),  # 1.1 -> 2, 4
    (((1, 3), (1, 3), (5, 5), (5, 5)), "finalise", (3, 4, NOTE_1_2)),  # 1.2 -> 3, 4 (two camps)
    (SAME(2, 3), "finalise", None),  # 1.3 -> 2, 3
    (SAME(1, 3), "finalise", None),  # 1.4 -> 1, 3
    (SAME(3, 5), "finalise", None),  # 1.5 -> 3, 5
    (SAME(3, 3), "finalise", None),  # 2.1 -> 3, 3
    (None, "skip", None),  # 2.2 skipped
    (SAME(4, 5), "finalise", None),  # 2.3 -> 4, 5
    (SAME(2, 4), "finalise", None),  # 2.4 -> 2, 4
    (SAME(3, 4), "finalise", None),  # 2.5 -> 3, 4
    (SAME(4, 4), "finalise", None),  # 3.1 -> 4, 4
    (SAME(4, 4), "finalise", None),  # 3.2 -> 4, 4
    (SAME(2, 3)[:2], "close", None),  # 3.3: two votes, then the assessment is closed
)  # 3.4 to 5.5 are never reached


def load_framework(text: str | None = None) -> Framework:
    text = FRAMEWORK_FILE.read_text(encoding="utf-8") if text is None else text
    return parse_framework_yaml(text, "efficient-councils.yaml")


class Clock:
    def __init__(self) -> None:
        self.now = STARTED

    def tick(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def build_assessment(framework: Framework | None = None, *, steps: int | None = None) -> Assessment:
    """Play `PLAN` (or its first `steps` entries, leaving the assessment in progress)."""
    framework = framework or load_framework()
    members = [Member(identity, name) for identity, name in zip(VOTERS, NAMES)]
    clock = Clock()
    assessment = Assessment.start(
        assessment_id="a-test",
        conversation=Conversation("console", "demo", "c1"),
        framework=framework,
        starter=members[0],
        members=members,
        now=STARTED,
        title="Leadership self-assessment 2025",
    )
    for votes, action, agreed in PLAN[:steps]:
        question_id = assessment.focus_round.question_id
        number = assessment.question(question_id).number
        for identity, name, (current, ambition) in zip(VOTERS, NAMES, votes or ()):
            comment = COMMENT.format(name=name, question=number)
            assessment.cast_vote(identity, question_id, current, ambition, clock.tick(), comment=comment)
        if action == "skip":
            assessment.skip(SUPER_USER, clock.tick(), SKIP_REASON)
        elif action == "close":
            assessment.close(SUPER_USER, clock.tick())
        else:
            assessment.reveal(SUPER_USER, clock.tick())
            if agreed is None:
                assessment.finalise(SUPER_USER, clock.tick())
            else:
                current, ambition, note = agreed
                assessment.finalise(SUPER_USER, clock.tick(), current, ambition, note)
    return assessment


# --- helpers ----------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must start with."""
    assert data[:8] == PNG_MAGIC
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def assert_png(data: bytes, kind: ChartKind, dpi: int = 144) -> None:
    width, height = figure_size(kind)
    assert png_size(data) == (round(width * dpi), round(height * dpi))
    assert data.endswith(b"IEND\xaeB`\x82")


@pytest.fixture(scope="module")
def assessment() -> Assessment:
    return build_assessment()


@pytest.fixture(scope="module")
def specs(assessment: Assessment) -> dict[ChartKind, Chart]:
    card = score(assessment)
    radar, gaps = summary_charts(card)
    contested = card.most_contested[0]
    distribution = distribution_chart(assessment, assessment.finalised_round(contested.question.id))
    # What the summary draws instead of the radar when only two themes are scored.
    themes = replace(radar, kind=ChartKind.THEMES, categories=radar.categories[:2], series=tuple(
        replace(s, values=s.values[:2]) for s in radar.series
    ))
    return {ChartKind.RADAR: radar, ChartKind.THEMES: themes, ChartKind.GAPS: gaps, ChartKind.DISTRIBUTION: distribution}


def chart(kind: ChartKind = ChartKind.GAPS, title: str = "A chart", values=(1.0, 2.0)) -> Chart:
    categories = tuple(f"Theme {i}" for i in range(1, len(values) + 1))
    return Chart(kind, title, categories, (Series("Gap", tuple(values)),), "alt", 0, 4)


# --- the images -------------------------------------------------------------------------------


def test_the_specs_are_what_the_summary_shows(specs):
    assert specs[ChartKind.RADAR].categories == (
        "Understanding of local place and priority setting",
        "Leadership of place",
        "Financial planning and viability",
    )
    assert specs[ChartKind.DISTRIBUTION].title == "Question 1.2: how the team voted"


@pytest.mark.parametrize("kind", list(ChartKind))
@pytest.mark.parametrize("dpi", [144, 72])
def test_each_kind_renders_a_png_of_its_fixed_size(specs, kind, dpi):
    assert_png(render_png(specs[kind], dpi=dpi), kind, dpi)


def test_sizes_are_the_documented_ones():
    assert figure_size(ChartKind.RADAR) == (7.0, 7.0)
    assert figure_size(ChartKind.GAPS) == figure_size(ChartKind.DISTRIBUTION) == figure_size(ChartKind.THEMES) == (8.0, 5.0)


def test_palette_is_okabe_ito_blue_for_now_and_orange_for_ambition():
    assert PALETTE.series[:2] == ("#0072B2", "#E69F00")


@pytest.mark.parametrize("kind", list(ChartKind))
def test_identical_specs_give_identical_bytes(specs, kind):
    spec = specs[kind]
    twin = replace(spec, categories=tuple(list(spec.categories)), series=tuple(replace(s) for s in spec.series))
    assert twin is not spec and twin == spec
    assert render_png(spec) == render_png(twin)


def test_the_png_carries_no_software_or_date_metadata(specs):
    data = render_png(specs[ChartKind.RADAR])
    assert b"Matplotlib" not in data and b"matplotlib" not in data
    assert b"tIME" not in data


def test_a_different_spec_gives_a_different_image(specs):
    gaps = specs[ChartKind.GAPS]
    changed = replace(gaps, series=(Series("Gap", (1.6, 1.0, 0.5)),))
    assert render_png(changed) != render_png(gaps)


@pytest.mark.parametrize(
    "spec",
    [
        Chart(
            ChartKind.RADAR,
            "Partly scored",
            ("Alpha", "Beta", "Gamma", "Delta"),
            (Series("Now", (2.0, None, 3.5, 1.0)), Series("Ambition (18-24 months)", (None, None, 4.0, 3.0))),
            "alt",
        ),
        Chart(ChartKind.RADAR, "Nothing scored", ("Alpha", "Beta", "Gamma"), (Series("Now", (None, None, None)),), "alt"),
        Chart(ChartKind.RADAR, "One theme", ("Alpha",), (Series("Now", (2.0,)), Series("Ambition", (4.0,))), "alt"),
        Chart(ChartKind.RADAR, "No themes", (), (), "alt"),
        Chart(ChartKind.GAPS, "Partly scored", ("Alpha", "Beta", "Gamma"), (Series("Gap", (1.5, None, 0.0)),), "alt", 0, 4),
        Chart(ChartKind.GAPS, "Negative and empty", ("Alpha", "Beta"), (Series("Gap", (-1.0, None)),), "alt", 0, 4),
        Chart(ChartKind.GAPS, "No series", ("Alpha",), (), "alt", 0, 4),
        Chart(ChartKind.THEMES, "One theme", ("Alpha",), (Series("Now", (2.0,)), Series("Ambition", (4.0,))), "alt", 1, 5),
        Chart(ChartKind.THEMES, "Half scored", ("Alpha", "Beta"), (Series("Now", (None, 3.0)),), "alt", 1, 5),
        Chart(
            ChartKind.DISTRIBUTION,
            "Missing counts",
            ("1 Emerging", "2 Developing", "3 Established"),
            (Series("Current", (1.0, None, 2.0)), Series("Ambition", (None, None, None))),
            "alt",
            1,
            3,
        ),
        Chart(
            ChartKind.DISTRIBUTION,
            "An eleven-point scale with a title long enough that it has to be wrapped to fit the width of the chart",
            tuple(f"{p} Level with a long name" for p in range(0, 11)),
            (Series("Current", tuple(float(p % 4) for p in range(11))), Series("Ambition", (0.0,) * 11)),
            "alt",
            0,
            10,
        ),
        Chart(
            ChartKind.GAPS,
            "Spend $5m and $6m: text with dollars is not maths",
            ("Money $ matters", "A theme whose name is far too long to fit on one line of a bar chart label"),
            (Series("Gap", (1.0, 2.0)),),
            "alt",
            0,
            4,
        ),
    ],
    ids=lambda c: f"{c.kind.value}: {c.title[:24]}",
)
def test_awkward_specs_still_render(spec):
    assert_png(render_png(spec), spec.kind)


def test_dpi_must_be_positive(specs):
    with pytest.raises(ValueError):
        render_png(specs[ChartKind.GAPS], dpi=0)


# --- names ------------------------------------------------------------------------------------


def test_filenames_name_the_kind_and_a_short_content_hash(specs):
    for kind, spec in specs.items():
        name = chart_filename(spec)
        assert re.fullmatch(rf"{kind.value}-[0-9a-f]{{8}}\.png", name)
        assert chart_filename(replace(spec)) == name
        assert chart_filename(replace(spec, title=spec.title + " (revised)")) != name


def test_int_and_float_values_name_the_same_content():
    assert chart_filename(chart(values=(1, 2))) == chart_filename(chart(values=(1.0, 2.0)))


# --- no pyplot, and the same bytes and names in another process -------------------------------


def test_rendering_never_imports_pyplot_and_is_stable_across_processes(specs):
    script = """
import hashlib, json, sys
from engine.presenters import distribution_chart, summary_charts
from engine.scoring import score
from tests.integration.test_charts import build_assessment
from bot.charts import ChartRenderer, chart_filename, render_png
a = build_assessment()
card = score(a)
specs = list(summary_charts(card))
specs.append(distribution_chart(a, a.finalised_round(card.most_contested[0].question.id)))
from dataclasses import replace
from engine.views import ChartKind
radar = specs[0]
specs.append(replace(radar, kind=ChartKind.THEMES, categories=radar.categories[:2], series=tuple(
    replace(s, values=s.values[:2]) for s in radar.series
)))
out = {chart_filename(s): hashlib.sha256(render_png(s)).hexdigest() for s in specs}
ChartRenderer().render(specs[0])
out["pyplot"] = "matplotlib.pyplot" in sys.modules
print(json.dumps(out))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    there = json.loads(done.stdout.strip().splitlines()[-1])
    assert there.pop("pyplot") is False
    here = {chart_filename(s): hashlib.sha256(render_png(s)).hexdigest() for s in specs.values()}
    assert there == here


@pytest.mark.parametrize("module", ["charts.py", "drawing.py", *sorted(f"report/{p.name}" for p in (REPO_ROOT / "bot" / "report").glob("*.py"))])
def test_the_bot_modules_never_import_pyplot(module):
    tree = ast.parse((REPO_ROOT / "bot" / module).read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [
        f"{node.module}.{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names
    ]
    assert imported and not [name for name in imported if "pyplot" in name]


# --- the cache --------------------------------------------------------------------------------


@pytest.fixture
def counted(monkeypatch):
    calls: list[Chart] = []
    real = charts.render_png

    def counting(spec, *, dpi=144):
        calls.append(spec)
        return real(spec, dpi=dpi)

    monkeypatch.setattr(charts, "render_png", counting)
    return calls


def test_the_renderer_renders_each_content_once(specs, counted):
    renderer = ChartRenderer()
    spec = specs[ChartKind.GAPS]
    first = renderer.render(spec)
    second = renderer.render(spec)
    third = renderer.render(replace(spec))  # an equal spec, another object
    assert first == second == third
    assert len(counted) == 1
    assert (renderer.misses, renderer.hits) == (1, 2)
    assert first == render_png(spec)


def test_the_cache_is_a_bounded_lru(counted):
    renderer = ChartRenderer(maxsize=2)
    a, b, c = (chart(title=t) for t in "abc")
    renderer.render(a)
    renderer.render(b)
    renderer.render(a)  # a is now the most recent
    renderer.render(c)  # evicts b
    assert renderer.size == 2 and len(counted) == 3
    renderer.render(a)
    assert len(counted) == 3
    renderer.render(b)
    assert len(counted) == 4


def test_the_renderer_uses_its_dpi(specs):
    assert_png(ChartRenderer(dpi=72).render(specs[ChartKind.RADAR]), ChartKind.RADAR, 72)


def test_the_renderer_refuses_an_empty_cache():
    with pytest.raises(ValueError):
        ChartRenderer(maxsize=0)


def test_save_writes_under_the_content_name_and_overwrites(specs, tmp_path):
    renderer = ChartRenderer()
    spec = specs[ChartKind.GAPS]
    stale = tmp_path / "out" / chart_filename(spec)
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    path = renderer.save(spec, tmp_path / "out")
    assert path == stale
    assert path.read_bytes() == renderer.render(spec)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_threads_can_share_a_renderer(specs):
    renderer = ChartRenderer()
    expected = {kind: render_png(spec) for kind, spec in specs.items()}
    jobs = [kind for kind in specs for _ in range(3)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda kind: (kind, ChartRenderer().render(specs[kind])), jobs))
        shared = list(pool.map(lambda kind: (kind, renderer.render(specs[kind])), jobs))
    for kind, data in got + shared:
        assert data == expected[kind]


# --- the disk cache (issue 7): several processes draw each chart once ------------------------


def test_a_disk_cache_lets_another_renderer_skip_drawing(specs, counted, tmp_path):
    spec = specs[ChartKind.GAPS]
    first = ChartRenderer(cache_dir=tmp_path / "cache").render(spec)
    assert len(counted) == 1
    (cached,) = (tmp_path / "cache").iterdir()
    assert cached.name.endswith("-144.png") and cached.read_bytes() == first
    second = ChartRenderer(cache_dir=tmp_path / "cache")  # as another process would
    assert second.render(spec) == first and len(counted) == 1 and second.disk_hits == 1
    cached.write_bytes(b"damaged")
    third = ChartRenderer(cache_dir=tmp_path / "cache")
    assert third.render(spec) == first and len(counted) == 2  # drawn again and the file replaced
    assert cached.read_bytes() == first
