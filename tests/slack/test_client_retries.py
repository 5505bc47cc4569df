"""A dropped connection is tried again once, except a new channel message, which could then appear twice."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from adapters.slack.client import web_client


@pytest.fixture
async def dropping_slack():
    """A Web API on loopback that takes every request, counts it, and hangs up without answering."""
    calls: list[str] = []

    async def hang_up(request: web.Request) -> web.StreamResponse:
        calls.append(request.match_info["method"])
        request.transport.close()  # as if the connection dropped after Slack took the request
        return web.Response()

    app = web.Application()
    app.router.add_post("/api/{method}", hang_up)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/api/", calls
    await runner.cleanup()


async def test_a_new_channel_message_is_sent_once_whatever_the_connection_does(dropping_slack):
    url, calls = dropping_slack
    client = web_client(url, token="xoxb-test")
    with pytest.raises(aiohttp.ClientError):
        await client.chat_postMessage(channel="C1", text="The agreed answer for 1.1 is 3, Established.")
    assert calls == ["chat.postMessage"]  # the outbox tries again, after looking in the channel


async def test_an_edit_is_tried_again_once_after_a_dropped_connection(dropping_slack):
    url, calls = dropping_slack
    client = web_client(url, token="xoxb-test")
    with pytest.raises(aiohttp.ClientError):
        await client.chat_update(channel="C1", ts="1.000001", text="4 of 6 have voted.")
    assert calls == ["chat.update", "chat.update"]  # editing twice changes nothing
