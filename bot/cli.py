"""The `accord` command line.

    accord demo                 a whole assessment by a simulated team, report written to disk
    accord chat                 play any member of a team in an interactive console
    accord db upgrade           apply database migrations
    accord framework check F... validate framework files or folders of them
    accord framework list       the frameworks available
    accord serve                the HTTP server for Slack and Teams
    accord manifest slack|teams the app manifest to install Accord
    accord export ASSESSMENT    the report as HTML, CSV, JSON or Markdown
    accord member export|forget PERSON   everything stored about a person; forget them
    accord audit verify [ASSESSMENT]     check the audit trail's hash chains; exit 1 at the first broken link
    accord audit export ASSESSMENT       an assessment's audit trail as CSV or JSON
    accord secrets new-key      a key for ACCORD_SECRET_KEYS, which encrypts Slack tokens at rest
    accord secrets rotate       re-encrypt the kept Slack tokens with the first (newest) key
    accord benchmark export|submit|fetch    this council's part in a sector benchmark
    accord benchmark import|token new       a benchmark hub's part

Every problem with the configuration, a framework or the database is reported as one clear
message on standard error with exit status 2, before anything starts; never a traceback.
Without an app.yaml every setting takes its default, and a line on standard error says so.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from bot.config import ConfigError, load_config
from engine.language import ENGLISH, WELSH, _, speaking
from engine.presenters.formats import decimal

EXIT_USAGE = 2

DESCRIPTION = (
    "Accord runs a leadership team's self-assessment in the channel it already uses: everyone "
    "votes privately, the team sees where it disagrees, talks, and records the agreed answer."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="accord", description=DESCRIPTION)
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="configuration file (default: $ACCORD_CONFIG, else ./app.yaml, else the built-in defaults)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    demo = commands.add_parser(
        "demo",
        help="watch a simulated team of six run a whole assessment",
        description="A simulated leadership team of six runs a whole assessment on SQLite through the console, "
        "then the scored summary is printed and the report (Markdown and PNG charts) written to disk.",
    )
    demo.add_argument("--seed", type=int, default=2026, help="seed of the simulated votes (default: 2026)")
    demo.add_argument("--output", metavar="DIR", help="where to write the report (default: report.output_dir in app.yaml)")
    demo.add_argument(
        "--language",
        choices=("en", "cy", "bilingual"),
        help="the language Accord speaks, in the channel and the report (default: organisation.language in app.yaml)",
    )

    chat = commands.add_parser(
        "chat",
        help="play any member of a team in an interactive console",
        description="Try Accord without Slack or Teams. Type `@name command`, for example `@sam start`, "
        "`@amira vote 3 4`, `@sam reveal`, `@sam finalise 3 4 agreed after discussion`. "
        "A line without @name is said by whoever spoke last. `help` lists the commands; `quit` leaves.",
    )
    chat.add_argument("--team", default="Sam,Amira,Bea,Chidi,Dev,Erin", help="comma-separated names; the first starts as speaker")
    chat.add_argument("--database", metavar="URL", help="database URL (default: database.url in app.yaml)")
    chat.add_argument(
        "--language", choices=("en", "cy", "bilingual"), help="the language Accord speaks (default: organisation.language in app.yaml)"
    )

    db = commands.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_commands.required = True
    upgrade = db_commands.add_parser("upgrade", help="apply every pending migration", description="Apply every pending migration.")
    upgrade.add_argument("--database", metavar="URL", help="database URL (default: database.url in app.yaml)")
    current = db_commands.add_parser(
        "current",
        help="show the schema revision",
        description="Show the database's schema revision. Exits 0 when it is up to date, 1 when it needs `accord db upgrade`.",
    )
    current.add_argument("--database", metavar="URL", help="database URL (default: database.url in app.yaml)")

    framework = commands.add_parser("framework", help="check or list frameworks", description="Check or list frameworks.")
    framework_commands = framework.add_subparsers(dest="framework_command", metavar="ACTION")
    framework_commands.required = True
    check = framework_commands.add_parser(
        "check",
        help="validate framework YAML files",
        description="Validate framework files, or every .yaml and .yml file in a folder. Every problem of every "
        "file is listed, each naming the file, the key and the line; a framework with the id of a built-in one "
        "is pointed out, as it replaces that one. Exits 1 when any file has a problem.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="a framework file, or a folder of them")
    framework_commands.add_parser("list", help="the frameworks available", description="List the frameworks available.")

    serve = commands.add_parser(
        "serve",
        help="run the HTTP server for Slack and Teams",
        description="Serve /slack/events (when Slack is configured), /api/messages (Teams) and /healthz, "
        "and run the outbox dispatcher and the scheduled reminders and digests.",
    )
    serve.add_argument("--host", help="address to listen on (default: server.host in app.yaml)")
    serve.add_argument("--port", type=int, help="port to listen on, 0 for any free one (default: server.port in app.yaml)")
    serve.add_argument("--socket-mode", action="store_true", help="reach Slack over Socket Mode (needs SLACK_APP_TOKEN), for local development")
    serve.add_argument(
        "--workers",
        type=_worker_count,
        metavar="N",
        help="server processes sharing the port, one per CPU core at most; more than one needs PostgreSQL (default: server.workers in app.yaml)",
    )

    manifest = commands.add_parser(
        "manifest", help="print or write the app manifest for Slack or Teams", description="The app manifest to install Accord."
    )
    manifest.add_argument("platform", choices=["slack", "teams"])
    manifest.add_argument("--url", metavar="BASE", help="the public https address Accord is served at")
    manifest.add_argument("--output", metavar="PATH", help="where to write the Teams app package (default: accord-teams.zip)")

    export = commands.add_parser(
        "export",
        help="export an assessment's report",
        description="Export an assessment as a self-contained HTML report, CSV (a row per question), JSON or Markdown. "
        "Individual votes are included only with --individual-votes, which needs --as, a super-user of that assessment.",
    )
    export.add_argument("assessment", help="the assessment's id (see `accord export --list`)", nargs="?")
    export.add_argument(
        "--format",
        choices=["html", "csv", "json", "markdown"],
        default="html",
        help="html: one self-contained page, charts inside, laid out to print; csv: a row per question, for a "
        "spreadsheet; json: the whole report, for other systems (docs/reports.md); markdown: the report as "
        "Markdown, charts inside (default: html)",
    )
    export.add_argument(
        "--output",
        metavar="PATH",
        help="file to write, or a folder to write it in, - for standard output; missing folders are created "
        "(default: a file named after the assessment in report.output_dir of app.yaml, accord-report/)",
    )
    export.add_argument(
        "--language",
        choices=["cy", "en", "bilingual"],
        help="cy: Cymraeg (Welsh); en: English; bilingual: both, Welsh first, side by side in HTML "
        "(default: the organisation's, organisation.language in app.yaml, else en)",
    )
    export.add_argument("--list", action="store_true", help="list the assessments in the database")
    export.add_argument("--individual-votes", action="store_true", help="include who voted what (super-users only)")
    export.add_argument("--as", dest="as_user", metavar="PLATFORM:WORKSPACE:USER", help="the super-user asking for individual votes")

    member = commands.add_parser(
        "member",
        help="a person's data: export everything stored about them, or forget them",
        description="The rights of access and erasure (UK GDPR). PERSON is PLATFORM:WORKSPACE:USER, as for "
        "`accord export --as`, e.g. slack:T0123:U0456. See docs/privacy.md.",
    )
    member_commands = member.add_subparsers(dest="member_command", metavar="ACTION")
    member_commands.required = True
    member_export = member_commands.add_parser(
        "export",
        help="everything stored about a person, as JSON",
        description="Everything stored about a person, as JSON: the assessments they take part in, their votes "
        "and comments, the agreed answers they recorded, their profile, messages to them, platform records.",
    )
    member_export.add_argument("person", metavar="PERSON", help="PLATFORM:WORKSPACE:USER")
    member_export.add_argument("--output", metavar="FILE", help="write to FILE, readable by its owner only (default: standard output)")
    member_export.add_argument("--database", metavar="URL", help="database URL (default: database.url in app.yaml)")
    forget = member_commands.add_parser(
        "forget",
        help="remove a person's name and comments, anonymise their votes",
        description="Forget a person in one transaction: their name becomes 'Former member' and their user id a "
        "pseudonym in each assessment, their comments are cleared, their profile and the messages to them are "
        "deleted. Their votes' scores and the team's agreed answers stay.",
    )
    forget.add_argument("person", metavar="PERSON", help="PLATFORM:WORKSPACE:USER")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.add_argument("--database", metavar="URL", help="database URL (default: database.url in app.yaml)")

    audit = commands.add_parser(
        "audit",
        help="the audit trail: verify its hash chains, or export an assessment's",
        description="Every change is written to an append-only, hash-chained audit trail. `verify` walks "
        "the chains and names the first broken link; `export` writes one assessment's trail.",
    )
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="ACTION")
    audit_commands.required = True
    audit_verify = audit_commands.add_parser(
        "verify", help="check the hash chains", description="Check one assessment's audit trail, or every one."
    )
    audit_verify.add_argument("assessment", nargs="?", help="the assessment's id (default: every trail)")
    audit_verify.add_argument("--heads", action="store_true", help="also print each chain's last hash, to keep a copy elsewhere")
    audit_verify.add_argument("--database", metavar="URL", help="database URL (default: database.url in app.yaml)")
    audit_export = audit_commands.add_parser(
        "export", help="an assessment's audit trail", description="An assessment's audit trail, oldest first."
    )
    audit_export.add_argument("assessment", help="the assessment's id (see `accord export --list`)")
    audit_export.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (default) or json")
    audit_export.add_argument("--output", metavar="FILE", help="write to FILE, readable by its owner only (default: standard output)")
    audit_export.add_argument("--database", metavar="URL", help="database URL (default: database.url in app.yaml)")

    secrets = commands.add_parser(
        "secrets",
        help="keys for the Slack tokens kept in the database",
        description="Slack tokens of OAuth installs are kept encrypted with the keys in ACCORD_SECRET_KEYS "
        "(comma-separated, newest first: the first encrypts, all decrypt).",
    )
    secrets_commands = secrets.add_subparsers(dest="secrets_command", metavar="ACTION")
    secrets_commands.required = True
    secrets_commands.add_parser("new-key", help="print a new random key", description="Print a new random key for ACCORD_SECRET_KEYS.")
    rotate = secrets_commands.add_parser(
        "rotate",
        help="re-encrypt every kept token with the first key",
        description="Re-encrypt every Slack token in the database with the first key of ACCORD_SECRET_KEYS, "
        "after which the other keys can be removed.",
    )
    rotate.add_argument("--database", metavar="URL", help="database URL (default: database.url in app.yaml)")
    _benchmark_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        if args.command == "framework" and args.framework_command == "check":
            return _framework_check(args.files, stdout)
        if args.command == "secrets" and args.secrets_command == "new-key":
            return _new_key(stdout)
        config = load_config(args.config, notice=lambda line: print(line, file=sys.stderr))
        if args.command == "demo":
            return _demo(config, args, stdout)
        if args.command == "chat":
            return _chat(config, args, stdin, stdout)
        if args.command == "db":
            return _db(config, args, stdout)
        if args.command == "framework":
            return _framework_list(config, stdout)
        if args.command == "serve":
            return _serve(config, args)
        if args.command == "manifest":
            return _manifest(config, args, stdout)
        if args.command == "export":
            from bot.export import run_export

            return run_export(config, args, stdout)
        if args.command == "member":
            return _member(config, args, stdin, stdout)
        if args.command == "audit":
            from bot.audit import run_audit

            return run_audit(config, args, stdout)
        if args.command == "secrets":
            return _rotate(config, args, stdout)
        if args.command == "benchmark":
            return _benchmark(config, args, stdout)
    except KeyboardInterrupt:
        return 130
    except Exception as problem:  # noqa: BLE001 - every known failure becomes one clear line
        message = _known_problem(problem)
        if message is None:
            raise
        print(f"accord: {message}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _known_problem(problem: Exception) -> str | None:
    from bot.app import NotMigrated
    from engine.errors import DomainError
    from storage.database import StorageError

    from bot.server import CannotServe

    if isinstance(problem, (ConfigError, DomainError, StorageError, NotMigrated, CannotServe)):
        return str(problem)
    return None


def _speaking_config(config, language: str | None):
    """app.yaml's configuration, speaking `language` (`--language`) in the channel when one is given."""
    if language is None:
        return config
    return config.model_copy(update={"organisation": config.organisation.model_copy(update={"language": language})})


def _console_language(config) -> str:
    # The console is the channel: a bilingual organisation's console frames it in Welsh, and
    # every message Accord says is in both.
    return ENGLISH if config.organisation.language == ENGLISH else WELSH


def _demo(config, args, out: TextIO) -> int:
    from adapters.console.demo import demo_start, run_demo
    from bot.app import build
    from bot.report import HTML_NAME, write_report

    started = time.perf_counter()
    config = _speaking_config(config, args.language)
    output = Path(args.output or config.report.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    database = output / "accord-demo.db"
    for leftover in output.glob("accord-demo.db*"):
        leftover.unlink()
    app = build(config, f"sqlite:///{database}")
    try:
        zone = config.organisation.tzinfo
        today = datetime.now(timezone.utc).astimezone(zone).date()
        with speaking(_console_language(config)):  # the console's own words and the report
            final = run_demo(app.door(), out, output, write_report, seed=args.seed, start=demo_start(today, zone), zone=zone)
    finally:
        app.database.dispose()
    with speaking(_console_language(config)):
        took = decimal(time.perf_counter() - started, 1)
        print(_("Done in {seconds} s. The demo's database is {database}.").format(seconds=took, database=database), file=out)
        page = output / HTML_NAME
        if final.ok and page.exists():
            print(_("Open {page} in a browser to read the report.").format(page=page), file=out)
    return 0 if final.ok else 1


def _chat(config, args, stdin: TextIO, out: TextIO) -> int:
    from adapters.console.chat import run_chat
    from bot.app import build

    names = [name.strip() for name in args.team.split(",") if name.strip()]
    if len(names) < 2:
        print("accord: a team needs at least two people (--team Sam,Amira)", file=sys.stderr)
        return EXIT_USAGE
    config = _speaking_config(config, args.language)
    app = build(config, args.database)
    try:
        with speaking(_console_language(config)):
            run_chat(app.door(), names, stdin, out, Path(config.report.output_dir), clock=lambda: datetime.now(timezone.utc))
    finally:
        app.database.dispose()
    return 0


def _db(config, args, out: TextIO) -> int:
    """`accord db upgrade|current`; `current` exits 1 when an upgrade is needed, so scripts can ask."""
    from storage import migrate
    from storage.database import create_db_engine

    database = create_db_engine(args.database or config.database.url)
    which = _database_name(database)
    try:
        if args.db_command == "upgrade":
            before = migrate.current_revision(database)
            migrate.upgrade(database, secret_keys=config.database.secret_keys)
            after = migrate.current_revision(database)
            if before == after:
                print(f"{which[:1].upper()}{which[1:]} is up to date (revision {after}).", file=out)
            else:
                print(f"Upgraded {which} from {before or 'empty'} to revision {after}.", file=out)
            return 0
        revision = migrate.current_revision(database)
        up_to_date = migrate.is_up_to_date(database)
        state = "up to date" if up_to_date else "needs `accord db upgrade`"
        print(f"{which[:1].upper()}{which[1:]}: revision {revision or 'none (empty database)'}, {state}.", file=out)
        return 0 if up_to_date else 1
    finally:
        database.dispose()


def _database_name(database) -> str:
    """Which database a command acts on, for a person: the SQLite file, or host/database (no password)."""
    url = database.url
    if url.get_backend_name() == "sqlite":
        return f"the SQLite database {url.database}"
    port = f":{url.port}" if url.port else ""
    return f"the PostgreSQL database {url.host or 'on the local socket'}{port}/{url.database}"


def _framework_check(paths: list[str], out: TextIO) -> int:
    """A line per problem of every file (✗), a line per good file (✓), a warning per shadowed built-in (!)."""
    from bot.catalogue import built_in_frameworks, framework_files, load_framework_file
    from engine.errors import FrameworkError
    from engine.framework import describe_problem, problems_of

    built_in = built_in_frameworks()
    failed = 0
    for path in paths:
        files = framework_files(path)
        if not files:
            failed += 1
            print(f"✗ {path}: a folder with no .yaml or .yml file in it", file=out)
        for file in files:
            try:
                framework = load_framework_file(file)
            except FrameworkError as error:
                failed += 1
                for problem in problems_of(error):
                    print(f"✗ {describe_problem(problem)}", file=out)
                continue
            questions = len(framework.question_ids)
            print(f"✓ {file}: {framework.title} ({framework.id}), {len(framework.themes)} themes, {questions} questions, "
                  f"scale {framework.scale.describe()}, {_resource_words(framework)}", file=out)
            if framework.id in built_in and _is_custom(file):
                print(f"! {file}: id {framework.id!r} is the id of a built-in framework: in frameworks.paths this "
                      "file replaces it for every team; give it its own id to offer both", file=out)
            print(f"  {file}: {_scale_controls(len(framework.scale.points))}", file=out)
            for line in _translation_lines(framework, file):
                print(f"{line[0]} {file}: {line[1:]}", file=out)
    return 1 if failed else 0


def _translation_lines(framework, file: Path) -> list[str]:
    """What `framework check` says of a framework's Welsh: complete, absent, or each text that lacks it.

    A missing translation is not a fault (the text reads in English), so it is a warning (!).
    """
    from engine.framework import TRANSLATED, line_of_key

    text = file.read_text(encoding="utf-8")

    lines = []
    for language in TRANSLATED:
        missing = framework.missing_translations(language)
        if not missing:
            continue
        if not any(_has_words(part, language) for part in _parts(framework)):
            lines.append(f"!written in English only: no {_LANGUAGE_NAMES[language]} (add a `{language}:` block beside "
                         "each text; see docs/welsh.md)")
            continue
        lines += [
            f"!{key}: no {_LANGUAGE_NAMES[language]} translation (it reads in English) (line {line_of_key(text, key)})"
            for key in missing
        ]
    if not lines:
        names = " and ".join(_LANGUAGE_NAMES[language] for language in ("en", *TRANSLATED))
        lines.append(f" complete in {names}")
    return lines


_LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}


def _parts(framework):
    yield framework
    yield framework.scale
    for theme in framework.themes:
        yield theme
        yield from theme.resources
        for question in theme.questions:
            yield question
            yield from question.resources
            for found in question.level_resources.values():
                yield from found


def _has_words(part, language: str) -> bool:
    return bool(part.translations.get(language))


def _resource_words(framework) -> str:
    """How many resources a framework offers, and how many questions fall back on their theme's."""
    resources = [r for theme in framework.themes for r in theme.resources]
    for question in framework.questions():
        resources += question.resources
        for level in question.level_resources.values():
            resources += level
    pages = len({r.url for r in resources})
    borrowing = sum(1 for q in framework.questions() if not q.resources)
    if not borrowing:
        return f"{pages} resources (every question has its own)"
    borrow = "questions use their theme's" if borrowing > 1 else "question uses its theme's"
    return f"{pages} resources ({borrowing} {borrow})"


def _is_custom(file: Path) -> bool:
    """Not one of the files shipped with Accord (checking those is not shadowing them)."""
    from importlib import resources

    from bot.catalogue import BUILT_IN_PACKAGE

    shipped = Path(str(resources.files(BUILT_IN_PACKAGE))).resolve()
    return file.resolve().parent != shipped


def _scale_controls(points: int) -> str:
    """How each platform will show the scale in its vote form, as its adapter renders it."""
    from adapters.slack import blocks as slack_blocks
    from adapters.teams import cards as teams_cards

    return f"votes in Slack: {slack_blocks.scale_control(points)}; in Teams: {teams_cards.scale_control(points)}"


def _framework_list(config, out: TextIO) -> int:
    from bot.catalogue import FrameworkCatalogue

    catalogue = FrameworkCatalogue.load(config.frameworks.paths, config.frameworks.default)
    for framework_id in catalogue.ids():
        framework = catalogue.get(framework_id)
        default = " (default)" if framework_id == catalogue.default else ""
        replaced = f" (from {catalogue.shadowing[framework_id]}, in place of the built-in one)" if framework_id in catalogue.shadowing else ""
        print(f"{framework_id}{default}: {framework.title}, {len(framework.question_ids)} questions{replaced}", file=out)
    return 0


def _serve(config, args) -> int:
    import logging

    from bot.workers import refuse_unless_shareable

    workers = args.workers or config.server.workers
    host = args.host or config.server.host
    port = config.server.port if args.port is None else args.port
    refuse_unless_shareable(config.database.url, workers, socket_mode=args.socket_mode)
    refuse_unless_tokens_open(config)
    which = " [%(process)d]" if workers > 1 else ""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s{which} %(name)s: %(message)s")
    hold_platform_loggers()
    if config.slack.enabled:
        from adapters.slack.platform import startup_check

        # Once, before listening: a refused bot token stops here with one line, not in every worker.
        said = startup_check(config.slack)
        if said:
            print(said, flush=True)
    if workers > 1:
        from bot.workers import serve_workers

        return serve_workers(config, host, port, workers)
    from bot.app import build
    from bot.server import listening_socket, serve

    application = build(config)
    serve(application, listening_socket(host, port), socket_mode=args.socket_mode)
    return 0


def refuse_unless_tokens_open(config) -> None:
    """Before serving: every Slack token kept in the database opens with the keys set, and
    OAuth installs, which keep tokens, have a key to keep them with. Checked once, here, so a
    missing or wrong key is one line at start-up and never a failed request (nor N failed workers)."""
    from bot.app import open_database
    from bot.platform_state import SlackInstallationPort, token_secrets
    from storage.secrets import missing_key

    keys = config.database.secret_keys
    slack = config.slack
    if slack.enabled and (slack.client_id or slack.client_secret) and not keys:
        raise missing_key("Slack's OAuth installs (SLACK_CLIENT_ID) keep each workspace's tokens encrypted in the database")
    database = open_database(config.database.url, keys)
    try:
        SlackInstallationPort(database, secrets=token_secrets(keys)).check_keys()
    finally:
        database.dispose()


def _new_key(out: TextIO) -> int:
    from storage.secrets import KEY_VARIABLE, new_key

    print(new_key(), file=out)
    print(f"Put it first in {KEY_VARIABLE} (comma-separated, newest first), restart, then run `accord secrets rotate`.", file=sys.stderr)
    return 0


def _rotate(config, args, out: TextIO) -> int:
    from bot.app import open_database
    from bot.platform_state import SlackInstallationPort, token_secrets
    from storage.secrets import KEY_VARIABLE

    keys = config.database.secret_keys
    if not keys:
        print(
            f"accord: no key to encrypt with: set {KEY_VARIABLE} to the new key, then the old ones, separated by commas "
            "(make one with `accord secrets new-key`).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    database = open_database(args.database or config.database.url, keys)
    try:
        count = SlackInstallationPort(database, secrets=token_secrets(keys)).reencrypt()
        from bot.benchmark import reencrypt_signing_key

        if reencrypt_signing_key(database, keys):  # the sector benchmark's signing key, kept the same way
            print(f"Re-encrypted the benchmark signing key with the first key of {KEY_VARIABLE}.", file=out)
    finally:
        database.dispose()
    if count == 0:
        print("No Slack tokens are kept in this database: nothing to re-encrypt.", file=out)
    else:
        installs = "install" if count == 1 else "installs"
        others = " Every other key can now be removed from it." if len(keys) > 1 else ""
        print(f"Re-encrypted the tokens of {count} Slack {installs} with the first key of {KEY_VARIABLE}.{others}", file=out)
    return 0


def _member(config, args, stdin: TextIO, out: TextIO) -> int:
    """`accord member export|forget PERSON`: the use cases are in bot/members.py."""
    import json

    from bot.app import open_database
    from bot.export import write_file
    from bot.members import describe, export_person, forget_person, parse_person

    person = parse_person(args.person)
    database = open_database(args.database or config.database.url)
    try:
        handed_out = args.member_command == "export"  # recorded in the audit trail; a look before forgetting is not
        export = export_person(database, person, datetime.now(timezone.utc), record=handed_out)  # unknown: one line, exit 2
        if args.member_command == "export":
            text = json.dumps(export, indent=2, ensure_ascii=False) + "\n"
            if not args.output or args.output == "-":
                out.write(text)
                out.flush()
                return 0
            write_file(Path(args.output), text.encode("utf-8"), owner_only=True)  # their votes and comments
            print(f"Wrote everything stored about {person.key} to {args.output}: keep it confidential.", file=out)
            return 0
        if not args.yes:
            print(f"This forgets {person.key} for good:\n{describe(export)}", file=out)
            print("Their votes' scores and the agreed answers stay. Type yes to go on: ", end="", file=out, flush=True)
            if stdin.readline().strip().lower() not in ("y", "yes"):
                print("Nothing was changed.", file=out)
                return 1
        print(forget_person(database, person).line(), file=out)
    finally:
        database.dispose()
    return 0


# --------------------------------------------------------------------- accord benchmark


def _benchmark_parser(commands) -> None:
    benchmark = commands.add_parser(
        "benchmark",
        help="compare with similar councils across installs (a sector benchmark)",
        description="A council that opts in (organisation.share: true) shares its latest completed assessment's agreed "
        "scores, its type, the date and a random organisation id, as a signed file: never names, notes or votes. A hub "
        "(benchmark.hub: true) serves medians and quartiles only where at least five councils of a type took part. "
        "See docs/reports.md.",
    )
    actions = benchmark.add_subparsers(dest="benchmark_command", metavar="ACTION")
    actions.required = True
    export = actions.add_parser("export", help="write this council's signed benchmark file", description="Write the signed file of this council's latest completed assessment.")
    export.add_argument("--output", metavar="FILE", help="where to write it (default: standard output)")
    actions.add_parser("submit", help="send the signed file to benchmark.hub_url", description="Export and send this council's file to its hub (benchmark.hub_url, benchmark.token).")
    actions.add_parser("fetch", help="fetch the aggregates for this council's type", description="Fetch and keep the hub's aggregates for this council's type; the reports show them.")
    take = actions.add_parser("import", help="(hub) take a council's signed file", description="On a hub: check a council's signed file and keep it, as POST /api/benchmark does.")
    take.add_argument("file", metavar="FILE")
    token = actions.add_parser("token", help="(hub) make a council's token", description="On a hub: council tokens for POST /api/benchmark.")
    token_actions = token.add_subparsers(dest="token_command", metavar="ACTION")
    token_actions.required = True
    new = token_actions.add_parser("new", help="print a new token for a council, once", description="Print a new token for a council; the hub keeps only its hash.")
    new.add_argument("label", metavar="COUNCIL", help="a label for the council, e.g. north-kesteven")


def _benchmark(config, args, out: TextIO) -> int:
    from datetime import UTC

    from bot.app import build
    from bot.benchmark import export_submission, fetch, submit
    from bot.benchmark_file import BenchmarkError

    application = build(config)
    now = datetime.now(UTC)
    try:
        action = args.benchmark_command
        if action in ("import", "token") and not config.benchmark.hub:
            raise BenchmarkError("This install is not a benchmark hub: set benchmark.hub: true in its app.yaml.")
        if action == "export":
            export = export_submission(application.database, config, now)
            if not args.output or args.output == "-":
                out.write(export.text())
                return 0
            from bot.export import write_file

            write_file(Path(args.output), export.text().encode("utf-8"))
            print(f"{export.line()} Written to {args.output}.", file=out)
        elif action == "submit":
            export, answer = submit(application.database, config, now)
            done = "replaced this council's earlier submission" if answer.get("replaced") else "took this council's first submission"
            print(f"{export.line()} The hub {done}.", file=out)
        elif action == "fetch":
            for item in fetch(application.database, config, application.catalogue, now):
                print(item.line(), file=out)
        elif action == "import":
            from bot.benchmark_hub import Hub

            hub = Hub(application.database, application.catalogue, config)
            try:
                document = Path(args.file).read_bytes()
            except OSError as problem:
                raise BenchmarkError(f"Cannot read {args.file}: {problem.strerror or problem}") from None
            print(hub.accept(document, None, now, by_file=True).line(), file=out)
        else:
            from bot.benchmark_hub import Hub

            token = Hub(application.database, application.catalogue, config).new_token(args.label, now)
            print(token, file=out)
            print(f"The token for {args.label!r}: give it to that council once; the hub keeps only its hash.", file=sys.stderr)
    except BenchmarkError as problem:
        print(f"accord: {problem}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        application.database.dispose()
    return 0


def _worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers from 1 to 64")
    return count


def _manifest(config, args, out: TextIO) -> int:
    if args.platform == "slack":
        import json

        from adapters.slack.manifest import slack_manifest

        print(json.dumps(slack_manifest(config, args.url), indent=2), file=out)
        return 0
    from adapters.teams.manifest import write_teams_package

    path = write_teams_package(config, Path(args.output or "accord-teams.zip"), args.url)
    print(f"Teams app package written to {path}: upload it in Teams (Apps > Manage your apps > Upload an app).", file=out)
    return 0


# At DEBUG these log whole request and response bodies: a `who` answer with every vote and comment,
# tokens in headers. They stay at INFO whatever the level Accord's own logging is set to.
PLATFORM_LOGGERS = ("slack_sdk", "slack_bolt", "botbuilder", "botframework", "msrest", "msal")


def hold_platform_loggers() -> None:
    import logging

    for name in PLATFORM_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.level, logging.INFO))


if __name__ == "__main__":
    raise SystemExit(main())
