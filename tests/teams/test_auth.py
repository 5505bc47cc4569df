"""With an app id configured, every activity must carry a valid Bot Framework token.

The Bot Framework's OpenID keys are stood in for by the fake connector (an RSA key endorsed
for "msteams", served on 127.0.0.1); tokens are signed here exactly as the Bot Framework signs
them (RS256, issuer https://api.botframework.com, audience the bot's app id, the serviceurl
claim). An unsigned request, a token signed with another key, a token for another bot, an
expired one or plain garbage: 401, nothing stored, nothing sent. A valid one is served.
"""

from __future__ import annotations

import json
import time
import uuid

import jwt
import pytest
from botframework.connector.auth import MicrosoftAppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from adapters.teams.platform import TeamsOptions
from engine.assessment import Conversation
from storage.unit_of_work import SqlUnitOfWork
from tests.teams.conftest import CHANNEL, SAM, TENANT

pytestmark = pytest.mark.wire  # an adapter's edge, not storage: SQLite alone (tests/conftest.py)

APP_ID = "11111111-2222-3333-4444-555555555555"
KEY_ID = "test-key-1"


class NoOutboundTokens(ServiceClientCredentialsFactory):
    """Outbound calls go to the fake connector, which needs no token: never ask Azure AD for one."""

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id, oauth_scope, login_endpoint, validate_authority):
        return MicrosoftAppCredentials.empty()


@pytest.fixture(scope="module")
def keys():
    trusted = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return trusted, stranger


def token(private_key, activity: dict, *, audience: str = APP_ID, expires_in: int = 3600, kid: str = KEY_ID) -> str:
    now = int(time.time())
    claims = {
        "iss": "https://api.botframework.com",
        "aud": audience,
        "serviceurl": activity.get("serviceUrl"),
        "nbf": now - 60,
        "exp": now + expires_in,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
async def secured(make_teams, connector, keys):
    trusted, _ = keys
    public = json.loads(RSAAlgorithm.to_jwk(trusted.public_key()))
    connector.jwks = {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]}]}
    options = TeamsOptions(
        openid_metadata_url=f"{connector.url}/openid/.well-known/openid-configuration",
        credentials_factory=NoOutboundTokens(),
        stand_in_connector=connector.url,
    )
    return await make_teams(app_id=APP_ID, options=options)


def nothing_stored(teams) -> bool:
    with SqlUnitOfWork(teams.application.database, read_only=True) as uow:
        return uow.assessments.latest_in(Conversation("msteams", TENANT, CHANNEL)) is None and uow.outbox.pending() == 0


def start_activity(teams) -> dict:
    return teams.activity(
        SAM, text="<at>Accord</at> start", entities=[{"type": "mention", "text": "<at>Accord</at>", "mentioned": {"id": "28:accord-bot", "name": "Accord"}}]
    )


async def test_authenticated_mode_is_said_at_start_up(secured):
    assert f"authenticated as app {APP_ID}" in secured.platform.describe()


@pytest.mark.parametrize(
    "authorization",
    [
        None,  # unsigned
        "Bearer not-a-token",
        "Basic c2FtOnNlY3JldA==",
    ],
)
async def test_unsigned_or_garbage_requests_get_401_and_change_nothing(secured, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    status, body = await secured.post(start_activity(secured), headers=headers)
    assert status == 401
    assert "token" in body["error"]["message"]
    assert nothing_stored(secured)
    assert secured.connector.sent == []


async def test_a_token_signed_with_another_key_gets_401(secured, keys):
    _, stranger = keys
    activity = start_activity(secured)
    status, _ = await secured.post(activity, headers={"Authorization": f"Bearer {token(stranger, activity)}"})
    assert status == 401
    assert nothing_stored(secured)


async def test_a_token_for_another_bot_or_expired_or_for_another_service_gets_401(secured, keys):
    trusted, _ = keys
    activity = start_activity(secured)
    for forged in (
        token(trusted, activity, audience="someone-elses-bot"),
        token(trusted, activity, expires_in=-3600),
        token(trusted, {**activity, "serviceUrl": "https://smba.example/elsewhere"}),
        token(trusted, activity, kid="unknown-key"),
    ):
        status, _ = await secured.post(activity, headers={"Authorization": f"Bearer {forged}"})
        assert status == 401
    assert nothing_stored(secured)


async def test_a_signed_activity_naming_a_plain_http_service_url_is_refused(secured, keys):
    """With an app id, Accord sends only to https connectors, even for a validly signed activity."""
    trusted, _ = keys
    activity = {**start_activity(secured), "serviceUrl": "http://smba.example/emea/"}
    status, body = await secured.post(activity, headers={"Authorization": f"Bearer {token(trusted, activity)}"})
    assert status == 400
    assert "https" in body["error"]["message"]
    assert nothing_stored(secured)
    assert secured.connector.sent == []


async def test_a_properly_signed_activity_is_served(secured, keys):
    trusted, _ = keys
    activity = start_activity(secured)
    status, _ = await secured.post(activity, headers={"Authorization": f"Bearer {token(trusted, activity)}"})
    assert status == 201
    await secured.settle()
    assert not nothing_stored(secured)
    assert any(s.card and s.card.get("refresh") for s in secured.connector.sent)


async def test_without_a_public_address_no_links_are_offered_and_start_up_says_why(secured, keys):
    trusted, _ = keys
    assert secured.platform.base_url() is None
    assert "teams.public_url" in secured.platform.describe()
    for text in ("start", "export html"):
        activity = secured.activity(
            SAM, text=f"<at>Accord</at> {text}",
            entities=[{"type": "mention", "text": "<at>Accord</at>", "mentioned": {"id": "28:accord-bot", "name": "Accord"}}],
        )  # fmt: skip
        status, _ = await secured.post(activity, headers={"Authorization": f"Bearer {token(trusted, activity)}"})
        assert status == 201
        await secured.settle()
    sent = "".join(s.text for s in secured.connector.sent)
    assert "can't offer the report as a download" in sent
    assert "/api/teams/reports/" not in sent and "/api/teams/charts/" not in sent
