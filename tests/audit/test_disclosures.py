"""Individual votes leaving Accord are in the trail: `who` in the chat, and an export with them."""

from __future__ import annotations

from bot.audit import trail, verify
from bot.cli import main
from engine.audit import AuditAction
from tests.audit.conftest import AMIRA, SAM, Team


def test_an_export_with_individual_votes_is_recorded_and_a_refused_one_is_not(team: Team, db_url: str, tmp_path, capsys):
    config = tmp_path / "app.yaml"
    config.write_text(f"database:\n  url: {db_url}\nreport:\n  output_dir: {tmp_path / 'out'}\n", encoding="utf-8")
    before = len(trail(team.database, team.assessment_id))

    def export(person) -> int:
        return main(["--config", str(config), "export", team.assessment_id, "--format", "csv", "--individual-votes", "--as", person.identity.key])

    assert export(AMIRA) == 2  # not a super-user: refused, and nothing recorded
    assert len(trail(team.database, team.assessment_id)) == before
    assert export(SAM) == 0
    last = trail(team.database, team.assessment_id)[-1]
    assert last.event.action is AuditAction.INDIVIDUAL_VOTES_SHOWN and last.event.actor_name == "Sam"
    assert last.event.note == "export as csv" and last.platform == "console"
    assert verify(team.database).intact


def test_who_in_the_chat_is_recorded(team: Team):
    team.say(SAM, "who 1.1")
    last = trail(team.database, team.assessment_id)[-1]
    assert last.event.action is AuditAction.INDIVIDUAL_VOTES_SHOWN and last.event.subject == "question 1.1"
    assert last.platform == "slack" and last.event.note == "with `who`"
