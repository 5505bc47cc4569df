"""Exports: the report as HTML, CSV, JSON or Markdown, for `/accord export` and `accord export`.

`render_export` is what the Slack and Teams adapters call with the assessment a use case gave
them; `run_export` is the `accord export` subcommand. Each format is one file (`ExportFile`):

- **html**: the self-contained report (`bot.report.report_html`): charts inline as data URIs,
  no external fetch, laid out to print on A4.
- **csv**: one row per question, for spreadsheets (UTF-8 with a byte-order mark so Excel reads
  the accents; text that a spreadsheet would take for a formula is prefixed with ').
- **json**: for other systems; the shape is versioned (`JSON_VERSION`) and documented in
  ``docs/reports.md``.
- **markdown**: the Markdown report with its charts inline as data URIs.

Individual votes appear only with ``include_individual_votes=True`` *and* a `requested_by` who is
a super-user of that assessment: the engine checks (`engine.presenters.individual_contributions`
raises `NotPermitted` for anyone else), before anything is rendered. Without them, no output
carries a name, a comment or an identity.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from bot.charts import ChartRenderer
from bot.report import ReportContext, data_uri, default_renderer, report_html, report_markdown
from bot.report.document import in_language
from engine.assessment import Assessment, Identity
from engine.errors import DomainError, NotFound, NotPermitted
from engine.language import BILINGUAL, ENGLISH, LANGUAGES, N_, WELSH, _, language_of_locale, speaking
from engine.permissions import Role
from engine.presenters import VERDICT_WORDS, QuestionContributions, individual_contributions
from engine.scoring import QuestionResult, QuestionStatus, score

JSON_FORMAT = "accord-report"
JSON_VERSION = 1

FORMATS = ("html", "csv", "json", "markdown")
_ALIASES = {"md": "markdown", "htm": "html"}
_MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "markdown": "text/markdown; charset=utf-8",
}
_EXTENSIONS = {"html": "html", "csv": "csv", "json": "json", "markdown": "md"}


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    media_type: str


def render_export(
    assessment: Assessment,
    fmt: str,
    *,
    requested_by: Identity | None = None,
    include_individual_votes: bool = False,
    context: ReportContext | None = None,
    renderer: ChartRenderer | None = None,
    language: str = ENGLISH,
) -> ExportFile:
    """The assessment's report as one file in `fmt` (html, csv, json or markdown), in `language`:
    en, cy or bilingual (Welsh first). JSON is for other systems: its keys and words stay English."""
    from bot.i18n import install

    install()
    if language not in (*LANGUAGES, BILINGUAL):
        raise DomainError(f"I can write the report in cy, en or bilingual, not {language!r}.")
    fmt = _ALIASES.get(fmt.lower().strip(), fmt.lower().strip())
    if fmt not in FORMATS:
        raise DomainError(f"I can export the report as html, csv, json or markdown, not {fmt!r}.")
    contributions: tuple[QuestionContributions, ...] | None = None
    if include_individual_votes:
        if requested_by is None:
            raise NotPermitted(
                "Individual votes are exported only for a super-user of the assessment, who must say who they are."
            )
        contributions = individual_contributions(assessment, requested_by)  # NotPermitted for anyone else
    context = context or ReportContext()
    renderer = renderer or default_renderer()
    languages = (WELSH, ENGLISH) if language == BILINGUAL else (language,)
    if fmt == "html":
        text = report_html(assessment, context, contributions=contributions, renderer=renderer, language=language)
        content = text.encode("utf-8")
    elif fmt == "markdown":
        texts = []
        for each in languages:  # Markdown has no `lang`: both in full, Welsh first, under a rule
            with speaking(each):
                image = lambda c: data_uri(renderer.render(c))
                texts.append(report_markdown(assessment, context, contributions=contributions, image=image))
        content = "\n---\n\n".join(texts).encode("utf-8")
    elif fmt == "csv":
        content = ("\ufeff" + _csv_in(languages, assessment, contributions)).encode("utf-8")
    else:
        data = report_json(assessment, context, contributions=contributions)
        content = (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return ExportFile(export_filename(assessment, fmt, confidential=contributions is not None), content, _MEDIA_TYPES[fmt])


def export_report(
    database: Any,
    config: Any,
    assessment_id: str,
    fmt: str,
    *,
    requested_by: Identity | None = None,
    include_individual_votes: bool = False,
    renderer: ChartRenderer | None = None,
    now: datetime | None = None,
    language: str | None = None,
) -> ExportFile:
    """The one export use case behind every surface (Slack, Teams, the console, the CLI).

    `language` is en, cy or bilingual; by default the organisation's (`organisation.language`).

    The assessment and what the report adds from outside it (the organisation, progress since
    the last assessment, the comparison with similar organisations) are read together in one
    read-only unit of work, so every surface gives the same file.
    """
    from bot.comparison import report_context
    from storage.unit_of_work import SqlUnitOfWork

    with SqlUnitOfWork(database, read_only=True) as uow:
        assessment = uow.assessments.get(assessment_id)
        context = report_context(uow.reports, assessment, config, now=now)
    file = render_export(
        assessment,
        fmt,
        requested_by=requested_by,
        include_individual_votes=include_individual_votes,
        context=context,
        renderer=renderer,
        language=language or organisation_language(config),
    )
    if include_individual_votes and requested_by is not None:
        # Made (the engine allowed it): individual votes are leaving Accord, so the trail says so.
        from bot.audit import record_disclosure

        record_disclosure(database, assessment_id, requested_by, now or datetime.now(UTC), f"export as {fmt}", "console")
    return file


def organisation_language(config: Any) -> str:
    """The organisation's language for its reports: en, cy or bilingual (English when app.yaml says none)."""
    setting = getattr(getattr(config, "organisation", None), "language", None)
    if setting == BILINGUAL:
        return BILINGUAL
    return language_of_locale(setting) if isinstance(setting, str) and language_of_locale(setting) else ENGLISH


def export_filename(assessment: Assessment, fmt: str, *, confidential: bool = False) -> str:
    """e.g. ``leadership-self-assessment-2025-2025-03-12.html``: the title and the date it refers to."""
    moment = assessment.completed_at or assessment.created_at
    stem = _slug(assessment.shown_title) or "accord-report"
    suffix = "-individual-votes" if confidential else ""
    return f"{stem}-{moment:%Y-%m-%d}{suffix}.{_EXTENSIONS[fmt]}"


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS = (
    N_("Theme number"),
    N_("Theme"),
    N_("Question number"),
    N_("Question"),
    N_("Status"),
    N_("Agreed now"),
    N_("Agreed now (label)"),
    N_("Agreed ambition"),
    N_("Agreed ambition (label)"),
    N_("Gap"),
    N_("Votes"),
    # then "Now: votes at P" and "Ambition: votes at P" for every point P of the scale
    N_("Now: median"),
    N_("Now: agreement"),
    N_("Ambition: agreement"),
    N_("Now: rwg"),
    N_("Now: spread"),
    N_("Now: IQR"),
    N_("Now: deviation"),
    N_("Ambition: deviation"),
    N_("Verdict"),
    N_("Needed discussion"),
    N_("Note"),
    N_("Skip reason"),
    N_("Rounds"),
    N_("Agreed in round"),
    N_("Agreed on"),
)


def _csv_in(
    languages: Sequence[str], assessment: Assessment, contributions: Sequence[QuestionContributions] | None
) -> str:
    """The CSV in one language, or in two: each cell whose words differ is "Welsh / English"."""
    tables = []
    for language in languages:
        with speaking(language):
            text = report_csv(in_language(assessment, language), contributions=contributions)
        tables.append(list(csv.reader(io.StringIO(text))))
    if len(tables) == 1:
        return report_csv_text(tables[0])
    merged = [
        [first if first == second else f"{first} / {second}" for first, second in zip(row_one, row_two)]
        for row_one, row_two in zip(*tables)
    ]
    return report_csv_text(merged)


def report_csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def report_csv(assessment: Assessment, *, contributions: Sequence[QuestionContributions] | None = None) -> str:
    """One row per question, in framework order; with `contributions`, each voter's columns too.

    Its headers and words are in the language speaking: people read them in a spreadsheet.
    """
    card = score(assessment)
    scale = assessment.framework.scale
    points = list(scale.points)
    header = [_(column) for column in CSV_COLUMNS[:11]]
    header += [_("Now: votes at {point}").format(point=p) for p in points]
    header += [_("Ambition: votes at {point}").format(point=p) for p in points]
    header += [_(column) for column in CSV_COLUMNS[11:]]
    voters: list[tuple[Identity, str]] = []
    by_question: dict[str, QuestionContributions] = {}
    if contributions is not None:
        seen: dict[Identity, str] = {}
        for item in contributions:
            by_question[item.question.id] = item
            for member, _vote in item.votes:
                seen.setdefault(member.identity, member.name)
        voters = sorted(seen.items(), key=lambda pair: (pair[1], pair[0]))
        for _identity, name in voters:
            header += [
                _("{name}: now").format(name=name),
                _("{name}: ambition").format(name=name),
                _("{name}: comment").format(name=name),
            ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    for result in card.questions:
        writer.writerow(_csv_row(result, assessment, points, voters, by_question.get(result.question.id)))
    return buffer.getvalue()


def _csv_row(
    result: QuestionResult,
    assessment: Assessment,
    points: list[int],
    voters: list[tuple[Identity, str]],
    contribution: QuestionContributions | None,
) -> list[Any]:
    scale = assessment.framework.scale
    consensus, measures = result.consensus, result.measures
    agreed_in = assessment.finalised_round(result.question.id)
    latest = assessment.latest_round(result.question.id)
    row: list[Any] = [
        result.theme.number,
        _cell(result.theme.title),
        result.question.number,
        _cell(result.question.prompt),
        _(_STATUS_WORDS[result.status.value]) if result.status.value in _STATUS_WORDS else result.status.value,
        consensus.current if consensus else "",
        _cell(scale.label(consensus.current)) if consensus else "",
        consensus.ambition if consensus else "",
        _cell(scale.label(consensus.ambition)) if consensus else "",
        consensus.gap if consensus else "",
        measures.current.n if measures else "",
    ]
    row += list(measures.current.distribution) if measures else [""] * len(points)
    row += list(measures.ambition.distribution) if measures else [""] * len(points)
    row += [
        _number(measures.current.median) if measures else "",
        _number(measures.current.consensus, 3) if measures else "",
        _number(measures.ambition.consensus, 3) if measures else "",
        _number(measures.current.rwg, 3) if measures else "",
        _number(measures.current.spread) if measures else "",
        _number(measures.current.iqr) if measures else "",
        _number(measures.current.deviation, 3) if measures else "",
        _number(measures.ambition.deviation, 3) if measures else "",
        _(VERDICT_WORDS[measures.verdict]) if measures else "",
        (_("yes") if measures.needs_discussion else _("no")) if measures else "",
        _cell(consensus.note) if consensus else "",
        _cell(latest.skip_reason) if result.status is QuestionStatus.SKIPPED and latest else "",
        result.rounds,
        agreed_in.number if agreed_in else "",
        consensus.recorded_at.date().isoformat() if consensus else "",
    ]
    if voters:
        votes = {member.identity: vote for member, vote in (contribution.votes if contribution else ())}
        for identity, _name in voters:
            vote = votes.get(identity)
            row += [vote.current, vote.ambition, _cell(vote.comment)] if vote else ["", "", ""]
    return row


# A question's status as a spreadsheet's reader reads it (engine.scoring.QuestionStatus's values).
_STATUS_WORDS = {
    "agreed": N_("agreed"),
    "skipped": N_("skipped"),
    "in progress": N_("in progress"),
    "not reached": N_("not reached"),
}


def _cell(text: str) -> str:
    """Text as a spreadsheet shows it: a leading = + - @ would start a formula, so it is quoted."""
    text = " ".join(str(text).split())
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _number(value: float | None, digits: int = 2) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    return round(float(value), digits)


# -------------------------------------------------------------------------- JSON


def report_json(
    assessment: Assessment,
    context: ReportContext | None = None,
    *,
    contributions: Sequence[QuestionContributions] | None = None,
) -> dict[str, Any]:
    """The report as plain data: see ``docs/reports.md`` for every key (format version 1)."""
    context = context or ReportContext()
    card = score(assessment)
    framework = assessment.framework
    voters = len(assessment.voters())
    data: dict[str, Any] = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "generated_at": _iso(context.generated_at),
        "organisation": context.organisation,
        "assessment": {
            "id": assessment.id,
            "title": assessment.shown_title,
            "status": assessment.status.value,
            "started_at": _iso(assessment.created_at),
            "completed_at": _iso(assessment.completed_at),
            "team": {
                "voting_members": voters,
                "facilitators": len(assessment.with_role(Role.FACILITATOR)),
                "observers": len(assessment.with_role(Role.OBSERVER)),
            },
        },
        "framework": {
            "id": framework.id,
            "title": framework.title,
            "version": framework.version,
            "scale": {
                "min": framework.scale.minimum,
                "max": framework.scale.maximum,
                "labels": {str(p): framework.scale.label(p) for p in framework.scale.points},
            },
        },
        "overall": {
            "current": _round(card.current),
            "ambition": _round(card.ambition),
            "gap": _round(card.gap),
            "agreement": _round(card.agreement),
            "agreement_band": card.agreement_band,
            "questions": {
                "total": len(card.questions),
                **{status.name.lower(): card.count(status) for status in QuestionStatus},
            },
        },
        "themes": [
            {
                "id": t.theme.id,
                "number": t.theme.number,
                "title": t.theme.title,
                "current": _round(t.current),
                "ambition": _round(t.ambition),
                "gap": _round(t.gap),
                "agreement": _round(t.agreement),
                "agreement_band": t.agreement_band,
                "answered": t.answered,
                "questions": t.total,
                "readings": list(t.readings),
            }
            for t in card.themes
        ],
        "strengths": [s.theme.id for s in card.strengths],
        "priorities": [
            {
                "theme": p.score.theme.id,
                "next_step": p.next_step,
                "focus_question": p.focus.question.id if p.focus else None,
                "next_level": (
                    {"level": p.next_level.level, "label": p.next_level.label, "descriptor": p.next_level.descriptor}
                    if p.next_level
                    else None
                ),
                "resources": [
                    {"title": r.title, "publisher": r.publisher, "url": r.url, "kind": r.kind.value, "description": r.description}
                    for r in p.resources
                ],
            }
            for p in card.priorities
        ],
        "most_contested": [q.question.id for q in card.most_contested],
        "questions": [_json_question(result, assessment) for result in card.questions],
        "progress": _json_progress(context),
        "comparison": _json_comparison(context),
    }
    if contributions is not None:
        data["individual_votes"] = [
            {
                "question": item.question.id,
                "round": item.round_number,
                "votes": [
                    {
                        "member": member.name,
                        "current": vote.current,
                        "ambition": vote.ambition,
                        "comment": vote.comment,
                        "cast_at": _iso(vote.cast_at),
                    }
                    for member, vote in item.votes
                ],
            }
            for item in contributions
        ]
    return data


def _json_question(result: QuestionResult, assessment: Assessment) -> dict[str, Any]:
    consensus, measures = result.consensus, result.measures
    agreed_in = assessment.finalised_round(result.question.id)
    latest = assessment.latest_round(result.question.id)
    return {
        "id": result.question.id,
        "number": result.question.number,
        "theme": result.theme.id,
        "prompt": result.question.prompt,
        "status": result.status.name.lower(),
        "rounds": result.rounds,
        "consensus": None
        if consensus is None
        else {
            "current": consensus.current,
            "ambition": consensus.ambition,
            "gap": consensus.gap,
            "note": consensus.note,
            "recorded_at": _iso(consensus.recorded_at),
            "round": agreed_in.number if agreed_in else None,
        },
        "votes": None
        if measures is None
        else {
            "n": measures.current.n,
            "verdict": measures.verdict.value,
            "needs_discussion": measures.needs_discussion,
            "current": _json_measure(measures.current),
            "ambition": _json_measure(measures.ambition),
        },
        "skip_reason": (latest.skip_reason or None) if result.status is QuestionStatus.SKIPPED and latest else None,
    }


def _json_measure(measure) -> dict[str, Any]:
    return {
        "distribution": list(measure.distribution),
        "mean": _round(measure.mean),
        "median": _round(measure.median),
        "consensus": _round(measure.consensus),
        "rwg": _round(measure.rwg),
        "iqr": _round(measure.iqr),
        "spread": measure.spread,
        "deviation": _round(measure.deviation),
        "polarised": measure.polarised,
    }


def _json_progress(context: ReportContext) -> dict[str, Any] | None:
    progress = context.progress
    if progress is None:
        return None
    return {
        "since": {"title": progress.since.title, "completed_at": _iso(progress.since.completed_at)},
        "questions_compared": progress.compared,
        "current_before": _round(progress.before),
        "current_now": _round(progress.current),
        "themes": [
            {
                "theme": m.theme_id,
                "title": m.title,
                "current_before": _round(m.before.current) if m.before else None,
                "current_now": _round(m.now.current) if m.now else None,
                "ambition_before": _round(m.before.ambition) if m.before else None,
                "ambition_now": _round(m.now.ambition) if m.now else None,
                "change": _round(m.current_change),
                "direction": m.direction,
            }
            for m in progress.themes
        ],
    }


def _json_comparison(context: ReportContext) -> dict[str, Any] | None:
    comparison = context.comparison
    if comparison is None:
        return None
    return {
        "organisation_type": comparison.organisation_type,
        "shown": comparison.shown,
        "min_peers": comparison.min_peers,
        "peers": comparison.peers,
        "themes": [
            {
                "theme": t.theme_id,
                "ours": _round(t.ours),
                "peers": t.peers,
                "lower_quartile": _round(t.lower_quartile),
                "median": _round(t.median),
                "upper_quartile": _round(t.upper_quartile),
                "position": t.position,
            }
            for t in comparison.themes
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].rstrip("-")


# --------------------------------------------------------------------------- CLI


def run_export(config, args, out: TextIO) -> int:
    """`accord export ASSESSMENT --format F [--output PATH] [--individual-votes --as P:W:U]`, or `--list`."""
    from bot.app import open_database
    from storage.reports import ReportQueries
    from storage.unit_of_work import SqlUnitOfWork

    requested_by = identity_from_text(args.as_user) if args.as_user else None
    if args.individual_votes and requested_by is None:
        print(
            "accord: --individual-votes needs --as PLATFORM:WORKSPACE:USER, a super-user of the assessment.",
            file=sys.stderr,
        )
        return 2
    if not args.list and not args.assessment:
        print("accord: name the assessment to export; `accord export --list` shows them.", file=sys.stderr)
        return 2
    database = open_database(config.database.url)
    try:
        if args.list:
            with SqlUnitOfWork(database, read_only=True) as uow:
                return _list(ReportQueries(uow.session), requested_by, out)
        try:
            file = export_report(
                database,
                config,
                args.assessment,
                args.format,
                requested_by=requested_by,
                include_individual_votes=args.individual_votes,
                now=datetime.now(timezone.utc),
                language=getattr(args, "language", None),
            )
        except NotFound:
            print(f"accord: there is no assessment {args.assessment!r}; `accord export --list` shows them.", file=sys.stderr)
            return 2
        except NotPermitted as refused:
            print(f"accord: {refused}", file=sys.stderr)
            return 2
    finally:
        database.dispose()
    if args.output == "-":
        out.write(file.content.decode("utf-8").lstrip("\ufeff"))
        out.flush()
        return 0
    path = _output_path(args.output, Path(config.report.output_dir), file.filename)
    write_file(path, file.content, owner_only=args.individual_votes)  # names and comments: confidential
    note = " It contains individual votes: keep it confidential." if args.individual_votes else ""
    print(f"Wrote {path} ({_size(len(file.content))}).{note}", file=out)
    return 0


def _list(queries, requested_by: Identity | None, out: TextIO) -> int:
    listing = queries.list_assessments(
        requested_by.platform if requested_by else None, requested_by.workspace if requested_by else None
    )
    if not listing:
        print("No assessments yet.", file=out)
        return 0
    for item in listing:
        when = item.completed_at or item.created_at
        state = f"completed {when:%Y-%m-%d}" if item.completed_at else f"started {when:%Y-%m-%d}, {item.status.value}"
        print(f"{item.id}  {item.title} ({item.framework_id}; {state}; {item.platform}:{item.workspace}, channel {item.channel_id})", file=out)
    return 0


def identity_from_text(text: str) -> Identity:
    parts = text.split(":")
    if len(parts) != 3 or not all(part.strip() for part in parts):
        raise DomainError(f"--as takes PLATFORM:WORKSPACE:USER, e.g. slack:T0123:U0456, not {text!r}.")
    return Identity(*(part.strip() for part in parts))


def _output_path(output: str | None, default_dir: Path, filename: str) -> Path:
    if not output:
        return default_dir / filename
    path = Path(output)
    if path.is_dir() or output.endswith(("/", os.sep)):
        return path / filename
    return path


def write_file(path: Path, content: bytes, *, owner_only: bool = False) -> None:
    """Write the file whole (a reader never sees half of it); `owner_only`: mode 0600 from the start."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if owner_only else 0o666), "wb") as out:
            out.write(content)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"
