"""Six councils' installs and a hub, each a process of its own, as a sector would run them.

The hub is `accord serve` with ``benchmark.hub: true`` on a loopback port, with its own app.yaml
and SQLite file. Each council has its own app.yaml and SQLite file, its assessment played through
the console's use cases (`conftest.seed`). Councils 1 to 4 submit from the command line
(`accord benchmark submit`) and fetch with `accord benchmark fetch` (council 1) or the same use
case called from the test's process (to keep the file fast); councils 5 and 6 are long-running installs
(`accord serve` with ``benchmark.hub_url``) that submit their completed assessment and fetch the
aggregates on their own schedule. With four districts in, the hub shows no figures and the
reports say why; with six, every council's report shows the quartiles, the date and how many.

Place scores: 1.5, 2.0, 2.5, 3.0 (councils 1-4), 3.5 (5), 4.0 (6); finance 1, 2, 3, 3, 4, 5.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from statistics import quantiles
from zoneinfo import ZoneInfo

import pytest

from bot.benchmark import export_submission, fetch
from bot.benchmark_hub import Hub
from bot.catalogue import FrameworkCatalogue
from bot.comparison import report_context
from bot.config import load_config
from bot.export import render_export
from bot.report import report_markdown
from storage.benchmark import BenchmarkStore
from storage.database import create_db_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.benchmark.conftest import (
    FRAMEWORK,
    PERSONAL,
    SCORES,
    Council,
    clean_environment,
    hub_yaml,
    make_council,
)

ACCORD = Path(sys.executable).with_name("accord")


class Server:
    """`accord serve` in a process of its own; its log kept, and printed if the test fails."""

    def __init__(self, config: Path, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [str(ACCORD), "--config", str(config), "serve", "--host", "127.0.0.1", "--port", "0"],
            cwd=cwd, env=clean_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.url: str | None = None
        listening = threading.Event()

        def keep() -> None:
            for line in self.process.stdout:
                self.lines.append(line)
                if line.startswith("Accord is listening on "):
                    self.url = line.split()[4]
                    listening.set()
            listening.set()

        threading.Thread(target=keep, daemon=True).start()
        listening.wait(60)
        assert self.url, "accord serve did not start:\n" + "".join(self.lines)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        print("".join(self.lines))


def accord(council: Council, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ACCORD), "--config", str(council.config_path), *args],
        check=False, cwd=council.directory, env=clean_environment(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def each(function, items):
    """At once, as councils would: one process per council."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(function, items))


def get(url: str, token: str | None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def post(url: str, token: str | None, body: bytes) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers, method="POST"), timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def report(council: Council) -> tuple[str, dict]:
    """The council's report as Markdown and JSON, read from its database as `accord export` reads it."""
    config = load_config(council.config_path, environ={})
    database = create_db_engine(council.database_url)
    try:
        with SqlUnitOfWork(database, read_only=True) as uow:
            (listing,) = uow.reports.list_assessments()
            assessment = uow.assessments.get(listing.id)
            context = report_context(uow.reports, assessment, config)
        return report_markdown(assessment, context), json.loads(render_export(assessment, "json", context=context).content)
    finally:
        database.dispose()


def fetch_from_hub(council: Council):
    """What `accord benchmark fetch` does, from the test's process: over HTTP from the hub's."""
    config = load_config(council.config_path, environ={})
    database = create_db_engine(council.database_url)
    try:
        return fetch(database, config, FrameworkCatalogue.load(config.frameworks.paths, config.frameworks.default), datetime.now(UTC))
    finally:
        database.dispose()


def exported(council: Council) -> dict:
    config = load_config(council.config_path, environ={})
    database = create_db_engine(council.database_url)
    try:
        return export_submission(database, config, datetime.now(UTC)).document
    finally:
        database.dispose()


def fetched_organisations(council: Council) -> int | None:
    database = create_db_engine(council.database_url)
    try:
        with SqlUnitOfWork(database, read_only=True) as uow:
            found = BenchmarkStore(uow.session).fetched("mini-council", "district")
        return found.body.get("organisations") if found else None
    finally:
        database.dispose()


def waited_for(check, within: float = 60.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (found := check()) is not None:
            return found
        time.sleep(0.2)
    raise AssertionError("gave up waiting")


def quartiles_of(values) -> tuple[float, float, float]:
    return tuple(round(v, 4) for v in quantiles(values, n=4, method="inclusive"))


@pytest.fixture
def hub(tmp_path):
    directory = tmp_path / "hub"
    directory.mkdir()
    config = directory / "app.yaml"
    config.write_text(hub_yaml(directory), encoding="utf-8")
    server = Server(config, directory)
    yield server, directory, config
    server.stop()


def test_six_councils_and_a_hub_in_separate_processes(tmp_path, hub):
    server, hub_directory, hub_config = hub
    peers_url = server.url + "/api/benchmark/peers?type=district"
    # One token made as the hub's operator makes it, the others through the same use case.
    made = subprocess.run(
        [str(ACCORD), "--config", str(hub_config), "benchmark", "token", "new", "council-1"],
        check=False, cwd=hub_directory, env=clean_environment(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    tokens = [made.stdout.strip()]
    operator = Hub(create_db_engine(f"sqlite:///{hub_directory / 'hub.db'}"), FrameworkCatalogue.load([str(FRAMEWORK)], "mini-council"), load_config(hub_config, environ={}))
    tokens += [operator.new_token(f"council-{n}", datetime.now(UTC)) for n in range(2, 7)]
    operator.database.dispose()

    councils = [
        make_council(tmp_path / f"council-{n}", scores, hub_url=server.url, token=token, share_in_yaml=(n == 2))
        for n, (scores, token) in enumerate(zip(SCORES, tokens), start=1)
    ]

    # Four districts submit from the command line: the hub shows no figures, and says why.
    submitted = each(lambda c: accord(c, "benchmark", "submit"), councils[:4])
    assert all(r.returncode == 0 for r in submitted), [r.stderr for r in submitted]
    assert all("took this council's first submission" in r.stdout for r in submitted)
    status, four = get(peers_url, tokens[0])
    assert status == 200 and four["shown"] is False and four["themes"] == four["questions"] == []
    assert "Fewer than 5 district councils" in four["reason"]
    (nothing,) = fetch_from_hub(councils[0])
    assert nothing.body["shown"] is False
    markdown, data = report(councils[0])
    section = markdown[markdown.index("## Compared with similar organisations") :].split("\n## ", 1)[0]
    assert "will appear once at least 5 of them have contributed" in section
    assert re.findall(r"\d", re.sub(r"benchmark of \d+ \w+ \d{4}|at least 5", "", section)) == []
    assert data["comparison"]["shown"] is False and data["comparison"]["themes"] == []

    # Bad input over HTTPS changes nothing: no token, a wrong one, a file changed after signing.
    document = exported(councils[4])
    assert post(server.url + "/api/benchmark", None, json.dumps(document).encode())[0] == 401
    assert post(server.url + "/api/benchmark", "wrong", json.dumps(document).encode())[0] == 401
    document["payload"]["questions"]["evidence"]["current"] = 5
    status, refused = post(server.url + "/api/benchmark", tokens[4], json.dumps(document).encode())
    assert status == 400 and "signature does not match" in refused["error"]
    assert get(peers_url, None)[0] == 401
    assert get(peers_url, tokens[0])[1] == four

    # Councils 5 and 6 run Accord as a server: each submits its completed assessment and fetches
    # the benchmark on its own schedule. Council 5 starts first, so it sees five districts.
    long_running = []
    try:
        for council, expected in ((councils[4], 5), (councils[5], 6)):
            long_running.append(Server(council.config_path, council.directory))
            assert waited_for(lambda c=council: fetched_organisations(c)) == expected
    finally:
        for running in long_running:
            running.stop()

    # The others fetch (one from the command line); every council's report shows the benchmark.
    fetched = accord(councils[0], "benchmark", "fetch")
    assert fetched.returncode == 0 and "a benchmark of 6 councils" in fetched.stdout, fetched.stderr
    assert all(found.body["organisations"] == 6 for c in councils[1:4] for found in fetch_from_hub(c))
    today = datetime.now(ZoneInfo("Europe/London"))
    said = f"Among {{}} district councils (benchmark of {today.day} {today:%B %Y}"
    place = [(e + r) / 2 for e, r, _ in SCORES]
    finance = [f for _, _, f in SCORES]
    for number, council in enumerate(councils, start=1):
        peers = 5 if number == 5 else 6
        markdown, data = report(council)
        assert said.format(peers) in markdown, markdown
        comparison = data["comparison"]
        assert comparison["shown"] is True and comparison["peers"] == peers
        themes = {t["theme"]: t for t in comparison["themes"]}
        for theme, values in (("place", place), ("finance", finance)):
            row = themes[theme]
            assert (row["lower_quartile"], row["median"], row["upper_quartile"]) == quartiles_of(values[:peers])
            assert row["ours"] == values[number - 1] and row["peers"] == peers
    # Council 1 is the lowest: in the bottom quarter on both themes.
    assert {t["position"] for t in report(councils[0])[1]["comparison"]["themes"]} == {"bottom quarter"}

    # The hub answers with quartiles only: never a council's own scores, id, key or name.
    status, six = get(peers_url, tokens[2])
    assert status == 200 and six["organisations"] == 6
    assert six["completed"] == {"from": "2026-11-02", "to": "2026-11-02"}
    text = json.dumps(six)
    for council in councils:
        config = load_config(council.config_path, environ={})
        database = create_db_engine(council.database_url)
        with SqlUnitOfWork(database, read_only=True) as uow:
            identity = BenchmarkStore(uow.session).identity()
        database.dispose()
        assert config.benchmark.token not in text
        assert identity.organisation_id not in text and identity.public_key not in text
    for item in six["themes"] + six["questions"]:
        assert set(item) - {"id", "title", "number"} == {"organisations", "lower_quartile", "median", "upper_quartile"}
    for personal in PERSONAL:
        assert personal.lower() not in text.lower()
