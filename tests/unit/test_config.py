"""app.yaml: loading, ${VAR} substitution, validation and the messages a person sees."""

from __future__ import annotations

import os
from datetime import time, timedelta
from pathlib import Path
from textwrap import dedent

import pytest

from bot.config import (
    Config,
    ConfigError,
    load_config,
    parse_config,
    parse_duration,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def parse(text: str, environ: dict[str, str] | None = None) -> Config:
    return parse_config(dedent(text), environ=environ or {})


def error_of(text: str, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(text, environ)
    return str(caught.value)


# --- defaults and the shipped file -----------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_empty_file_gives_every_default(text):
    config = parse(text)

    assert config.organisation.name == "Your organisation"
    assert config.organisation.timezone == "Europe/London"
    assert config.organisation.type is None
    assert config.database.url == "sqlite:///accord.db"
    assert config.database.echo is False
    assert config.frameworks.default == "efficient-councils"
    assert config.frameworks.paths == []
    assert config.assessment.auto_reveal is False
    assert config.disagreement.thresholds_kwargs() == {
        "max_spread": 2,
        "polarisation_share": 0.25,
    }
    assert config.reminders.enabled is True
    assert config.reminders.first_after == timedelta(days=1)
    assert config.reminders.interval == timedelta(days=1)
    assert config.reminders.max_count == 3
    assert config.reminders.quiet_hours.start == time(18, 0)
    assert config.reminders.quiet_hours.end == time(8, 0)
    assert config.reminders.weekends_quiet is True
    assert config.digests.enabled is True
    assert config.digests.cron == "0 9 * * mon"
    assert config.report.output_dir == "accord-report"
    assert config.slack.signing_secret is None
    assert config.slack.enabled is False
    assert config.teams.graph_url == "https://graph.microsoft.com/v1.0"
    assert config.teams.local_mode is False
    assert config.teams.enabled is False
    assert config.server.host == "127.0.0.1"
    assert config.server.port == 3978


def test_parsed_empty_file_equals_constructed_defaults():
    assert parse("") == Config()


def test_an_empty_section_means_its_defaults():
    config = parse(
        """
        reminders:
        teams:
        """
    )
    assert config.reminders == Config().reminders
    assert config.teams == Config().teams


def test_shipped_app_yaml_loads_with_an_empty_environment():
    config = load_config(REPO_ROOT / "app.yaml", environ={})

    assert config == Config()  # written as the defaults
    assert config.slack.enabled is False
    assert config.teams.enabled is False


def test_shipped_app_yaml_takes_secrets_from_the_environment():
    config = load_config(
        REPO_ROOT / "app.yaml",
        environ={
            "SLACK_SIGNING_SECRET": "s3cret",
            "SLACK_BOT_TOKEN": "xoxb-1",
            "MicrosoftAppId": "app-id",
            "MicrosoftAppPassword": "pw",
            "MicrosoftAppTenantId": "tenant",
        },
    )
    assert config.slack.enabled is True
    assert config.slack.bot_token == "xoxb-1"
    assert config.slack.client_id is None
    assert config.teams.enabled is True
    assert config.teams.local_mode is False
    assert (config.teams.app_id, config.teams.app_password, config.teams.tenant_id) == (
        "app-id",
        "pw",
        "tenant",
    )


def test_secrets_are_not_in_the_repr():
    config = parse(
        """
        slack:
          signing_secret: do-not-log-me
        teams:
          app_password: nor-me
        """
    )
    assert "do-not-log-me" not in repr(config)
    assert "nor-me" not in repr(config)


# --- loading a file ---------------------------------------------------------------------------


def test_missing_file_says_where_it_looked_and_what_to_do(tmp_path):
    path = tmp_path / "app.yaml"
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value) == (
        f"No configuration at {os.path.abspath(path)}. "
        "Copy app.yaml from the Accord repository or pass --config PATH."
    )


def test_path_defaults_to_accord_config_then_app_yaml_in_the_working_directory(
    tmp_path, monkeypatch
):
    named = tmp_path / "elsewhere.yaml"
    named.write_text("organisation:\n  name: From ACCORD_CONFIG\n")
    (tmp_path / "app.yaml").write_text("organisation:\n  name: From the working directory\n")
    monkeypatch.chdir(tmp_path)

    assert load_config(environ={"ACCORD_CONFIG": str(named)}).organisation.name == (
        "From ACCORD_CONFIG"
    )
    assert load_config(environ={}).organisation.name == "From the working directory"


def test_messages_name_the_file_as_given(tmp_path):
    path = tmp_path / "council.yaml"
    path.write_text("server:\n  port: 0\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value).startswith(f"{path} is not valid:\n")


def test_a_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_bytes(b"organisation:\n  name: Caf\xe9\n")
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_config(path, environ={})


# --- ${VAR} substitution ----------------------------------------------------------------------


def test_variable_is_substituted():
    config = parse("organisation:\n  name: ${COUNCIL}\n", {"COUNCIL": "Borsetshire"})
    assert config.organisation.name == "Borsetshire"


def test_variable_inside_a_longer_string():
    config = parse("organisation:\n  name: ${TOWN} District Council\n", {"TOWN": "Felpersham"})
    assert config.organisation.name == "Felpersham District Council"


def test_default_is_used_when_variable_is_unset_or_empty():
    text = "organisation:\n  name: ${COUNCIL:-Ambridge Parish}\n"
    assert parse(text).organisation.name == "Ambridge Parish"
    assert parse(text, {"COUNCIL": ""}).organisation.name == "Ambridge Parish"
    assert parse(text, {"COUNCIL": "Set"}).organisation.name == "Set"


def test_empty_default_makes_an_optional_secret_none():
    config = parse("slack:\n  bot_token: ${SLACK_BOT_TOKEN:-}\n")
    assert config.slack.bot_token is None


def test_double_dollar_is_a_literal_reference():
    config = parse('organisation:\n  name: "$${COUNCIL}"\n', {"COUNCIL": "not this"})
    assert config.organisation.name == "${COUNCIL}"


def test_values_from_the_environment_cannot_break_the_yaml():
    config = parse(
        "slack:\n  bot_token: ${TOKEN}\n",
        {"TOKEN": "abc # not a comment: nor: a key\nserver: {port: 1}"},
    )
    assert config.slack.bot_token == "abc # not a comment: nor: a key\nserver: {port: 1}"
    assert config.server.port == 3978


def test_substituted_numbers_and_booleans_are_converted():
    config = parse(
        """
        server:
          port: ${PORT:-8080}
        database:
          echo: ${DB_ECHO:-false}
        disagreement:
          polarisation_share: ${SHARE}
        """,
        {"DB_ECHO": "true", "SHARE": "0.3"},
    )
    assert config.server.port == 8080
    assert config.database.echo is True
    assert config.disagreement.polarisation_share == 0.3


def test_variables_are_substituted_inside_lists():
    config = parse("frameworks:\n  paths:\n    - ${DIR}/mine.yaml\n", {"DIR": "/srv/accord"})
    assert config.frameworks.paths == ["/srv/accord/mine.yaml"]


def test_unset_variable_names_the_key():
    assert error_of("database:\n  url: ${FOO}\n") == (
        "app.yaml: database.url refers to ${FOO}, which is not set "
        "(give it a value, or a default as ${FOO:-value})"
    )


def test_several_unset_variables_are_all_reported():
    message = error_of(
        """
        slack:
          signing_secret: ${A}
        frameworks:
          paths:
            - ${B}
        """
    )
    assert message.startswith("app.yaml is not valid:\n")
    assert "  - slack.signing_secret refers to ${A}, which is not set" in message
    assert "  - frameworks.paths[0] refers to ${B}, which is not set" in message


def test_malformed_reference_is_reported():
    message = error_of("organisation:\n  name: ${COUNCIL-x}\n")
    assert "organisation.name: ${COUNCIL-x} is not a valid reference" in message


# --- ACCORD_DATABASE_URL ----------------------------------------------------------------------


def test_accord_database_url_overrides_the_file():
    config = parse(
        "database:\n  url: sqlite:///other.db\n",
        {"ACCORD_DATABASE_URL": "sqlite:////var/lib/accord/accord.db"},
    )
    assert config.database.url == "sqlite:////var/lib/accord/accord.db"


def test_accord_database_url_applies_without_a_database_section():
    config = parse("", {"ACCORD_DATABASE_URL": "sqlite:///env.db"})
    assert config.database.url == "sqlite:///env.db"


def test_empty_accord_database_url_is_ignored():
    config = parse("database:\n  url: sqlite:///file.db\n", {"ACCORD_DATABASE_URL": ""})
    assert config.database.url == "sqlite:///file.db"


def test_accord_database_url_settles_an_unset_variable_in_database_url():
    config = parse("database:\n  url: ${NOT_SET}\n", {"ACCORD_DATABASE_URL": "sqlite:///x.db"})
    assert config.database.url == "sqlite:///x.db"


# --- database URL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://accord:pw@db/accord", "postgresql://accord:pw@db/accord"),
        ("postgres://accord:pw@db/accord", "postgres://accord:pw@db/accord"),
        ("postgresql+psycopg://accord@db/accord", "postgresql+psycopg://accord@db/accord"),
        ("sqlite:///accord.db", "sqlite:///accord.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_database_url_is_accepted_and_kept_as_written(given, expected):
    # Kept as written so messages show the person's URL; storage.database connects with psycopg 3.
    assert parse(f"database:\n  url: {given}\n").database.url == expected


def test_postgresql_from_accord_database_url_is_kept_as_written_too():
    config = parse("", {"ACCORD_DATABASE_URL": "postgresql://u@h/d"})
    assert config.database.url == "postgresql://u@h/d"


def test_without_an_app_yaml_every_setting_takes_its_default_and_the_person_is_told(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    told: list[str] = []
    config = load_config(environ={"ACCORD_DATABASE_URL": "sqlite:///env.db"}, notice=told.append)
    assert told == ["No app.yaml here: using the built-in defaults (see docs/configuration.md)."]
    assert config.frameworks.default == "efficient-councils"
    assert config.database.url == "sqlite:///env.db"  # the environment still applies


def test_bad_database_url_is_reported_without_its_password():
    message = error_of("database:\n  url: mysql://accord:hunter2@db/accord\n")
    assert message == (
        "app.yaml is not valid:\n"
        "  - database.url: must start with sqlite:// or postgresql:// "
        "(e.g. sqlite:///accord.db or postgresql://user:password@host/accord) "
        "(got 'mysql://accord:***@db/accord')"
    )
    assert "hunter2" not in message


# --- YAML syntax ------------------------------------------------------------------------------


def test_yaml_syntax_error_gives_line_and_column():
    text = "organisation:\n  name: x\ndatabase:\n  url: sqlite:///a.db\n   echo: true\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, environ={})
    assert str(caught.value) == "app.yaml, line 5, column 8: mapping values are not allowed here"


def test_unclosed_bracket_is_reported_with_its_line():
    message = error_of("frameworks:\n  paths: [a, b\nserver:\n  port: 1\n")
    assert message.startswith("app.yaml, line ")
    assert "expected ',' or ']'" in message


def test_key_given_twice_is_reported():
    message = error_of("server:\n  port: 80\n  port: 81\n")
    assert message == (
        "app.yaml, line 3, column 3: the key 'port' appears twice in the same section "
        "(first at line 2)"
    )


def test_whole_file_must_be_sections():
    assert error_of("- a\n- b\n") == (
        "app.yaml is not valid:\n"
        "  - (the whole file): must be a set of sections such as 'database:' and 'reminders:', "
        "each with its settings indented under it (got a list)"
    )


# --- unknown keys -----------------------------------------------------------------------------


def test_unknown_key_suggests_the_closest():
    assert error_of("databse:\n  url: sqlite:///a.db\n") == (
        "app.yaml is not valid:\n  - databse: unknown key (did you mean 'database'?)"
    )


def test_unknown_nested_key_suggests_the_closest_in_its_section():
    message = error_of("reminders:\n  quiet_hours:\n    stat: '19:00'\n")
    assert "  - reminders.quiet_hours.stat: unknown key (did you mean 'start'?)" in message


def test_key_in_the_wrong_section_points_to_the_right_one():
    message = error_of("max_spread: 3\n")
    assert "  - max_spread: unknown key here (did you mean 'disagreement.max_spread'?)" in (
        message
    )


def test_unknown_key_with_nothing_close_lists_the_valid_keys():
    message = error_of("server:\n  zzz: 1\n")
    assert "  - server.zzz: unknown key (the keys here are host, port, workers)" in message


# --- numbers and ranges -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "disagreement:\n  max_spread: -1\n",
            "disagreement.max_spread: must be 0 or more (got -1)",
        ),
        (
            "disagreement:\n  polarisation_share: 0.6\n",
            "disagreement.polarisation_share: must be more than 0 and at most 0.5 (got 0.6)",
        ),
        (
            "disagreement:\n  polarisation_share: 0\n",
            "disagreement.polarisation_share: must be more than 0 and at most 0.5 (got 0.0)",
        ),
        (
            "reminders:\n  max_count: -2\n",
            "reminders.max_count: must be 0 or more (got -2)",
        ),
        ("server:\n  port: 70000\n", "server.port: must be between 1 and 65535 (got 70000)"),
        ("server:\n  port: http\n", "server.port: must be a whole number (got 'http')"),
        ("server:\n  port: 80.5\n", "server.port: must be a whole number (got 80.5)"),
        (
            "disagreement:\n  max_spread: wide\n",
            "disagreement.max_spread: must be a whole number (got 'wide')",
        ),
        ("database:\n  echo: maybe\n", "database.echo: must be true or false (got 'maybe')"),
        (
            "organisation:\n  name: 1974\n",
            "organisation.name: must be text (put it in quotes) (got 1974)",
        ),
        (
            "reminders: 3\n",
            "reminders: must be a group of settings (key: value lines indented under it) (got 3)",
        ),
    ],
)
def test_bad_value_message(text, line):
    assert error_of(text) == f"app.yaml is not valid:\n  - {line}"


def test_every_problem_is_reported_at_once():
    message = error_of(
        """
        disagreement:
          max_spread: -1
        databse: {}
        server:
          port: 0
        """
    )
    assert message == (
        "app.yaml is not valid:\n"
        "  - disagreement.max_spread: must be 0 or more (got -1)\n"
        "  - server.port: must be between 1 and 65535 (got 0)\n"
        "  - databse: unknown key (did you mean 'database'?)"
    )
    with pytest.raises(ConfigError) as caught:
        parse(
            """
            disagreement:
              max_spread: -1
            server:
              port: 0
            """
        )
    assert len(caught.value.problems) == 2


def test_the_retired_consensus_threshold_is_refused_with_what_replaced_it():
    # An app.yaml from before issue 17 says min_consensus: 0.70; silently ignoring it would
    # leave its reader believing it still decides the flag.
    message = error_of("disagreement:\n  min_consensus: 0.70\n")
    assert message.startswith("app.yaml is not valid:\n  - disagreement.min_consensus: is no longer used: ")
    assert "sit on average more than 1/6 of the scale's points from the median" in message
    assert message.endswith("Remove this line")


def test_secret_values_are_not_echoed_in_messages():
    message = error_of("slack:\n  bot_token: 12345\n")
    assert message == "app.yaml is not valid:\n  - slack.bot_token: must be text (put it in quotes)"


# --- time zone --------------------------------------------------------------------------------


def test_bad_timezone_is_reported_with_a_suggestion():
    assert error_of("organisation:\n  timezone: Europe/Londn\n") == (
        "app.yaml is not valid:\n"
        "  - organisation.timezone: unknown time zone 'Europe/Londn' "
        "(did you mean 'Europe/London'?)"
    )


def test_malformed_timezone_is_reported():
    message = error_of("organisation:\n  timezone: ../etc/passwd\n")
    assert "organisation.timezone: unknown time zone '../etc/passwd'" in message


def test_valid_timezone_is_accepted():
    config = parse("organisation:\n  timezone: Europe/Dublin\n")
    assert config.organisation.timezone == "Europe/Dublin"
    assert str(config.organisation.tzinfo) == "Europe/Dublin"


# --- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("4h", timedelta(hours=4)),
        ("1d", timedelta(days=1)),
        ("1d 12h", timedelta(days=1, hours=12)),
        ("1d12h30m", timedelta(days=1, hours=12, minutes=30)),
        ("2 days", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("45s", timedelta(seconds=45)),
        (" 3H ", timedelta(hours=3)),
    ],
)
def test_durations_are_parsed(text, expected):
    assert parse_duration(text) == expected
    assert parse(f"reminders:\n  interval: '{text}'\n").reminders.interval == expected


@pytest.mark.parametrize("bad", ["5x", "90", "1.5h", "d", "1d 2", "soon"])
def test_parse_duration_refuses_what_is_not_a_duration(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_bad_duration_is_reported():
    assert error_of("reminders:\n  first_after: 5x\n") == (
        "app.yaml is not valid:\n"
        "  - reminders.first_after: '5x' is not a duration (use e.g. 30m, 4h, 2d)"
    )


def test_a_number_without_a_unit_is_not_a_duration():
    assert "reminders.interval: 3600 is not a duration (use e.g. 30m, 4h, 2d)" in error_of(
        "reminders:\n  interval: 3600\n"
    )


def test_zero_duration_is_reported():
    assert "reminders.interval: must be longer than zero (got '0m')" in error_of(
        "reminders:\n  interval: 0m\n"
    )


# --- quiet hours ------------------------------------------------------------------------------


def test_quiet_hours_are_parsed_quoted_or_not():
    config = parse(
        """
        reminders:
          quiet_hours:
            start: 18:30
            end: '7:05'
        """
    )
    # Unquoted 18:30 would be the base-60 integer 1110 in plain YAML 1.1; here it is a time.
    assert config.reminders.quiet_hours.start == time(18, 30)
    assert config.reminders.quiet_hours.end == time(7, 5)


@pytest.mark.parametrize("bad", ["'25:00'", "'18:60'", "6pm", "'18'"])
def test_bad_quiet_hours_time_is_reported(bad):
    message = error_of(f"reminders:\n  quiet_hours:\n    start: {bad}\n")
    shown = bad.strip("'")
    assert message == (
        "app.yaml is not valid:\n"
        f"  - reminders.quiet_hours.start: '{shown}' is not a time of day "
        "(use 24-hour HH:MM, e.g. 18:00)"
    )


# --- other checks -----------------------------------------------------------------------------


def test_cron_must_have_five_fields():
    assert error_of("digests:\n  cron: '0 9 * *'\n") == (
        "app.yaml is not valid:\n"
        "  - digests.cron: must be a cron expression with 5 fields "
        "(minute hour day month weekday), e.g. '0 9 * * mon' (got '0 9 * *')"
    )


def test_framework_default_must_be_a_slug():
    assert "frameworks.default: must be a framework slug" in error_of(
        "frameworks:\n  default: Efficient Councils\n"
    )


def test_framework_paths_accepts_a_single_path():
    assert parse("frameworks:\n  paths: ours.yaml\n").frameworks.paths == ["ours.yaml"]


def test_urls_must_be_web_addresses():
    message = error_of("teams:\n  public_url: accord.example.org\n")
    assert "teams.public_url: must be a web address starting with https:// or http://" in message


def test_platform_switches():
    config = parse(
        """
        slack:
          signing_secret: abc
        teams:
          app_id: "  "
          public_url: https://accord.example.org
        """
    )
    assert config.slack.enabled is True
    assert config.teams.app_id is None
    assert config.teams.enabled is False
    assert config.teams.public_url == "https://accord.example.org"


@pytest.mark.parametrize(
    "workers, expected",
    [("0", "must be between 1 and 64 (got 0)"), ("65", "must be between 1 and 64 (got 65)"), ("two", "must be a whole number")],
)
def test_a_number_of_workers_off_the_range_is_refused(workers, expected):
    assert f"server.workers: {expected}" in error_of(f"server:\n  workers: {workers}\n")


def test_aliases_are_refused_before_they_are_expanded():
    """A 'billion laughs' app.yaml: nested aliases that would expand to billions of items."""
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)}]\n"
        for n in range(8)
    )
    message = error_of(bomb)
    assert "aliases (*a) are not allowed" in message and "line 2" in message  # the first alias met
