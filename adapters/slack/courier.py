"""The courier: a child process that renders and sends private answers nobody waits for.

After a vote is stored and Slack has its answer, the voter gets a private confirmation
(``chat.postEphemeral``). Nothing depends on Slack's reply to that call, but making it (Block Kit
built and validated with `slack_sdk.models`, slack_sdk's client, an HTTP request on aiohttp) cost
the server more CPU than storing the vote: measured, about a third of all the work a vote gave
the process. The server runs on one core's worth of Python, so every vote waited for it. The
courier takes that work to a process of its own, so it runs on another core. The server hands
it the neutral messages (`engine.views.message_to_dict`) as one frame of JSON on a pipe, which
costs a few microseconds; the courier renders them with `adapters.slack.blocks`, as the server
would, and sends them.

It sends only what is safe to lose in a crash: a private confirmation already shown as stored
in the form that was just closed. Channel messages go through the outbox, with retries, and
calls whose answer matters (``views.open``, uploads) stay in the server. While the courier is
not running (not started yet, or exited), or is far behind, `answer` says so and the caller
sends the message itself, so nothing waits on a courier that is not there. It is started on first use
and again if it exits; it stops when the server does, after sending what it was given.

Run as ``python -m adapters.slack.courier API_URL``: frames on stdin are a 4-byte big-endian
length and JSON, either ``{"token", "channel", "user", "messages"}`` to answer someone privately
(``messages`` a JSON text of its own, a list of `engine.views.message_to_dict`)
or ``{"flush": n}``, answered on stdout with ``{"flushed": n}`` once every answer read before it
has been sent (tests and shutdown).
Rate limits and dropped connections are handled by the same slack_sdk retry handlers as the
server's own calls (`adapters.slack.client`).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import logging
import struct
import sys
from collections.abc import Sequence
from typing import Any

from engine.views import Message, message_to_dict

log = logging.getLogger("accord.slack.courier")

# Bytes handed to the courier and not yet read by it: beyond this it is stuck or far behind,
# and the server sends the message itself.
MOST_BEHIND = 1 << 20

_LENGTH = struct.Struct(">I")


def _frame(payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, separators=(",", ":")).encode()
    return _LENGTH.pack(len(data)) + data


async def _read_frame(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    try:
        header = await reader.readexactly(_LENGTH.size)
        return json.loads(await reader.readexactly(_LENGTH.unpack(header)[0]))
    except asyncio.IncompleteReadError:
        return None


class Courier:
    """The server's side: `answer` hands a private answer over; `flush` waits until it is sent."""

    def __init__(self, api_url: str) -> None:
        self._api_url = api_url
        self._process: asyncio.subprocess.Process | None = None
        self._starting: asyncio.Task | None = None
        self._acks: asyncio.Task | None = None
        self._flushes: dict[int, asyncio.Future] = {}
        self._numbers = itertools.count(1)
        self._stopped = False

    def answer(self, token: str | None, channel_id: str, user_id: str, messages: Sequence[Message]) -> bool:
        """Hand over a private answer; False when the courier cannot take it now (send it yourself)."""
        process = self._process
        if process is None or process.returncode is not None or process.stdin is None or process.stdin.is_closing():
            self._start_soon()
            return False
        if process.stdin.transport.get_write_buffer_size() > MOST_BEHIND:
            return False
        # The messages travel as one JSON text of their own: the courier renders each distinct
        # text once (see `_rendered`) and needs no more than the text to know it.
        said = json.dumps([message_to_dict(m) for m in messages], separators=(",", ":"))
        process.stdin.write(_frame({"token": token, "channel": channel_id, "user": user_id, "messages": said}))
        return True

    async def flush(self, timeout: float | None = None) -> None:
        """Wait until every answer handed over so far has been sent (or the courier is gone)."""
        process = self._process
        if process is None or process.returncode is not None or process.stdin is None or process.stdin.is_closing():
            return
        number = next(self._numbers)
        done = self._flushes[number] = asyncio.get_running_loop().create_future()
        process.stdin.write(_frame({"flush": number}))
        try:
            await asyncio.wait_for(asyncio.shield(done), timeout)
        except asyncio.TimeoutError:
            log.warning("the courier did not finish sending within %s s", timeout)
        finally:
            self._flushes.pop(number, None)

    async def stop(self, timeout: float) -> None:
        """Let the courier send what it has, then end it."""
        self._stopped = True
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
        process = self._process
        if process is None:
            return
        if process.stdin is not None and not process.stdin.is_closing():
            process.stdin.close()  # end of input: it finishes its calls and exits
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except asyncio.TimeoutError:
            log.warning("the courier did not stop within %s s; ending it", timeout)
            process.kill()
            await process.wait()
        if self._acks is not None:
            await asyncio.gather(self._acks, return_exceptions=True)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _start_soon(self) -> None:
        if self._stopped or (self._starting is not None and not self._starting.done()):
            return
        self._starting = asyncio.get_running_loop().create_task(self._start())

    async def _start(self) -> None:
        previous = self._process
        if previous is not None:
            log.warning("the courier exited (code %s); starting it again", previous.returncode)
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "adapters.slack.courier",
                self._api_url,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
        except OSError:
            log.exception("the courier could not be started; private confirmations are sent by the server")
            return
        self._process = process
        self._acks = asyncio.get_running_loop().create_task(self._read_acks(process))

    async def _read_acks(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        while (frame := await _read_frame(process.stdout)) is not None:
            waiting = self._flushes.get(frame.get("flushed"))
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
        # Gone: nobody is left to answer the flushes still waiting.
        for waiting in self._flushes.values():
            if not waiting.done():
                waiting.set_result(None)


async def send_privately(client: Any, channel_id: str, user_id: str, messages: Sequence[Message], skip: int = 0) -> None:
    """A private answer as Slack shows it (ephemeral, in the channel): by the courier, or by the server.

    An answer too long for one Slack message goes as several, in order; `skip` leaves out the
    first parts (already sent another way).
    """
    for text, blocks in _render(channel_id, messages)[skip:]:
        await client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)


def _render(channel_id: str, messages: Sequence[Message]) -> list[tuple[str, list[dict]]]:
    from adapters.slack import blocks as block_kit

    parts = block_kit.answer_parts(messages, channel_id)
    return [(block_kit.fallback_text(messages[0], index, len(parts)), blocks) for index, blocks in enumerate(parts, start=1)]


# Rendered answers kept by the courier. A confirmation names the question, the vote and nothing
# of the voter, so on one question most of a team's confirmations are the same few texts;
# rendering one as Block Kit cost more than sending it.
RENDERED_KEPT = 256


@functools.lru_cache(maxsize=RENDERED_KEPT)
def _rendered(channel_id: str, said: str) -> list[tuple[str, list[dict]]]:
    from engine.views import message_from_dict

    return _render(channel_id, [message_from_dict(m) for m in json.loads(said)])


# ------------------------------------------------------------------ the child process


async def _serve(api_url: str) -> None:
    import aiohttp
    from slack_sdk.errors import SlackApiError

    from adapters.slack.client import web_client

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MOST_BEHIND)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    clients: dict[str | None, Any] = {}
    calls: set[asyncio.Task] = set()

    async def send(frame: dict[str, Any]) -> None:
        token = frame.get("token")
        client = clients.get(token)
        if client is None:
            client = clients[token] = web_client(api_url, token, session)
        try:
            for text, blocks in _rendered(frame["channel"], frame["messages"]):
                await client.chat_postEphemeral(channel=frame["channel"], user=frame["user"], text=text, blocks=blocks)
        except SlackApiError as refused:
            log.warning("could not answer %s privately: %s", frame.get("user"), refused.response.get("error"))
        except Exception:  # noqa: BLE001 - a lost confirmation must not stop the others
            log.exception("could not answer %s privately", frame.get("user"))

    async with aiohttp.ClientSession() as session:
        while (frame := await _read_frame(reader)) is not None:
            if "flush" in frame:
                if calls:
                    await asyncio.gather(*list(calls))
                sys.stdout.buffer.write(_frame({"flushed": frame["flush"]}))
                sys.stdout.buffer.flush()
                continue
            task = loop.create_task(send(frame))
            calls.add(task)
            task.add_done_callback(calls.discard)
        if calls:
            await asyncio.gather(*list(calls))


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if len(argv) != 1:
        print("usage: python -m adapters.slack.courier API_URL", file=sys.stderr)
        return 2
    from bot import i18n

    i18n.install()  # the words blocks adds around a message ("part 2 of 3") in the message's language
    asyncio.run(_serve(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
