"""The bolt listeners: each turns one Slack interaction into one Accord command.

Every listener acknowledges first and keeps slow work for after the acknowledgement
(https://api.slack.com/interactivity/handling#acknowledgment_response): the app runs with
``process_before_response=True``, so Slack gets its answer the moment a listener returns, and
what needs the Web API (fetching a channel's members, opening a modal, answering privately,
uploading a report) runs as a background task the platform keeps track of.

- ``/accord ...`` and ``/finalise ...``: the text goes through the one door
  (`bot.door.Door.run_text`) in the one grammar; typed in a direct message with Accord (or
  its Messages tab) it acts on the assessment the person takes part in.
  The answer for the person who asked comes back privately (``response_url``, ephemeral); what
  the channel sees is already in the outbox, written with the change, and the dispatcher is
  woken to send it.
- The **Vote** button opens the vote modal (``views.open``); its submission is the one thing
  done inside the request, because a refusal has to come back in the response as
  ``response_action: errors`` on the field the refusal names (`Message.concerns`). The door
  stores the vote; each voter is answered once it is stored.
- **Accept proposal** finalises the question with the proposed numbers (super-users only).
- ``app_home_opened`` publishes the member's App Home.

Anything but ``help`` said in a channel is served only to a member of that channel
(`adapters.slack.membership`); a private chat with Accord acts on the person's own assessment.
While Slack's Web API cannot be reached (`adapters.slack.client.Reach`), a slash command is
answered in the HTTP response itself, the one way left to tell the person.

People are ``Identity("slack", team_id, user_id)`` and channels
``Conversation("slack", team_id, channel_id)``.

Accord's own words to one person here (a refusal, an error on the vote form, a closed form) are
in that person's language (`bot.door.Door.language_of`: their choice, else their Slack locale,
else the organisation's), read only when there is something to say; the log stays English.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import blocks as block_kit
from adapters.slack.client import Reach, describe, unreachable
from adapters.slack.courier import Courier, send_privately
from adapters.slack.delivery import SlackDeliverer, slack_error
from adapters.slack.directory import NO_ONE, FetchedDirectory, SlackPeople, conversation, has_plain_mention, identity
from adapters.slack.membership import ChannelMembers
from bot import commands
from bot.door import Door
from bot.platform_state import Profile, Profiles
from bot.service import Person, Reply, Request
from engine import presenters
from engine.assessment import Assessment, Identity
from engine.language import ENGLISH, N_, _, speaking
from engine.views import Kind, Message

log = logging.getLogger("accord.slack")

SLASH_COMMANDS = ("/accord", "/finalise")
RESPONSE_URL_USES = 5  # "up to 5 times within 30 minutes" (Slack, handling interactions)
# Where on the vote form a refusal belongs, by the input it concerns (`Message.concerns`).
FIELD_BLOCKS = {"current": block_kit.CURRENT_BLOCK, "ambition": block_kit.AMBITION_BLOCK, "comment": block_kit.COMMENT_BLOCK}

# Accord's own words to one person, marked for the catalogue here and said in their language
# where they are used (`_said_to`).
NOT_IN_CHANNEL = N_("I can't see this channel's members. Invite me first with `/invite @Accord`, then try again.")
SLACK_UNAVAILABLE = N_("Slack did not answer me just now, so nothing was changed. Please try again in a minute.")
SLACK_UNREACHABLE = N_(
    "Accord cannot reach Slack just now, so it did nothing with this command. Please try again in a few minutes; "
    "what Accord has to post in channels waits and is sent once Slack can be reached."
)
NOT_A_MEMBER = N_("You are not a member of {channel}, so Accord cannot act there for you. Join the channel first, then try again.")
NOT_A_MEMBER_HERE = N_("You are not a member of this channel, so Accord cannot act here for you. Join the channel first, then try again.")
BROKEN = N_(
    "Something went wrong on Accord's side, so nothing was changed. Please try again; if it keeps happening, tell your Slack admin."
)
NOT_SAVED = N_("Your vote could not be saved just now, so nothing was changed. Please press Vote again.")
STALE_FORM = N_("This form is out of date. Close it and press *Vote* on the question again.")
STALE_FORM_PLAIN = N_("This form is out of date. Close it and press Vote on the question again.")  # a form error is plain text
UNREAD_COMMAND = N_("Accord could not read this command (it names no workspace, person or channel). Nothing was changed.")
# The vote form's own errors, by the input they concern.
NOT_CHOSEN = {
    block_kit.CURRENT_BLOCK: N_("Choose where we are now."),
    block_kit.AMBITION_BLOCK: N_("Choose where we should be in 18-24 months."),
}
OFF_THE_SCALE = N_("'{value}' is not a point on the scale.")


@dataclass
class Wiring:
    """What the listeners need from the platform that owns them."""

    door: Door
    profiles: Profiles
    spawn: Callable[[Awaitable[Any]], None]
    clock: Callable[[], Any]
    deliverer: SlackDeliverer
    people: SlackPeople
    export: Callable[[AsyncWebClient, Identity, Assessment], Awaitable[None]]
    courier: Courier | None = None  # sends private confirmations from a process of its own
    members: ChannelMembers = field(default_factory=ChannelMembers)
    reach: Reach = field(default_factory=Reach)


class Listeners:
    def __init__(self, wiring: Wiring) -> None:
        self.w = wiring

    def register(self, app: AsyncApp) -> None:
        # bolt tries listeners in the order they were registered: the vote, by far the most
        # frequent request, first.
        app.view(block_kit.VOTE_CALLBACK)(self.on_vote_submission)
        app.action(block_kit.ACTION_PREFIX + "vote")(self.on_vote_button)
        for name in SLASH_COMMANDS:
            app.command(name)(self.on_command)
        app.action(block_kit.ACTION_PREFIX + "finalise")(self.on_finalise_button)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("message")(self.on_direct_message)

    # ------------------------------------------------------------------ slash commands

    async def on_command(self, ack, body: dict, client: AsyncWebClient, respond, request) -> None:
        team_id, user_id, channel_id = body.get("team_id"), body.get("user_id"), body.get("channel_id")
        if not (team_id and user_id and channel_id):
            language = await self._language(identity(team_id or "", user_id or ""))
            await ack(text=_said(language, UNREAD_COMMAND))
            return
        text = f"{body.get('command', '/accord')} {body.get('text') or ''}".strip()
        private = _is_direct_message(channel_id, body.get("channel_name"))
        key = _delivery_key(request, body)
        if self.w.reach.down:
            await self._answer_in_response(ack, team_id, user_id, channel_id, text, body.get("user_name"), key, private)
            return
        await ack()
        self.w.spawn(
            self._command(team_id, user_id, channel_id, text, body.get("user_name"), client, respond, key, private, body.get("channel_name"))
        )

    async def _answer_in_response(
        self, ack, team_id: str, user_id: str, channel_id: str, text: str, user_name: str | None, key: str | None, private: bool
    ) -> None:
        """While Slack cannot be reached: ``help`` answered in the acknowledgement, anything else declined there.

        Every other answer would go through Slack, and so would the membership check.
        """
        actor = identity(team_id, user_id)
        if not _needs_nothing_from_slack(_parsed(text)):
            await ack(text=_said(await self._language(actor), SLACK_UNREACHABLE), response_type="ephemeral")
            return
        request = Request(Person(actor, user_name or user_id), conversation(team_id, channel_id), self.w.clock(), key=key, private=private)
        try:
            reply: Reply = await self.w.door.run_text(request, text, NO_ONE)
        except Exception:  # noqa: BLE001 - the person gets an answer; the log gets the details
            log.exception("the command %r failed", text)
            await ack(text=_said(await self._language(actor), BROKEN), response_type="ephemeral")
            return
        answers = reply.answers(actor)
        if reply.replayed or not answers:
            await ack()
            return
        # The acknowledgement is one message: what can be answered without Slack (help) fits in one.
        first = block_kit.answer_parts(answers, channel_id)[0]
        await ack(text=block_kit.fallback_text(answers[0]), blocks=first, response_type="ephemeral")

    async def on_direct_message(self, body: dict, event: dict, client: AsyncWebClient) -> None:
        """Text typed to Accord in its Messages tab (``message.im``): a command in the one grammar.

        It acts on the assessment under way that the person takes part in, as a slash command
        in a direct message does; the person is answered there. Accord's own posts, edits and
        other subtypes are not commands.
        """
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return
        team_id = body.get("team_id") or event.get("team")
        user_id, channel_id, text = event.get("user"), event.get("channel"), (event.get("text") or "").strip()
        if not (team_id and user_id and channel_id and text):
            return
        # Slack retries an event with the same event_id: the door applies it once.
        key = body.get("event_id") or event.get("client_msg_id")
        self.w.spawn(self._command(team_id, user_id, channel_id, text, None, client, None, key, True, None))

    async def _command(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        text: str,
        user_name: str | None,
        client: AsyncWebClient,
        respond,
        key: str | None,
        private: bool,
        channel_name: str | None,
    ) -> None:
        actor = identity(team_id, user_id)
        where = conversation(team_id, channel_id)
        command = _parsed(text)
        # Said in a channel, anything that acts on or shows its assessment is for its members only.
        members_only = not private and not _needs_nothing_from_slack(command)
        locale: str | None = None
        try:
            if members_only and not isinstance(command, commands.Start):
                if not await self.w.members.includes(client, team_id, channel_id, user_id):
                    await self._refuse_outsider(respond, client, actor, channel_id, channel_name)
                    return
            directory = await self._directory_for(client, team_id, channel_id, command, text, actor if members_only else None)
            if directory is None:
                await self._refuse_outsider(respond, client, actor, channel_id, channel_name)
                return
            person, locale = await self._person(client, team_id, user_id, user_name)
            request = Request(person, where, self.w.clock(), key=key, private=private, locale=locale)
            reply: Reply = await self.w.door.run_text(request, text, directory)
        except SlackApiError as refused:
            error = slack_error(refused)
            log.warning("Slack refused a lookup for %r: %s", text, error)
            words = NOT_IN_CHANNEL if error in ("not_in_channel", "channel_not_found") else SLACK_UNAVAILABLE
            await self._tell(respond, client, channel_id, actor, words, locale)
            return
        except Exception as broken:  # noqa: BLE001 - the person gets an answer; the log gets the details
            if unreachable(broken):
                log.warning("Slack could not be reached for %r: %s", text, describe(broken))
                await self._tell(respond, client, channel_id, actor, SLACK_UNREACHABLE, locale)
                return
            log.exception("the command %r failed", text)
            await self._tell(respond, client, channel_id, actor, BROKEN, locale)
            return
        if reply.replayed:
            log.info("ignored a repeated delivery of %r from %s", text, user_id)
            return
        await self._after(reply, actor, client, respond, channel_id)
        if isinstance(command, commands.Export) and reply.ok and reply.assessment is not None:
            await self.w.export(client, actor, reply.assessment, command.format)

    async def _directory_for(
        self,
        client: AsyncWebClient,
        team_id: str,
        channel_id: str,
        command: commands.Command | None,
        text: str,
        member: Identity | None = None,
    ) -> FetchedDirectory | None:
        """Fetch what the command will ask the directory, before the service runs.

        `start` reads the channel's members anyway, so `member`, when given, is checked to be one
        of them here (None when not), at no second lookup and before anything is kept.
        """
        if isinstance(command, commands.Start):
            members = await self.w.people.channel(client, team_id, channel_id)
            if member is not None and member not in {m.person.identity for m in members}:
                return None
            await self.w.profiles.record((Profile(m.person.identity, m.timezone, locale=m.locale) for m in members if m.human), self.w.clock())
            return FetchedDirectory(roster=members)
        if isinstance(command, commands.SetRole):
            mentioned = await self.w.people.mentioned(client, team_id, text)
            if has_plain_mention(command.person):
                return FetchedDirectory(mentioned, roster=await self.w.people.channel(client, team_id, channel_id))
            return FetchedDirectory(mentioned)
        return NO_ONE

    async def _person(self, client: AsyncWebClient, team_id: str, user_id: str, fallback: str | None) -> tuple[Person, str | None]:
        """Who spoke, and the locale Slack shows them in (their language, unless they chose one)."""
        try:
            found = await self.w.people.person(client, team_id, user_id)
            return found.person, found.locale
        except Exception as missing:  # noqa: BLE001 - a name is a nicety; the command goes on without it
            if not (isinstance(missing, SlackApiError) or unreachable(missing)):
                raise
            return Person(identity(team_id, user_id), fallback or user_id), None

    async def _is_member(self, client: AsyncWebClient, team_id: str, channel_id: str, user_id: str) -> bool | None:
        """For buttons: whether the presser is in the channel, or None when Slack would not say (logged)."""
        try:
            return await self.w.members.includes(client, team_id, channel_id, user_id)
        except SlackApiError as refused:
            log.warning("could not read the members of %s: %s", channel_id, slack_error(refused))
        except Exception as broken:  # noqa: BLE001
            if not unreachable(broken):
                raise
            log.warning("could not read the members of %s: %s", channel_id, describe(broken))
        return None

    async def _refuse_outsider(self, respond, client: AsyncWebClient, actor: Identity, channel_id: str, channel_name: str | None) -> None:
        log.info("refused a command from %s, who is not a member of %s", actor.user_id, channel_id)
        language = await self._language(actor)
        await self._answer(respond, client, channel_id, actor.user_id, [_error(actor, language, _not_a_member(channel_name))])

    async def _tell(self, respond, client: AsyncWebClient, channel_id: str, actor: Identity, words: str, locale: str | None = None) -> None:
        """One of Accord's own errors (`words`, marked with `N_`), privately, in the person's language."""
        language = await self._language(actor, locale)
        await self._answer(respond, client, channel_id, actor.user_id, [_error(actor, language, lambda: _(words))])

    async def _language(self, person: Identity, locale: str | None = None) -> str:
        return await self.w.door.language_of(person, locale)

    # ------------------------------------------------------------------------ voting

    async def on_vote_button(self, ack, body: dict, action: dict, client: AsyncWebClient, respond) -> None:
        await ack()
        self.w.spawn(self._open_vote(body, action, client, respond))

    async def _open_vote(self, body: dict, action: dict, client: AsyncWebClient, respond) -> None:
        team_id = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
        user_id = (body.get("user") or {}).get("id")
        target = block_kit.parse_button_value(action.get("value"))
        channel_id = (target.channel_id if target else None) or (body.get("channel") or {}).get("id")
        trigger_id = body.get("trigger_id")
        if not (team_id and user_id and channel_id and target and trigger_id):
            log.warning("a Vote button press could not be read: %s", action.get("value"))
            if user_id and channel_id:
                await self._tell(respond, client, channel_id, identity(team_id or "", user_id), STALE_FORM)
            return
        # The form is the only way to a vote from a button: its submission comes back with the channel
        # Accord put in it, so checking here covers the vote too, off the vote's own hot path.
        member = await self._is_member(client, team_id, channel_id, user_id)
        form = block_kit.VoteForm(channel_id, target.value)
        if member:
            own = await self.w.door.own_view(conversation(team_id, channel_id), identity(team_id, user_id), form.question_id)
            with speaking(own.language if own is not None else ENGLISH):  # the form's own words in the voter's language
                view = self._vote_view(own, form)
        else:
            with speaking(await self._language(identity(team_id, user_id))):
                if member is None:
                    view = block_kit.closed_modal(_("Please try again"), _(SLACK_UNAVAILABLE))
                else:
                    view = block_kit.closed_modal(_("You can't vote on this"), _not_a_member((body.get("channel") or {}).get("name"))())
        try:
            await client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as refused:
            log.warning("views.open failed: %s", slack_error(refused))
        except Exception as broken:  # noqa: BLE001
            if not unreachable(broken):
                raise
            log.warning("views.open failed: %s", describe(broken))

    @staticmethod
    def _vote_view(view, form: block_kit.VoteForm) -> dict:
        if view is None:
            return block_kit.closed_modal(_("Voting has closed"), _("This question is no longer open in this channel's assessment."))
        if not view.member:
            return block_kit.closed_modal(
                _("You can't vote on this"), _("You are not a member of this assessment yet: say `/accord join` to take part.")
            )
        if view.observer:
            return block_kit.closed_modal(_("You are observing"), _("Observers follow the assessment but do not vote."))
        if not view.voting:
            return block_kit.closed_modal(
                _("Voting on question {number} has closed").format(number=view.number), _("Look at the channel for where the team is now.")
            )
        return block_kit.vote_modal(view.question, form, current=view.current, ambition=view.ambition, comment=view.comment)

    async def on_vote_submission(self, ack, body: dict, view: dict, client: AsyncWebClient, request) -> None:
        team_id = (body.get("team") or {}).get("id") or view.get("team_id")
        user = body.get("user") or {}
        form = block_kit.VoteForm.loads(view.get("private_metadata"))
        if not (team_id and user.get("id") and form):
            language = await self._language(identity(team_id or "", user.get("id") or ""))
            await ack(response_action="errors", errors={block_kit.CURRENT_BLOCK: _said(language, STALE_FORM_PLAIN)})
            return
        voter = identity(team_id, user["id"])
        values = (view.get("state") or {}).get("values") or {}
        current, ambition, comment, problems = _read_vote(values)
        if problems:
            with speaking(await self._language(voter)):  # read only when there is something to say
                errors = {block: worded() for block, worded in problems.items()}
            await ack(response_action="errors", errors=errors)
            return
        asked = Request(Person(voter, user.get("name") or user["id"]), conversation(team_id, form.channel_id), self.w.clock())
        vote = commands.Vote(current=current, ambition=ambition, comment=comment, question=form.question_id)
        try:
            reply: Reply = await self.w.door.run(replace(asked, key=_delivery_key(request, body)), vote)
        except Exception:  # noqa: BLE001 - the voter sees it on the form, which stays open to try again
            log.exception("a vote from %s could not be recorded", user["id"])
            await ack(response_action="errors", errors={block_kit.CURRENT_BLOCK: _said(await self._language(voter), NOT_SAVED)})
            return
        if reply.replayed:
            await ack()
            return
        if not reply.ok:
            refusal = next(m for m in reply.messages if m.kind is Kind.ERROR)
            text = " ".join(refusal.text) or refusal.heading
            await ack(response_action="errors", errors={FIELD_BLOCKS.get(refusal.concerns, block_kit.CURRENT_BLOCK): block_kit.clip(text, 1000)})
            return
        await ack()
        answers = reply.answers(voter)
        if answers:
            self.w.spawn(self._answer(None, client, form.channel_id, user["id"], answers))
        if not reply.queued:
            self.w.spawn(self._post_to_channel(reply, voter, form.channel_id))

    # ---------------------------------------------------------------------- finalise

    async def on_finalise_button(self, ack, body: dict, action: dict, client: AsyncWebClient, respond, request) -> None:
        await ack()
        self.w.spawn(self._finalise(body, action, client, respond, _delivery_key(request, body)))

    async def _finalise(self, body: dict, action: dict, client: AsyncWebClient, respond, key: str | None) -> None:
        team_id = (body.get("team") or {}).get("id")
        user_id = (body.get("user") or {}).get("id")
        target = block_kit.parse_button_value(action.get("value"))
        channel_id = (target.channel_id if target else None) or (body.get("channel") or {}).get("id")
        if not (team_id and user_id and channel_id):
            return
        actor = identity(team_id, user_id)
        member = await self._is_member(client, team_id, channel_id, user_id)
        if member is None:
            await self._tell(respond, client, channel_id, actor, SLACK_UNAVAILABLE)
            return
        if not member:
            await self._refuse_outsider(respond, client, actor, channel_id, (body.get("channel") or {}).get("name"))
            return
        person, locale = await self._person(client, team_id, user_id, (body.get("user") or {}).get("name"))
        request = Request(person, conversation(team_id, channel_id), self.w.clock(), key=key, locale=locale)
        reply = await self.w.door.run(request, commands.Finalise())
        if reply.replayed:
            return
        await self._after(reply, actor, client, respond, channel_id)

    # ----------------------------------------------------------------------- App Home

    async def on_home_opened(self, body: dict, event: dict, client: AsyncWebClient) -> None:
        if event.get("tab") not in (None, "home") or not event.get("user"):
            return
        team_id = body.get("team_id") or (body.get("authorizations") or [{}])[0].get("team_id")
        if not team_id:
            return
        self.w.spawn(self._publish_home(client, identity(team_id, event["user"])))

    async def _publish_home(self, client: AsyncWebClient, person: Identity) -> None:
        waiting, assessments = await self.w.door.overview(person)
        with speaking(await self.w.door.language_of(person)):  # the person's own page, in their language
            view = block_kit.home_view(waiting, assessments)
        try:
            await client.views_publish(user_id=person.user_id, view=view)
        except SlackApiError as refused:
            log.warning("the App Home of %s could not be published: %s", person.user_id, slack_error(refused))
        except Exception as broken:  # noqa: BLE001
            if not unreachable(broken):
                raise
            log.warning("the App Home of %s could not be published: %s", person.user_id, describe(broken))

    # ------------------------------------------------------------------------ answers

    async def _after(self, reply: Reply, actor: Identity, client: AsyncWebClient, respond, channel_id: str) -> None:
        """The asker's answer, privately; the rest is queued (the door woke the dispatcher) or posted now."""
        answers = reply.answers(actor)
        if answers:
            await self._answer(respond, client, channel_id, actor.user_id, answers)
        if not reply.queued:
            await self._post_to_channel(reply, actor, channel_id)

    async def _answer(self, respond, client: AsyncWebClient, channel_id: str, user_id: str, messages: list[Message]) -> None:
        try:
            if respond is not None and getattr(respond, "response_url", None):
                parts = block_kit.answer_parts(messages, channel_id)
                # A response_url takes at most 5 answers (https://api.slack.com/interactivity/handling#message_responses);
                # a longer answer goes on as ephemeral messages.
                for index, blocks in enumerate(parts[:RESPONSE_URL_USES], start=1):
                    text = block_kit.fallback_text(messages[0], index, len(parts))
                    await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
                if len(parts) > RESPONSE_URL_USES:
                    await send_privately(client, channel_id, user_id, messages, skip=RESPONSE_URL_USES)
                return
            courier = self.w.courier
            if courier is None or not courier.answer(client.token, channel_id, user_id, messages):
                await send_privately(client, channel_id, user_id, messages)
        except Exception as broken:  # noqa: BLE001 - a lost private answer must not break anything else
            if unreachable(broken):
                log.warning("could not answer %s privately: Slack could not be reached (%s)", user_id, describe(broken))
                return
            log.exception("could not answer %s privately", user_id)

    async def _post_to_channel(self, reply: Reply, actor: Identity, channel_id: str) -> None:
        where = conversation(actor.workspace, channel_id)
        for message in reply.messages:
            if message.audience.person != actor:
                await self.w.deliverer.deliver(where, message, None)


# ----------------------------------------------------------------------------- helpers


def _delivery_key(request: Any, body: dict) -> str | None:
    """The delivery's identity, by which the door recognises Slack's retries of it."""
    delivery = body.get("trigger_id")
    if not delivery:
        view = body.get("view") or {}
        action = (body.get("actions") or [{}])[0]
        delivery = f"{view.get('id', '')}:{view.get('hash', '')}:{action.get('action_ts', '')}".strip(":") or None
    headers = getattr(request, "headers", {}) or {}
    retry = (headers.get("x-slack-retry-num") or ["0"])[0]
    if delivery and retry != "0":
        reason = (headers.get("x-slack-retry-reason") or ["?"])[0]
        log.info("Slack retried delivery %s (attempt %s, %s)", delivery, retry, reason)
    return delivery


def _parsed(text: str) -> commands.Command | None:
    try:
        return commands.parse(text)
    except commands.CommandError:
        return None  # the door answers with the grammar's own words


def _needs_nothing_from_slack(command: commands.Command | None) -> bool:
    """``help``, ``language`` (a person's own), or words that are no command: for anyone, anywhere."""
    return command is None or isinstance(command, (commands.Help, commands.Language))


def _not_a_member(channel_name: str | None) -> Callable[[], str]:
    """The refusal of someone outside the channel, naming it when Slack said its name; said when called."""
    # Slack names a private channel "privategroup" in a slash command's payload.
    if channel_name and channel_name not in ("privategroup", "directmessage"):
        return lambda: _(NOT_A_MEMBER).format(channel=f"#{channel_name}")
    return lambda: _(NOT_A_MEMBER_HERE)


def _said(language: str, words: str) -> str:
    """Words marked with `N_`, in `language`."""
    with speaking(language):
        return _(words)


def _error(person: Identity, language: str, words: Callable[[], str]) -> Message:
    """An error for one person in their language, which the message keeps (a courier or a part heading reads it)."""
    with speaking(language):
        return replace(presenters.error_message(person, words()), languages=(language,))


def _is_direct_message(channel_id: str, channel_name: str | None) -> bool:
    """A slash command typed in a direct message (Slack names it so; DM ids start with D)."""
    return channel_name == "directmessage" or channel_id.startswith("D")


def _read_vote(values: dict) -> tuple[int, int, str, dict[str, Callable[[], str]]]:
    """The vote in a submitted modal's state, and what is missing or wrong, by block (worded when called).

    A scale of up to 10 points is radio buttons and a longer one a static select menu
    (`blocks.vote_modal`); Slack reports the choice of either as ``selected_option``.
    """
    errors: dict[str, Callable[[], str]] = {}
    chosen: dict[str, int] = {}
    for block, missing in NOT_CHOSEN.items():
        option = ((values.get(block) or {}).get(block_kit.CHOICE_ACTION) or {}).get("selected_option") or {}
        raw = option.get("value")
        if raw is None:
            errors[block] = lambda missing=missing: _(missing)
        elif not str(raw).lstrip("-").isdigit():
            errors[block] = lambda raw=raw: _(OFF_THE_SCALE).format(value=str(raw))
        else:
            chosen[block] = int(raw)
    comment = ((values.get(block_kit.COMMENT_BLOCK) or {}).get(block_kit.TEXT_ACTION) or {}).get("value") or ""
    return chosen.get(block_kit.CURRENT_BLOCK, 0), chosen.get(block_kit.AMBITION_BLOCK, 0), str(comment), errors
