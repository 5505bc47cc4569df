"""The far side of the wire for benchmarks: a load generator and a stand-in for Slack's Web API.

In production neither runs on Accord's machine: Slack sends the requests and answers the Web API
calls. Here both share the benchmark machine's two cores with the server, so every millisecond
of CPU they spend is taken from the server being measured. They are therefore written straight
on asyncio streams, as load generators like wrk are written close to the socket: HTTP/1.1 with
keep-alive, one connection per client, and nothing else. Measured on the Slack vote benchmark
(ten clients), aiohttp's client used 0.47 ms of CPU per vote and an aiohttp stand-in for Slack
0.27 ms (a vote's Web API calls); these use 0.24 and 0.18 ms. What they send and answer is
unchanged: each request is signed with slack_sdk's `SignatureVerifier` as Slack signs it, and
each answer is the JSON Slack would give.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

# ----------------------------------------------------------------------- HTTP/1.1


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, dict[str, str]] | None:
    """The first line and the headers (names in lower case), or None when the peer closed."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return lines[0], headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return body
            body += chunk[:-2]
    length = int(headers.get("content-length", "0"))
    return await reader.readexactly(length) if length else b""


# ---------------------------------------------------------------------- the client


async def measure(
    url: str,
    make_request: Callable[[int, int], tuple[bytes, dict[str, str]]],
    clients: int,
    requests: int,
    seconds: float | None,
    *,
    warmup: int = 0,
    failed: Callable[[int, bytes], bool] = lambda status, body: status != 200,
) -> dict:
    """`clients` connections, each sending the next request once the last is answered.

    `make_request(client, i)` gives the body and its extra headers. Stops after `requests` in
    all or `seconds`, whichever comes first; latencies are from the first byte sent to the last
    byte read.
    """
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    latencies: list[float] = []
    failures = 0

    async def one(reader, writer, client: int, i: int) -> None:
        nonlocal failures
        body, headers = make_request(client, i)
        head = f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        started = time.perf_counter()
        writer.write(head.encode("latin-1") + b"\r\n" + body)
        answered = await _read_head(reader)
        if answered is None:
            raise ConnectionError("the server closed the connection")
        status_line, response_headers = answered
        payload = await _read_body(reader, response_headers)
        latencies.append(time.perf_counter() - started)
        if failed(int(status_line.split()[1]), payload):
            failures += 1

    async def loop(client: int, count: int, deadline: float | None) -> int:
        reader, writer = await asyncio.open_connection(host, port)
        done = 0
        try:
            while done < count and (deadline is None or time.perf_counter() < deadline):
                await one(reader, writer, client, done)
                done += 1
        finally:
            writer.close()
        return done

    await loop(0, warmup, None)
    latencies.clear()
    failures = 0
    began = time.perf_counter()
    deadline = None if seconds is None else began + seconds
    counts = await asyncio.gather(*(loop(c, requests // clients, deadline) for c in range(clients)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "n": sum(counts),
        "p50": statistics.median(latencies) * 1000,
        "p90": latencies[int(len(latencies) * 0.9)] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "rate": sum(counts) / elapsed,
        "failures": failures,
    }


# ------------------------------------------------------- the stand-in for Slack's Web API


async def serve_json(answer: Callable[[str, dict[str, str]], dict], host: str = "127.0.0.1") -> asyncio.Server:
    """An HTTP/1.1 server answering every POST or GET ``/api/<method>`` with `answer(method, arguments)` as JSON.

    The arguments are the query string's and the body's (a form or a JSON object), as Slack reads them.
    """

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (request := await _read_head(reader)) is not None:
                request_line, headers = request
                body = await _read_body(reader, headers)
                target = urlsplit(request_line.split()[1])
                arguments = dict(parse_qsl(target.query))
                if body:
                    if headers.get("content-type", "").startswith("application/json"):
                        arguments.update({k: v for k, v in json.loads(body).items() if isinstance(v, str)})
                    else:
                        arguments.update(parse_qsl(body.decode()))
                method = target.path.rsplit("/", 1)[-1]
                data = json.dumps(answer(method, arguments)).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: "
                    + str(len(data)).encode()
                    + b"\r\n\r\n"
                    + data
                )
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(connection, host, 0)
