"""The one command grammar shared by Slack, Teams and the console."""

import pytest

from bot.commands import (
    USAGES,
    Close,
    CommandError,
    Export,
    Finalise,
    Help,
    Join,
    Next,
    Organisation,
    Reopen,
    Reveal,
    SetRole,
    Skip,
    Start,
    Status,
    Summary,
    Vote,
    Who,
    parse,
)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("start", Start()),
        ("start efficient-councils", Start("efficient-councils")),
        ("status", Status()),
        ("STATUS", Status()),
        ("vote 3 4", Vote(3, 4)),
        ("vote 2 4 our data is patchy", Vote(2, 4, "our data is patchy")),
        ("vote 2.3 3 4", Vote(3, 4, question="2.3")),
        ("reveal", Reveal()),
        ("who", Who()),
        ("who 1.2", Who("1.2")),
        ("finalise", Finalise()),
        ("finalise 3", Finalise(3)),
        ("finalise 3 4", Finalise(3, 4)),
        ("finalise 3 4 agreed after discussion", Finalise(3, 4, "agreed after discussion")),
        ("finalise 2/4 agreed", Finalise(2, 4, "agreed")),
        ("finalise 3 agreed", Finalise(3, None, "agreed")),
        ("finalize 3 4", Finalise(3, 4)),
        ("skip", Skip()),
        ("skip waiting for the audit report", Skip("waiting for the audit report")),
        ("next", Next()),
        ("reopen 2.3", Reopen("2.3")),
        ("reopen", Reopen()),
        ("summary", Summary()),
        ("export", Export()),
        ("join", Join()),
        ("superuser @amira", SetRole("@amira", "super-user")),
        ("observer <@U123>", SetRole("<@U123>", "observer")),
        ("member @dev", SetRole("@dev", "member")),
        ("close", Close()),
        ("organisation", Organisation()),
        ("organisation type metropolitan borough", Organisation("metropolitan borough")),
        ("organisation type unitary share", Organisation("unitary", True)),
        ("organization private", Organisation(share=False)),
        ("organisation name Northshire District Council", Organisation(name="Northshire District Council")),
        ("org name Share & Co Borough Council share", Organisation(name="Share & Co Borough Council share")),
        ("help", Help()),
        ("help finalize", Help("finalise")),
        ("", Help()),
    ],
)
def test_every_command_parses(text, command):
    assert parse(text) == command


def test_slack_slash_forms_parse_like_plain_text():
    assert parse("/accord status") == Status()
    assert parse("/finalise 3 4 agreed") == Finalise(3, 4, "agreed")
    assert parse("/accord") == Help()


def test_unknown_command_suggests_the_nearest():
    with pytest.raises(CommandError) as refused:
        parse("fnialise 3 4")
    assert "Did you mean `finalise`?" in refused.value.message


def test_unknown_command_without_a_near_miss_points_to_help():
    with pytest.raises(CommandError) as refused:
        parse("dance")
    assert refused.value.message == "I don't know the command 'dance'. Say `help` for the list of commands."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vote", "Give two scores, for example `vote 2 4`"),
        ("vote 3", "Give two scores"),
        ("vote three 4", "The current position should be a whole number, not 'three'"),
        ("vote 3 four", "The ambition should be a whole number, not 'four'"),
        ("finalise 3.5 4", "'3.5' is not a whole number"),
        ("finalise abc", "Give the numbers first, not 'abc'. Use `finalise 3 4 note`"),
        ("finalise agreed without change", "Give the numbers first, not 'agreed'."),
        ("finalise 2/4typo", "I can't read '2/4typo' as two whole numbers."),
        ("finalise 2/4/5", "I can't read '2/4/5' as two whole numbers."),
        ("finalise 2 4typo", "'4typo' is not a whole number."),
        ("start at 10:00", "Give the day as well as the time"),
        ("start at thursday", "Give the time as well as the day"),
        ("start at someday 10:00", "I can't read 'someday' as a day or a time"),
        ("remove", "Name one person, for example `remove @amira`."),
        ("superuser", "Name one person, for example `superuser @amira`."),
        ("organisation unitary", "Say `organisation name Northshire District Council`, `organisation type unitary`"),
        ("organisation name", "Give the name after `name`"),
        ("organisation name " + "x" * 121, "That name is 121 characters long; keep it to 120."),
    ],
)
def test_malformed_commands_say_what_was_expected(text, expected):
    with pytest.raises(CommandError) as refused:
        parse(text)
    assert expected in refused.value.message


def test_off_scale_numbers_are_left_for_the_engine_to_judge():
    # The grammar does not know the framework's scale; the assessment refuses 7 with its range.
    assert parse("vote 7 9") == Vote(7, 9)


def test_help_lists_every_command_once():
    names = [u.name for u in USAGES]
    assert len(names) == len(set(names))
    for name in names:
        parse("help " + name)


def test_a_very_long_unknown_command_is_not_echoed_whole():
    with pytest.raises(CommandError) as caught:
        parse("x" * 10_000)
    assert len(caught.value.message) < 200 and "xxx…" in caught.value.message


def test_typed_text_loses_control_and_bidirectional_characters():
    command = parse("finalise 3 4 agreed\u202e after\x00 discussion")
    assert command.note == "agreed after discussion"
