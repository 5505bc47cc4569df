"""Issue 16's "done when", in the console: a super-user reads the trail with `audit`.

Votes 1, 1, 5, 5 (one of them changed from 2), the super-user reveals and records 2 and 4 with a
note; `audit` shows, privately, the reveal by the super-user, the vote changed from before to
after, and the finalise with its note. `accord audit verify` passes, and fails once one audit row
is edited by hand in the database.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from adapters.console.render import ConsoleRenderer
from bot.cli import main
from tests.integration.test_conversation import Team


def test_a_super_user_sees_the_trail_in_the_console_and_verify_catches_an_edit(db_engine: Engine, db_url: str, capsys):
    team = Team(db_engine)
    assert team.say("@sam start").ok
    for line in ("@amira vote 2 3", "@amira vote 1 3", "@bea vote 1 2", "@chidi vote 5 5", "@dev vote 5 5", "@sam reveal"):
        assert team.say(line).ok, team.last.messages
    assert team.say("@sam finalise 2 4 two camps, agreed the lower view").ok

    reply = team.say("@sam audit")
    assert reply.ok and not team.channel(reply)  # a private reply: the channel sees nothing
    seen = "\n".join(ConsoleRenderer(width=400).render(m) for m in reply.answers(team.people["sam"].identity))
    assert "Sam: revealed, question 1.1" in seen
    assert "Amira: vote changed, question 1.1: current 2, ambition 3 → current 1, ambition 3" in seen
    assert "Sam: finalised, question 1.1: proposed current 3, ambition 4 → current 2, ambition 4. Note: two camps, agreed the lower view" in seen
    assert "console" in seen  # the platform of each entry

    assert not team.say("@amira audit").ok  # a member is refused
    assert team.say("@sam history 1.1").ok  # `history` is the same command

    assert main(["audit", "verify", "--database", db_url]) == 0
    assert "chain intact" in capsys.readouterr().out
    with db_engine.begin() as connection:
        connection.execute(text("UPDATE audit_entry SET note = 'agreed the higher view' WHERE action = 'finalised'"))
        sequence = connection.execute(text("SELECT sequence FROM audit_entry WHERE action = 'finalised'")).scalar_one()
    assert main(["audit", "verify", "--database", db_url]) == 1
    assert f"entry {sequence}: was altered" in capsys.readouterr().err
