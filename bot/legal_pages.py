"""The privacy notice and the terms of use, at `/privacy` and `/terms` of `accord serve`.

The Teams package names these two addresses (Teams asks every app for them), and a member who
wonders what Accord keeps about them can read it there. The text is `legal.privacy` and
`legal.terms` from app.yaml; left empty, the built-in text below is used, made from the
organisation's name and what Accord actually stores (docs/privacy.md says the same at length).

Both texts are plain text with three conventions, so that a council can paste its own notice
into app.yaml without writing HTML: a blank line between paragraphs, ``# `` (or ``## ``) starting
a heading, ``- `` starting an item of a list. Web and email addresses become links. Everything
else is escaped: the text never reaches the page as markup.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from aiohttp import web

from bot.config import Config

PRIVACY_PATH = "/privacy"
TERMS_PATH = "/terms"
BUILT_IN_LANGUAGE = "en-GB"

# The pages fetch nothing, run nothing and cannot be framed by another site.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

# Plain and readable: body text 16.4:1 on white, links 7.6:1 (WCAG 2.2 AAA for both).
_STYLE = """
body { margin: 0; font: 1.05rem/1.6 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #1b1b1b; background: #fff; }
main { max-width: 42rem; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
h1 { font-size: 1.8rem; line-height: 1.25; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.organisation { margin: 0 0 1.5rem; color: #3d3d3d; }
a { color: #0b4f8a; text-underline-offset: .15em; }
a:focus-visible { outline: 3px solid #0b4f8a; outline-offset: 2px; }
footer { margin-top: 3rem; padding-top: 1rem; border-top: 1px solid #6b6b6b; }
""".strip()


@dataclass(frozen=True)
class LegalPage:
    title: str
    text: str
    language: str


def privacy_page(config: Config) -> LegalPage:
    if config.legal.privacy:
        return LegalPage("Privacy notice", config.legal.privacy, config.legal.language)
    return LegalPage("Privacy notice", built_in_privacy(config), BUILT_IN_LANGUAGE)


def terms_page(config: Config) -> LegalPage:
    if config.legal.terms:
        return LegalPage("Terms of use", config.legal.terms, config.legal.language)
    return LegalPage("Terms of use", built_in_terms(config), BUILT_IN_LANGUAGE)


def _contact(config: Config) -> str:
    if config.legal.contact:
        return config.legal.contact
    return f"{config.organisation.name}'s data protection officer"


def built_in_privacy(config: Config) -> str:
    organisation = config.organisation.name
    contact = _contact(config)
    return f"""\
{organisation} uses Accord so that its leadership team can assess the organisation together in \
the Slack or Microsoft Teams channel it already uses. {organisation} runs Accord on its own \
server and decides what it is used for: it is responsible for the data described here.

# What Accord keeps about you

- your name and user id as Slack or Teams gives them, and your role in each assessment you take \
part in (super-user, member or observer);
- every vote you cast: where the organisation is now and where it should be in 18-24 months, \
your comment, and when you voted;
- the agreed answers you recorded, if you are a super-user;
- the reminders Accord sent you, and the messages it sent to you alone (confirmations, \
reminders, private answers);
- your time zone and working hours, as Slack or Microsoft Graph tells Accord, so that reminders \
reach you in your working day;
- in Teams, what Accord needs to open a one-to-one chat with you.

Accord keeps nothing else about you: not what you write in the channel other than your commands \
to it, and not your email address.

# Who sees what

- Your votes and comments are seen by you and by the assessment's super-users, never by the \
rest of the team.
- The channel sees how many have voted and, once the votes are revealed, the anonymous spread \
of the votes: never who voted what.
- The summary and the reports are anonymous. Only a super-user can export who voted what, and \
that export is marked confidential.
- If {organisation} chooses to compare itself with similar organisations, only the team's \
agreed answers are shared, as medians and quartiles of several organisations: never a \
person's vote.

# How long it is kept

Everything is kept in {organisation}'s database for as long as {organisation} keeps the \
assessment, so the team can compare its next assessment with this one. What Slack or \
Microsoft Teams keep of the messages already delivered to you is kept by them, under \
{organisation}'s agreement with them.

# Your rights

You can ask {contact} for a copy of everything Accord stores about you, or to have Accord \
forget you. The administrator answers with `accord member export`, which gives all of it as \
one file, and `accord member forget`, after which your name becomes "Former member", your \
comments are cleared and your time zone and the messages to you are deleted. The scores of \
your votes stay, no longer linked to you, so the team's results do not change.
"""


def built_in_terms(config: Config) -> str:
    organisation = config.organisation.name
    contact = _contact(config)
    return f"""\
Accord is provided by {organisation} for its own leadership team's self-assessment. These \
terms apply to everyone who takes part in an assessment.

# Using Accord

- Use Accord for {organisation}'s self-assessments, under {organisation}'s usual rules for \
Slack or Microsoft Teams.
- Vote as you see it. Your vote and your comment are seen by you and the super-users only; \
write comments you would be content for a super-user to read.
- The super-users run the assessment: they reveal the votes, record the team's agreed answer \
and may export the results.

# The results

The scores, the charts and the report summarise what the team agreed. They support the team's \
own discussion and decisions; they are not an audit or an inspection.

# Your data

What Accord keeps about you, who sees it and how to have it exported or forgotten are in the \
privacy notice. Questions go to {contact}.
"""


# ------------------------------------------------------------------------------ rendering

_LINKABLE = re.compile(r"(https://[^\s<>\"]+[^\s<>\".,;:!?)])|([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_CODE = re.compile(r"`([^`]+)`")


def _inline(text: str) -> str:
    """Escaped text, its addresses as links and its `code` as code."""
    out: list[str] = []
    position = 0
    for match in _LINKABLE.finditer(text):
        out.append(_code(text[position : match.start()]))
        url, email = match.group(1), match.group(2)
        href = url if url else f"mailto:{email}"
        out.append(f'<a href="{html.escape(href)}">{html.escape(match.group(0))}</a>')
        position = match.end()
    out.append(_code(text[position:]))
    return "".join(out)


def _code(text: str) -> str:
    return _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", html.escape(text, quote=False))


def _blocks(text: str) -> list[str]:
    """Paragraphs, headings and lists from the plain text (see the module's docstring)."""
    parts: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            parts.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            parts.append("<ul>\n" + "\n".join(f"<li>{_inline(i)}</li>" for i in items) + "\n</ul>")
            items.clear()

    for line in (line.strip() for line in text.strip().splitlines()):
        heading = re.match(r"^(#{1,2})\s+(.*)$", line)
        if not line:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1)) + 1  # the page's own title is the one h1
            parts.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif line.startswith(("- ", "* ")):
            if paragraph:
                flush()
            items.append(line[2:].strip())
        elif items:
            items[-1] += " " + line  # an item continued on the next line
        else:
            paragraph.append(line)
    flush()
    return parts


def render_page(page: LegalPage, organisation: str, other: tuple[str, str]) -> str:
    """The whole HTML page; `other` is the (relative address, title) of the other page."""
    title = html.escape(page.title)
    body = "\n".join(_blocks(page.text))
    link, link_title = other
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{html.escape(page.language)}">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title} · Accord · {html.escape(organisation)}</title>",
            f"<style>\n{_STYLE}\n</style>",
            "</head>",
            "<body>",
            "<main>",
            f"<h1>{title}</h1>",
            f'<p class="organisation">Accord at {html.escape(organisation)}</p>',
            body,
            "<footer>",
            f'<p><a href="{html.escape(link)}">{html.escape(link_title)}</a></p>',
            "</footer>",
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )


def describe(config: Config) -> str:
    """One line for the start-up log: where the pages are and whose text they show."""
    legal = config.legal
    own = [name for name, text in (("privacy notice", legal.privacy), ("terms", legal.terms)) if text]
    if len(own) == 2:
        whose = "your own texts from app.yaml"
    elif own:
        whose = f"your own {own[0]} from app.yaml, the built-in text for the other"
    else:
        whose = "the built-in texts; set legal.privacy and legal.terms in app.yaml for your own"
    return f"Privacy notice at {PRIVACY_PATH}, terms of use at {TERMS_PATH}: {whose}."


def mount(app: web.Application, config: Config) -> None:
    """Add `/privacy` and `/terms`, each rendered once: the settings do not change while serving."""
    organisation = config.organisation.name
    # Relative links, so the pages link to each other behind a proxy that serves Accord under a path.
    privacy = render_page(privacy_page(config), organisation, (TERMS_PATH.lstrip("/"), "Terms of use"))
    terms = render_page(terms_page(config), organisation, (PRIVACY_PATH.lstrip("/"), "Privacy notice"))

    def serving(text: str):
        async def handler(request: web.Request) -> web.Response:
            return web.Response(text=text, content_type="text/html", charset="utf-8", headers=_HEADERS)

        return handler

    app.router.add_get(PRIVACY_PATH, serving(privacy))
    app.router.add_get(TERMS_PATH, serving(terms))
