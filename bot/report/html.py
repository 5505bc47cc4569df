"""The report as one self-contained HTML page that prints on A4: ``report.html``.

`report_html` renders an assessment; `render_html` renders a prepared `Report` (as
`bot.report.files.write_report` does). Charts are inline as data URIs, the style is
``report.css`` (shipped with this package, read once) inline in the page, and there is no script:
the page fetches nothing from anywhere. The `_h_*` functions each give one part of the page.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib.resources import files

from bot.charts import PALETTE, ChartRenderer, figure_size
from bot.report.document import Report, ReportContext, default_renderer, prepare
from bot.report.words import (
    PRIORITIES_INTRO,
    agreement_sentence,
    anonymity_words,
    band_words,
    contested_words,
    how_to_read,
    one,
    priority_intro,
    priority_places,
    reading_words,
    recorded_by,
    round_history,
    safe_url,
    scale_words,
    signed,
    skip_reason,
    status_words,
    tally_words,
    team_words,
)
from engine.assessment import Assessment
from engine.comparison import Comparison
from engine.disagreement import Disagreement
from engine.framework import Scale
from engine.language import BILINGUAL, ENGLISH, WELSH, _, ngettext, speaking
from engine.presenters import QuestionContributions, join_words, verdict_text
from engine.presenters.formats import kind_words
from engine.scoring import (
    BIGGEST_GAP,
    LEAST_DEVELOPED,
    MOST_CONTESTED,
    STRONGEST,
    QuestionResult,
    QuestionStatus,
    Scorecard,
    ThemeScore,
)
from engine.views import Chart

# The page's style; its placeholders take the charts' colours, so the page and its charts match.
_CSS = (
    files("bot.report").joinpath("report.css").read_text(encoding="utf-8")
    .replace("@NOW@", PALETTE.series[0])
    .replace("@AMBITION@", PALETTE.series[1])
    .replace("@GAP@", PALETTE.gap)
)  # fmt: skip


def report_html(
    assessment: Assessment,
    context: ReportContext | None = None,
    *,
    contributions: Sequence[QuestionContributions] | None = None,
    renderer: ChartRenderer | None = None,
    language: str = ENGLISH,
) -> str:
    """The report as one self-contained HTML page that prints on A4, in English, Welsh or both (`bilingual`)."""
    renderer = default_renderer() if renderer is None else renderer
    image = lambda chart: data_uri(renderer.render(chart))
    if language != BILINGUAL:
        with speaking(language):
            return render_html(prepare(assessment, context, contributions), image)
    reports = []
    for each in (WELSH, ENGLISH):  # Welsh first: the Welsh Language Standards
        with speaking(each):
            reports.append((each, prepare(assessment, context, contributions)))
    return render_bilingual_html(reports, image)


# The `lang` of a page or a block: British English, Welsh.
_LANG_TAGS = {ENGLISH: "en-GB", WELSH: "cy"}


def data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI, so the page needs no file beside it."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def render_html(report: Report, image: Callable[[Chart], str]) -> str:
    """The HTML page of a prepared report, in its language; `image` gives each chart's ``src``."""
    with speaking(report.language):
        body = "\n".join(p for p in _body(report, image) if p)
    return _page(report, _LANG_TAGS.get(report.language, report.language), body)


def render_bilingual_html(reports: Sequence[tuple[str, Report]], image: Callable[[Chart], str]) -> str:
    """One page in both languages: each part of the report in Welsh, then the same part in English,
    side by side where the page is wide enough, one above the other when printed; each with its `lang`.
    """
    bodies = []
    for language, report in reports:
        with speaking(language):
            parts = _body(report, image)
        if language != reports[0][0]:  # ids are unique in a page: the second language's get a prefix
            parts = [part.replace(' id="', f' id="{language}-') for part in parts]
        bodies.append((language, parts))
    rows = []
    for index in range(len(bodies[0][1])):
        cells = [(language, parts[index]) for language, parts in bodies if parts[index]]
        if cells:
            rows.append(
                '<div class="bilingual">'
                + "".join(f'<div class="bilingual-part" lang="{_LANG_TAGS[lang]}">{part}</div>' for lang, part in cells)
                + "</div>"
            )
    return _page(reports[0][1], _LANG_TAGS[reports[0][0]], "\n".join(rows), bilingual=True)


def _page(report: Report, lang: str, body: str, *, bilingual: bool = False) -> str:
    assessment = report.assessment
    title = assessment.shown_title
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}">',
        "<head>",
        '<meta charset="utf-8">',
        # Nothing may be fetched: images are data URIs, the style is inline, there is no script.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="Accord">',
        f"<title>{_e(title)}{' – ' + _e(report.context.organisation) if report.context.organisation else ''}</title>",
        f"<style>\n{_CSS}</style>",
        "</head>",
        "<body>",
        f'<main class="report{" report-bilingual" if bilingual else ""}">',
        body,
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _body(report: Report, image: Callable[[Chart], str]) -> list[str]:
    return [
        _h_masthead(report),
        _h_summary(report),
        _h_how_to_read(),
        _h_themes(report, image),
        _h_progress(report),
        _h_comparison(report.context.comparison, report.scale),
        _h_priorities(report.card),
        _h_contested(report, image),
        _h_questions(report),
        _h_contributions(report),
        _h_recorded(report),
        _h_footer(report),
    ]


def _h_masthead(report: Report) -> str:
    assessment = report.assessment
    framework = assessment.framework
    card = report.card
    eyebrow = _("Leadership self-assessment")
    if report.context.organisation:
        eyebrow = f"{report.context.organisation} · {eyebrow}"
    agreed = _("{agreed} of {total}").format(agreed=card.count(QuestionStatus.AGREED), total=len(card.questions))
    facts = [
        (_("Framework"), _("{title} (version {version})").format(title=framework.title, version=framework.version)),
        (_("Status"), status_words(report)),
        (_("Team"), team_words(assessment)),
        (_("Questions agreed"), agreed),
    ]
    if report.context.generated_at is not None:
        facts.append((_("Report produced"), report.date(report.context.generated_at)))
    privacy_class = "privacy confidential" if report.contributions is not None else "privacy"
    return (
        '<header class="masthead">'
        f'<p class="eyebrow">{_e(eyebrow)}</p>'
        f"<h1>{_e(assessment.shown_title)}</h1>"
        '<dl class="facts">'
        + "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in facts)
        + "</dl>"
        f'<p class="{privacy_class}">{_e(anonymity_words(report))}</p>'
        "</header>"
    )


def _h_summary(report: Report) -> str:
    card = report.card
    scale = report.scale
    out = ['<section id="summary" class="summary">', "<h2>" + _e(_('Summary')) + "</h2>"]
    if card.current is None:
        nothing = _("No question has been agreed yet, so there is nothing to score.")
        out.append(f"<p>{_e(nothing)} {_e(tally_words(card))}</p>")
        out.append("</section>")
        return "".join(out)
    of = _("out of {maximum}").format(maximum=scale.maximum)
    kpis = [
        ("now", _("Now"), one(card.current), of),
        ("ambition", _("Ambition"), one(card.ambition), _("{out_of}, in 18-24 months").format(out_of=of)),
        ("gap", _("Gap"), one(card.gap), _("points to move")),
    ]
    if card.agreement is not None:
        band = _("{band}, out of 1, before discussion").format(band=band_words(card.agreement_band))
        kpis.append(("agreement", _("Agreement"), one(card.agreement), band))
    out.append('<div class="kpis">')
    for cls, label, value, unit in kpis:
        out.append(
            f'<div class="kpi {cls}"><span class="kpi-label">{_e(label)}</span>'
            f'<span class="kpi-value">{_e(value)}</span><span class="kpi-unit">{_e(unit)}</span></div>'
        )
    out.append("</div>")
    overall = _e(
        _(
            "Overall the team places the organisation at {now} now and aims for {ambition} in 18-24 months: "
            "a gap of {gap} on {scale}."
        )
    ).format(
        now=f"<strong>{one(card.current)}</strong>",
        ambition=f"<strong>{one(card.ambition)}</strong>",
        gap=f"<strong>{one(card.gap)}</strong>",
        scale=_e(scale_words(scale)),
    )
    out.append(f"<p>{overall} {_e(tally_words(card))}</p>")
    readings = _h_readings(card)
    if readings:
        out.append(readings)
    out.append('<div class="glance">')
    out.append('<div class="glance-col strengths"><h3>' + _e(_("Strengths")) + '</h3>')
    if card.strengths:
        out.append(
            "<ol>"
            + "".join(
                f"<li><strong>{_e(s.theme.title)}</strong> <span class=\"muted\">"
                + _e(_("now {now}, ambition {ambition}").format(now=one(s.current), ambition=one(s.ambition)))
                + "</span></li>"
                for s in card.strengths
            )
            + "</ol>"
        )
    else:
        out.append('<p class="muted">' + _e(_("No theme stands out as a strength yet.")) + '</p>')
    out.append("</div>")
    out.append('<div class="glance-col priorities"><h3>' + _e(_("Priorities")) + '</h3>')
    if card.priorities:
        out.append(
            "<ol>"
            + "".join(
                f"<li><strong>{_e(p.score.theme.title)}</strong> <span class=\"muted\">"
                + _e(
                    _("now {now}, ambition {ambition}, gap {gap}").format(
                        now=one(p.score.current), ambition=one(p.score.ambition), gap=one(p.score.gap)
                    )
                )
                + "</span></li>"
                for p in card.priorities
            )
            + "</ol>"
        )
    else:
        out.append('<p class="muted">' + _e(_("No theme has a gap between now and the ambition.")) + '</p>')
    out.append("</div></div>")
    out.append("</section>")
    return "".join(out)


def _h_readings(card: Scorecard) -> str:
    items = []
    for reading, label, figure in (
        (STRONGEST, _("Strongest"), lambda t: _("now {now}").format(now=one(t.current))),
        (LEAST_DEVELOPED, _("Least developed"), lambda t: _("now {now}").format(now=one(t.current))),
        (BIGGEST_GAP, _("Biggest ambition gap"), lambda t: _("gap {gap}").format(gap=one(t.gap))),
        (
            MOST_CONTESTED,
            _("Most contested"),
            lambda t: _("agreement {agreement}, {band}").format(agreement=one(t.agreement), band=band_words(t.agreement_band)),
        ),
    ):
        themes = card.with_reading(reading)
        if themes:
            names = join_words([f"<strong>{_e(t.theme.title)}</strong>" for t in themes])
            if len(themes) == 1:
                shared = figure(themes[0])
            elif len(themes) == 2:
                shared = _("both {figure}").format(figure=figure(themes[0]))
            else:
                shared = _("all {figure}").format(figure=figure(themes[0]))
            items.append(f'<div><dt>{_e(label)}</dt><dd>{names} <span class="muted">({_e(shared)})</span></dd></div>')
    agreement = agreement_sentence(card)
    out = ""
    if items:
        out += '<dl class="readings">' + "".join(items) + "</dl>"
    if agreement:
        out += f'<p class="muted small">{_e(agreement)}</p>'
    return out


def _h_how_to_read() -> str:
    items = "".join(f"<li><strong>{_e(label)}:</strong> {_e(text)}</li>" for label, text in how_to_read())
    heading = _e(_("How to read this report"))
    return f'<aside class="how-to-read" id="how-to-read"><h2>{heading}</h2><ul>{items}</ul></aside>'


def _h_themes(report: Report, image: Callable[[Chart], str]) -> str:
    card = report.card
    scale = report.scale
    rows = []
    for t in card.themes:
        readings = "".join(f'<span class="tag">{_e(reading_words(r))}</span>' for r in t.readings)
        agreement = "–" if t.agreement is None else f'{one(t.agreement)} <span class="muted">{_e(band_words(t.agreement_band))}</span>'
        rows.append(
            "<tr>"
            f'<th scope="row"><span class="theme-number">{t.theme.number}</span> {_e(t.theme.title)}'
            + (f'<div class="tags">{readings}</div>' if readings else "")
            + "</th>"
            f'<td class="num now">{one(t.current)}</td>'
            f'<td class="num ambition">{one(t.ambition)}</td>'
            f'<td class="num">{signed(t.gap)}</td>'
            f'<td class="num agreement">{agreement}</td>'
            '<td class="num">' + _e(_("{agreed} of {total}").format(agreed=t.answered, total=t.total)) + '</td>'
            f"<td>{_h_dumbbell(t, scale)}</td>"
            "</tr>"
        )
    key = _("ambition, on the scale from {minimum} to {maximum}. A dash means no question in the theme has been agreed yet.")
    legend = (
        '<p class="legend muted small"><span class="key now-key"></span> ' + _e(_("now")) + ' '
        f'<span class="key ambition-key"></span> {_e(key.format(minimum=scale.minimum, maximum=scale.maximum))}</p>'
    )
    on_scale = _("On the scale {minimum}–{maximum}").format(minimum=scale.minimum, maximum=scale.maximum)
    table = (
        '<table class="themes"><thead><tr><th scope="col">' + _e(_("Theme")) + '</th><th scope="col" class="num">' + _e(_("Now")) + '</th>'
        '<th scope="col" class="num">' + _e(_("Ambition")) + '</th><th scope="col" class="num">' + _e(_("Gap")) + '</th>'
        '<th scope="col" class="num">' + _e(_("Agreement")) + '</th><th scope="col" class="num">' + _e(_("Agreed")) + '</th>'
        f'<th scope="col" class="scale-col">{_e(on_scale)}</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    figures = ""
    if report.charts.summary:
        figures = '<div class="figures">' + "".join(_h_figure(c, image) for c in report.charts.summary) + "</div>"
    return '<section id="themes"><h2>' + _e(_("Results by theme")) + f'</h2>{table}{legend}{figures}</section>'


def _h_dumbbell(t: ThemeScore, scale: Scale) -> str:
    """Now and ambition as two marks on a line from the scale's minimum to its maximum."""
    if not t.scored:
        return '<span class="muted">' + _e(_("not scored")) + '</span>'
    width = scale.maximum - scale.minimum

    def at(value: float) -> float:
        return round(100 * (value - scale.minimum) / width, 2)

    now, ambition = at(t.current), at(t.ambition)
    label = _("now {now}, ambition {ambition}").format(now=one(t.current), ambition=one(t.ambition))
    return (
        f'<span class="dumbbell" role="img" aria-label="{_e(label)}">'
        '<span class="track"></span>'
        f'<span class="span" style="left:{now}%;width:{round(ambition - now, 2)}%"></span>'
        f'<span class="dot dot-ambition" style="left:{ambition}%"></span>'
        f'<span class="dot dot-now" style="left:{now}%"></span>'
        "</span>"
    )


def _h_figure(chart: Chart, image: Callable[[Chart], str], cls: str = "") -> str:
    width, height = figure_size(chart.kind)
    return (
        f'<figure class="chart {chart.kind.value} {cls}">'
        f'<img src="{image(chart)}" alt="{_e(chart.alt_text or chart.title)}" '
        f'width="{round(width * 144)}" height="{round(height * 144)}">'
        "</figure>"
    )


def _h_progress(report: Report) -> str:
    progress = report.context.progress
    if progress is None or report.card.current is None:
        return ""
    since = progress.since
    rows = []
    for m in progress.themes:
        direction = m.direction
        cls = {"up": "up", "down": "down"}.get(direction, "")
        change = f"{m.current_change:+.1f}" if direction in ("up", "down") else ("0.0" if direction == "no change" else "")
        rows.append(
            f"<tr><th scope=\"row\">{_e(m.title)}</th>"
            f'<td class="num">{one(m.before and m.before.current)}</td>'
            f'<td class="num">{one(m.now and m.now.current)}</td>'
            f'<td class="num change {cls}">{_e(change.replace("-", "−"))}</td>'
            f"<td>{_e(m.direction_words())}</td></tr>"
        )
    compared = _e(_("Compared with {title}, completed {date}.")).format(
        title=f"<strong>{_e(since.title)}</strong>", date=_e(report.date(since.completed_at))
    )
    return (
        '<section id="progress"><h2>' + _e(_("Progress since the last assessment")) + '</h2>'
        f"<p>{compared} {_e(progress.sentence())}</p>"
        '<table class="compact"><thead><tr><th scope="col">' + _e(_("Theme")) + '</th><th scope="col" class="num">' + _e(_("Then")) + '</th>'
        '<th scope="col" class="num">' + _e(_("Now")) + '</th><th scope="col" class="num">' + _e(_("Change")) + '</th>'
        '<th scope="col">' + _e(_("Movement")) + '</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _h_comparison(comparison: Comparison | None, scale: Scale) -> str:
    if comparison is None:
        return ""
    out = ['<section id="peers"><h2>' + _e(_("Compared with similar organisations")) + '</h2>', f"<p>{_e(comparison.sentence())}</p>"]
    if comparison.shown:
        rows = []
        for t in comparison.themes:
            rows.append(
                f"<tr><th scope=\"row\">{_e(t.title)}</th><td class=\"num\">{one(t.ours)}</td>"
                f'<td class="num">{one(t.median)}</td>'
                '<td class="num">' + _e(_("{low} to {high}").format(low=one(t.lower_quartile), high=one(t.upper_quartile))) + '</td>'
                f"<td>{_e(t.position_words() or _('not scored'))}</td><td>{_h_range(t, scale)}</td></tr>"
            )
        on_scale = _("On the scale {minimum}–{maximum}").format(minimum=scale.minimum, maximum=scale.maximum)
        out.append(
            '<table class="compact"><thead><tr><th scope="col">' + _e(_("Theme")) + '</th><th scope="col" class="num">' + _e(_("Us")) + '</th>'
            '<th scope="col" class="num">' + _e(_("Peers’ median")) + '</th><th scope="col" class="num">' + _e(_("Middle half of peers")) + '</th>'
            '<th scope="col">' + _e(_("Where we stand")) + '</th>'
            f'<th scope="col" class="scale-col">{_e(on_scale)}</th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            '<p class="legend muted small"><span class="key band-key"></span> ' + _e(_("middle half of similar organisations,")) + ' '
            '<span class="key median-key"></span> ' + _e(_("their median,")) + ' <span class="key now-key"></span> ' + _e(_("us now.")) + '</p>'
        )
    out.append("</section>")
    return "".join(out)


def _h_priorities(card: Scorecard) -> str:
    out = ['<section id="priorities"><h2>' + _e(_("Priorities and next steps")) + '</h2>']
    if not card.priorities:
        out.append("<p>" + _e(_('No theme has a gap between where the organisation is and where the team aims to be.')) + "</p>")
    else:
        out.append("<p>" + _e(_(PRIORITIES_INTRO)) + "</p>")
    for place, priority in zip(priority_places(card), card.priorities):
        resources = "".join(
            f'<li><a href="{_e(safe_url(r.url))}">{_e(r.title)}</a>'
            + (f", {_e(r.credit)}" if r.credit else "")
            + f' <span class="muted">({_e(kind_words(r.kind.value))})</span>'
            + (f": {_e(r.description)}" if r.description else "")
            + "</li>"
            for r in priority.resources
        )
        out.append(
            '<article class="priority">'
            f'<h3><span class="rank">{_e(place)}</span> {_e(priority.score.theme.title)}</h3>'
            f"<p class=\"muted\">{_e(priority_intro(priority))}</p>"
            "<p><strong>" + _e(_('Next step:')) + f"</strong> {_e(priority.next_step)}</p>"
            + (
                '<p class="resources-label"><strong>' + _e(_("Resources")) + f'</strong></p><ul class="links">{resources}</ul>'
                if resources
                else ""
            )
            + "</article>"
        )
    out.append("</section>")
    return "".join(out)


def _h_range(theme, scale: Scale) -> str:
    """The peers' middle half as a band, their median as a tick and us as a dot, on the scale."""
    width = scale.maximum - scale.minimum

    def at(value: float) -> float:
        return round(100 * (value - scale.minimum) / width, 2)

    low, high, median = at(theme.lower_quartile), at(theme.upper_quartile), at(theme.median)
    label = _("peers' middle half {low} to {high}, median {median}").format(
        low=one(theme.lower_quartile), high=one(theme.upper_quartile), median=one(theme.median)
    )
    ours = ""
    if theme.ours is not None:
        label += ", " + _("us {ours}").format(ours=one(theme.ours))
        ours = f'<span class="dot dot-now" style="left:{at(theme.ours)}%"></span>'
    return (
        f'<span class="dumbbell range" role="img" aria-label="{_e(label)}"><span class="track"></span>'
        f'<span class="band" style="left:{low}%;width:{round(high - low, 2)}%"></span>'
        f'<span class="median" style="left:{median}%"></span>{ours}</span>'
    )


def _h_contested(report: Report, image: Callable[[Chart], str]) -> str:
    contested = report.charts.contested
    if not contested:
        return ""
    out = [
        '<section id="contested"><h2>' + _e(_("Most contested questions")) + '</h2>',
        "<p>"
        + _e(
            _(
                "The questions on which views were furthest apart when the votes were revealed, lowest agreement first. "
                "The team discussed each before recording its answer."
            )
        )
        + "</p>",
    ]
    for result, chart in contested:
        heading = _("Question {number}: {prompt}").format(number=result.question.number, prompt=result.question.prompt)
        note = _("Note:")
        out.append(
            '<article class="contested">'
            f"<h3>{_e(heading)}</h3>"
            f"<p>{_e(contested_words(result))}</p>"
            + (f'<p class="note"><strong>{_e(note)}</strong> {_e(result.consensus.note)}</p>' if result.consensus.note else "")
            + _h_figure(chart, image, "narrow")
            + "</article>"
        )
    out.append("</section>")
    return "".join(out)


def _h_questions(report: Report) -> str:
    out = ['<section id="questions"><h2>' + _e(_("Question by question")) + '</h2>']
    for theme_score in report.card.themes:
        theme = theme_score.theme
        out.append(f'<h3 class="theme-heading"><span class="theme-number">{theme.number}</span> {_e(theme.title)}</h3>')
        for result in report.card.questions:
            if result.theme.id == theme.id:
                out.append(_h_question(result, report))
    out.append("</section>")
    return "".join(out)


def _h_question(result: QuestionResult, report: Report) -> str:
    question = result.question
    head = f'<h4><span class="qnum">{_e(question.number)}</span> {_e(question.prompt)}</h4>'
    if result.status is not QuestionStatus.AGREED:
        if result.status is QuestionStatus.SKIPPED:
            reason = skip_reason(result, report.assessment)
            status = _("Skipped. Reason: {reason}.").format(reason=reason) if reason else _("Skipped.")
        elif result.status is QuestionStatus.IN_PROGRESS:
            status = _("In progress: not agreed yet.")
        else:
            status = _("Not reached.")
        return (
            f'<article class="question pending"><p><span class="qnum">{_e(question.number)}</span> '
            f'{_e(question.prompt)} <span class="status">{_e(status)}</span></p></article>'
        )
    scale = report.scale
    consensus = result.consensus
    answer = (
        '<dl class="answer">'
        '<div><dt>' + _e(_("Agreed now")) + f'</dt><dd><strong class="now">{consensus.current} {_e(scale.label(consensus.current))}.</strong> '
        f"{_e(question.descriptor(consensus.current))}</dd></div>"
        '<div><dt>' + _e(_("Ambition")) + '</dt><dd><strong class="ambition">'
        f"{consensus.ambition} {_e(scale.label(consensus.ambition))}.</strong> "
        + (
            _e(_("Hold this level."))
            if consensus.ambition == consensus.current
            else _e(question.descriptor(consensus.ambition))
        )
        + "</dd></div>"
        "</dl>"
    )
    votes = ""
    measures = result.measures
    if measures is not None:
        votes = (
            '<div class="votes">'
            + _h_distribution(measures.current, measures.ambition)
            + f'<p class="verdict"><span class="verdict-{measures.verdict.name.lower()}">'
            f"{_e(verdict_text(measures))}</span> "
            + _e(
                _("Agreement {now_agreement} on now, {ambition_agreement} on ambition.").format(
                    now_agreement=one(measures.current.consensus), ambition_agreement=one(measures.ambition.consensus)
                )
            )
            + "</p>"
            "</div>"
        )
    extra = ""
    if consensus.note:
        extra += '<p class="note"><strong>' + _e(_("Note:")) + f'</strong> {_e(consensus.note)}</p>'
    history = round_history(result, report.assessment)
    if history:
        extra += f'<p class="muted small">{_e(history)}</p>'
    return f'<article class="question">{head}<div class="qbody">{answer}{votes}</div>{extra}</article>'


def _h_distribution(current: Disagreement, ambition: Disagreement) -> str:
    """The anonymous counts at each point, shaded by share: a small table that prints in black and white."""
    points = list(range(current.scale_min, current.scale_max + 1))
    head = "".join(f'<th scope="col">{p}</th>' for p in points)

    def row(label: str, cls: str, measure: Disagreement) -> str:
        total = max(measure.n, 1)
        cells = "".join(
            f'<td style="--share:{round(c / total, 3)}"{_ZERO if not c else ""}>{c}</td>' for c in measure.distribution
        )
        return f'<tr class="{cls}"><th scope="row">{label}</th>{cells}</tr>'

    spread = ngettext("How the {count} vote was spread", "How the {count} votes were spread", current.n).format(count=current.n)
    return (
        f'<table class="dist" aria-label="{_e(spread)}">'
        '<thead><tr><th scope="col"><span class="visually-hidden">' + _e(_("Votes")) + f'</span></th>{head}</tr></thead>'
        f"<tbody>{row(_e(_('Now')), 'now', current)}{row(_e(_('Ambition')), 'ambition', ambition)}</tbody></table>"
    )


_ZERO = ' class="zero"'


def _h_contributions(report: Report) -> str:
    if report.contributions is None:
        return ""
    out = [
        '<section id="contributions" class="confidential-section">',
        '<h2>' + _e(_("Individual contributions")) + ' <span class="stamp">' + _e(_("Confidential")) + '</span></h2>',
        "<p>"
        + _e(
            _(
                "Who voted what, with their comments, in the round whose answer was recorded (or the latest round). "
                "Produced for a super-user of this assessment; do not circulate."
            )
        )
        + "</p>",
    ]
    for item in report.contributions:
        out.append(
            f'<h3 class="contrib-q"><span class="qnum">{_e(item.question.number)}</span> {_e(item.question.prompt)} '
            '<span class="muted small">' + _e(_("round {number}").format(number=item.round_number)) + '</span></h3>'
        )
        if not item.votes:
            out.append('<p class="muted">' + _e(_("No votes.")) + '</p>')
            continue
        rows = "".join(
            f"<tr><th scope=\"row\">{_e(member.name)}</th><td class=\"num\">{vote.current}</td>"
            f'<td class="num">{vote.ambition}</td><td>{_e(vote.comment)}</td></tr>'
            for member, vote in item.votes
        )
        out.append(
            '<table class="compact contrib"><thead><tr><th scope="col">' + _e(_("Member")) + '</th>'
            '<th scope="col" class="num">' + _e(_("Now")) + '</th><th scope="col" class="num">' + _e(_("Ambition")) + '</th>'
            '<th scope="col">' + _e(_("Comment")) + f'</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    out.append("</section>")
    return "".join(out)


def _h_recorded(report: Report) -> str:
    """The appendix auditors ask for: who recorded each agreed answer, when, and the note they gave."""
    agreed = [r for r in report.card.questions if r.status is QuestionStatus.AGREED and r.consensus is not None]
    if not agreed:
        return ""
    rows = "".join(
        f'<tr><th scope="row"><span class="qnum">{_e(r.question.number)}</span></th>'
        f'<td class="num">{r.consensus.current}</td><td class="num">{r.consensus.ambition}</td>'
        f"<td>{_e(recorded_by(r, report.assessment))}</td>"
        f"<td>{_e(report.date(r.consensus.recorded_at))} {_e(_clock(r.consensus.recorded_at, report))}</td>"
        f"<td>{_e(r.consensus.note) or _no_note()}</td></tr>"
        for r in agreed
    )
    return (
        '<section id="recorded"><h2>' + _e(_("Appendix: how each answer was recorded")) + '</h2>'
        "<p>"
        + _e(
            _(
                "Who recorded each agreed answer, when, and the note they gave. Every change, including every vote "
                "cast or changed, is kept in Accord's tamper-evident audit trail ({command})."
            )
        ).format(command="<code>accord audit export</code>")
        + "</p>"
        '<table class="compact"><thead><tr><th scope="col">' + _e(_("Question")) + '</th>'
        '<th scope="col" class="num">' + _e(_("Now")) + '</th><th scope="col" class="num">' + _e(_("Ambition")) + '</th>'
        '<th scope="col">' + _e(_("Recorded by")) + '</th><th scope="col">' + _e(_("When")) + '</th>'
        '<th scope="col">' + _e(_("Note")) + f'</th></tr></thead><tbody>{rows}</tbody></table></section>'
    )


def _no_note() -> str:
    return '<span class="muted">' + _e(_("no note")) + '</span>'


def _clock(moment: datetime, report: Report) -> str:
    tz = report.context.timezone or UTC
    return moment.astimezone(tz).strftime("%H:%M")


def _h_footer(report: Report) -> str:
    framework = report.assessment.framework
    # Dated when it was made, else when the assessment was completed: a board paper always says when.
    when = report.context.generated_at or report.assessment.completed_at
    if when:
        produced = _(
            "Produced by Accord on {date} from the answers the team recorded, using the {framework} framework (version {version})."
        )
    else:
        produced = _("Produced by Accord from the answers the team recorded, using the {framework} framework (version {version}).")
    method = _(
        "Agreement is Tastle and Wierman's (2007) consensus measure on each question's private votes, taken when the "
        "votes were revealed. Charts use a colour-blind-safe palette (Okabe and Ito) and every chart has a text description."
    )
    produced = produced.format(date=report.date(when) if when else "", framework=framework.title, version=framework.version)
    return f'<footer class="colophon"><p>{_e(produced)} {_e(method)}</p></footer>'


# ------------------------------------------------------------------------ helpers


def _e(value: object) -> str:
    """Text made safe in HTML, attributes included."""
    return html.escape(" ".join(str(value).split()), quote=True)
