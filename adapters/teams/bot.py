"""The Teams activity handler: every `on_*` method translates an activity and delegates to Accord.

- A message (the bot is @mentioned in a channel, or spoken to in a one-to-one chat) is a
  command in Accord's one grammar: the bot's mention is removed with botbuilder's
  `remove_recipient_mention`, other people's mentions become opaque tokens the directory
  resolves (`superuser @<id>`), and the text goes through the one door, `door.run_text`. `start` first fetches
  the channel's roster from Teams' members API (paged).
- An `adaptiveCard/action` invoke is a Universal Action on a card: verb "vote" casts the vote
  through the door (`door.run(request, Vote(...))`) and answers with the voter's own view of the card;
  verb "refresh" answers with that view without changing anything; other verbs ("finalise",
  "reveal", ...) are the commands of the same name. A submission with a missing or non-numeric
  score is answered with the card again and the problem on top; an off-scale score is refused
  by the engine; either way nothing is stored.
- installationUpdate / conversationUpdate only record where the bot is (conversation
  references, in `on_turn` for every activity) and say hello once when installed.

Answers for the person who asked: errors and help reply in the thread (they only repeat what
the person typed); anything else private (a status with names of non-voters, who voted what)
goes to the person's one-to-one chat with Accord, never to the channel. What the channel
should see is already in the outbox, written in the same transaction as the change; the
dispatcher is woken to post it.

Languages: what Accord says in a message is already in its readers' language(s) (`bot.readers`);
the words a card adds around a message (Resources, Refresh, "part 2 of 3") follow the message's
(`cards.render`). Words of the adapter's own that belong to no message (an unknown card action,
a failure, the hello in a private chat) are in the person's language (`Door.language_of`); the hello
in a channel is in the channel's, Welsh first when the organisation is bilingual.

Pitfall avoided: `ActivityHandler.on_invoke_activity` serialises an `AdaptiveCardInvokeResponse`
to a dict and `CloudAdapter` serialises the body again, which fails (HTTP 500). Here the
adaptiveCard/action invoke is answered with an `InvokeResponse` whose body is the model, and
the platform serialises it exactly once.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import AdaptiveCardInvokeResponse, ChannelAccount

from adapters.teams import cards
from adapters.teams.delivery import TeamsDeliverer
from adapters.teams.directory import (
    Account,
    TeamsDirectory,
    account_of,
    conversation_of,
    fetch_roster,
    is_personal,
    person_of,
    tenant_of,
)
from adapters.teams.graph import GraphProfiles
from adapters.teams.references import ReferenceBook
from bot import commands
from bot.delivery import Undeliverable
from bot.door import Door
from bot.service import Reply, Request
from engine import presenters
from engine.assessment import Identity
from engine.language import ENGLISH, N_, _, in_language, language_of_locale, speaking
from engine.presenters.bilingual import DIVIDER, in_its_languages, in_languages
from engine.views import Kind, Link, Message

log = logging.getLogger("accord.teams")

ERROR_TYPE = "application/vnd.microsoft.error"
# Answers that only repeat what the person typed in the channel: fine to reply in the thread.
PUBLIC_ANSWERS = frozenset({Kind.ERROR, Kind.HELP})
CARD_COMMANDS: dict[str, Callable[[], commands.Command]] = {
    "finalise": commands.Finalise,
    "reveal": commands.Reveal,
    "skip": commands.Skip,
    "next": commands.Next,
}
NEW_CONVERSATION = "accord.new_conversation"


def welcome() -> str:
    """The hello when Accord is added to a chat or a team, in the language speaking."""
    return _(
        "Hello, I'm Accord. I run your team's self-assessment here: question by question, everyone votes "
        "privately on a card, then you see where you disagree, talk, and record the agreed answer. "
        "Mention me with **start** to begin, or **help** for everything I understand."
    )


@dataclass
class Services:
    """What the handler delegates to: the one door, and what Teams needs beside it."""

    door: Door
    references: ReferenceBook
    deliverer: TeamsDeliverer
    graph: GraphProfiles | None
    clock: Callable[[], datetime]
    images: cards.Images | None = None
    report_url: Callable[[str, str], str | None] | None = None  # (assessment id, format) -> download address, if any
    channel_languages: tuple[str, ...] = (ENGLISH,)  # what a channel reads: the organisation's, Welsh first when bilingual


class AccordTeamsBot(TeamsActivityHandler):
    def __init__(self, services: Services) -> None:
        self._s = services

    # ------------------------------------------------------------------ turns

    async def on_turn(self, turn_context: TurnContext) -> None:
        turn_context.turn_state[NEW_CONVERSATION] = await self._s.references.remember(turn_context.activity)
        await super().on_turn(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        # Some clients (the Agents Playground) send this every time a chat is opened: greet once.
        if turn_context.turn_state.get(NEW_CONVERSATION):
            if is_personal(turn_context.activity):  # a chat with one person: in their language
                languages: tuple[str, ...] = (await self._language(self._request(turn_context)),)
            else:  # a team's channel or a group chat: in the channel's language(s)
                languages = self._s.channel_languages
            await turn_context.send_activity(MessageFactory.text(in_each(languages, welcome)))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        request = self._request(turn_context)
        if isinstance(activity.value, dict) and not (activity.text or "").strip():
            # An older client's Action.Submit, the fallback of every Action.Execute on Accord's cards.
            verb = str(activity.value.get("verb") or cards.VOTE_VERB)
            if verb == cards.REFRESH_VERB:  # Show my vote, from a client without Universal Actions
                card = await self._own_card(request, _text(activity.value.get("question")) or None)
                summary = in_language(await self._language(request), lambda: _("Your vote"))
                await turn_context.send_activity(TeamsDeliverer.activity_of(card, summary))
                return
            if verb == cards.VOTE_VERB:
                reply = (await self._vote(request, activity.value)).reply
            elif verb in CARD_COMMANDS:
                reply = await self._s.door.run(request, CARD_COMMANDS[verb](), TeamsDirectory())
            else:
                language = await self._language(request)
                reply = Reply([in_language(language, lambda: _unknown_action(request.actor.identity, verb))], language=language)
            await self._answer(turn_context, request, reply)
            return
        text, mentioned = await self._command_text(turn_context)
        directory = TeamsDirectory(mentioned=mentioned)
        starting = _is_start(text)
        if starting:
            directory.accounts = await fetch_roster(turn_context)
            if directory.accounts:
                await self._s.references.remember_members(activity, directory.accounts)
        reply = await self._s.door.run_text(request, text, directory)
        if reply.replayed:
            return
        if starting and reply.ok and self._s.graph is not None:
            self._s.graph.refresh_later(tenant_of(activity), directory.accounts)
        command = _parsed(text)
        if isinstance(command, commands.Export) and reply.ok and reply.assessment is not None and self._s.report_url:
            url = self._s.report_url(reply.assessment.id, command.format)
            with speaking(reply.language):
                reply = _with_download(reply, url) if url else _no_download(reply, request)
        await self._answer(turn_context, request, reply)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        if turn_context.activity.name == "adaptiveCard/action":
            try:
                return await self._card_action(turn_context)
            except Exception:  # noqa: BLE001 - a clear answer to the card, the details in the log
                log.exception("a card action failed")
                language = await self._language(self._request(turn_context))
                return _invoke_error(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    "InternalError",
                    in_language(language, lambda: _("Something went wrong on Accord's side. Please try again.")),
                )
        return await super().on_invoke_activity(turn_context)

    # ------------------------------------------------------------ card actions

    async def _card_action(self, turn_context: TurnContext) -> InvokeResponse:
        value = turn_context.activity.value
        action = value.get("action") if isinstance(value, dict) else None
        if not isinstance(action, dict) or action.get("type") != "Action.Execute":
            return _invoke_error(HTTPStatus.BAD_REQUEST, "BadRequest", "Accord expected an Action.Execute from one of its cards.")
        verb = str(action.get("verb") or "")
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        request = self._request(turn_context)
        if verb == cards.REFRESH_VERB:
            return _card(await self._own_card(request, _text(data.get("question")) or None))
        if verb == cards.VOTE_VERB:
            outcome = await self._vote(request, data)
            return _card(outcome.card)
        command = CARD_COMMANDS.get(verb)
        if command is None:
            language = await self._language(request)
            return _card(in_language(language, lambda: cards.render(_unknown_action(request.actor.identity, verb))))
        reply = await self._s.door.run(request, command(), TeamsDirectory())
        answers = reply.answers(request.actor.identity)
        shown = answers[0] if answers else next((m for m in reply.messages if m.audience.is_channel), None)
        if shown is None:
            shown = in_language(reply.language, lambda: presenters.notice(request.actor.identity, _("Done")))
        with speaking(reply.language):  # the card's own words in the asker's language
            return _card(cards.render(shown, self._s.images))

    async def _vote(self, request: Request, data: dict[str, Any]) -> _VoteOutcome:
        question = _text(data.get("question")) or None
        comment = _text(data.get("comment"))[:2000]
        current, wrong_current = _score(data.get("current"), "current")
        ambition, wrong_ambition = _score(data.get("ambition"), "ambition")
        problem = wrong_current or wrong_ambition
        submitted = cards.OwnVote(current, ambition, comment)
        actor = request.actor.identity
        if problem:
            language = await self._language(request)
            said = in_language(language, problem)
            refused = in_language(language, lambda: presenters.error_message(actor, said))
            return _VoteOutcome(await self._own_card(request, question, problem=said, submitted=submitted),
                                Reply([refused], language=language))
        vote = commands.Vote(current, ambition, comment, question=question)
        reply = await self._s.door.run(request, vote, TeamsDirectory())
        if reply.replayed:
            return _VoteOutcome(await self._own_card(request, question), reply)
        if not reply.ok:
            refusal = " ".join(" ".join(m.text) for m in reply.answers(actor) if m.kind is Kind.ERROR)
            return _VoteOutcome(await self._own_card(request, question, problem=refusal, submitted=submitted), reply)
        shared = next((m for m in reply.messages if m.kind is Kind.QUESTION), None)
        recorded = next((m for m in reply.answers(actor) if m.kind is Kind.VOTE_RECORDED), None)
        if shared is None:
            return _VoteOutcome(await self._own_card(request, question), reply)
        if shared.languages and shared.languages[0] != reply.language:
            # The channel's card is in the channel's language and the voter reads another: their own view.
            return _VoteOutcome(await self._own_card(request, question, notice=recorded), reply)
        ids = await self._s.references.member_ids(request.conversation)
        with speaking(reply.language):  # a message that does not say its languages: its card's words in the voter's
            card = cards.render(cards.own_view(shared, submitted), self._s.images, refresh_user_ids=ids, notice=recorded)
        return _VoteOutcome(card, reply)

    async def _own_card(
        self,
        request: Request,
        question: str | None,
        *,
        problem: str | None = None,
        submitted: cards.OwnVote | None = None,
        notice: Message | None = None,
    ) -> dict:
        """The question card as this person sees it, in their language(s): their own vote selected,
        or what they just tried; `notice` (their vote recorded) above it, else what they voted."""
        view = await self._s.door.own_view(request.conversation, request.actor.identity, question, request.locale)
        with speaking(view.language if view is not None else request_language(request)):
            return await self._render_own_card(request, view, problem, submitted, notice)

    async def _render_own_card(
        self, request: Request, view, problem: str | None, submitted: cards.OwnVote | None, notice: Message | None
    ) -> dict:
        if view is None:
            text = problem or _("There is no such question in this channel's assessment any more.")
            return cards.render(presenters.error_message(request.actor.identity, text))
        ids = await self._s.references.member_ids(request.conversation)
        if submitted is not None and view.voting:
            mine = submitted
        elif view.current is not None:
            mine = cards.OwnVote(view.current, view.ambition, view.comment)
        else:
            mine = None
        # What Accord says above the card: in the language(s) the person's view of the question is in.
        languages = view.question.languages or (view.language,)
        said_already = notice is not None or problem is not None
        if not said_already and view.current is not None:

            def yours() -> Message:
                state = _("You can change it until the votes are revealed.") if view.voting else _("Voting on this question has closed.")
                return presenters.notice(
                    request.actor.identity,
                    _("Your vote"),
                    _("Current position {current}, ambition {ambition}. Only you and the super-user can see it.").format(
                        current=view.current, ambition=view.ambition
                    )
                    + " "
                    + state,
                )

            notice = in_languages(languages, yours)
        elif not said_already and not view.member:
            notice = in_languages(
                languages,
                lambda: presenters.notice(request.actor.identity, _("You are not taking part yet"), _("Mention Accord with `join` to vote.")),
            )
        return cards.render(cards.own_view(view.question, mine), self._s.images, refresh_user_ids=ids, notice=notice, problem=problem)

    # ----------------------------------------------------------------- answers

    async def _answer(self, turn_context: TurnContext, request: Request, reply: Reply) -> None:
        with speaking(reply.language):  # the cards' own words (Resources) in the asker's language
            await self._answer_in(turn_context, request, reply)

    async def _answer_in(self, turn_context: TurnContext, request: Request, reply: Reply) -> None:
        activity = turn_context.activity
        personal = is_personal(activity)
        send = turn_context.send_activity
        for message in reply.answers(request.actor.identity):
            if personal or message.kind in PUBLIC_ANSWERS:
                await self._s.deliverer.send_cards(send, message)
                continue
            try:
                # A large answer (who voted what) goes as several cards; a card Teams finds too
                # large is split again (delivery.TeamsDeliverer.send_cards), never refused.
                await self._s.deliverer.send_to_person(request.actor.identity, message)
            except Undeliverable as failed:
                # Accord has no way into the person's private chat yet: their opening one gives it one.
                log.warning("private answer to %s not delivered: %s", request.actor.identity.key, failed)
                await send(MessageFactory.text(
                    _("{name}, I could not message you privately. Open a chat with me and ask again there.").format(name=request.actor.name)
                ))
            except Exception as failed:  # noqa: BLE001 - say so in the channel, never show the private message there
                log.warning("private answer to %s not delivered: %s", request.actor.identity.key, failed)
                await send(MessageFactory.text(
                    _("{name}, Teams did not take my private answer to you just now. Please ask again in a minute.").format(
                        name=request.actor.name
                    )
                ))
        if not reply.queued:
            for message in reply.messages:
                if message.audience.is_channel:
                    await self._s.deliverer.send_cards(send, message)

    # ----------------------------------------------------------------- helpers

    async def _language(self, request: Request) -> str:
        """The asker's language, for words of Accord's not tied to a message (an error to them alone)."""
        return await self._s.door.language_of(request.actor.identity, request.locale)

    def _request(self, turn_context: TurnContext) -> Request:
        activity = turn_context.activity
        tenant = tenant_of(activity)
        sender = activity.from_property or ChannelAccount(id="unknown", name="Someone")
        return Request(
            actor=person_of(sender, tenant),
            conversation=conversation_of(activity),
            now=self._s.clock(),
            # The Bot Framework redelivers an activity with the same id: the door applies it once.
            key=f"{activity.conversation.id}|{sender.id}|{activity.id}" if activity.id and activity.conversation else None,
            private=is_personal(activity),
            locale=activity.locale,  # the language the person's Teams client is in, e.g. "cy-GB"
        )

    async def _command_text(self, turn_context: TurnContext) -> tuple[str, dict[str, Account]]:
        """The command typed, without the bot's mention; other mentions as `@<token>`."""
        activity = turn_context.activity
        original = activity.text or ""
        activity.text = original  # botbuilder's mention removal fails on a message with no text (tests/fuzz)
        text = TurnContext.remove_recipient_mention(activity) or ""
        activity.text = original
        tenant = tenant_of(activity)
        conversation = conversation_of(activity)
        known = {m.get("id"): m for m in ((await self._s.references.channel(conversation)) or {}).get("members", [])}
        mentioned: dict[str, Account] = {}
        for mention in TurnContext.get_mentions(activity):
            who = mention.additional_properties.get("mentioned") or {}
            if not who.get("id") or (activity.recipient is not None and who["id"] == activity.recipient.id):
                continue
            token = f"@{who['id']}"
            member = known.get(who["id"], {})
            account = account_of(
                ChannelAccount(id=who["id"], name=who.get("name") or member.get("name"), aad_object_id=member.get("aadObjectId")),
                tenant,
            )
            mentioned[token] = account
            raw = mention.additional_properties.get("text") or f"<at>{who.get('name', '')}</at>"
            text = text.replace(raw, f" {token} ")
        text = re.sub(r"<[^>]+>", " ", text)
        text = html.unescape(text).replace("\xa0", " ")
        return " ".join(text.split()), mentioned


@dataclass
class _VoteOutcome:
    card: dict
    reply: Reply


def _card(card: dict) -> InvokeResponse:
    # The body stays a model: the platform serialises it once (see the module docstring).
    return InvokeResponse(
        status=int(HTTPStatus.OK),
        body=AdaptiveCardInvokeResponse(status_code=int(HTTPStatus.OK), type=cards.CONTENT_TYPE, value=card),
    )


def _invoke_error(status: HTTPStatus, code: str, message: str) -> InvokeResponse:
    return InvokeResponse(
        status=int(status),
        body=AdaptiveCardInvokeResponse(status_code=int(status), type=ERROR_TYPE, value={"code": code, "message": message}),
    )


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


# What is wrong with a score on the card, a whole sentence for each list (Welsh mutates the words
# around the list's name): `_score` says them, in the language speaking, when they are shown.
_MISSING = {
    "current": N_("Choose where we are now before voting."),
    "ambition": N_("Choose where we should be in 18-24 months before voting."),
}
_NOT_FROM_LIST = {
    "current": N_("Choose where we are now from the list."),
    "ambition": N_("Choose where we should be in 18-24 months from the list."),
}
_NOT_A_POINT = {
    "current": N_("'{value}' is not a point on the scale: choose where we are now from the list."),
    "ambition": N_("'{value}' is not a point on the scale: choose where we should be in 18-24 months from the list."),
}


def _score(value: Any, which: str) -> tuple[int | None, Callable[[], str] | None]:
    """A whole number from a card's choice set ("current" or "ambition"), or what is wrong with it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, lambda: _(_MISSING[which])
    if isinstance(value, bool):
        return None, lambda: _(_NOT_FROM_LIST[which])
    if isinstance(value, int):
        return value, None
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text), None
    return None, lambda: _(_NOT_A_POINT[which]).format(value=text)


def _unknown_action(actor: Identity, verb: str) -> Message:
    return presenters.error_message(actor, _("Accord does not know the card action '{verb}'.").format(verb=verb))


def in_each(languages: tuple[str, ...], make: Callable[[], str]) -> str:
    """Words not tied to a message (Accord's hello) in each of `languages`, Welsh first, as one text."""
    return f"\n\n{DIVIDER}\n\n".join(dict.fromkeys(in_language(language, make) for language in languages))


def _parsed(text: str) -> commands.Command | None:
    try:
        return commands.parse(text)
    except commands.CommandError:
        return None


def _is_start(text: str) -> bool:
    return isinstance(_parsed(text), commands.Start)


def _no_download(reply: Reply, request: Request) -> Reply:
    """Without a public address Teams has nowhere to download the report from: say so, and how."""
    return Reply(
        [
            presenters.notice(
                request.actor.identity,
                _("Report"),
                _(
                    "I can't offer the report as a download here: Accord's public address (teams.public_url) is not "
                    "set. Ask whoever runs Accord to set it, or to export the report with `accord export`."
                ),
            )
        ],
        reply.assessment,
        reply.queued,
        language=reply.language,
    )


def _with_download(reply: Reply, url: str) -> Reply:
    """The export's answer with the link to the file (Teams has no file upload for bots in channels)."""
    messages = [replace(m, links=m.links + (_download(m, url),)) if m.kind is Kind.NOTICE else m for m in reply.messages]
    return Reply(messages, reply.assessment, reply.queued, language=reply.language)


def _download(message: Message, url: str) -> Link:
    """The link to the report, in the language(s) of the answer it is added to."""
    return Link(
        in_its_languages(message, lambda: _("Download the report")),
        url,
        "report",
        in_its_languages(message, lambda: _("The link is yours and works for 7 days.")),
    )


def request_language(request: Request) -> str:
    """What the platform said the person reads, when Accord has nothing else to go on."""
    return language_of_locale(request.locale) or "en"
