"""`accord export`: list, export each format to a file or standard output, and the votes rule."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.migrate import upgrade
from storage.database import create_db_engine
from tests.reports.conftest import (
    CHAIR,
    MEMBER_B,
    NAMES,
    completed,
    organisation,
    store,
    without_images,
    without_recorders,
)


@pytest.fixture
def setup(tmp_path):
    """A SQLite database with one completed assessment (and an earlier one), and an app.yaml for it."""
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    from datetime import timedelta

    from tests.reports.conftest import T0

    earlier = completed(started=T0 - timedelta(days=365), answers={"money": ((2, 3), (2, 3))})
    assessment = completed(answers={"money": ((3, 4), (3, 4))})
    store(engine, earlier, assessment)
    organisation(engine, "T-HOME", "district", share=True)
    engine.dispose()
    config = tmp_path / "app.yaml"
    config.write_text(
        f"organisation:\n  name: Ignored when the workspace has its own row\ndatabase:\n  url: {url}\nreport:\n  output_dir: {tmp_path / 'out'}\n",
        encoding="utf-8",
    )
    return config, assessment, tmp_path


def accord(config: Path, *args: str) -> int:
    return main(["--config", str(config), "export", *args])


def test_list_shows_every_assessment(setup, capsys):
    config, assessment, _ = setup
    assert accord(config, "--list") == 0
    out = capsys.readouterr().out
    assert assessment.id in out and "Leadership check 2025 (tiny; completed 2025-01-06; slack:T-HOME" in out
    assert out.count("\n") == 2
    assert accord(config, "--list", "--as", "slack:T-OTHER:U1") == 0
    assert capsys.readouterr().out == "No assessments yet.\n"


@pytest.mark.parametrize("fmt", ["html", "csv", "json", "markdown"])
def test_each_format_is_written_to_the_report_folder_by_default(setup, capsys, fmt):
    config, assessment, tmp_path = setup
    assert accord(config, assessment.id, "--format", fmt) == 0
    extension = {"markdown": "md"}.get(fmt, fmt)
    path = tmp_path / "out" / f"leadership-check-2025-2025-01-06.{extension}"
    assert capsys.readouterr().out.startswith(f"Wrote {path} (")
    text = path.read_text(encoding="utf-8-sig")
    for name in NAMES.values():
        assert name not in without_recorders(without_images(text))  # the appendix names who recorded answers
    if fmt == "json":
        data = json.loads(text)
        assert data["organisation"] == "Council T-HOME"  # from the workspace's organisation row
        assert data["progress"]["themes"][0]["direction"] == "up"  # since last year's assessment
        assert data["comparison"]["shown"] is False  # no peers yet
    if fmt == "csv":
        assert len(list(csv.DictReader(io.StringIO(text)))) == 4


def test_output_to_a_file_a_folder_or_standard_output(setup, capsys):
    config, assessment, tmp_path = setup
    assert accord(config, assessment.id, "--format", "json", "--output", str(tmp_path / "x" / "r.json")) == 0
    assert json.loads((tmp_path / "x" / "r.json").read_text())["version"] == 1
    (tmp_path / "folder").mkdir()
    assert accord(config, assessment.id, "--format", "csv", "--output", str(tmp_path / "folder")) == 0
    assert (tmp_path / "folder" / "leadership-check-2025-2025-01-06.csv").is_file()
    capsys.readouterr()
    assert accord(config, assessment.id, "--format", "csv", "--output", "-") == 0
    assert capsys.readouterr().out.startswith("Theme number,Theme,Question number")


def test_individual_votes_need_a_super_user(setup, capsys, tmp_path):
    config, assessment, _ = setup
    assert accord(config, assessment.id, "--individual-votes") == 2
    assert "--individual-votes needs --as PLATFORM:WORKSPACE:USER" in capsys.readouterr().err
    assert accord(config, assessment.id, "--individual-votes", "--as", f"slack:T-HOME:{MEMBER_B}") == 2
    assert "Only the super-user can see who voted what" in capsys.readouterr().err
    target = tmp_path / "votes.html"
    assert accord(config, assessment.id, "--individual-votes", "--as", f"slack:T-HOME:{CHAIR}", "--output", str(target)) == 0
    assert "keep it confidential" in capsys.readouterr().out
    assert NAMES[MEMBER_B] in target.read_text(encoding="utf-8")
    assert target.stat().st_mode & 0o777 == 0o600  # its owner alone may read it, whatever the umask


def test_mistakes_are_one_clear_line(setup, capsys):
    config, assessment, _ = setup
    assert accord(config, "no-such-id") == 2
    assert "there is no assessment 'no-such-id'; `accord export --list` shows them." in capsys.readouterr().err
    assert accord(config) == 2
    assert "name the assessment to export" in capsys.readouterr().err
    assert accord(config, assessment.id, "--individual-votes", "--as", "nonsense") == 2
    assert "--as takes PLATFORM:WORKSPACE:USER" in capsys.readouterr().err
