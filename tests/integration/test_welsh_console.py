"""A team in the console, with Welsh speaking: what the channel and each person read (issue 19).

The same path as test_conversation.py (the console adapter, the door, a real database); the
Welsh catalogue is the shipped one, compiled in memory by the fixture of test_welsh_messages.py.
"""

from __future__ import annotations

from engine.language import WELSH, speaking
from tests.integration.test_conversation import Team
from tests.unit.test_welsh_messages import welsh  # noqa: F401  (the fixture)


def test_a_round_in_welsh_through_the_console(welsh, db_engine):  # noqa: F811
    team = Team(db_engine, language=WELSH)  # a Welsh-speaking organisation
    with speaking(WELSH):  # the console's own words
        assert team.say("@sam start").ok
        started = team.channel()
        refused = team.say("@amira reveal")
        refusal = team.private("amira")
        team.everyone_votes(3, 4)
        progress = team.channel()
        who = team.say("@sam who")
        shown = team.private("sam", who)
        status = team.say("@amira status")
        standing = team.private("amira", status)
    assert "Mae Sam wedi dechrau Cynghorau effeithlon a deallus" in started
    assert "25 cwestiwn mewn 5 thema" in started
    assert not refused.ok and "Dim ond yr uwch-ddefnyddiwr all ddatgelu'r pleidleisiau; gofynnwch i Sam." in refusal
    assert "6 o 6 wedi pleidleisio" in progress
    assert "Pwy bleidleisiodd beth ar gwestiwn 1.1 (rownd 1)" in shown
    assert "Sefyllfa'r asesiad" in standing and "Cwestiynau a gytunwyd" in standing
