"""`accord serve --workers N`: several server processes sharing one port, on PostgreSQL.

A Python process runs one thread of Python at a time, so one `accord serve` uses about one
core however many requests wait. With workers, the supervising process opens the listening
socket and forks N workers that accept from it (the pre-fork model of gunicorn). Each is a whole
`accord serve`: its own bolt app and botbuilder adapter, outbox dispatcher, scheduler job and
Slack courier. They share nothing but the database, which is what keeps them correct together:

- a command locks its assessment's row, and a process's kept copy of an assessment is used
  only when its version, read under that lock, is still the one kept (`storage.tracking`);
- a Slack retry is recognised by its receipt's unique key, whichever process it reaches;
- the outbox dispatchers claim messages atomically and keep each channel's order;
- one process at a time runs the scheduler's sweeps (`storage.leadership`).

SQLite lets one process write at a time, and Socket Mode is one connection per process, so
both are refused with more than one worker. The supervisor starts a worker again when it dies,
gives up when they keep dying as they start (a setting that cannot work), and stops them all,
letting each finish what it acknowledged, on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import make_url

from bot.server import CannotServe, address_of, listening_socket, serve

log = logging.getLogger("accord.workers")

# A worker that exits this soon after it started failed while starting ...
STARTING_SECONDS = 10.0
# ... and this many such failures in a row stop the server rather than fork forever.
MOST_FAILED_STARTS = 5
# How long stopping workers have to finish what they acknowledged before they are killed.
STOP_GRACE_SECONDS = 30.0


def refuse_unless_shareable(database_url: str, workers: int, *, socket_mode: bool) -> None:
    if workers <= 1:
        return
    if make_url(database_url).get_backend_name() == "sqlite":
        raise CannotServe(
            f"{workers} workers need PostgreSQL: SQLite lets one process write at a time, so the workers "
            "would only wait for each other. Run one worker on SQLite, or set database.url "
            "(or ACCORD_DATABASE_URL) to a PostgreSQL database."
        )
    if socket_mode:
        raise CannotServe("Socket Mode keeps one connection to Slack, in one process: run it with one worker.")


class Supervisor:
    """Keeps `workers` worker processes running until it is told to stop."""

    def __init__(
        self,
        start: Callable[[int], multiprocessing.process.BaseProcess],
        workers: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        starting_seconds: float = STARTING_SECONDS,
        pause: float = 1.0,
    ) -> None:
        self._start = start
        self._workers = workers
        self._clock = clock
        self._starting_seconds = starting_seconds
        self._pause = pause  # before starting again a worker that failed as it started
        self._stopping = threading.Event()

    def stop(self, *_: object) -> None:
        self._stopping.set()

    def run(self) -> int:
        """Run until stopped (0), or until workers keep failing as they start (1)."""
        running = {index: self._start(index) for index in range(self._workers)}
        started = {index: self._clock() for index in running}
        failed_starts = 0
        try:
            while not self._stopping.is_set():
                ended = multiprocessing.connection.wait([p.sentinel for p in running.values()], timeout=0.5)
                if self._stopping.is_set():
                    break  # a worker that ended with the signal that stops us all is not restarted
                for index, process in list(running.items()):
                    if process.sentinel not in ended:
                        continue
                    process.join()
                    lasted = self._clock() - started[index]
                    failed_starts = failed_starts + 1 if lasted < self._starting_seconds else 0
                    if failed_starts >= MOST_FAILED_STARTS:
                        log.error("workers keep stopping as they start (%d in a row): see their log above; stopping", failed_starts)
                        return 1
                    log.warning(
                        "worker %d (process %d) stopped with exit code %s after %.0f s; starting another",
                        index + 1, process.pid, process.exitcode, lasted,
                    )
                    if lasted < self._starting_seconds:
                        self._stopping.wait(self._pause)  # not a tight loop of forks
                        if self._stopping.is_set():
                            break
                    running[index] = self._start(index)
                    started[index] = self._clock()
            return 0
        finally:
            _stop_all(list(running.values()))


def _stop_all(processes: list[multiprocessing.process.BaseProcess]) -> None:
    for process in processes:
        if process.is_alive():
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.warning("worker process %d did not stop within %.0f s; killing it", process.pid, STOP_GRACE_SECONDS)
            process.kill()
            process.join()


def serve_workers(config, host: str, port: int, workers: int, *, print_line=print) -> int:
    """`accord serve --workers N`: check once, listen once, then supervise N workers."""
    from bot.app import build

    # Frameworks load and the database is up to date, checked once here with a clear message,
    # not N times in N workers. No connection may cross the fork, so this one is closed.
    build(config).database.dispose()
    sock = listening_socket(host, port)
    print_line(f"Accord is listening on {address_of(sock)} with {workers} worker processes (health: /healthz)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if workers > cores:
        print_line(f"  Note: {workers} workers on {cores} CPU cores; more workers than cores only make them wait for each other.")
    context = multiprocessing.get_context("fork")  # the workers inherit the listening socket

    def start(index: int) -> multiprocessing.process.BaseProcess:
        say = print_line if index == 0 else _quiet
        process = context.Process(target=_worker, args=(config, sock, say), name=f"accord-worker-{index + 1}")
        process.start()
        return process

    supervisor = Supervisor(start, workers)
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    try:
        return supervisor.run()
    finally:
        sock.close()


def _quiet(line: str) -> None:
    pass


def _worker(config, sock: socket.socket, print_line) -> None:
    from bot.app import build

    # The supervisor's handlers came across the fork; this process stops by aiohttp's own.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # Its own process group: Ctrl-C in a terminal reaches the supervisor alone, which then stops
    # the workers in order, each finishing what it acknowledged.
    os.setpgid(0, 0)
    _stop_when_orphaned()
    serve(build(config), sock, print_line=print_line, say_where=False)


def _stop_when_orphaned() -> None:
    """Stop this worker if its supervisor dies without stopping it (killed with SIGKILL, say)."""
    supervisor = os.getppid()

    def watch() -> None:
        while os.getppid() == supervisor:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="accord-orphan-watch", daemon=True).start()
