"""Slack tokens at rest (#15 item 7): encrypted in the database, with keys from the environment.

Each test runs on SQLite and, with ACCORD_TEST_DATABASE_URL, on PostgreSQL. The tokens are read
back with plain SQL, as anyone holding a copy of the database would read them. Installs go in and
come out through the installation store bolt uses (`adapters.slack.installations`), over the
real port and tables; the command line is `bot.cli.main`, as `accord` runs it.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import Engine, text

from adapters.slack.installations import DatabaseInstallationStore
from bot.cli import main
from bot.config import ConfigError, parse_config
from bot.platform_state import SlackInstallationPort, token_secrets
from storage.migrate import current_revisions, is_up_to_date, upgrade
from storage.secrets import SecretKeyError
from tests.slack.conftest import SECRET, SECRET_KEY

CLIENT_ID = "1.2"
OLD_KEY = SECRET_KEY
NEW_KEY = "WVmmNUktZqWFJVev2jI2Pe_R_IAvdAB4BFnLIml9nlk="
BOT_TOKEN = "xoxb-southshire-bot"
REFRESH_TOKEN = "xoxe-1-southshire-refresh"
INSTALLED = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def store(engine: Engine, *keys: str) -> DatabaseInstallationStore:
    return DatabaseInstallationStore(SlackInstallationPort(engine, secrets=token_secrets(keys)), CLIENT_ID)


def install(team: str = "T-SOUTHSHIRE", refresh: str | None = REFRESH_TOKEN) -> Installation:
    return Installation(
        app_id="A-ACCORD",
        team_id=team,
        team_name="Southshire",
        bot_token=BOT_TOKEN if team == "T-SOUTHSHIRE" else f"xoxb-{team}",
        bot_id="B-ACCORD",
        bot_user_id="U-ACCORD",
        bot_scopes=["commands", "chat:write"],
        bot_refresh_token=refresh,
        bot_token_expires_at=int(INSTALLED.timestamp()) + 43200 if refresh else None,
        user_id="U-SAM",
        installed_at=INSTALLED.timestamp(),
    )


def stored(engine: Engine) -> list[tuple[str, str, str | None]]:
    """(team, bot token, refresh token) as they are in the table: what a stolen backup shows."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT team_id, bot_token, bot_refresh_token FROM slack_installation ORDER BY team_id"))
        return [tuple(row) for row in rows]


def insert_plain(engine: Engine, team: str, bot_token: str, refresh: str | None) -> None:
    """A row as Accord wrote it before tokens were encrypted (revision 0005)."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO slack_installation (client_id, app_id, enterprise_id, enterprise_name, team_id, team_name, "
                "is_enterprise_install, installer_user_id, bot_token, bot_id, bot_user_id, bot_scopes, bot_refresh_token, "
                "bot_token_expires_at, installed_at) VALUES (:client, 'A-ACCORD', '', '', :team, 'Southshire', false, '', "
                ":token, 'B-ACCORD', 'U-ACCORD', 'commands,chat:write', :refresh, NULL, :installed)"
            ),
            {"client": CLIENT_ID, "team": team, "token": bot_token, "refresh": refresh, "installed": INSTALLED},
        )


@pytest.fixture
def accord_env(monkeypatch, db_url, tmp_path):
    """`accord` run with an app.yaml that reads everything from the environment, as shipped."""
    for name in ("ACCORD_SECRET_KEYS", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ACCORD_DATABASE_URL", db_url)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    config = tmp_path / "app.yaml"
    config.write_text(
        "slack:\n"
        "  signing_secret: ${SLACK_SIGNING_SECRET:-}\n"
        "  bot_token: ${SLACK_BOT_TOKEN:-}\n"
        "  client_id: ${SLACK_CLIENT_ID:-}\n"
        "  client_secret: ${SLACK_CLIENT_SECRET:-}\n",
        encoding="utf-8",
    )

    def accord(*argv: str, keys: str | None = None) -> int:
        if keys is None:
            monkeypatch.delenv("ACCORD_SECRET_KEYS", raising=False)
        else:
            monkeypatch.setenv("ACCORD_SECRET_KEYS", keys)
        return main(["--config", str(config), *argv])

    return accord


def one_line(captured: str) -> str:
    lines = captured.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured, captured
    return lines[0]


# ------------------------------------------------------------------------------ at rest


async def test_tokens_are_encrypted_in_the_database_and_an_install_round_trips(db_engine):
    installations = store(db_engine, OLD_KEY)
    await installations.async_save(install())

    ((team, bot_token, refresh_token),) = stored(db_engine)
    assert team == "T-SOUTHSHIRE"
    assert bot_token.startswith("fernet:") and refresh_token.startswith("fernet:")
    assert BOT_TOKEN not in bot_token and REFRESH_TOKEN not in refresh_token
    assert "xox" not in bot_token + refresh_token

    found = await installations.async_find_bot(enterprise_id=None, team_id="T-SOUTHSHIRE")
    assert (found.bot_token, found.bot_refresh_token, found.bot_user_id) == (BOT_TOKEN, REFRESH_TOKEN, "U-ACCORD")
    assert found.bot_token_expires_at == int(INSTALLED.timestamp()) + 43200
    assert await installations.token_for("T-SOUTHSHIRE") == BOT_TOKEN

    # A reinstall replaces the row and encrypts afresh; no refresh token stays no refresh token.
    await installations.async_save(install(refresh=None))
    ((_, again, none),) = stored(db_engine)
    assert again.startswith("fernet:") and again != bot_token and none is None
    assert (await installations.async_find_bot(enterprise_id=None, team_id="T-SOUTHSHIRE")).bot_refresh_token is None


async def test_without_a_key_an_install_is_neither_saved_nor_read_but_can_be_removed(db_engine):
    await store(db_engine, OLD_KEY).async_save(install())
    keyless = store(db_engine)

    with pytest.raises(SecretKeyError, match="ACCORD_SECRET_KEYS"):
        await keyless.async_save(install(team="T-EASTSHIRE"))
    with pytest.raises(SecretKeyError, match="ACCORD_SECRET_KEYS"):
        await keyless.async_find_bot(enterprise_id=None, team_id="T-SOUTHSHIRE")
    await keyless.async_delete_bot(enterprise_id=None, team_id="T-SOUTHSHIRE")
    assert stored(db_engine) == []


# ------------------------------------------------------------------------------ migration 0006


async def test_the_migration_encrypts_plain_rows_and_leaves_encrypted_ones(empty_db_engine):
    upgrade(empty_db_engine, "0005_receipts")
    insert_plain(empty_db_engine, "T-SOUTHSHIRE", BOT_TOKEN, REFRESH_TOKEN)
    insert_plain(empty_db_engine, "T-WESTSHIRE", "xoxb-westshire", None)
    # A mixed table: one row encrypted already (a run interrupted, or copied from elsewhere).
    already = "fernet:" + Fernet(OLD_KEY).encrypt(b"xoxb-eastshire").decode()
    insert_plain(empty_db_engine, "T-EASTSHIRE", already, None)

    upgrade(empty_db_engine, secret_keys=(OLD_KEY,))

    assert is_up_to_date(empty_db_engine)
    rows = {team: (bot, refresh) for team, bot, refresh in stored(empty_db_engine)}
    assert rows["T-EASTSHIRE"] == (already, None)
    assert rows["T-WESTSHIRE"][0].startswith("fernet:") and rows["T-WESTSHIRE"][1] is None
    assert all(value.startswith("fernet:") for value in rows["T-SOUTHSHIRE"])
    installations = store(empty_db_engine, OLD_KEY)
    for team, token in (("T-SOUTHSHIRE", BOT_TOKEN), ("T-WESTSHIRE", "xoxb-westshire"), ("T-EASTSHIRE", "xoxb-eastshire")):
        assert await installations.token_for(team) == token
    found = await installations.async_find_bot(enterprise_id=None, team_id="T-SOUTHSHIRE")
    assert found.bot_refresh_token == REFRESH_TOKEN

    upgrade(empty_db_engine, secret_keys=(OLD_KEY,))  # again: nothing to do, nothing encrypted twice
    assert {team: (bot, refresh) for team, bot, refresh in stored(empty_db_engine)} == rows


def test_the_migration_refuses_tokens_without_a_key_and_changes_nothing(empty_db_engine, accord_env, capsys):
    upgrade(empty_db_engine, "0005_receipts")
    insert_plain(empty_db_engine, "T-SOUTHSHIRE", BOT_TOKEN, REFRESH_TOKEN)
    before = current_revisions(empty_db_engine)

    with pytest.raises(SecretKeyError):
        upgrade(empty_db_engine)
    assert current_revisions(empty_db_engine) == before == {"0005_receipts"}
    assert stored(empty_db_engine) == [("T-SOUTHSHIRE", BOT_TOKEN, REFRESH_TOKEN)]

    # `accord db upgrade` says it in one line, naming the variable and how to make a key.
    capsys.readouterr()
    assert accord_env("db", "upgrade") == 2
    line = one_line(capsys.readouterr().err)
    assert "Slack tokens" in line and "ACCORD_SECRET_KEYS" in line and "accord secrets new-key" in line
    assert current_revisions(empty_db_engine) == {"0005_receipts"}

    assert accord_env("db", "upgrade", keys=OLD_KEY) == 0
    assert is_up_to_date(empty_db_engine)
    ((_, bot_token, refresh_token),) = stored(empty_db_engine)
    assert bot_token.startswith("fernet:") and refresh_token.startswith("fernet:")


def test_a_database_without_tokens_upgrades_without_a_key(empty_db_engine):
    upgrade(empty_db_engine, "0005_receipts")
    upgrade(empty_db_engine)
    assert is_up_to_date(empty_db_engine)


# ------------------------------------------------------------------------------ start-up


async def test_serve_refuses_to_start_with_tokens_and_no_key(db_engine, accord_env, capsys):
    await store(db_engine, OLD_KEY).async_save(install())

    assert accord_env("serve", "--port", "0") == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("accord: The database holds Slack tokens")
    assert "ACCORD_SECRET_KEYS" in line and "accord secrets new-key" in line


async def test_serve_refuses_a_wrong_key_in_one_line(db_engine, accord_env, capsys):
    await store(db_engine, OLD_KEY).async_save(install())

    assert accord_env("serve", "--port", "0", keys=NEW_KEY) == 2
    line = one_line(capsys.readouterr().err)
    assert "encrypted with a key that is not in ACCORD_SECRET_KEYS" in line

    # Not a key at all: refused while reading the configuration, and the value is never shown.
    assert accord_env("serve", "--port", "0", keys=f"{NEW_KEY},not-a-key") == 2
    err = capsys.readouterr().err
    assert "database.secret_keys: key 2 of 2 is not a Fernet key" in err and "not-a-key" not in err
    assert "Traceback" not in err


def test_oauth_installs_need_a_key_even_before_the_first(db_engine, accord_env, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "oauth-secret")
    assert accord_env("serve", "--port", "0") == 2
    line = one_line(capsys.readouterr().err)
    assert "OAuth installs" in line and "ACCORD_SECRET_KEYS" in line


def test_one_workspace_with_its_token_in_app_yaml_needs_no_key(db_engine, db_url):
    from bot.cli import refuse_unless_tokens_open

    config = parse_config(
        "slack:\n  signing_secret: s3cret\n  bot_token: xoxb-northshire\n",
        environ={"ACCORD_DATABASE_URL": db_url},
    )
    assert config.database.secret_keys == ()
    refuse_unless_tokens_open(config)  # nothing kept, nothing to refuse


def test_keys_come_from_app_yaml_or_the_environment():
    yaml = "database:\n  secret_keys: ${ACCORD_SECRET_KEYS:-}\n"
    assert parse_config(yaml, environ={}).database.secret_keys == ()
    assert parse_config(yaml, environ={"ACCORD_SECRET_KEYS": f" {NEW_KEY} , {OLD_KEY} "}).database.secret_keys == (NEW_KEY, OLD_KEY)
    # An app.yaml from before keys existed still takes them from the environment.
    assert parse_config("", environ={"ACCORD_SECRET_KEYS": OLD_KEY}).database.secret_keys == (OLD_KEY,)
    with pytest.raises(ConfigError) as refused:
        parse_config(yaml, environ={"ACCORD_SECRET_KEYS": "xoxb-looks-like-a-token"})
    assert "the key is not a Fernet key" in str(refused.value) and "xoxb" not in str(refused.value)
    assert "secret_keys" not in repr(parse_config(yaml, environ={"ACCORD_SECRET_KEYS": OLD_KEY}).database)


# ------------------------------------------------------------------------------ keys


def test_new_key_prints_a_key_that_works(accord_env, capsys):
    assert accord_env("secrets", "new-key") == 0
    out, err = capsys.readouterr()
    key = out.strip()
    Fernet(key)  # a valid key, or this raises
    assert "accord secrets rotate" in err


async def test_rotation_old_key_still_decrypts_then_rotate_moves_every_token_to_the_new(db_engine, accord_env, capsys):
    await store(db_engine, OLD_KEY).async_save(install())
    await store(db_engine, OLD_KEY).async_save(install(team="T-WESTSHIRE", refresh=None))
    before = stored(db_engine)

    # The new key goes first; until the rotation, the old one still opens what it encrypted...
    both = store(db_engine, NEW_KEY, OLD_KEY)
    assert await both.token_for("T-SOUTHSHIRE") == BOT_TOKEN
    # ... and what is saved now is under the new key.
    await both.async_save(install(team="T-EASTSHIRE", refresh=None))
    assert await store(db_engine, NEW_KEY).token_for("T-EASTSHIRE") == "xoxb-T-EASTSHIRE"

    assert accord_env("secrets", "rotate", keys=f"{NEW_KEY},{OLD_KEY}") == 0
    out = capsys.readouterr().out
    assert "Re-encrypted the tokens of 3 Slack installs with the first key of ACCORD_SECRET_KEYS" in out

    after = {team: bot for team, bot, _ in stored(db_engine)}
    assert all(bot.startswith("fernet:") for bot in after.values())
    assert all(after[team] != bot for team, bot, _ in before)  # each encrypted again

    # The old key can go: the new one alone opens everything, the old one alone nothing.
    only_new = store(db_engine, NEW_KEY)
    found = await only_new.async_find_bot(enterprise_id=None, team_id="T-SOUTHSHIRE")
    assert (found.bot_token, found.bot_refresh_token) == (BOT_TOKEN, REFRESH_TOKEN)
    assert await only_new.token_for("T-WESTSHIRE") == "xoxb-T-WESTSHIRE"
    with pytest.raises(SecretKeyError, match="not in ACCORD_SECRET_KEYS"):
        await store(db_engine, OLD_KEY).token_for("T-SOUTHSHIRE")
    assert accord_env("serve", "--port", "0", keys=OLD_KEY) == 2
    assert "encrypted with a key that is not in ACCORD_SECRET_KEYS" in one_line(capsys.readouterr().err)


def test_rotate_without_a_key_says_what_to_set(db_engine, accord_env, capsys):
    assert accord_env("secrets", "rotate") == 2
    line = one_line(capsys.readouterr().err)
    assert "ACCORD_SECRET_KEYS" in line and "accord secrets new-key" in line
    assert accord_env("secrets", "rotate", keys=NEW_KEY) == 0
    assert "nothing to re-encrypt" in capsys.readouterr().out


def test_rotate_with_a_wrong_key_changes_nothing(db_engine, accord_env, capsys):
    insert_plain(db_engine, "T-WESTSHIRE", "xoxb-westshire", None)  # a plain row left by an offline upgrade
    port = SlackInstallationPort(db_engine, secrets=token_secrets([OLD_KEY]))
    assert port.reencrypt() == 1
    before = stored(db_engine)
    assert before[0][1].startswith("fernet:")

    assert accord_env("secrets", "rotate", keys=NEW_KEY) == 2
    assert "encrypted with a key that is not in ACCORD_SECRET_KEYS" in one_line(capsys.readouterr().err)
    assert stored(db_engine) == before
