"""The worst case through the real bolt app: every payload Accord gives Slack is within Slack's limits.

Twelve members with 200-character names vote on an eleven-point scale (0-10, so the vote modal
has a select menu) with 1,000-character comments, on questions with long prompts and guidance;
the super-user asks `who` and `who all`, reveals, and records each answer with a 2,000-character
note; the summary follows. A second, smaller scenario has a 70-member team. Every call Slack was
asked to make (posts, updates, ephemeral answers, response_url answers, modals, the App Home) is
checked against the table in `tests/limits.py`, and what a person must see (every voter, every
comment, every note) is checked to be there in full, however many parts it took.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from adapters.slack.platform import SlackPlatform
from bot.app import build
from bot.config import parse_config
from bot.server import build_runtime, create_web_app
from storage import migrate
from tests.limits import long_comment, long_name, normalised, slack_problems
from tests.slack.conftest import CHANNEL, SECRET, SECRET_KEY, TEAM, Accord, Clock
from tests.slack.fake_slack import FakeSlack

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)

FRAMEWORK = Path(__file__).resolve().parent.parent / "worst-case-framework.yaml"
QUESTIONS = ("evidence", "medium-term")


def team(size: int) -> list[tuple[str, str]]:
    return [(f"U-M{n:02d}", long_name(n)) for n in range(size)]


async def start(slack: FakeSlack, db_url: str):
    config = parse_config(
        f"frameworks:\n  paths: [{FRAMEWORK}]\nassessment:\n  auto_reveal: false\n"
        "slack:\n  signing_secret: ${SLACK_SIGNING_SECRET}\n  bot_token: ${SLACK_BOT_TOKEN}\n  api_url: ${SLACK_API_URL}\n",
        environ={"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-northshire",
                 "SLACK_API_URL": slack.base_url + "/api/", "ACCORD_SECRET_KEYS": SECRET_KEY},
    )  # fmt: skip
    migrate.upgrade(db_url)
    application = build(config, db_url)
    clock = Clock()
    runtime = build_runtime(application, clock)
    platform = SlackPlatform(runtime)
    runner = web.AppRunner(create_web_app(runtime, [platform]))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    return Accord(slack, application, runtime, platform, clock, url, aiohttp.ClientSession()), runner


@pytest.fixture
async def council(request, db_url):
    """Accord in a channel of `request.param` members with the longest names, on the worst-case framework."""
    fake = FakeSlack(team_id=TEAM, page_size=100)
    members = team(request.param)
    for user_id, name in members:
        fake.person(user_id, name)
    fake.channels[CHANNEL] = [user_id for user_id, _ in members]
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
    accord, app_runner = await start(fake, db_url)
    try:
        yield accord, members
    finally:
        await accord.http.close()
        await app_runner.cleanup()
        accord.application.database.dispose()
        await runner.cleanup()


async def vote_with_the_select(accord: Accord, user: str, current: int, ambition: int, comment: str) -> dict:
    """Open the modal, check it offers a select menu of 11 points, and submit it as Slack would."""
    modal = await accord.open_vote(user)
    choices = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert choices["current"]["type"] == choices["ambition"]["type"] == "static_select"
    assert [o["value"] for o in choices["current"]["options"]] == [str(p) for p in range(11)]
    payload = accord.view_submission(user, modal, current, ambition, comment)
    for block in ("current", "ambition"):
        payload["view"]["state"]["values"][block]["choice"]["type"] = "static_select"
    status, body = await accord.send(payload)
    assert status == 200 and not body, body  # the modal closes: the vote is stored
    await accord.deliver()
    return modal


def check_every_payload(slack: FakeSlack) -> int:
    """Every message, modal and answer Slack was asked to show, against the table of limits."""
    checked = 0
    problems: list[str] = []
    for call in slack.calls:
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            found = slack_problems(call.params.get("blocks") or [], "message")
            assert len(call.params.get("text") or "") <= 40_000
        elif call.method in ("views.open", "views.publish", "views.update"):
            found = slack_problems(call.params["view"]["blocks"], "modal")
        else:
            continue
        checked += 1
        problems += [f"{call.method}: {p}" for p in found]
    for path, body in slack.responses:
        checked += 1
        problems += [f"response_url {path}: {p}" for p in slack_problems(body.get("blocks") or [], "message")]
    assert not problems, "\n".join(problems[:20])
    return checked


def seen_by(slack: FakeSlack, user: str) -> str:
    return normalised("\n".join(slack.ephemeral_to(user)))


@pytest.mark.parametrize("council", [12], indirect=True)
async def test_the_worst_case_assessment_stays_within_slacks_limits_and_loses_nothing(council):
    accord, members = council
    slack = accord.slack
    chair = members[0][0]
    await accord.command(chair, "start worst-case")
    intro = slack.in_channel(CHANNEL)[0].all_text()
    assert all(normalised(name) in normalised(intro) for _, name in members)  # every member named, none cut

    notes = {}
    for number, question in enumerate(QUESTIONS):
        for n, (user, _) in enumerate(members):
            await vote_with_the_select(accord, user, n % 11, 10, long_comment(n, question))
        await accord.command(chair, "who")
        shown = seen_by(slack, chair)
        for n, (_, name) in enumerate(members):  # all twelve, each with their whole comment
            assert normalised(f"{name}") in shown and normalised(long_comment(n, question)) in shown
        await accord.command(chair, "reveal")
        notes[question] = long_comment(99, question, 2000)
        await accord.command(chair, f"{number + 3} {number + 7} {notes[question]}", command="/finalise")
        consensus = next(p.all_text() for p in reversed(slack.in_channel(CHANNEL)) if "Consensus recorded" in p.all_text())
        assert normalised(notes[question]) in normalised(consensus)

    posted = [p.all_text() for p in slack.in_channel(CHANNEL)]
    assert any("Summary: " in text for text in posted)
    slack.private.clear()
    await accord.command(chair, "who all")
    everything = seen_by(slack, chair)
    for question in QUESTIONS:
        for n, (_, name) in enumerate(members):
            assert normalised(name) in everything and normalised(long_comment(n, question)) in everything
    parts = [text for user, text in slack.private if user == chair]
    assert len(parts) > 1 and "(part 2 of" in parts[1]  # paged, not clipped

    assert check_every_payload(slack) > 50
    assert not [row for row in accord.outbox() if row["sent_at"] is None]


@pytest.mark.parametrize("council", [70], indirect=True)
async def test_a_seventy_member_team_stays_within_slacks_limits(council):
    accord, members = council
    slack = accord.slack
    chair = members[0][0]
    await accord.command(chair, "start worst-case")
    for n, (user, _) in enumerate(members[:3]):
        await vote_with_the_select(accord, user, 5, 8, long_comment(n, "evidence"))
    await accord.command(chair, "status")
    await accord.command(chair, "who")
    waiting = seen_by(slack, chair)
    for _, name in members[3:]:  # every one of the 67 who have not voted, by their whole name
        assert normalised(name) in waiting
    await accord.command(chair, "reveal")
    await accord.command(chair, "5 8", command="/finalise")
    await accord.command(chair, "skip")
    assert any("Summary: " in p.all_text() for p in slack.in_channel(CHANNEL))
    assert check_every_payload(slack) > 10


async def test_framework_check_says_how_each_platform_shows_the_scale(capsys):
    from bot.cli import main

    code = main(["framework", "check", str(FRAMEWORK), str(Path(__file__).with_name("mini-framework.yaml"))])
    out = capsys.readouterr().out
    assert code == 0
    assert "votes in Slack: a drop-down menu (11 points); in Teams: a drop-down list" in out
    assert "votes in Slack: radio buttons (5 points)" in out

