"""The `accord` command as a person runs it: the installed entry point, in a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

REPO = Path(__file__).resolve().parents[2]
ACCORD = Path(sys.executable).with_name("accord")
APP_YAML = REPO / "app.yaml"


def accord(
    *args: str, stdin: str | None = None, cwd: Path = REPO, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONUTF8": "1", **(env or {})}
    return subprocess.run(
        [str(ACCORD), *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


def test_help_explains_every_command():
    result = accord("--help")
    assert result.returncode == 0
    for command in ("demo", "chat", "db", "framework", "serve", "manifest", "export"):
        assert command in result.stdout
    chat = accord("chat", "--help")
    assert chat.returncode == 0
    assert "@amira vote 3 4" in chat.stdout


def test_the_demo_runs_a_whole_assessment_and_writes_the_report(tmp_path):
    output = tmp_path / "report"
    before = datetime.now(ZoneInfo("Europe/London"))
    result = accord("--config", str(APP_YAML), "demo", "--output", str(output))
    assert result.returncode == 0, result.stderr
    transcript = result.stdout
    assert result.stderr == ""
    # Every question of every theme, with its scale, its progress, its reveal and its consensus.
    for number in [f"{theme}.{question}" for theme in range(1, 6) for question in range(1, 6)]:
        assert f"Question {number} (" in transcript
        assert f"Votes revealed: question {number} ·" in transcript
        assert f"Consensus recorded: question {number}" in transcript
    assert "4 of 6 have voted." in transcript
    # The seeded votes make every verdict show up.
    for verdict in ("broad agreement", "views spread out", "split into two camps"):
        assert f"· {verdict}" in transcript
    assert "Summary: Efficient and intelligent councils" in transcript
    # Who voted what appears once, marked as seen by the super-user alone.
    assert transcript.count("Who voted what") == 1
    assert "🔒 only Sam sees this\n── Who voted what" in transcript
    # On question 1.2 the last two voters are reminded, each privately, and then vote.
    assert "Reminded privately about question 1.2: " in transcript
    assert transcript.count("── Reminder: your vote on question 1.2") == 2
    report = output / "report.md"
    assert f"Report written to {output / 'report.html'} (for a board paper) and {report}" in transcript
    # The last line names the page to open.
    assert transcript.rstrip().splitlines()[-1] == f"Open {output / 'report.html'} in a browser to read the report."
    markdown = report.read_text(encoding="utf-8")
    # Dated the day it ran, in the organisation's time zone (app.yaml's), not a day written into the code.
    days = {f"{day.day} {day:%B %Y}" for day in (before, datetime.now(ZoneInfo("Europe/London")))}
    assert any(f"Completed {day}" in markdown for day in days), re.findall(r"Completed [^*|\n]+", markdown)
    page = (output / "report.html").read_text(encoding="utf-8")
    assert any(f"Produced by Accord on {day} from" in page for day in days)
    images = re.findall(r"!\[[^\]]+\]\(([^)]+\.png)\)", markdown)
    assert len(images) >= 3
    for image in images:
        assert (output / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_demo_is_reproducible(tmp_path):
    first = accord("--config", str(APP_YAML), "demo", "--output", str(tmp_path / "a"), "--seed", "7")
    second = accord("--config", str(APP_YAML), "demo", "--output", str(tmp_path / "b"), "--seed", "7")
    strip = lambda out: re.sub(r"(Done in [0-9.]+ s|/\S+/[ab]/)", "", out)  # noqa: E731
    assert strip(first.stdout) == strip(second.stdout)


def test_chat_plays_a_team_from_standard_input(tmp_path):
    lines = "\n".join(
        ["@sam start", "@amira vote 2 4", "@bea vote 3 4", "@sam status", "@bea finalise 3 4", "@sam reveal", "quit"]
    )
    database = f"sqlite:///{tmp_path / 'chat.db'}"
    result = accord("--config", str(APP_YAML), "chat", "--database", database, stdin=lines + "\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "🔒 only Amira sees this" in out and "We recorded your vote on question 1.1" in out
    assert "2 of 6 have voted." in out
    assert "Not voted yet (only you see names): Chidi, Dev, Erin, Sam." in out
    assert "Only the super-user can record the consensus; ask Sam." in out
    assert "Votes revealed: question 1.1" in out
    again = accord("--config", str(APP_YAML), "chat", "--database", database, stdin="@sam status\nquit\n", cwd=tmp_path)
    assert "Now: question 1.1 is revealed." in again.stdout


def test_a_missing_configuration_is_a_clear_error(tmp_path):
    result = accord("--config", str(tmp_path / "nowhere.yaml"), "demo")
    assert result.returncode == 2
    assert f"No configuration at {tmp_path / 'nowhere.yaml'}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("disagreement:\n  max_spread: -1\n", "disagreement.max_spread"),
        ("databse:\n  url: sqlite:///x.db\n", "did you mean 'database'"),
        ("organisation:\n  timezone: Europe/Londn\n", "unknown time zone 'Europe/Londn'"),
        ("server:\n  port: [1\n", "line"),
    ],
)
def test_a_malformed_configuration_is_reported_before_anything_starts(tmp_path, text, expected):
    config = tmp_path / "app.yaml"
    config.write_text(text, encoding="utf-8")
    result = accord("--config", str(config), "demo", "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_framework_check_names_the_file_and_the_key(tmp_path):
    good = accord("framework", "check", str(REPO / "bot" / "frameworks" / "efficient-councils.yaml"))
    assert good.returncode == 0
    assert "5 themes, 25 questions" in good.stdout
    assert "resources (every question has its own)" in good.stdout
    broken = tmp_path / "broken.yaml"
    text = (REPO / "bot" / "frameworks" / "efficient-councils.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("kind: tool", "kind: gadget", 1), encoding="utf-8")
    result = accord("framework", "check", str(broken))
    assert result.returncode == 1
    assert f"✗ {broken}: themes[0].questions[0].resources[0].kind: 'gadget'" in result.stdout
    assert "'gadget' is not a kind of resource" in result.stdout


def test_db_upgrade_migrates_once(db_url, tmp_path):
    first = accord("--config", str(APP_YAML), "db", "upgrade", "--database", db_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Upgraded the " in first.stdout and " from empty to revision" in first.stdout
    second = accord("--config", str(APP_YAML), "db", "upgrade", "--database", db_url, cwd=tmp_path)
    assert " is up to date" in second.stdout
    current = accord("--config", str(APP_YAML), "db", "current", "--database", db_url, cwd=tmp_path)
    assert "up to date" in current.stdout
    assert current.returncode == 0


@pytest.mark.postgres
def test_a_server_database_must_be_upgraded_on_purpose(db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("about PostgreSQL only: SQLite is migrated automatically")
    result = accord("--config", str(APP_YAML), "chat", "--database", db_url, stdin="quit\n", cwd=tmp_path)
    assert result.returncode == 2
    assert "Run `accord db upgrade` once" in result.stderr


def test_an_unreachable_database_is_a_clear_error(tmp_path):
    result = accord(
        "--config", str(APP_YAML), "chat", "--database", "postgresql+psycopg://postgres@127.0.0.1:1/none", stdin="quit\n", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "127.0.0.1" in result.stderr or "database" in result.stderr.lower()


def test_chat_exports_the_format_asked_for(tmp_path):
    lines = ["@sam start", "@amira vote 2 4", "@bea vote 3 4", "@sam reveal", "@sam finalise", "@sam export csv", "@sam export", "quit"]
    database = f"sqlite:///{tmp_path / 'chat.db'}"
    result = accord("--config", str(APP_YAML), "chat", "--database", database, stdin="\n".join(lines) + "\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = tmp_path / "accord-report"
    (csv_file,) = report.glob("*.csv")
    assert f"Report written to {csv_file.relative_to(tmp_path)}." in result.stdout
    rows = csv_file.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("Theme number,Theme,Question number,Question,Status,Agreed now")
    assert len(rows) == 1 + 25  # a row per question
    assert "Amira" not in csv_file.read_text(encoding="utf-8-sig")  # no names without asking
    (markdown,) = report.glob("*.md")  # the one export, the same file Slack and Teams give
    assert f"Report written to {markdown.relative_to(tmp_path)}." in result.stdout
    assert markdown.read_text(encoding="utf-8").startswith("# ")


def test_the_console_and_the_cli_give_the_same_export(tmp_path):
    """`export json` in `accord chat` and `accord export` write the same report, apart from when."""
    import json

    from sqlalchemy import create_engine, text

    lines = ["@sam start", "@amira vote 2 4", "@bea vote 3 4", "@sam reveal", "@sam finalise", "@sam export json", "quit"]
    database = tmp_path / "chat.db"
    chatted = accord("--config", str(APP_YAML), "chat", "--database", f"sqlite:///{database}", stdin="\n".join(lines) + "\n", cwd=tmp_path)
    assert chatted.returncode == 0, chatted.stderr
    (from_chat,) = (tmp_path / "accord-report").glob("*.json")
    engine = create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        (assessment_id,) = connection.execute(text("SELECT id FROM assessment")).scalars().all()
    engine.dispose()
    exported = accord(
        "--config", str(APP_YAML), "export", assessment_id, "--format", "json", "--output", "-",
        cwd=tmp_path, env={"ACCORD_DATABASE_URL": f"sqlite:///{database}"},
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    chat_json, cli_json = json.loads(from_chat.read_text(encoding="utf-8")), json.loads(exported.stdout)
    for export in (chat_json, cli_json):
        export.pop("generated_at")
    assert chat_json == cli_json
    assert chat_json["questions"][0]["status"] == "agreed"


def test_platform_libraries_never_log_bodies_even_when_accord_logs_at_debug():
    """At DEBUG slack_sdk logs whole request bodies (a `who` answer carries every comment)."""
    import logging

    from bot.cli import hold_platform_loggers

    root = logging.getLogger()
    before = root.level
    root.setLevel(logging.DEBUG)
    try:
        hold_platform_loggers()
        for name in ("slack_sdk.web.async_base_client", "slack_bolt.App", "msrest.http_logger", "msal.application"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG), name
        # Accord's own still can. (Its level, not isEnabledFor: import-linter's logging set-up in
        # test_layers.py disables loggers that exist when it runs, whatever their level.)
        assert logging.getLogger("accord.slack").getEffectiveLevel() <= logging.DEBUG
    finally:
        root.setLevel(before)
