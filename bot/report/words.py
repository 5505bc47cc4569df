"""The report's sentences that the Markdown and the HTML share, as plain text.

Each rendering escapes them its own way (`bot.report.markdown`, `bot.report.html`), so the two
say the same thing in the same words. Figures and links are written here too: one decimal
place, a dash when there is none, a resource's address quoted.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.report.document import Report
from engine.assessment import Assessment, RoundState
from engine.framework import Scale
from engine.language import N_, _, ngettext
from engine.permissions import Role
from engine.presenters import verdict_text
from engine.presenters.formats import join_words
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

# Written where they are defined (N_) and translated where they are shown (_).
_ROUND_WORDS = {
    RoundState.OPEN: N_("Reopened: round {number} is open for votes; the answer above is the one agreed in round {agreed}."),
    RoundState.REVEALED: N_("Reopened: round {number} is under discussion; the answer above is the one agreed in round {agreed}."),
    RoundState.SKIPPED: N_("Reopened: round {number} was skipped; the answer above is the one agreed in round {agreed}."),
    RoundState.FINALISED: N_("Reopened: round {number} was agreed; the answer above is the one agreed in round {agreed}."),
}

_HOW_TO_READ = (
    (N_("Now and ambition"), N_("where the team agreed the organisation stands today, and where it aims to be in 18-24 "
     "months, on the framework's scale. A theme's figure is the average of the answers agreed for its questions; "
     "the overall figure is the average of the themes.")),
    (N_("Gap"), N_("ambition minus now: how far the team wants the organisation to move.")),
    (N_("Agreement"), N_("how far the members' private votes on the current position agreed before any discussion "
     "(Tastle and Wierman's consensus measure): 1.0 means everyone gave the same rating, 0.0 an even split "
     "between the two ends of the scale. High is 0.8 or more, moderate 0.6 to 0.7, low below 0.6.")),
    (N_("Strengths and priorities"), N_("a strength is a theme above the overall position whose gap is no larger than "
     "the overall gap; every other theme with a gap is a priority candidate. Up to three of each are listed: "
     "strengths highest first, priorities largest gap first (then lowest now), and a theme level with the third "
     "is listed too. No theme is both. Themes whose figures print the same are level, and share a place.")),
    (N_("Rounding"), N_("figures are shown to one decimal place, so a gap can differ by 0.1 from the difference of the "
     "rounded figures.")),
)
HOW_TO_READ = _HOW_TO_READ  # in English; `how_to_read()` in the language speaking


def how_to_read() -> tuple[tuple[str, str], ...]:
    return tuple((_(label), _(text)) for label, text in _HOW_TO_READ)


def status_words(report: Report) -> str:
    assessment = report.assessment
    if assessment.is_active:
        return _("In progress (started {date})").format(date=report.date(assessment.created_at))
    if assessment.completed_at:
        return _("Completed {date}").format(date=report.date(assessment.completed_at))
    return _("Completed")


def team_words(assessment: Assessment) -> str:
    voters = len(assessment.voters())
    facilitators = len(assessment.with_role(Role.FACILITATOR))
    observers = len(assessment.with_role(Role.OBSERVER))
    others = []
    if facilitators:
        others.append(ngettext("{count} facilitator", "{count} facilitators", facilitators).format(count=facilitators))
    if observers:
        others.append(ngettext("{count} observer", "{count} observers", observers).format(count=observers))
    return join_words([ngettext("{count} voting member", "{count} voting members", voters).format(count=voters), *others])


def tally_words(card: Scorecard) -> str:
    total = len(card.questions)
    agreed = card.count(QuestionStatus.AGREED)
    rest = []
    for status, words in (
        (QuestionStatus.SKIPPED, lambda n: ngettext("{count} was skipped", "{count} were skipped", n)),
        (
            QuestionStatus.IN_PROGRESS,
            lambda n: ngettext("{count} is still under discussion", "{count} are still under discussion", n),
        ),
        (QuestionStatus.NOT_REACHED, lambda n: ngettext("{count} was not reached", "{count} were not reached", n)),
    ):
        count = card.count(status)
        if count:
            rest.append(words(count).format(count=count))
    agreed_words = ngettext(
        "The team agreed {agreed} of the {total} question", "The team agreed {agreed} of the {total} questions", total
    ).format(agreed=agreed, total=total)
    return agreed_words + ("; " + _and(rest) if rest else "") + "."


def scale_words(scale: Scale) -> str:
    return _("a scale from {minimum} ({lowest}) to {maximum} ({highest})").format(
        minimum=scale.minimum, lowest=scale.label(scale.minimum), maximum=scale.maximum, highest=scale.label(scale.maximum)
    )


def agreement_sentence(card: Scorecard) -> str | None:
    if card.agreement is None:
        return None
    return _(
        "Before discussion, members' private votes agreed to a {band} degree on average "
        "(agreement {agreement} on a scale from 0, an even split, to 1, everyone the same)."
    ).format(band=band_words(card.agreement_band), agreement=one(card.agreement))


_BANDS = {"high": N_("high"), "moderate": N_("moderate"), "low": N_("low")}


def band_words(band: str | None) -> str:
    """An agreement band ("high", "moderate", "low") in the language speaking."""
    return _(_BANDS[band]) if band in _BANDS else (band or "")


def anonymity_words(report: Report) -> str:
    if report.contributions is not None:
        return _(
            "This copy is confidential: it was produced for a super-user and its last section shows who voted "
            "what. The rest of the report is anonymous."
        )
    return _(
        "This report is anonymous. Every member voted privately; it shows the answers the team agreed "
        "and how views were spread when the votes were revealed, never who voted what or anyone's comments."
    )


_READINGS = {
    "strongest": N_("strongest"),
    "least developed": N_("least developed"),
    "biggest ambition gap": N_("biggest ambition gap"),
    "most contested": N_("most contested"),
}


def reading_words(reading: str) -> str:
    """One of a theme's readings (engine.scoring's STRONGEST...) in the language speaking."""
    return _(_READINGS[reading]) if reading in _READINGS else reading


def reading_phrase(theme: ThemeScore) -> str:
    return ", ".join(reading_words(r) for r in theme.readings)


STRENGTHS_INTRO = N_(
    "The themes the team places highest today, above the organisation's overall position, and with a gap no "
    "larger than the overall gap."
)
PRIORITIES_INTRO = N_(
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
    return _("Now {now}, ambition {ambition}: a gap of {gap}.").format(now=one(s.current), ambition=one(s.ambition), gap=one(s.gap))


def contested_words(result: QuestionResult) -> str:
    measures = result.measures
    consensus = result.consensus
    return _(
        "When the votes were revealed: {verdict} Agreement {now_agreement} on the current position and "
        "{ambition_agreement} on the ambition. After discussion the team agreed {now} now and {ambition} as the ambition."
    ).format(
        verdict=verdict_text(measures),
        now_agreement=one(measures.current.consensus),
        ambition_agreement=one(measures.ambition.consensus),
        now=consensus.current,
        ambition=consensus.ambition,
    )


def round_history(result: QuestionResult, assessment: Assessment) -> str | None:
    question = result.question
    agreed_in = assessment.finalised_round(question.id)
    latest = assessment.latest_round(question.id)
    if agreed_in is not None and latest is not None and latest is not agreed_in:
        return _(_ROUND_WORDS[latest.state]).format(number=latest.number, agreed=agreed_in.number)
    if agreed_in is not None and agreed_in.number > 1:
        return _("Agreed in round {number}, after the question was reopened.").format(number=agreed_in.number)
    return None


def recorded_by(result: QuestionResult, assessment: Assessment) -> str:
    """The name of the super-user who recorded the agreed answer (as it stands after any erasure)."""
    member = assessment.members.get(result.consensus.recorded_by) if result.consensus else None
    return member.name if member is not None else _("a former super-user")


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
    return parts[0] if len(parts) == 1 else _("{items} and {last}").format(items=", ".join(parts[:-1]), last=parts[-1])


def safe_url(url: str) -> str:
    """A resource's address made safe for a Markdown link or an ``href``."""
    return quote(url.strip(), safe=":/?#@!$&'*+,;=%~-._[]")
