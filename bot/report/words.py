"""The report's sentences that the Markdown and the HTML share, as plain text.

Each rendering escapes them its own way (`bot.report.markdown`, `bot.report.html`), so the two
say the same thing in the same words. Figures and links are written here too: one decimal
place, a dash when there is none, a resource's address quoted.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.report.document import Report
from engine.assessment import Assessment, RoundState
from engine.permissions import Role
from engine.presenters.formats import join_words
from engine.framework import Scale
from engine.presenters import verdict_text
from engine.presenters.summary import priority_figures
from engine.scoring import (
    Priority,
    QuestionResult,
    QuestionStatus,
    Scorecard,
    ThemeScore,
    ranks,
    shown,
)

_ROUND_WORDS = {
    RoundState.OPEN: "is open for votes",
    RoundState.REVEALED: "is under discussion",
    RoundState.SKIPPED: "was skipped",
    RoundState.FINALISED: "was agreed",
}

HOW_TO_READ = (
    ("Now and ambition", "where the team agreed the organisation stands today, and where it aims to be in 18-24 "
     "months, on the framework's scale. A theme's figure is the average of the answers agreed for its questions; "
     "the overall figure is the average of the themes."),
    ("Gap", "ambition minus now: how far the team wants the organisation to move."),
    ("Agreement", "how far the members' private votes on the current position agreed before any discussion "
     "(Tastle and Wierman's consensus measure): 1.0 means everyone gave the same rating, 0.0 an even split "
     "between the two ends of the scale. High is 0.8 or more, moderate 0.6 to 0.7, low below 0.6."),
    ("Strengths and priorities", "a strength is a theme above the overall position whose gap is no larger than "
     "the overall gap; every other theme with a gap is a priority candidate. Up to three of each are listed: "
     "strengths highest first, priorities largest gap first (then lowest now), and a theme level with the third "
     "is listed too. No theme is both. Themes whose figures print the same are level, and share a place."),
    ("Rounding", "figures are shown to one decimal place, so a gap can differ by 0.1 from the difference of the "
     "rounded figures."),
)


def status_words(report: Report) -> str:
    assessment = report.assessment
    if assessment.is_active:
        return f"In progress (started {report.date(assessment.created_at)})"
    return f"Completed {report.date(assessment.completed_at)}" if assessment.completed_at else "Completed"


def team_words(assessment: Assessment) -> str:
    voters = len(assessment.voters())
    others = [
        f"{count} {word}{'' if count == 1 else 's'}"
        for count, word in (
            (len(assessment.with_role(Role.FACILITATOR)), "facilitator"),
            (len(assessment.with_role(Role.OBSERVER)), "observer"),
        )
        if count
    ]
    return join_words([f"{voters} voting member{'' if voters == 1 else 's'}", *others])


def tally_words(card: Scorecard) -> str:
    total = len(card.questions)
    agreed = card.count(QuestionStatus.AGREED)
    rest = []
    for status, verb in (
        (QuestionStatus.SKIPPED, "skipped"),
        (QuestionStatus.IN_PROGRESS, "still under discussion"),
        (QuestionStatus.NOT_REACHED, "not reached"),
    ):
        count = card.count(status)
        if count:
            be = ("is" if count == 1 else "are") if status is QuestionStatus.IN_PROGRESS else ("was" if count == 1 else "were")
            rest.append(f"{count} {be} {verb}")
    return f"The team agreed {agreed} of the {total} questions" + ("; " + _and(rest) if rest else "") + "."


def scale_words(scale: Scale) -> str:
    return f"a scale from {scale.minimum} ({scale.label(scale.minimum)}) to {scale.maximum} ({scale.label(scale.maximum)})"


def agreement_sentence(card: Scorecard) -> str | None:
    if card.agreement is None:
        return None
    return (
        f"Before discussion, members' private votes agreed to a {card.agreement_band} degree on average "
        f"(agreement {one(card.agreement)} on a scale from 0, an even split, to 1, everyone the same)."
    )


def anonymity_words(report: Report) -> str:
    if report.contributions is not None:
        return (
            "This copy is confidential: it was produced for a super-user and its last section shows who voted "
            "what. The rest of the report is anonymous."
        )
    return (
        "This report is anonymous. Every member voted privately; it shows the answers the team agreed "
        "and how views were spread when the votes were revealed, never who voted what or anyone's comments."
    )


def reading_phrase(theme: ThemeScore) -> str:
    return ", ".join(theme.readings)


STRENGTHS_INTRO = (
    "The themes the team places highest today, above the organisation's overall position, and with a gap no "
    "larger than the overall gap."
)
PRIORITIES_INTRO = (
    "The other themes with the largest gap between now and the ambition for 18-24 months (then the lowest "
    "now); themes level on both share a place."
)


def strength_places(card: Scorecard) -> tuple[str, ...]:
    """Each strength's place in the list: "1", "=2", "=2" for a tie (figures as shown)."""
    return _places(ranks(card.strengths, lambda t: shown(t.current)))


def priority_places(card: Scorecard) -> tuple[str, ...]:
    """Each priority's place in the list: "1", "=2", "=2" for a tie (figures as shown)."""
    return _places(ranks([p.score for p in card.priorities], priority_figures))


def _places(ranked: tuple[tuple[int, bool], ...]) -> tuple[str, ...]:
    return tuple(f"={rank}" if joint else str(rank) for rank, joint in ranked)


def priority_intro(priority: Priority) -> str:
    s = priority.score
    return f"Now {one(s.current)}, ambition {one(s.ambition)}: a gap of {one(s.gap)}."


def contested_words(result: QuestionResult) -> str:
    measures = result.measures
    consensus = result.consensus
    return (
        f"When the votes were revealed: {verdict_text(measures)} Agreement {one(measures.current.consensus)} "
        f"on the current position and {one(measures.ambition.consensus)} on the ambition. After discussion the "
        f"team agreed {consensus.current} now and {consensus.ambition} as the ambition."
    )


def round_history(result: QuestionResult, assessment: Assessment) -> str | None:
    question = result.question
    agreed_in = assessment.finalised_round(question.id)
    latest = assessment.latest_round(question.id)
    if agreed_in is not None and latest is not None and latest is not agreed_in:
        return (
            f"Reopened: round {latest.number} {_ROUND_WORDS[latest.state]}; the answer above is the one "
            f"agreed in round {agreed_in.number}."
        )
    if agreed_in is not None and agreed_in.number > 1:
        return f"Agreed in round {agreed_in.number}, after the question was reopened."
    return None


def recorded_by(result: QuestionResult, assessment: Assessment) -> str:
    """The name of the super-user who recorded the agreed answer (as it stands after any erasure)."""
    member = assessment.members.get(result.consensus.recorded_by) if result.consensus else None
    return member.name if member is not None else "a former super-user"


def skip_reason(result: QuestionResult, assessment: Assessment) -> str:
    latest = assessment.latest_round(result.question.id)
    return latest.skip_reason if latest is not None else ""


# ------------------------------------------------------------- figures and links


def one(value: float | None) -> str:
    """A figure to one decimal place, or a dash when there is none."""
    return "–" if value is None else f"{value:.1f}"


def signed(value: float | None) -> str:
    """A change to one decimal place with its sign; no change is plain 0.0."""
    if value is None:
        return "–"
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def safe_url(url: str) -> str:
    """A resource's address made safe for a Markdown link or an ``href``."""
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._[]")
