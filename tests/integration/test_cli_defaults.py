"""The `accord` command as a new user meets it: no app.yaml yet, frameworks with mistakes, a
database URL missing a part, `--help` read before anything else. In process (`bot.cli.main`)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "bot" / "frameworks" / "efficient-councils.yaml"


def run(*args: str, capsys) -> tuple[int, str, str]:
    out = io.StringIO()
    try:
        code = main(list(args), stdout=out)
    except SystemExit as exit:  # argparse's --help
        code = int(exit.code or 0)
    captured = capsys.readouterr()
    return code, out.getvalue() + captured.out, captured.err


@pytest.fixture
def empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("ACCORD_CONFIG", "ACCORD_DATABASE_URL", "ACCORD_SECRET_KEYS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_framework_list_works_in_an_empty_folder_and_says_the_defaults_are_used(empty_folder, capsys):
    code, out, err = run("framework", "list", capsys=capsys)
    assert code == 0
    assert "efficient-councils (default)" in out
    assert err == "No app.yaml here: using the built-in defaults (see docs/configuration.md).\n"


def test_a_named_configuration_that_does_not_exist_is_still_an_error(empty_folder, capsys):
    code, _, err = run("--config", "nowhere.yaml", "framework", "list", capsys=capsys)
    assert code == 2
    assert "No configuration at" in err and "nowhere.yaml" in err


def _with_three_mistakes(folder: Path) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace("title: Efficient and intelligent councils", "title: 123", 1)
    text = text.replace("kind: tool", "kind: gadget", 1)
    text = text.replace("url: https://", "url: http://", 1)
    broken = folder / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    return broken


def test_framework_check_reports_three_mistakes_in_three_lines_from_one_run(tmp_path, capsys):
    broken = _with_three_mistakes(tmp_path)
    code, out, _ = run("framework", "check", str(broken), capsys=capsys)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 3, out
    assert all(line.startswith(f"✗ {broken}: ") for line in lines)
    assert lines[0].startswith(f"✗ {broken}: title: should be text, not a number")
    assert lines[0].endswith("(line 2)")  # the type is checked, and the line given
    assert any("'gadget' is not a kind of resource" in line for line in lines)
    assert any("should be a web address starting with https://" in line for line in lines)


def test_framework_check_names_questions_left_without_resources_and_counts_those_on_their_themes(tmp_path, capsys):
    mini = (REPO / "tests" / "slack" / "mini-framework.yaml").read_text(encoding="utf-8")
    borrowing = tmp_path / "borrowing.yaml"
    borrowing.write_text(mini, encoding="utf-8")
    code, out, _ = run("framework", "check", str(borrowing), capsys=capsys)
    assert code == 0 and "(3 questions use their theme's)" in out
    bare = tmp_path / "bare.yaml"
    bare.write_text(mini.split("    resources:")[0], encoding="utf-8")  # the first theme loses its resources
    code, out, _ = run("framework", "check", str(bare), capsys=capsys)
    assert code == 1
    assert "themes[0].questions[0].resources: is missing: give the question resources of its own" in out


def test_framework_check_takes_a_folder_and_checks_every_yaml_file_in_it(tmp_path, capsys):
    _with_three_mistakes(tmp_path)
    good = tmp_path / "other.yml"
    good.write_text(SHIPPED.read_text(encoding="utf-8").replace("id: efficient-councils", "id: our-councils", 1), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a framework", encoding="utf-8")
    code, out, _ = run("framework", "check", str(tmp_path), capsys=capsys)
    assert code == 1
    assert "Is a directory" not in out
    assert out.count("✗ ") == 3 and out.count("✓ ") == 1
    assert f"✓ {good}: " in out and "notes.txt" not in out


def test_framework_check_warns_when_a_framework_shadows_a_built_in_one(tmp_path, capsys):
    mine = tmp_path / "mine.yaml"
    mine.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run("framework", "check", str(mine), capsys=capsys)
    assert code == 0
    assert f"! {mine}: id 'efficient-councils' is the id of a built-in framework" in out
    shipped_code, shipped_out, _ = run("framework", "check", str(SHIPPED), capsys=capsys)
    assert shipped_code == 0 and "! " not in shipped_out  # checking the shipped file is not shadowing it


def test_db_current_exits_1_when_an_upgrade_is_needed_and_0_after_it(empty_folder, capsys):
    database = f"sqlite:///{empty_folder / 'accord.db'}"
    code, out, _ = run("db", "current", "--database", database, capsys=capsys)
    assert code == 1
    assert "needs `accord db upgrade`" in out
    code, out, _ = run("db", "upgrade", "--database", database, capsys=capsys)
    assert code == 0
    assert f"Upgraded the SQLite database {empty_folder / 'accord.db'} from empty" in out  # names what it changed
    code, out, _ = run("db", "current", "--database", database, capsys=capsys)
    assert code == 0 and "up to date" in out


@pytest.mark.parametrize("url", ["postgresql://", "postgresql://db.example.org/", "postgres://u:secret@db.example.org"])
def test_a_postgresql_url_with_no_database_name_is_refused_in_one_line(empty_folder, capsys, url):
    code, _, err = run("db", "upgrade", "--database", url, capsys=capsys)
    assert code == 2
    (line,) = [line for line in err.splitlines() if line.startswith("accord: ")]
    assert "names no database" in line
    assert "secret" not in err
    assert "postgresql+psycopg" not in err  # the URL as the person wrote it


def test_database_errors_show_the_url_as_given(empty_folder, capsys, monkeypatch):
    monkeypatch.setenv("ACCORD_DATABASE_URL", "postgresql://u:secret@127.0.0.1:1/accord")
    code, _, err = run("db", "current", capsys=capsys)
    assert code == 2
    assert "postgresql://u:***@127.0.0.1:1/accord" in err
    assert "postgresql+psycopg" not in err and "secret" not in err


def test_export_help_explains_every_option_truthfully(capsys):
    export = build_parser()._subparsers._group_actions[0].choices["export"]
    text = " ".join(export.format_help().split())
    for choice in ("html:", "csv:", "json:", "markdown:"):
        assert choice in text
    assert "accord-report/" in text and "missing folders are created" in text
    assert "next to the report directory" not in text
