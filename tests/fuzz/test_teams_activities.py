"""Activities of any shape posted to /api/messages in Teams local mode: a 4xx or an answer, never a 500.

The Bot Framework's activity schema is large and clients send what they send. Random JSON, and
real activities (a typed command, a card's Action.Execute) with parts replaced or removed, are
posted to `accord serve`'s web app with the Teams platform in local mode (tests/teams/conftest.py,
SQLite; replies go to the fake connector on loopback). Each is refused with a 4xx or handled;
none gets a 500, and nothing logs a traceback. (An invoke Accord does not implement gets the
Bot Framework's own 501 Not Implemented, which is what Teams expects of a bot.)
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import budget
from tests.teams.conftest import AMIRA, BOT, SAM, connector, make_teams  # noqa: F401

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@pytest.fixture
def db_url(tmp_path) -> str:
    """SQLite only: what is fuzzed here is the adapter, which is the same over either database."""
    return f"sqlite:///{tmp_path / 'accord.db'}"


@pytest.fixture
async def teams(make_teams):  # noqa: F811
    harness = await make_teams()
    status, _ = await harness.say(SAM, "start")
    assert status in (200, 201)
    return harness


def real_activities(harness) -> st.SearchStrategy[dict]:
    """A typed command or a card action, as Teams sends them, then altered at random."""

    @st.composite
    def altered(draw) -> dict:
        who = draw(st.sampled_from([SAM, AMIRA]))
        kind = draw(st.sampled_from(["message", "invoke", "submit", "other"]))
        if kind == "message":
            text = draw(st.one_of(st.sampled_from(["status", "vote 2 4", "reveal", "who all", "export html", "help"]), st.text(max_size=40)))
            activity = harness.activity(who, text=f"<at>Accord</at> {text}",
                                        entities=[{"type": "mention", "text": "<at>Accord</at>", "mentioned": dict(BOT)}])
        elif kind == "invoke":
            data = draw(st.dictionaries(st.sampled_from(["question", "current", "ambition", "comment", "verb"]), json_values, max_size=5))
            verb = draw(st.one_of(st.sampled_from(["vote", "refresh", "reveal", "finalise", "next"]), st.text(max_size=10)))
            activity = harness.activity(who, "invoke", name="adaptiveCard/action",
                                        value={"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"})
        elif kind == "submit":
            activity = harness.activity(who, value=draw(st.dictionaries(st.sampled_from(["verb", "question", "current", "ambition"]), json_values, max_size=4)))
        else:
            activity = harness.activity(who, draw(st.sampled_from(["conversationUpdate", "messageReaction", "installationUpdate", "event", "typing", "bogus"])))
        for _ in range(draw(st.integers(0, 3))):
            key = draw(st.sampled_from(sorted(activity)))
            if key == "serviceUrl" and not draw(st.booleans()):
                continue  # mostly keep the stand-in connector, so the bot has somewhere to answer
            if draw(st.booleans()):
                del activity[key]
            else:
                activity[key] = draw(json_values)
        return activity

    return altered()


def unimplemented_invoke(body: bytes) -> bool:
    """An invoke Accord has no handler for (a messaging extension, a task module...): the Bot
    Framework's protocol answers those 501 Not Implemented, and Teams expects exactly that."""
    try:
        activity = json.loads(body)
    except ValueError:
        return False
    return isinstance(activity, dict) and activity.get("type") == "invoke" and activity.get("name") != "adaptiveCard/action"


async def post_raw(harness, body: bytes, caplog) -> int:
    since = len(caplog.records)
    async with harness.session.post(f"{harness.url}/api/messages", data=body, headers={"Content-Type": "application/json"}) as response:
        answer = await response.text()
    if response.status == 501:
        assert unimplemented_invoke(body), answer
    else:
        assert response.status < 500, (response.status, answer)
    assert "Traceback" not in answer
    logged = [f"{r.name}: {r.getMessage()}" for r in caplog.records[since:] if r.exc_info is not None or r.levelno >= logging.ERROR]
    assert logged == []
    return response.status


@settings(max_examples=budget(80))
@given(data=st.data())
async def test_any_activity_is_refused_with_a_4xx_or_handled_never_a_500(teams, caplog, data):
    activity = data.draw(st.one_of(real_activities(teams), real_activities(teams), json_values), label="activity")
    await post_raw(teams, json.dumps(activity).encode(), caplog)


@settings(max_examples=budget(30))
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
async def test_a_body_that_is_not_json_is_refused_with_a_4xx(teams, caplog, body):
    status = await post_raw(teams, body, caplog)
    try:
        json.loads(body)
    except ValueError:
        assert 400 <= status < 500
