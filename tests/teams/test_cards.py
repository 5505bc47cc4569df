"""Cards, chart addresses, the app package and the reused connector clients, without a server."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity

from adapters.teams import cards
from adapters.teams.connector import build_authentication
from adapters.teams.images import ChartImages, ChartLinkError, chart_from_dict, chart_to_dict
from adapters.teams.manifest import teams_manifest, write_teams_package
from bot.config import ConfigError, parse_config
from engine import presenters
from engine.assessment import Assessment, Conversation, Identity, Member
from engine.views import Chart, ChartKind, Series

NOW = datetime(2025, 3, 3, 9, 30, tzinfo=timezone.utc)
SAM = Identity("msteams", "t", "aad-sam")
AMIRA = Identity("msteams", "t", "aad-amira")


@pytest.fixture
def assessment(framework) -> Assessment:
    return Assessment.start(
        assessment_id="a1",
        conversation=Conversation("msteams", "t", "19:c"),
        framework=framework,
        starter=Member(SAM, "Sam"),
        members=[Member(AMIRA, "Amira")],
        now=NOW,
    )


class FakeImages:
    def url(self, chart) -> str:
        return "https://accord.example/api/teams/charts/x.png"

    def inline(self, chart) -> str | None:
        return None


def test_a_question_card_is_an_adaptive_card_1_5_with_universal_actions(assessment):
    message = presenters.question_message(assessment, assessment.focus_round)
    card = cards.render(message, FakeImages(), refresh_user_ids=[f"29:{i}" for i in range(70)] + ["29:0"])
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.5")
    texts = json.dumps(card, ensure_ascii=False)
    assert message.heading in texts and "Emerging" in texts
    choice_sets = [e for e in card["body"] if e["type"] == "Input.ChoiceSet"]
    assert [c["id"] for c in choice_sets] == ["current", "ambition"]
    assert all(c["isRequired"] for c in choice_sets)
    vote = {
        "type": "Action.Execute", "title": "Vote", "verb": "vote", "data": {"question": assessment.focus_round.question_id},
        "fallback": {"type": "Action.Submit", "title": "Vote", "data": {"question": assessment.focus_round.question_id, "verb": "vote"}},
        "style": "positive",
    }  # fmt: skip
    refresh = card["refresh"]
    assert refresh["action"]["verb"] == "refresh"
    assert len(refresh["userIds"]) == 60 and len(set(refresh["userIds"])) == 60  # Teams' limit, no duplicates
    # The eleven beyond Teams' 60 are never refreshed by Teams: a visible button gets them their own view.
    vote_action, show_mine = card["actions"]
    assert vote_action == vote
    assert (show_mine["type"], show_mine["verb"], show_mine["title"]) == ("Action.Execute", "refresh", "Show my vote")
    assert show_mine["data"] == {"question": assessment.focus_round.question_id}
    sixty = cards.render(message, FakeImages(), refresh_user_ids=[f"29:{i}" for i in range(60)])
    assert sixty["actions"] == [vote]  # everyone is refreshed: no button needed
    attachment = cards.attachment(card)
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive" and attachment.content is card


def test_a_members_own_view_selects_their_vote_and_nothing_else(assessment):
    message = presenters.question_message(assessment, assessment.focus_round)
    mine = cards.render(cards.own_view(message, cards.OwnVote(2, 4, "patchy data")))
    chosen = {e["id"]: e.get("value") for e in mine["body"] if e["type"].startswith("Input.")}
    assert chosen == {"current": "2", "ambition": "4", "comment": "patchy data"}
    off_scale = cards.render(cards.own_view(message, cards.OwnVote(9, None)))
    assert all("value" not in e for e in off_scale["body"] if e["type"] == "Input.ChoiceSet")


def test_a_problem_is_shown_on_top_in_attention_style(assessment):
    message = presenters.question_message(assessment, assessment.focus_round)
    card = cards.render(message, problem="Choose where we are now before voting.")
    assert card["body"][0]["style"] == "attention"
    assert card["body"][0]["items"][0]["text"] == "Choose where we are now before voting."


def test_a_chart_is_an_image_with_alt_text_linking_to_its_full_size(assessment):
    chart = Chart(ChartKind.DISTRIBUTION, "Votes", ("1", "2"), (Series("Current", (1.0, 2.0)),), "One at 1, two at 2.")
    message = presenters.notice(None, "Chart")
    card = cards.render(message.__class__(**{**message.__dict__, "charts": (chart,)}), FakeImages())
    image = next(e for e in card["body"] if e["type"] == "Image")
    assert image["altText"] == "One at 1, two at 2."
    assert image["selectAction"]["url"] == image["url"] == "https://accord.example/api/teams/charts/x.png"


def test_chart_addresses_round_trip_and_refuse_forgery_and_age():
    chart = Chart(ChartKind.RADAR, "Themes", ("A", "B", "C"), (Series("Now", (1.5, None, 3.0)),), "alt", 1, 5)
    assert chart_from_dict(chart_to_dict(chart)) == chart
    clock = [NOW]
    images = ChartImages(b"k" * 32, lambda: "https://accord.example", lambda: clock[0], lifetime=timedelta(days=1))
    url = images.url(chart)
    token = url.rsplit("/", 1)[1].removesuffix(".png")
    assert images.chart_for(token) == chart
    other_key = ChartImages(b"x" * 32, lambda: "https://accord.example", lambda: clock[0])
    with pytest.raises(ChartLinkError):
        other_key.chart_for(token)
    body, signature = token.split(".")
    with pytest.raises(ChartLinkError):
        images.chart_for(body[:-2] + "AA." + signature)
    clock[0] = NOW + timedelta(days=2)
    with pytest.raises(ChartLinkError) as expired:
        images.chart_for(token)
    assert expired.value.expired


def test_small_charts_go_inline_and_large_ones_by_address():
    small = Chart(ChartKind.DISTRIBUTION, "Votes", ("1", "2", "3"), (Series("Current", (1.0, 2.0, 0.0)),), "alt")
    images = ChartImages(b"k" * 32, lambda: "https://accord.example", lambda: NOW)
    assert images.inline(small).startswith("data:image/png;base64,")
    assert ChartImages(b"k" * 32, lambda: "https://accord.example", lambda: NOW, inline_budget=100).inline(small) is None


def test_the_app_package_has_the_manifest_and_both_icons(tmp_path):
    config = parse_config("organisation:\n  name: Northshire Council\nteams:\n  app_id: 11111111-2222-3333-4444-555555555555\n", environ={})
    path = write_teams_package(config, tmp_path / "accord-teams.zip", "https://accord.example.org")
    with zipfile.ZipFile(path) as package:
        assert sorted(package.namelist()) == ["color.png", "cy-GB.json", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert package.read("color.png").startswith(b"\x89PNG")
    assert manifest["bots"][0]["botId"] == manifest["id"] == "11111111-2222-3333-4444-555555555555"
    assert set(manifest["bots"][0]["scopes"]) == {"team", "groupChat", "personal"}
    commands = [c["title"] for c in manifest["bots"][0]["commandLists"][0]["commands"]]
    assert "start" in commands and "finalise" in commands and len(commands) <= 10
    assert manifest["validDomains"] == ["accord.example.org"]
    from PIL import Image

    with zipfile.ZipFile(path) as package:
        assert Image.open(package.open("color.png")).size == (192, 192)
        assert Image.open(package.open("outline.png")).size == (32, 32)


def test_the_app_package_needs_an_app_id_and_an_https_address():
    with pytest.raises(ConfigError, match="MicrosoftAppId"):
        teams_manifest(parse_config("", environ={}), "https://accord.example.org")
    configured = parse_config("organisation:\n  name: Northshire Council\nteams:\n  app_id: abc\n", environ={})
    with pytest.raises(ConfigError, match="https"):
        teams_manifest(configured, "http://accord.example.org")


async def test_connector_clients_are_built_once_not_every_turn():
    config = parse_config("teams:\n  local_mode: true\n", environ={}).teams
    authentication = build_authentication(config)
    claims = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: None}, True)
    first = await authentication.create_connector_factory(claims).create("http://127.0.0.1:9/", None)
    tokens = await authentication.create_user_token_client(claims)
    for _ in range(5):
        assert await authentication.create_connector_factory(claims).create("http://127.0.0.1:9/", None) is first
        assert await authentication.create_user_token_client(claims) is tokens
    assert authentication.clients_built == 2
    assert first.config.retry_policy.retries == 0  # the outbox retries, not a blocked thread
    other = await authentication.create_connector_factory(claims).create("http://127.0.0.1:10/", None)
    assert other is not first


def test_accord_manifest_teams_writes_the_package(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    config = tmp_path / "app.yaml"
    config.write_text(
        "organisation:\n  name: Northshire Council\n"
        "teams:\n  app_id: 11111111-2222-3333-4444-555555555555\n  public_url: https://accord.example.org\n"
    )
    output = tmp_path / "out" / "accord-teams.zip"
    assert main(["--config", str(config), "manifest", "teams", "--output", str(output)]) == 0
    assert zipfile.is_zipfile(output)
    assert "Upload an app" in capsys.readouterr().out
    config.write_text("teams:\n  public_url: https://accord.example.org\n")
    assert main(["--config", str(config), "manifest", "teams", "--output", str(output)]) == 2
    assert "MicrosoftAppId" in capsys.readouterr().err


def test_an_app_id_without_its_password_is_a_clear_configuration_error(tmp_path):
    from adapters.teams.platform import TeamsPlatform
    from bot.app import build
    from bot.server import build_runtime

    config = parse_config(f"database:\n  url: sqlite:///{tmp_path}/a.db\nteams:\n  app_id: abc\n", environ={})
    application = build(config)
    try:
        with pytest.raises(ConfigError, match="MicrosoftAppPassword"):
            TeamsPlatform(build_runtime(application))
    finally:
        application.database.dispose()


@pytest.mark.parametrize("topic", [None, "vote", "finalise", "schedule", "remind"])
def test_help_cards_show_commands_in_bold_never_with_backticks(topic):
    """Teams' card markdown has no code spans: a backtick would be shown as it is."""
    from bot.service import help_message

    card = json.dumps(cards.render(help_message(Identity("teams", "tenant", "29:sam"), topic)))
    assert "`" not in card
    assert "**" in card  # the commands stand out all the same
