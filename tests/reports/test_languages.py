"""Reports in Welsh, English or both (issue 19, item 4), through `accord export --language` on a
completed assessment stored in a real database, its framework carrying its Welsh."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from bot.cli import main
from engine.framework import Framework, parse_framework
from storage.database import create_db_engine
from storage.migrate import upgrade
from tests.reports.conftest import completed, store
from tests.unit.conftest import tiny_framework

# Welsh for the tiny framework's words, a `cy:` block beside each (the first level left in English).
WELSH = {
    "title": "Gwiriad bach y cyngor",
    "money": ("Arian", "A yw'r llyfrau'n mantoli."),
    "budget": ("Pa mor gadarn yw ein cyllideb?", {p: f"Cyllideb {p}: disgrifiad Cymraeg." for p in (2, 3, 4, 5)}),
    "labels": {1: "Dechreuol", 2: "Datblygol", 3: "Sefydledig", 4: "Uwch", 5: "Arweiniol"},
}


def welsh_tiny() -> Framework:
    data = tiny_framework().to_dict()
    data["cy"] = {"title": WELSH["title"]}
    data["scale"]["cy"] = {"labels": WELSH["labels"]}
    money = data["themes"][0]
    money["cy"] = {"title": WELSH["money"][0], "summary": WELSH["money"][1]}
    budget = money["questions"][0]
    budget["cy"] = {"prompt": WELSH["budget"][0], "levels": WELSH["budget"][1]}
    return parse_framework(data, "tiny-cy")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("languages")
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    engine = create_db_engine(url)
    upgrade(engine)
    assessment = completed(framework=welsh_tiny(), answers={"money": ((3, 4), (2, 3))})
    store(engine, assessment)
    engine.dispose()
    config = tmp_path / "app.yaml"
    config.write_text(f"database:\n  url: {url}\nreport:\n  output_dir: {tmp_path / 'out'}\n", encoding="utf-8")
    return config, assessment, tmp_path


def export(setup, fmt: str, *language: str) -> str:
    config, assessment, tmp_path = setup
    path = tmp_path / f"report-{fmt}-{'-'.join(language) or 'default'}"
    code = main(["--config", str(config), "export", assessment.id, "--format", fmt, "--output", str(path), *language])
    assert code == 0
    return Path(path).read_text(encoding="utf-8-sig")


def headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2>(.*?)</h2>", html)]


def test_a_welsh_report_is_welsh_in_its_headings_its_framework_and_its_lang(setup):
    html = export(setup, "html", "--language", "cy")
    assert '<html lang="cy">' in html and 'lang="en' not in html
    assert headings(html)[:3] == ["Crynodeb", "Sut i ddarllen yr adroddiad hwn", "Canlyniadau fesul thema"]
    assert "Summary" not in headings(html) and "Question by question" not in html
    # The framework's own words, from its cy: blocks
    assert "Pa mor gadarn yw ein cyllideb?" in html and "How sound is our budget?" not in html
    assert "Cyllideb 3: disgrifiad Cymraeg." in html  # the level agreed now
    assert "3 Sefydledig." in html  # the scale's label
    assert "Arian" in html and "Money" not in html
    # A text without its Welsh reads in English rather than not at all
    assert "How resilient are our reserves?" in html
    assert "Mae&#x27;r adroddiad hwn yn ddienw." in html  # the anonymity line
    assert "Cytunodd y tîm ar 4 o&#x27;r 4 cwestiwn" in html


def test_a_bilingual_report_has_both_side_by_side_welsh_first_each_with_its_lang(setup):
    html = export(setup, "html", "--language", "bilingual")
    assert html.count('<html lang="cy">') == 1
    assert html.count('<div class="bilingual-part" lang="cy">') == html.count('<div class="bilingual-part" lang="en-GB">') > 5
    first_welsh, first_english = html.index('lang="cy"><header'), html.index('lang="en-GB"><header')
    assert first_welsh < first_english
    assert "Crynodeb" in headings(html) and "Summary" in headings(html)
    assert "Pa mor gadarn yw ein cyllideb?" in html and "How sound is our budget?" in html
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and "summary" in ids and "en-summary" in ids


def test_english_stays_the_default_and_reads_as_before(setup):
    html = export(setup, "html")
    assert '<html lang="en-GB">' in html and 'class="bilingual' not in html
    assert headings(html)[0] == "Summary" and "How sound is our budget?" in html and "Crynodeb" not in html


def test_a_welsh_csv_has_welsh_headers_for_its_spreadsheet_readers(setup):
    rows = list(csv.reader(io.StringIO(export(setup, "csv", "--language", "cy"))))
    assert rows[0][:4] == ["Rhif y thema", "Thema", "Rhif y cwestiwn", "Cwestiwn"]
    assert rows[1][1:4] == ["Arian", "1.1", "Pa mor gadarn yw ein cyllideb?"]
    assert rows[1][4] == "cytunwyd"
    both = list(csv.reader(io.StringIO(export(setup, "csv", "--language", "bilingual"))))
    assert both[0][0] == "Rhif y thema / Theme number" and both[1][1] == "Arian / Money"


def test_a_bilingual_markdown_report_gives_both_in_full_welsh_first(setup):
    text = export(setup, "markdown", "--language", "bilingual")
    welsh, english = text.split("\n---\n", 1)
    assert "## Crynodeb" not in welsh  # Markdown's sections: Overall, in Welsh "At ei gilydd"
    assert "## At ei gilydd" in welsh and "## Overall" in english
    assert "Pa mor gadarn yw ein cyllideb?" in welsh and "How sound is our budget?" in english


def test_a_language_accord_does_not_write_is_refused_by_the_command_line(setup, capsys):
    config, assessment, _ = setup
    with pytest.raises(SystemExit):
        main(["--config", str(config), "export", assessment.id, "--language", "fr"])
    assert "invalid choice: 'fr'" in capsys.readouterr().err


def test_the_report_written_to_a_folder_follows_the_language_speaking_or_is_bilingual(tmp_path):
    from bot.report import write_report
    from engine.language import speaking

    assessment = completed(framework=welsh_tiny())
    with speaking("cy"):
        files = write_report(assessment, tmp_path / "cy")
    html = files.html.read_text(encoding="utf-8")
    assert '<html lang="cy">' in html and "Crynodeb" in html
    assert "## At ei gilydd" in files.markdown.read_text(encoding="utf-8")
    assert all(image.is_file() for image in files.images)
    both = write_report(assessment, tmp_path / "both", language="bilingual")
    assert 'lang="en-GB"' in both.html.read_text(encoding="utf-8")
    markdown = both.markdown.read_text(encoding="utf-8")
    assert markdown.index("## At ei gilydd") < markdown.index("## Overall")
    for name in re.findall(r"\]\(([^)]+\.png)\)", markdown):  # every chart the Markdown names was written
        assert (tmp_path / "both" / name).is_file()


def test_the_welsh_report_of_a_stored_assessment_reads_its_snapshot(db_engine, stored):
    """On SQLite and PostgreSQL: the framework's Welsh survives the snapshot, and the export use case reads it."""
    from bot.config import parse_config
    from bot.export import export_report

    assessment = stored(framework=welsh_tiny())
    file = export_report(db_engine, parse_config("", environ={}), assessment.id, "html", language="cy")
    html = file.content.decode("utf-8")
    assert "Pa mor gadarn yw ein cyllideb?" in html and "Cyllideb 3: disgrifiad Cymraeg." in html
