"""The signed file and the hub's checks, in one process: what a council shares, what a hub takes.

The hub's database is `db_engine` (SQLite, and PostgreSQL when ACCORD_TEST_DATABASE_URL is
set); councils are SQLite installs seeded through the console's use cases (`conftest.seed`).
Every refusal is checked to store nothing: the hub's submissions and tokens are as they were.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.app import build
from bot.benchmark import export_submission
from bot.benchmark_file import BenchmarkError, new_signing_key, read_signed, sign
from bot.benchmark_hub import Hub
from bot.catalogue import FrameworkCatalogue
from bot.config import Config
from storage.benchmark_tables import BenchmarkSubmissionRow, BenchmarkTokenRow
from storage.secrets import SecretKeyError
from storage.unit_of_work import SqlUnitOfWork
from tests.benchmark.conftest import FRAMEWORK, PERSONAL, SCORES, make_council, seed

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def hub(db_engine) -> Hub:
    catalogue = FrameworkCatalogue.load([str(FRAMEWORK)], "mini-council")
    return Hub(db_engine, catalogue, Config.model_validate({"benchmark": {"hub": True}}))


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    return make_council(tmp_path_factory.mktemp("north"), SCORES[2])


def stored(hub: Hub) -> tuple[list[tuple], list[tuple]]:
    """Everything the hub keeps, to compare before and after a refusal."""
    with SqlUnitOfWork(hub.database, read_only=True) as uow:
        submissions = [(r.organisation_id, r.received_at, json.dumps(r.questions, sort_keys=True)) for r in uow.session.exec(select(BenchmarkSubmissionRow))]
        tokens = [(r.label, r.organisation_id) for r in uow.session.exec(select(BenchmarkTokenRow))]
    return sorted(submissions), sorted(tokens)


def resigned(document: dict, change) -> bytes:
    """The file with its payload changed and signed again with a key of its own: a well-signed lie."""
    payload = json.loads(json.dumps(document["payload"]))
    change(payload)
    private, public = new_signing_key()
    return json.dumps(sign(payload, private, public)).encode()


# --- the file ------------------------------------------------------------------------------


def test_the_file_holds_agreed_scores_and_nothing_personal(council):
    config = council.config()

    application = build(config)
    try:
        export = export_submission(application.database, config, NOW)
        again = export_submission(application.database, config, NOW)
    finally:
        application.database.dispose()
    payload = export.document["payload"]
    assert set(payload) == {"format", "organisation_id", "organisation_type", "framework", "completed_on", "themes", "questions"}
    assert payload["organisation_type"] == "district"
    assert payload["questions"] == {"evidence": {"current": 2, "ambition": 3}, "resident-voice": {"current": 3, "ambition": 4}, "medium-term": {"current": 3, "ambition": 4}}
    assert payload["themes"]["place"] == {"current": 2.5, "ambition": 3.5, "answered": 2}
    assert payload["completed_on"] == "2026-11-02"
    # A random id, the same at every export of this install; a signature that checks out.
    assert re.fullmatch(r"[0-9a-f]{32}", payload["organisation_id"])
    assert again.organisation_id == export.organisation_id
    assert read_signed(export.text()).payload == payload
    text = export.text()
    for personal in PERSONAL:
        assert personal.lower() not in text.lower(), personal
    assert "console" not in text and "local" not in text  # nor where the team met


def test_the_export_refuses_without_opt_in_a_completed_assessment_or_a_key(tmp_path):
    def refusal(council, config=None):
        config = config or council.config()
        application = build(config)
        try:
            with pytest.raises((BenchmarkError, SecretKeyError)) as refused:
                export_submission(application.database, config, NOW)
        finally:
            application.database.dispose()
        return str(refused.value)

    shy = make_council(tmp_path / "shy", SCORES[0], share_in_yaml=False)
    seed_without_opt_in = make_council(tmp_path / "quiet", None)
    seed(seed_without_opt_in, SCORES[1], declare=False)
    assert "has not opted in" in refusal(seed_without_opt_in)
    unfinished = make_council(tmp_path / "unfinished", None)
    seed(unfinished, SCORES[1], finish=False)
    assert "no completed assessment" in refusal(unfinished)
    no_key = shy.config().model_copy(update={"database": shy.config().database.model_copy(update={"secret_keys": ()})})
    assert "ACCORD_SECRET_KEYS" in refusal(shy, no_key)


def test_the_opt_in_and_type_may_come_from_app_yaml(tmp_path):
    council = make_council(tmp_path / "yaml", SCORES[0], share_in_yaml=True)
    application = build(council.config())
    try:
        export = export_submission(application.database, council.config(), NOW)
    finally:
        application.database.dispose()
    assert export.organisation_type == "district"


# --- the hub's checks -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def document(council) -> dict:
    application = build(council.config())
    try:
        return export_submission(application.database, council.config(), NOW).document
    finally:
        application.database.dispose()


def test_a_submission_is_kept_once_per_organisation_and_binds_its_token(hub, document):
    token = hub.new_token("north", NOW)
    first = hub.accept(json.dumps(document), token, NOW)
    again = hub.accept(json.dumps(document), token, NOW)
    assert (first.replaced, again.replaced) == (False, True)
    submissions, tokens = stored(hub)
    assert len(submissions) == 1 and tokens == [("north", document["payload"]["organisation_id"])]
    with pytest.raises(BenchmarkError, match="already a token labelled 'north'"):
        hub.new_token("north", NOW)


def _scale(payload, value):
    payload["questions"]["evidence"]["current"] = value


REFUSALS = {
    "no token": (None, lambda d: json.dumps(d), 401, "No valid token"),
    "wrong token": ("not-a-token", lambda d: json.dumps(d), 401, "No valid token"),
    "not JSON": ("ok", lambda d: b"\x00garbage", 400, "not JSON"),
    "not a benchmark file": ("ok", lambda d: json.dumps({"payload": d["payload"]}), 400, "exactly payload, public_key and signature"),
    "changed after signing": (
        "ok",
        lambda d: json.dumps({**d, "payload": {**d["payload"], "completed_on": "2026-11-03"}}),
        400,
        "signature does not match",
    ),
    "a name slipped in": ("ok", lambda d: resigned(d, lambda p: p.update(names=["Ysolde"])), 400, "never shares: names"),
    "off the scale": ("ok", lambda d: resigned(d, lambda p: _scale(p, 6)), 422, "off the framework's scale"),
    "not a whole number": ("ok", lambda d: resigned(d, lambda p: _scale(p, 2.5)), 422, "off the framework's scale"),
    "theme off the scale": ("ok", lambda d: resigned(d, lambda p: p["themes"]["place"].update(current=0)), 422, "off the framework's scale"),
    "unknown type": ("ok", lambda d: resigned(d, lambda p: p.update(organisation_type="parish")), 422, "Unknown type of council 'parish'"),
    "unknown framework": ("ok", lambda d: resigned(d, lambda p: p["framework"].update(id="other")), 422, "does not know the framework"),
    "unknown question": ("ok", lambda d: resigned(d, lambda p: p["questions"].update(made_up={"current": 1, "ambition": 1})), 422, "not in the framework"),
    "in the future": ("ok", lambda d: resigned(d, lambda p: p.update(completed_on="2027-01-01")), 422, "in the future"),
    "bad id": ("ok", lambda d: resigned(d, lambda p: p.update(organisation_id="North District")), 400, "32 hexadecimal"),
}


def test_bad_input_is_refused_clearly_and_stores_nothing(hub, document):
    token = hub.new_token("north", NOW)
    before = stored(hub)
    for case, (presented, body, status, words) in REFUSALS.items():
        with pytest.raises(BenchmarkError) as refused:
            hub.accept(body(document), token if presented == "ok" else presented, NOW)
        assert (refused.value.status, words in str(refused.value)) == (status, True), (case, str(refused.value))
        assert stored(hub) == before, case


def test_an_organisation_id_keeps_its_key_and_a_token_its_organisation(hub, document):
    token = hub.new_token("north", NOW)
    hub.accept(json.dumps(document), token, NOW)
    before = stored(hub)
    # Someone else's file under north's organisation id, well signed with another key.
    with pytest.raises(BenchmarkError, match="another signing key") as refused:
        hub.accept(resigned(document, lambda p: None), token, NOW)
    assert refused.value.status == 403
    # North's token used to submit a second organisation: one token is one council.
    with pytest.raises(BenchmarkError, match="another organisation") as refused:
        hub.accept(resigned(document, lambda p: p.update(organisation_id="ab" * 16)), token, NOW)
    assert refused.value.status == 403
    assert stored(hub) == before


# --- the aggregate --------------------------------------------------------------------------


def _submit(hub: Hub, scores: tuple[int, int, int], label: str) -> None:
    """A council's submission as its install signs it (the hub needs no database of the council's)."""
    private, public = new_signing_key()
    payload = {
        "format": "accord-benchmark/1",
        "organisation_id": base64.b16encode(label.encode().ljust(16, b"-")[:16]).decode().lower(),
        "organisation_type": "District",
        "framework": {"id": "mini-council", "version": 1, "scale": {"minimum": 1, "maximum": 5}},
        "completed_on": "2026-11-0" + str(1 + len(label) % 9),
        "themes": {
            "place": {"current": (scores[0] + scores[1]) / 2, "ambition": 4.0, "answered": 2},
            "finance": {"current": scores[2], "ambition": 4.0, "answered": 1},
        },
        "questions": {q: {"current": c, "ambition": 5} for q, c in zip(("evidence", "resident-voice", "medium-term"), scores)},
    }
    hub.accept(json.dumps(sign(payload, private, public)), hub.new_token(label, NOW), NOW)


def test_four_districts_give_no_figures_and_five_give_quartiles_only(hub):
    for index, scores in enumerate(SCORES[:4]):
        _submit(hub, scores, f"council-{index}")
    four = hub.peers("district", None)
    assert four["shown"] is False and four["themes"] == [] and four["questions"] == [] and four["organisations"] is None
    assert "Fewer than 5 district councils" in four["reason"]
    assert re.findall(r"\d", json.dumps({k: v for k, v in four.items() if k != "format"}).replace("5", "")) == []
    _submit(hub, SCORES[4], "council-4")
    five = hub.peers(" District ", "mini-council")
    assert five["shown"] is True and five["organisations"] == 5
    place = next(t for t in five["themes"] if t["id"] == "place")
    # place: 1.5, 2.0, 2.5, 3.0, 3.5 -> type 7 quartiles 2.0, 2.5, 3.0.
    assert (place["lower_quartile"], place["median"], place["upper_quartile"], place["organisations"]) == (2.0, 2.5, 3.0, 5)
    assert {tuple(sorted(item)) for item in five["themes"]} == {("id", "lower_quartile", "median", "organisations", "title", "upper_quartile")}
    assert {tuple(sorted(item)) for item in five["questions"]} == {("id", "lower_quartile", "median", "number", "organisations", "upper_quartile")}
    # Nothing names or keys a council.
    text = json.dumps(five)
    with SqlUnitOfWork(hub.database, read_only=True) as uow:
        for row in uow.session.exec(select(BenchmarkSubmissionRow)):
            assert row.organisation_id not in text and row.public_key not in text
    assert hub.peers("county", None)["shown"] is False
    with pytest.raises(BenchmarkError, match="Unknown type of council 'parish'"):
        hub.peers("parish", None)
    with pytest.raises(BenchmarkError, match="Say which type of council"):
        hub.peers(None, None)


def test_the_signing_key_is_kept_encrypted_and_rotates_with_the_other_secrets(tmp_path):
    from bot.benchmark import reencrypt_signing_key
    from storage.benchmark import BenchmarkStore
    from storage.secrets import new_key

    council = make_council(tmp_path / "rotating", SCORES[1])
    config = council.config()
    application = build(config)
    try:
        first = export_submission(application.database, config, NOW)
        with SqlUnitOfWork(application.database, read_only=True) as uow:
            kept = BenchmarkStore(uow.session).identity().signing_key
        assert kept.startswith("fernet:")
        newer = (new_key(), *config.database.secret_keys)
        assert reencrypt_signing_key(application.database, newer) is True
        only_new = config.model_copy(update={"database": config.database.model_copy(update={"secret_keys": newer[:1]})})
        again = export_submission(application.database, only_new, NOW)
        # The same organisation and key: the hub takes it as the same council.
        assert (again.organisation_id, again.document["public_key"]) == (first.organisation_id, first.document["public_key"])
        with pytest.raises(BenchmarkError, match="not in ACCORD_SECRET_KEYS"):
            export_submission(application.database, config, NOW)  # the old key alone no longer opens it
    finally:
        application.database.dispose()


def test_the_commands_say_what_they_did_or_why_not_in_one_line(tmp_path, capsys):
    from bot.cli import main
    from tests.benchmark.conftest import hub_yaml

    quiet = make_council(tmp_path / "quiet", None)
    seed(quiet, SCORES[1], declare=False)
    assert main(["--config", str(quiet.config_path), "benchmark", "export"]) == 2
    refused = (
        "accord: This council has not opted in to the sector benchmark: set organisation.share: true in app.yaml, "
        "or have a super-user say `organisation share`."
    )
    assert capsys.readouterr().err.strip().splitlines() == [refused]
    assert main(["--config", str(quiet.config_path), "benchmark", "import", "x.json"]) == 2
    assert "not a benchmark hub" in capsys.readouterr().err
    assert main(["--config", str(quiet.config_path), "benchmark", "submit"]) == 2
    assert "has not opted in" in capsys.readouterr().err

    council = make_council(tmp_path / "open", SCORES[3])
    exported = tmp_path / "north.json"
    assert main(["--config", str(council.config_path), "benchmark", "export", "--output", str(exported)]) == 0
    assert "holds no names, notes or individual votes" in capsys.readouterr().out
    assert main(["--config", str(council.config_path), "benchmark", "submit"]) == 2
    assert "No hub is set" in capsys.readouterr().err

    hub_directory = tmp_path / "hub"
    hub_directory.mkdir()
    (hub_directory / "app.yaml").write_text(hub_yaml(hub_directory), encoding="utf-8")
    hub_config = str(hub_directory / "app.yaml")
    assert main(["--config", hub_config, "benchmark", "token", "new", "north"]) == 0
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", capsys.readouterr().out.strip())
    assert main(["--config", hub_config, "benchmark", "import", str(exported)]) == 0
    assert "Took the first submission of organisation" in capsys.readouterr().out
    exported.write_text(exported.read_text().replace('"current": 3', '"current": 4', 1))
    assert main(["--config", hub_config, "benchmark", "import", str(exported)]) == 2
    assert "signature does not match" in capsys.readouterr().err
