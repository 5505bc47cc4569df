"""`accord framework check` on a framework's Welsh: complete, absent, or each missing text on its own line."""

from __future__ import annotations

import io
from pathlib import Path

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "bot" / "frameworks" / "efficient-councils.yaml"


def check(path: Path) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = main(["framework", "check", str(path)], stdout=out)
    return code, out.getvalue().splitlines()


def test_the_shipped_framework_is_complete_in_english_and_welsh():
    code, lines = check(SHIPPED)
    assert code == 0
    assert f"  {SHIPPED}: complete in English and Welsh" in lines
    assert not any(line.startswith("! ") for line in lines)


def test_each_missing_translation_is_listed_on_a_line_of_its_own(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8").replace("id: efficient-councils", "id: gappy-councils", 1)
    text = text.replace('      title: "Cynllunio ariannol a hyfywedd"\n', "", 1)
    text = text.replace('              title: "LG Inform"\n', "", 1)
    gappy = tmp_path / "gappy.yaml"
    gappy.write_text(text, encoding="utf-8")
    code, lines = check(gappy)
    assert code == 0  # a missing translation reads in English: a warning, not a fault
    missing = [line for line in lines if line.startswith("! ")]
    lines = text.splitlines()
    # Each is reported at the line of the cy: block that lacks it (the first LG Inform's, the third theme's).
    lg_inform = lines.index('              description: "Data ac adroddiadau am ddim am ein hardal, gyda chymariaethau â chynghorau tebyg."')
    finance = lines.index("  - id: finance") + 6
    assert lines[lg_inform - 1].strip() == lines[finance - 1].strip() == "cy:"
    assert missing == [
        f"! {gappy}: themes[0].questions[0].resources[0].cy.title: no Welsh translation (it reads in English) (line {lg_inform})",
        f"! {gappy}: themes[2].cy.title: no Welsh translation (it reads in English) (line {finance})",
    ]
    assert not any("complete in" in line for line in lines)


def test_a_framework_in_english_only_is_told_so_once(tmp_path):
    english = tmp_path / "english.yaml"
    english.write_text((REPO / "tests" / "slack" / "mini-framework.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    code, lines = check(english)
    assert code == 0
    assert [line for line in lines if line.startswith("! ")] == [
        f"! {english}: written in English only: no Welsh (add a `cy:` block beside each text; see docs/welsh.md)"
    ]
