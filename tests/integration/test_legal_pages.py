"""The privacy notice and terms of use that `accord serve` answers, and the Teams package that links to them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from textwrap import dedent
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.manifest import teams_manifest, write_teams_package
from bot.app import Application
from bot.catalogue import FrameworkCatalogue
from bot.config import ConfigError, parse_config
from bot.server import build_runtime, create_web_app

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)

APP_ID = "11111111-2222-3333-4444-555555555555"
NORTHSHIRE = f"""
organisation:
  name: Northshire Council
legal:
  contact: dpo@northshire.gov.uk
teams:
  app_id: {APP_ID}
"""


def config_of(text: str):
    return parse_config(dedent(text), environ={})


def client_for(config, database) -> TestClient:
    application = Application(config, FrameworkCatalogue.load(), database, accord=None)
    return TestClient(TestServer(create_web_app(build_runtime(application), [])))


async def page(client: TestClient, path: str) -> tuple[int, str, object]:
    response = await client.get(path)
    return response.status, await response.text(), response.headers


async def test_the_built_in_privacy_notice_names_the_organisation_and_what_accord_keeps(db_engine):
    async with client_for(config_of(NORTHSHIRE), db_engine) as client:
        status, text, headers = await page(client, "/privacy")

    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert '<html lang="en-GB">' in text
    assert "<title>Privacy notice · Accord · Northshire Council</title>" in text
    assert text.count("<h1>") == 1
    assert "Northshire Council uses Accord" in text
    # What is kept, who sees it, and how to have it exported or forgotten (docs/privacy.md).
    for heading in ("What Accord keeps about you", "Who sees what", "How long it is kept", "Your rights"):
        assert f"<h2>{heading}</h2>" in text
    assert "<li>every vote you cast" in text
    assert "<code>accord member export</code>" in text and "<code>accord member forget</code>" in text
    assert '<a href="mailto:dpo@northshire.gov.uk">dpo@northshire.gov.uk</a>' in text
    assert '<a href="terms">Terms of use</a>' in text


async def test_the_built_in_terms_link_back_to_the_privacy_notice(db_engine):
    async with client_for(config_of(NORTHSHIRE), db_engine) as client:
        status, text, _ = await page(client, "/terms")
        # The footer's relative link leads to the other page.
        back = re.search(r'<a href="([^"]+)">Privacy notice</a>', text).group(1)
        other, _, _ = await page(client, "/" + back)

    assert status == 200 and other == 200
    assert "<title>Terms of use · Accord · Northshire Council</title>" in text
    assert "Accord is provided by Northshire Council" in text
    assert "Questions go to" in text and "mailto:dpo@northshire.gov.uk" in text


async def test_without_a_contact_the_pages_name_the_data_protection_officer(db_engine):
    async with client_for(config_of("organisation:\n  name: Northshire Council\n"), db_engine) as client:
        _, text, _ = await page(client, "/privacy")
    assert "ask Northshire Council's data protection officer for a copy" in text.replace("\n", " ")


async def test_a_council_s_own_text_is_shown_escaped_in_its_language(db_engine):
    config = config_of(
        """
        organisation:
          name: Cyngor <Sir> & "Co"
        legal:
          language: cy
          privacy: |
            # Pwy ydym ni
            Mae'r cyngor yn defnyddio Accord. <script>alert(1)</script>
            Gweler https://www.example.gov.uk/preifatrwydd.

            - un
            - dau
              ac yn parhau
        """
    )
    async with client_for(config, db_engine) as client:
        _, privacy, _ = await page(client, "/privacy")
        _, terms, _ = await page(client, "/terms")

    assert '<html lang="cy">' in privacy
    assert "<h2>Pwy ydym ni</h2>" in privacy
    assert "<script>" not in privacy and "&lt;script&gt;alert(1)&lt;/script&gt;" in privacy
    assert "Cyngor &lt;Sir&gt; &amp; &quot;Co&quot;" in privacy
    assert '<a href="https://www.example.gov.uk/preifatrwydd">https://www.example.gov.uk/preifatrwydd</a>.' in privacy
    assert "<ul>\n<li>un</li>\n<li>dau ac yn parhau</li>\n</ul>" in privacy
    # Terms were not given: the built-in English text, and the page says it is English.
    assert '<html lang="en-GB">' in terms and "Accord is provided by Cyngor &lt;Sir&gt;" in terms


def test_the_start_up_line_says_whose_text_the_pages_show():
    from bot.legal_pages import describe

    assert describe(config_of("legal:\n  privacy: Ours.\n  terms: Ours too.\n")).endswith(": your own texts from app.yaml.")
    assert describe(config_of("legal:\n  terms: Ours.\n")).endswith(
        ": your own terms from app.yaml, the built-in text for the other."
    )


def test_the_legal_settings_are_checked():
    with pytest.raises(ConfigError, match=r"legal.language: must be a language tag such as 'en-GB'"):
        config_of("legal:\n  language: English please\n")
    with pytest.raises(ConfigError, match=r"legal.term: unknown key \(did you mean 'terms'\?\)"):
        config_of("legal:\n  term: our terms\n")
    defaults = config_of("")
    assert (defaults.legal.contact, defaults.legal.privacy, defaults.legal.terms) == (None, None, None)
    assert defaults.organisation.website is None


# ------------------------------------------------------------------------------ the Teams package


def test_the_teams_package_names_the_organisation_and_its_pages(tmp_path):
    path = write_teams_package(config_of(NORTHSHIRE), tmp_path / "accord-teams.zip", "https://accord.example.org/")
    with zipfile.ZipFile(path) as package:
        developer = json.loads(package.read("manifest.json"))["developer"]
    assert developer == {
        "name": "Northshire Council",
        "websiteUrl": "https://accord.example.org/privacy",
        "privacyUrl": "https://accord.example.org/privacy",
        "termsOfUseUrl": "https://accord.example.org/terms",
    }


def test_the_organisation_s_website_and_a_long_name_fit_teams():
    config = config_of(
        f"""
        organisation:
          name: Royal Borough of Northshire and Southdale
          website: https://www.northshire.gov.uk
        teams:
          app_id: {APP_ID}
        """
    )
    developer = teams_manifest(config, "https://accord.example.org")["developer"]
    assert developer["websiteUrl"] == "https://www.northshire.gov.uk"
    assert developer["name"] == "Royal Borough of Northshire and…"
    assert len(developer["name"]) <= 32


def test_the_teams_package_refuses_a_default_organisation_name_and_an_http_website():
    with pytest.raises(ConfigError, match=r"organisation.name in app.yaml is not set"):
        teams_manifest(config_of(f"teams:\n  app_id: {APP_ID}\n"), "https://accord.example.org")
    http = config_of(NORTHSHIRE.replace("organisation:\n", "organisation:\n  website: http://www.northshire.gov.uk\n"))
    with pytest.raises(ConfigError, match=r"organisation.website must start with https://"):
        teams_manifest(http, "https://accord.example.org")


def test_the_slack_app_s_description_links_to_both_pages():
    from adapters.slack.manifest import slack_manifest

    described = slack_manifest(config_of(NORTHSHIRE), "https://accord.example.org/")["display_information"]
    assert described["long_description"].endswith(
        "What is kept about you, and who sees it: https://accord.example.org/privacy. "
        "Terms of use: https://accord.example.org/terms."
    )
    assert len(described["long_description"]) <= 4000  # Slack's limit for it
    assert "/privacy" not in slack_manifest(config_of(NORTHSHIRE), None)["display_information"]["long_description"]


async def test_the_package_s_links_answer_from_the_server(db_engine, tmp_path):
    config = config_of(NORTHSHIRE)
    developer = teams_manifest(config, "https://accord.example.org")["developer"]
    async with client_for(config, db_engine) as client:
        for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
            address = urlsplit(developer[key])
            assert (address.scheme, address.netloc) == ("https", "accord.example.org")
            status, text, _ = await page(client, address.path)
            assert status == 200, key
            assert "Northshire Council" in text


def test_accord_serve_answers_privacy_and_terms(tmp_path):
    """The installed command, as an administrator starts it: both pages answer before any platform is set up."""
    (tmp_path / "app.yaml").write_text(dedent(NORTHSHIRE.replace(f"teams:\n  app_id: {APP_ID}\n", "")))
    accord = Path(sys.executable).with_name("accord")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONUNBUFFERED": "1", "PYTHONUTF8": "1"}
    server = subprocess.Popen(
        [str(accord), "serve", "--port", "0"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        first = server.stdout.readline()
        found = re.search(r"listening on (http://\S+)", first)
        assert found, first + server.stderr.read() if server.poll() is not None else first
        base = found.group(1)
        said = [server.stdout.readline().strip() for _ in range(3)]
        assert "Privacy notice at /privacy, terms of use at /terms: the built-in texts; set legal.privacy and legal.terms in app.yaml for your own." in said
        for path, words in (("/privacy", "Privacy notice"), ("/terms", "Terms of use")):
            with urllib.request.urlopen(base + path, timeout=10) as response:
                assert response.status == 200
                assert f"<h1>{words}</h1>" in response.read().decode("utf-8")
    finally:
        server.terminate()
        server.wait(timeout=20)
