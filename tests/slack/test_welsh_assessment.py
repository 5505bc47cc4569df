"""A whole assessment in Welsh through Slack (issue 19, item 6), over real HTTP into slack-bolt.

Three organisations:

- a Welsh one (``organisation.language: cy``) running the framework in Welsh and English
  (mini-framework-cy.yaml): what the channel and each person reads, from `/accord start` to the
  summary, is Welsh, with none of Accord's English sentences left. Its people come to Welsh three
  ways: Sam said `/accord language cy` (his Slack speaks English), Amira's Slack locale is cy-GB,
  and Ben's and Chloe's Slack names no locale, so they read the organisation's language;
- a bilingual one: its channel reads Welsh first, then English, in one message;
- an English one, where Amira said `/accord language cy`: her private answers, forms and refusals
  are Welsh; the channel stays English.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from adapters.slack import blocks as block_kit
from adapters.slack.membership import ChannelMembers
from bot import i18n
from engine.language import ENGLISH, WELSH
from engine.presenters import notice
from tests.slack.conftest import AMIRA, BEN, CHANNEL, CHLOE, SAM, running_accord
from tests.slack.fake_slack import Failure, _block_text

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)

WELSH_FRAMEWORK = Path(__file__).with_name("mini-framework-cy.yaml")
TEAM = (AMIRA, BEN, CHLOE, SAM)
OUTSIDER = "U-ERIN"  # in the workspace, not in #leadership

# Sentences Accord says in English, none of which a Welsh reader may meet.
ENGLISH_SENTENCES = (
    "have voted",
    "We recorded your vote",
    "Your vote",
    "Where are we now?",
    "Where should we be",
    "Only you",
    "That did not work",
    "Choose where",
    "is not a point on the scale",
    "is off the scale",
    "I don't know the command",
    "What you can say to Accord",
    "Where the assessment stands",
    "Who voted what",
    "Votes revealed",
    "Voting closed",
    "The team is split",
    "Consensus recorded",
    "Agreed:",
    "Assessment complete",
    "Summary:",
    "(below)",
    "Question 1.",
    "Question 2.",
    "Please try again",
    "You are not a member",
)
# Words of Accord's Welsh, none of which an English channel may show.
WELSH_WORDS = ("wedi pleidleisio", "Cwestiwn", "Pleidleisiau", "Consensws", "Crynodeb", "isod")

# Who votes what: question -> [(voter, current, ambition)]. Question 1.1 splits into two camps.
VOTES = {
    "1.1": [(AMIRA, 1, 2), (BEN, 5, 5), (CHLOE, 5, 5), (SAM, 1, 3)],
    "1.2": [(AMIRA, 2, 3), (BEN, 2, 3), (CHLOE, 3, 3), (SAM, 2, 4)],
    "2.1": [(AMIRA, 3, 4), (BEN, 3, 4), (CHLOE, 4, 4), (SAM, 3, 5)],
}


def channel_text(accord) -> str:
    return "\n".join(posted.all_text() for posted in accord.slack.in_channel(CHANNEL))


def modal_text(modal: dict) -> str:
    return _block_text(modal)  # blocks, title, submit and close: every text the form shows


def uploaded_text(accord) -> str:
    return "\n".join(f"{f['title']}\n{f['alt_txt']}" for upload in accord.slack.uploads for f in upload["files"])


def english_in(text: str) -> list[str]:
    return [sentence for sentence in ENGLISH_SENTENCES if sentence in text]


async def form_errors(accord, user: str, current, ambition) -> dict[str, str]:
    """What the vote form says when submitted so (it stays open)."""
    view = await accord.open_vote(user)
    status, body = await accord.send(accord.view_submission(user, view, current, ambition))
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    return answer["errors"]


async def test_a_welsh_organisation_runs_a_whole_assessment_in_welsh(slack, db_url):
    slack.users[AMIRA]["locale"] = "cy-GB"
    for person in (BEN, CHLOE):
        del slack.users[person]["locale"]
    said: list[str] = []  # everything the team read privately: answers, forms and their errors

    async with running_accord(slack, db_url, extra_yaml="organisation:\n  language: cy\n", framework=WELSH_FRAMEWORK) as accord:
        await accord.command(SAM, "language cy")
        assert "Mae Accord yn ysgrifennu atoch" in slack.ephemeral_to(SAM)[-1]
        await accord.command(SAM, "help")
        assert "Beth gallwch ei ddweud wrth Accord" in slack.ephemeral_to(SAM)[-1]

        await accord.command(SAM, "start mini-council")
        intro, question = slack.in_channel(CHANNEL)
        assert "Mae Sam wedi dechrau Hunanasesiad byr i gyngor" in intro.all_text()
        assert "Aelodau: Amira, Ben, Chloe, Sam." in intro.all_text()
        assert "Cwestiwn 1.1 (1 o 3)" in question.all_text() and "0 o 4 wedi pleidleisio." in question.all_text()

        await accord.command(CHLOE, "statsu")  # mistyped
        assert "Nid wyf yn adnabod y gorchymyn 'statsu'. Ai `status` oedd gennych mewn golwg?" in slack.ephemeral_to(CHLOE)[-1]
        await accord.command(BEN, "vote 9 4")  # off the scale
        assert "Mae'r sefyllfa bresennol 9 y tu allan i'r raddfa: rhowch rif cyfan o 1 i 5." in slack.ephemeral_to(BEN)[-1]
        errors = await form_errors(accord, CHLOE, 3, None)
        assert errors == {"ambition": "Dewiswch ble dylem fod ymhen 18-24 mis."}
        errors = await form_errors(accord, AMIRA, "lots", 4)  # a value no option of the form has
        assert errors == {"current": "Nid yw 'lots' yn bwynt ar y raddfa."}
        said += [*errors.values(), "Dewiswch ble dylem fod ymhen 18-24 mis."]

        for number, votes in VOTES.items():
            question = accord.question_message()
            assert f"Cwestiwn {number}" in question.all_text()
            for count, (voter, current, ambition) in enumerate(votes, start=1):
                modal = await accord.open_vote(voter)
                form = modal_text(modal)
                assert "Eich pleidlais" in form and "Ble rydym ni nawr?" in form and "Pleidleisio" in form
                said.append(form)
                status, answer = await accord.vote(voter, current, ambition, "sylw")
                assert (status, answer) == (200, {}), answer
                confirmation = slack.ephemeral_to(voter)[-1]
                assert f"Rydym wedi cofnodi eich pleidlais ar gwestiwn {number}" in confirmation
                assert f"{count} o 4 wedi pleidleisio" in question.all_text()  # the progress line, edited in place

            await accord.command(SAM, "status")
            assert "Sefyllfa'r asesiad" in slack.ephemeral_to(SAM)[-1]
            await accord.command(SAM, "who")
            assert f"Pwy bleidleisiodd beth ar gwestiwn {number}" in slack.ephemeral_to(SAM)[-1]
            await accord.command(SAM, "reveal")
            assert f"Pleidleisiau wedi'u datgelu: cwestiwn {number}" in slack.in_channel(CHANNEL)[-1].all_text()
            assert "Pleidleisio ar gau" in question.all_text()
            assert slack.uploads[-1]["files"][0]["title"] == f"Cwestiwn {number}: sut y pleidleisiodd y tîm"

            if number == "1.1":
                assert "wedi hollti'n ddau wersyll" in slack.in_channel(CHANNEL)[-1].all_text()
                assert "(isod)" in slack.in_channel(CHANNEL)[-1].all_text()  # the chart's name, then where it is
                await accord.command(AMIRA, "1 5", command="/finalise")
                assert "Dim ond yr uwch-ddefnyddiwr all gofnodi'r consensws; gofynnwch i Sam." in slack.ephemeral_to(AMIRA)[-1]
                posts = len(slack.in_channel(CHANNEL))
                await accord.command(SAM, "", command="/finalise")
                refusal = slack.ephemeral_to(SAM)[-1]
                assert "Mae'r tîm wedi'i rannu'n ddau wersyll ar y sefyllfa bresennol (1, 1, 5, 5)" in refusal
                assert len(slack.in_channel(CHANNEL)) == posts
                await accord.command(SAM, "2 4 dau wersyll, cytunwyd ar y farn isaf", command="/finalise")
                consensus = slack.in_channel(CHANNEL)[-2].all_text()  # then the next question
                assert "Consensws wedi'i gofnodi: cwestiwn 1.1" in consensus
                assert "Cytunwyd: sefyllfa bresennol 2 (Datblygol), uchelgais 4 (Uwch)." in consensus
                assert "Nodyn: dau wersyll, cytunwyd ar y farn isaf" in consensus
            else:
                await accord.command(SAM, "", command="/finalise")  # the proposal
                assert any(f"Consensws wedi'i gofnodi: cwestiwn {number}" in p.all_text() for p in slack.in_channel(CHANNEL))

        texts = [p.all_text() for p in slack.in_channel(CHANNEL)]
        assert any("Asesiad wedi'i gwblhau" in t for t in texts)
        assert "Crynodeb: Hunanasesiad byr i gyngor" in texts[-1]
        titles = [f["title"] for upload in slack.uploads for f in upload["files"]]
        assert "Bwlch uchelgais fesul thema" in titles
        await accord.command(BEN, "status")
        assert "Mae'r asesiad hwn wedi'i gwblhau." in slack.ephemeral_to(BEN)[-1]
        await accord.command(AMIRA, "export html")
        report = slack.uploads[-1]
        assert report["comment"] == "Yr adroddiad ar Hunanasesiad byr i gyngor. Dim ond chi a'i cafodd."
        assert report["files"][0]["title"] == "Hunanasesiad byr i gyngor: adroddiad"
        await accord.command(CHLOE, "who")
        assert "Dim ond yr uwch-ddefnyddiwr" in slack.ephemeral_to(CHLOE)[-1]

        # Nothing anyone read was Accord's English.
        assert english_in(channel_text(accord)) == []
        assert english_in(uploaded_text(accord)) == []
        for person in TEAM:
            assert english_in("\n".join(slack.ephemeral_to(person))) == [], person
        assert english_in("\n".join(said)) == []


async def test_slacks_own_troubles_are_explained_to_a_welsh_organisation_in_welsh(slack, db_url):
    for person in TEAM:
        del slack.users[person]["locale"]
    slack.person(OUTSIDER, "Erin")
    del slack.users[OUTSIDER]["locale"]
    async with running_accord(slack, db_url, extra_yaml="organisation:\n  language: cy\n", framework=WELSH_FRAMEWORK) as accord:
        await accord.command(SAM, "start mini-council")

        await accord.command(OUTSIDER, "status")
        refusal = slack.ephemeral_to(OUTSIDER)[-1]
        assert "Ni weithiodd hynny" in refusal
        assert "Nid ydych yn aelod o #leadership, felly ni all Accord weithredu yno ar eich rhan." in refusal
        status, _ = await accord.send(accord.block_actions(OUTSIDER, "accord_vote", accord.vote_value()))
        assert status == 200
        await accord.deliver()
        closed = modal_text(slack.modals()[-1])
        assert "Ni allwch bleidleisio ar hyn" in closed and "Nid ydych yn aelod o #leadership" in closed

        accord.platform.listeners.w.members = ChannelMembers()  # nothing remembered: Slack is asked
        slack.fail("conversations.members", Failure(status=429, retry_after=30, error="ratelimited"))
        await accord.command(AMIRA, "status")
        assert "Ni atebodd Slack fi ar hyn o bryd, felly ni newidiwyd dim." in slack.ephemeral_to(AMIRA)[-1]

        await accord.command(SAM, "status", channel="G-PRIVATE")  # a channel Accord was not invited to
        assert "Gwahoddwch fi yn gyntaf gyda `/invite @Accord`" in slack.ephemeral_to(SAM)[-1]

        status, answer = await accord.send({"type": "block_actions", "team": {"id": "T-NORTHSHIRE"}})
        assert (status, answer) == (400, "Nid oedd Accord yn gallu darllen y cais hwn. Ni newidiwyd dim.")
        body = accord.command_body(SAM, "status").replace(f"user_id={SAM}", "user_id=")  # names no one
        status, answer = await accord.post(body, accord.headers(body))
        assert status == 200
        assert "Nid oedd Accord yn gallu darllen y gorchymyn hwn" in answer, answer

        for person in (*TEAM, OUTSIDER):
            assert english_in("\n".join(slack.ephemeral_to(person))) == [], person
        assert english_in(closed) == []


async def test_a_bilingual_organisations_channel_reads_welsh_first_then_english(slack, db_url):
    del slack.users[BEN]["locale"]  # Ben's Slack names no language: he reads the organisation's, both
    async with running_accord(slack, db_url, extra_yaml="organisation:\n  language: bilingual\n", framework=WELSH_FRAMEWORK) as accord:
        await accord.command(SAM, "start mini-council")
        intro, question = slack.in_channel(CHANNEL)
        heading = intro.blocks[0]["text"]["text"]  # Sam's Slack speaks English; the framework's title reads in each language
        assert heading == "Mae Sam wedi dechrau Hunanasesiad byr i gyngor / Sam started A short council self-assessment"
        assert intro.all_text().index("Aelodau: Amira") < intro.all_text().index("Members: Amira")
        assert question.blocks[0]["text"]["text"].startswith("Cwestiwn 1.1 (1 o 3)")
        assert "Question 1.1 (1 of 3)" in question.blocks[0]["text"]["text"]

        for voter, current, ambition in VOTES["1.2"]:
            await accord.vote(voter, current, ambition)
        shown = question.all_text()
        assert "Pleidleisio / Vote" in shown  # one set of buttons
        assert shown.index("4 o 4 wedi pleidleisio") < shown.index("4 of 4 have voted")
        english = slack.ephemeral_to(AMIRA)[-1]  # Amira's Slack speaks English
        assert "We recorded your vote on question 1.1" in english and "Rydym wedi cofnodi" not in english
        both = slack.ephemeral_to(BEN)[-1]
        assert both.index("Rydym wedi cofnodi eich pleidlais") < both.index("We recorded your vote")

        await accord.command(SAM, "reveal")
        reveal = slack.in_channel(CHANNEL)[-1].all_text()
        assert reveal.index("Pleidleisiau wedi'u datgelu: cwestiwn 1.1") < reveal.index("Votes revealed: question 1.1")
        assert "(isod / below)" in reveal
        assert question.all_text().index("Pleidleisio ar gau") < question.all_text().index("Voting closed")

        status, answer = await accord.send({"type": "block_actions", "team": {"id": "T-NORTHSHIRE"}})
        assert (status, answer) == (
            400,
            "Nid oedd Accord yn gallu darllen y cais hwn. Ni newidiwyd dim. / Accord could not read this request. Nothing was changed.",
        )


def test_a_long_message_is_in_parts_headed_in_its_own_languages():
    """A message too long for one Slack message is sent in parts, each headed in the message's language(s)."""
    i18n.install()
    long = tuple("Paragraff hir iawn. " * 150 for _ in range(6))
    for languages, heading, suffix in (
        ((WELSH, ENGLISH), "Hysbysiad / Notice", "(rhan 2 o {parts} / part 2 of {parts})"),
        ((WELSH,), "Hysbysiad", "(rhan 2 o {parts})"),
        ((ENGLISH,), "Notice", "(part 2 of {parts})"),
    ):
        message = replace(notice(None, heading, *long), languages=languages)
        parts = block_kit.message_parts(message)
        assert len(parts) > 1
        assert parts[1][0]["text"]["text"] == f"{heading} {suffix.format(parts=len(parts))}"
        assert block_kit.fallback_text(message, 2, len(parts)) == f"{heading} {suffix.format(parts=len(parts))}"


async def test_a_person_who_chose_welsh_in_an_english_organisation_reads_welsh_and_the_channel_english(slack, db_url):
    async with running_accord(slack, db_url) as accord:
        await accord.command(AMIRA, "language cy")
        await accord.command(SAM, "start mini-council")
        question = accord.question_message()

        form = modal_text(await accord.open_vote(AMIRA))
        assert "Eich pleidlais" in form and "Ble rydym ni nawr?" in form
        assert "Where are we now?" in modal_text(await accord.open_vote(BEN))
        assert await form_errors(accord, AMIRA, None, 4) == {"current": "Dewiswch ble'r ydym nawr."}
        assert await form_errors(accord, BEN, None, 4) == {"current": "Choose where we are now."}

        for voter, current, ambition in VOTES["1.1"]:
            await accord.vote(voter, current, ambition)
        assert "Rydym wedi cofnodi eich pleidlais ar gwestiwn 1.1" in slack.ephemeral_to(AMIRA)[-1]
        assert "We recorded your vote on question 1.1" in slack.ephemeral_to(BEN)[-1]
        assert "4 of 4 have voted" in question.all_text()

        await accord.command(AMIRA, "statsu")
        assert "Nid wyf yn adnabod y gorchymyn 'statsu'" in slack.ephemeral_to(AMIRA)[-1]
        await accord.command(AMIRA, "reveal")
        assert "Dim ond yr uwch-ddefnyddiwr all ddatgelu'r pleidleisiau; gofynnwch i Sam." in slack.ephemeral_to(AMIRA)[-1]
        await accord.command(SAM, "reveal")
        assert "Votes revealed: question 1.1" in slack.in_channel(CHANNEL)[-1].all_text()
        assert "(below)" in slack.in_channel(CHANNEL)[-1].all_text()
        await accord.command(AMIRA, "status")
        assert "Sefyllfa'r asesiad" in slack.ephemeral_to(AMIRA)[-1]

        private = "\n".join(slack.ephemeral_to(AMIRA))
        assert english_in(private) == [] and english_in(form) == []
        shown = channel_text(accord)
        assert [word for word in WELSH_WORDS if word in shown] == []
