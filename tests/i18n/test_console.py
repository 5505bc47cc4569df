"""The console in Welsh (issue 19 item 4): `accord demo --language cy` and `accord chat --language`.

What this branch translated is checked: the question, the vote confirmation, the progress, the
reveal and the console's own words. (The notices, the summary and the report are translated on
their own branches; the demo prints them as they stand.)
"""

from __future__ import annotations

import io
from pathlib import Path

from bot.cli import main

APP_YAML = Path(__file__).resolve().parents[2] / "app.yaml"


def test_chat_in_welsh_asks_confirms_and_reveals_in_welsh(tmp_path):
    lines = ["@sam start", "@amira vote 2 4", "@bea vote 3 4", "@sam reveal", "quit"]
    out = io.StringIO()
    code = main(
        ["--config", str(APP_YAML), "chat", "--language", "cy", "--database", f"sqlite:///{tmp_path / 'chat.db'}"],
        stdin=io.StringIO("\n".join(lines) + "\n"),
        stdout=out,
    )
    said = out.getvalue()
    assert code == 0
    assert "Sgwrs Accord. Y tîm:" in said
    assert "Cwestiwn 1.1 (1 o 25)" in said  # the question
    assert "🔒 dim ond Amira sy'n gweld hyn" in said
    assert "Rydym wedi cofnodi eich pleidlais ar gwestiwn 1.1" in said  # the vote confirmation
    assert "Pleidleisiau wedi'u datgelu: cwestiwn 1.1" in said  # the reveal
    assert "We recorded your vote" not in said and "Votes revealed" not in said


def test_chat_in_both_languages_puts_welsh_first(tmp_path):
    out = io.StringIO()
    main(
        ["--config", str(APP_YAML), "chat", "--language", "bilingual", "--database", f"sqlite:///{tmp_path / 'chat.db'}"],
        stdin=io.StringIO("@sam start\n@amira vote 2 4\nquit\n"),
        stdout=out,
    )
    said = out.getvalue()
    assert "Cwestiwn 1.1 (1 o 25)" in said and "Question 1.1 (1 of 25)" in said
    assert said.index("Rydym wedi cofnodi eich pleidlais") < said.index("We recorded your vote")


def test_the_demo_in_welsh(tmp_path):
    out = io.StringIO()
    code = main(["--config", str(APP_YAML), "demo", "--language", "cy", "--output", str(tmp_path)], stdout=out)
    said = out.getvalue()
    assert code == 0
    assert said.startswith("Arddangosiad Accord:")
    for number in ("1.1", "5.5"):
        assert f"Cwestiwn {number} (" in said
        assert f"Pleidleisiau wedi'u datgelu: cwestiwn {number} ·" in said
        assert f"Consensws wedi'i gofnodi: cwestiwn {number}" in said
    assert "wedi pleidleisio." in said
    assert "Votes revealed" not in said and "Consensus recorded" not in said
    assert "Adroddiad wedi'i ysgrifennu i" in said
    # The demo's own framing, the team's roles included, is in Welsh too.
    assert "Sam (Prif Weithredwr), Amira (Cyfarwyddwr Cyllid)" in said
    assert "Wedi gorffen mewn " in said and "Agorwch " in said and "Done in" not in said
    # the summary's next step, the reveal's reasons and the resources' kinds
    assert "Blaenoriaeth 1: " in said and "Dechreuwch gyda chwestiwn " in said and "I gyrraedd " in said
    assert "mae'r farn yn amrywio o " in said and "pwynt o'r canolrif ar gyfartaledd" in said
    assert "(hyfforddiant)" in said
    for english in ("Start with question", "views span", "on average", "(training)", "(guidance)", "(tool)"):
        assert english not in said
