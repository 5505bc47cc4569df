"""End to end in a real Teams client: the Microsoft 365 Agents Playground, driven by Playwright.

`accord serve` runs in local mode on 127.0.0.1; the Agents Playground (npm
`@microsoft/m365agentsplayground` 0.2.28, channel msteams) is connected to it, with a mock
team of six read from `playground.yml`; headless Debian chromium opens the playground's page.
Sam, the playground's user, @mentions Accord in the Leadership channel to start an assessment,
votes through the question card (Action.Execute), reveals, finalises, and sees the summary
card. The playground can be only one person, so two colleagues' votes arrive as the
adaptiveCard/action invokes their own Teams clients would send, posted to Accord with the
playground's service URL. A screenshot of the summary is kept in test-artifacts/.

Nothing leaves loopback: the playground is preloaded with `loopback-only.cjs` (binds
127.0.0.1, refuses every other connection and lookup), Application Insights' statsbeat is off,
and chromium resolves no name but localhost. Skips, saying why, where node, the npm package,
chromium or Python's playwright is missing (`bash tests/e2e/install.sh` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PLAYGROUND = HERE / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
PRELOAD = HERE / "loopback-only.cjs"
PLAYGROUND_CONFIG = HERE / "playground.yml"
FRAMEWORK = ROOT / "tests" / "teams" / "two-questions.yaml"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
# The playground's mock team (playground.yml): the current user and two colleagues.
SAM = {"id": "user-id-0", "name": "Sam Patel", "aadObjectId": "00000000-0000-0000-0000-0000000000020"}
AMIRA = {"id": "user-id-1", "name": "Amira Khan", "aadObjectId": "00000000-0000-0000-0000-0000000000021"}
BEN = {"id": "user-id-2", "name": "Ben Ode", "aadObjectId": "00000000-0000-0000-0000-0000000000022"}


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (bash tests/e2e/install.sh needs it too)"
    if not PLAYGROUND.exists():
        return "the Agents Playground is not installed: run `bash tests/e2e/install.sh` (npm ci in tests/e2e)"
    if not os.path.exists(CHROMIUM):
        return "chromium is not installed: run `bash tests/e2e/install.sh` (Debian's chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Python's playwright is not installed: pip install -e '.[test]'"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
            return response.status < 500
    except OSError:
        return False


@pytest.fixture
def served(tmp_path):
    """`accord serve` in local mode and the playground connected to it; both stopped after."""
    accord_port, playground_port = _free_port(), _free_port()
    database = tmp_path / "accord.db"
    config = tmp_path / "app.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{database}\n"
        f"frameworks:\n  default: teams-pair\n  paths: ['{FRAMEWORK}']\n"
        "reminders:\n  enabled: false\ndigests:\n  enabled: false\n"
        f"server:\n  host: 127.0.0.1\n  port: {accord_port}\n"
        # As the shipped app.yaml does: local mode is asked for, never assumed.
        "teams:\n  local_mode: ${ACCORD_TEAMS_LOCAL:-false}\n",
        encoding="utf-8",
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("Microsoft")}
    environment["ACCORD_TEAMS_LOCAL"] = "1"
    environment.pop("ACCORD_DATABASE_URL", None)
    accord_log = open(tmp_path / "accord.log", "w")
    accord = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "serve"],
        cwd=ROOT, env=environment, stdout=accord_log, stderr=subprocess.STDOUT,
    )
    refused_log = tmp_path / "refused.log"
    playground_env = {
        **environment,
        "TEAMSAPPTESTER_BROWSER": "none",
        "APPLICATION_INSIGHTS_NO_STATSBEAT": "true",
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(PLAYGROUND_CONFIG),
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(tmp_path / "playground.log"),
        "ACCORD_PRELOAD_LOG": str(refused_log),
    }
    playground_out = open(tmp_path / "playground.out", "w")
    playground = subprocess.Popen(
        [
            "node", "--require", str(PRELOAD), str(PLAYGROUND),
            "--app-endpoint", f"http://127.0.0.1:{accord_port}/api/messages",
            "--channel-id", "msteams", "--port", str(playground_port), "--disable-telemetry",
        ],
        cwd=tmp_path, env=playground_env, stdout=playground_out, stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(lambda: _answers(f"http://127.0.0.1:{accord_port}/healthz"), 30, "accord serve")
        _wait_for(lambda: _answers(f"http://127.0.0.1:{playground_port}/"), 30, "the Agents Playground")
        yield {
            "accord": f"http://127.0.0.1:{accord_port}",
            "playground": f"http://localhost:{playground_port}/",
            "database": database,
            "logs": tmp_path,
            "refused": refused_log,
            "playground_port": playground_port,
        }
    finally:
        for process in (playground, accord):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        accord_log.close()
        playground_out.close()
        ARTIFACTS.mkdir(exist_ok=True)
        for name in ("accord.log", "playground.log", "refused.log"):
            if (tmp_path / name).exists():
                shutil.copy(tmp_path / name, ARTIFACTS / f"teams-playground-{name}")


def _listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP port listens on, from /proc (Linux); empty where unknown."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                if width == 8:
                    found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
                else:
                    found.add("::1" if address == "0" * 24 + "01000000" else address)
    return found


def _channel_reference(database: Path) -> tuple[str, str, dict]:
    """The tenant and channel the assessment runs in, and the channel's stored conversation reference."""
    with sqlite3.connect(database) as connection:
        tenant, channel = connection.execute(
            "SELECT workspace, channel_id FROM assessment WHERE platform = 'msteams' AND status = 'active'"
        ).fetchone()
        row = connection.execute(
            "SELECT reference FROM conversation_reference WHERE platform = 'msteams' AND scope = 'channel' "
            "AND workspace = ? AND target_id = ?",
            (tenant, channel),
        ).fetchone()
    assert row, "Accord recorded no channel reference"
    return tenant, channel, json.loads(row[0])["conversation"]


def _colleague_votes(accord: str, database: Path, question: str, votes: list[tuple[dict, str, str]]) -> None:
    """What Amira's and Ben's Teams clients send when they press Vote: adaptiveCard/action invokes."""
    tenant, channel, reference = _channel_reference(database)
    for member, current, ambition in votes:
        activity = {
            "type": "invoke",
            "name": "adaptiveCard/action",
            "id": f"invoke-{member['id']}-{question}",
            "channelId": "msteams",
            "serviceUrl": reference["serviceUrl"],
            "from": member,
            "recipient": reference["bot"],
            "conversation": reference["conversation"],
            "channelData": {"channel": {"id": channel}, "tenant": {"id": tenant}},
            "value": {"action": {"type": "Action.Execute", "verb": "vote", "data": {"question": question, "current": current, "ambition": ambition}}},
        }
        request = urllib.request.Request(
            f"{accord}/api/messages", data=json.dumps(activity).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            body = json.loads(response.read())
        assert response.status == 200 and "We recorded your vote" in json.dumps(body), body


async def _say(page, text: str) -> None:
    """A new post in the channel: @mention Accord with the playground's mention picker, then the text."""
    editor = page.get_by_role("textbox").first
    await editor.click()
    await page.keyboard.type("@Acc")
    box = await editor.bounding_box()
    names = page.get_by_text("Accord", exact=True)
    for _ in range(50):  # the picker opens under the editor within a moment
        await page.wait_for_timeout(100)
        picked = False
        for index in range(await names.count()):
            where = await names.nth(index).bounding_box()
            if where and box and box["y"] <= where["y"] <= box["y"] + box["height"] + 80:
                await names.nth(index).click()
                picked = True
                break
        if picked:
            break
    else:
        raise AssertionError("the playground offered no mention of Accord")
    await page.keyboard.type(f" {text}")
    await page.get_by_role("button", name="Post").click()


async def _vote_on_card(page, current: str, ambition: str) -> None:
    """Sam's vote through the newest question card: both choice sets, then the Vote button."""
    await page.get_by_role("combobox", name="Where are we now?").last.click()
    await page.get_by_role("option", name=current).click()
    await page.get_by_role("combobox", name="Where should we be in 18-24 months?").last.click()
    await page.get_by_role("option", name=ambition).click()
    await page.get_by_role("button", name="Vote").last.click()


async def test_an_assessment_runs_in_the_agents_playground(served):
    from playwright.async_api import async_playwright, expect

    ARTIFACTS.mkdir(exist_ok=True)
    # The playground listens on every interface unless told otherwise; the preload binds it here.
    addresses = _listening_addresses(served["playground_port"])
    assert addresses <= {"127.0.0.1"}, f"the Agents Playground listens on {addresses}"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1600})
            page.set_default_timeout(20_000)
            await page.goto(served["playground"])
            await page.get_by_text("Leadership", exact=True).first.click()
            await expect(page.get_by_text("Start a new post")).to_be_visible()

            await _say(page, "start")
            await expect(page.get_by_text("Question 1.1 (1 of 2)").first).to_be_visible()
            await expect(page.get_by_text("0 of 6 have voted").first).to_be_visible()

            # Question 1: Sam votes on the card; the card answers with his own view.
            # (The playground has no user-specific views: the shared card, updated in place, shows
            # the progress; Teams itself would refresh Sam's copy to his own view.)
            await _vote_on_card(page, "3 Established", "4 Advanced")
            await expect(page.get_by_text("1 of 6 have voted").first).to_be_visible()
            _colleague_votes(served["accord"], served["database"], "evidence", [(AMIRA, "2", "4"), (BEN, "3", "5")])
            await expect(page.get_by_text("3 of 6 have voted").first).to_be_visible()
            await _say(page, "reveal")
            await expect(page.get_by_text("Votes revealed: question 1.1", exact=False).first).to_be_visible()
            await _say(page, "finalise 3 4 agreed in the playground")
            await expect(page.get_by_text("Consensus recorded: question 1.1").first).to_be_visible()

            # Question 2 opens by itself; the same again, and the summary follows.
            await expect(page.get_by_text("Question 2.1 (2 of 2)").first).to_be_visible()
            await _vote_on_card(page, "2 Developing", "3 Established")
            await expect(page.get_by_text("1 of 6 have voted").last).to_be_visible()
            _colleague_votes(served["accord"], served["database"], "medium-term", [(AMIRA, "2", "3"), (BEN, "2", "4")])
            await _say(page, "reveal")
            await expect(page.get_by_text("Votes revealed: question 2.1", exact=False).first).to_be_visible()
            await _say(page, "finalise")
            summary = page.get_by_text("Summary: A two-question council self-assessment").first
            await expect(summary).to_be_visible()
            await summary.scroll_into_view_if_needed()
            await page.screenshot(path=str(ARTIFACTS / "teams-playground-summary.png"), full_page=True)
        finally:
            await browser.close()

    accord_log = (served["logs"] / "accord.log").read_text()
    assert "LOCAL MODE" in accord_log
    assert "a Teams turn failed" not in accord_log
    assert "Traceback" not in accord_log
