"""Chart images for Teams cards: unguessable, expiring URLs served by `accord serve`, or inline.

Teams shows an Adaptive Card's image by fetching its URL, so a chart needs an address. The
address carries the chart itself and its expiry, signed with HMAC-SHA256:

    {base}/api/teams/charts/{payload}.{signature}.png

`payload` is the chart specification and the expiry time (JSON, zlib, base64url) and
`signature` a MAC over it with the server's key. Nobody can make or alter an address without
the key, an address stops working at its expiry (HTTP 410), and no table is needed: any
`accord serve` worker with the same key can draw the image. The key comes from the bot's app
password (so every worker of one bot agrees) or, in local mode, is random per process.

Inline: where a card can carry the picture itself (a data URI; Teams and the Agents
Playground both draw them), a small rendering goes inline, as long as it keeps the card well
inside Teams' 28 KB message limit; larger charts (a radar over many themes) use the URL. Either
way the image links to the full-size URL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.charts import ChartRenderer, render_png
from engine.views import Chart, ChartKind, Series

ROUTE = "/api/teams/charts/{token}.png"
DEFAULT_LIFETIME = timedelta(days=30)
INLINE_DPI = 60
# Teams shows card images of at most 1024x1024 px (Adaptive Card image guidance): at 128 dpi the
# widest chart (8 x 5 in) is 1024 x 640 and the radar (7 x 7 in) 896 x 896.
TEAMS_DPI = 128
# Teams refuses bot messages over about 28 KB; keep an inline image well under that.
INLINE_BUDGET = 20_000


class ChartLinkError(Exception):
    """An address that was not made by this server, or has expired."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def signing_key(app_password: str | None) -> bytes:
    """The key chart addresses are signed with: from the app password, else random (local mode)."""
    if app_password:
        return hmac.new(app_password.encode("utf-8"), b"accord teams chart links v1", hashlib.sha256).digest()
    return secrets.token_bytes(32)


class ChartImages:
    """Makes the image reference a card uses for a chart, and checks the addresses it made."""

    def __init__(
        self,
        key: bytes,
        base_url: Callable[[], str | None],
        clock: Callable[[], datetime],
        renderer: ChartRenderer | None = None,
        *,
        lifetime: timedelta = DEFAULT_LIFETIME,
        inline_budget: int = INLINE_BUDGET,
    ) -> None:
        self._key = key
        self._base_url = base_url
        self._clock = clock
        # Its own renderer at Teams' size, sharing the disk cache if there is one (keys name the dpi).
        self.renderer = ChartRenderer(dpi=TEAMS_DPI, cache_dir=renderer.cache_dir if renderer is not None else None)
        self._lifetime = lifetime
        self._inline_budget = inline_budget
        self._inline_cache: dict[str, str | None] = {}

    # -------------------------------------------------------------- addresses

    def url(self, chart: Chart) -> str | None:
        """The chart's address, or None when Accord has no address to offer (`teams.public_url`)."""
        base = self._base_url()
        if base is None:
            return None
        return base.rstrip("/") + ROUTE.format(token=self.seal("chart", chart_to_dict(chart)))

    def chart_for(self, token: str) -> Chart:
        """The chart an address stands for; ChartLinkError if it is forged, damaged or expired."""
        data = self.unseal("chart", token)
        try:
            return chart_from_dict(data)
        except (ValueError, KeyError, TypeError, IndexError):
            raise ChartLinkError("not a chart address") from None

    def seal(self, kind: str, data: dict, lifetime: timedelta | None = None) -> str:
        """A token carrying `data`, its kind and its expiry, signed: for any unguessable address."""
        expires = int((self._clock() + (lifetime or self._lifetime)).timestamp())
        payload = zlib.compress(json.dumps({"k": kind, "d": data, "e": expires}, separators=(",", ":")).encode(), 9)
        body = _b64(payload)
        return f"{body}.{_b64(self._mac(body))}"

    def unseal(self, kind: str, token: str) -> dict:
        body, _, signature = token.partition(".")
        try:
            given = _unb64(signature)
        except (binascii.Error, ValueError):
            raise ChartLinkError("not an address Accord made") from None
        if not body or not hmac.compare_digest(given, self._mac(body)):
            raise ChartLinkError("not an address Accord made")
        try:
            sealed = json.loads(zlib.decompress(_unb64(body)))
            expires = int(sealed["e"])
            if sealed["k"] != kind:
                raise ValueError(kind)
            data = sealed["d"]
        except (ValueError, KeyError, TypeError, zlib.error, binascii.Error):
            raise ChartLinkError("not an address Accord made") from None
        if self._clock().timestamp() > expires:
            raise ChartLinkError("this address has expired", expired=True)
        return data

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()[:18]

    # ------------------------------------------------------------------ inline

    def inline(self, chart: Chart) -> str | None:
        """A data URI of a small rendering, or None when it would not fit in a card."""
        key = json.dumps(chart_to_dict(chart), sort_keys=True)
        if key not in self._inline_cache:
            png = render_png(chart, dpi=INLINE_DPI)
            uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            self._inline_cache[key] = uri if len(uri) <= self._inline_budget else None
            if len(self._inline_cache) > 128:
                self._inline_cache.pop(next(iter(self._inline_cache)))
        return self._inline_cache[key]

    def render(self, chart: Chart) -> bytes:
        return self.renderer.render(chart)


def chart_to_dict(chart: Chart) -> dict:
    return {
        "k": ChartKind(chart.kind).value,
        "t": chart.title,
        "c": list(chart.categories),
        "s": [[s.name, list(s.values)] for s in chart.series],
        "a": chart.alt_text,
        "r": [chart.scale_min, chart.scale_max],
    }


def chart_from_dict(data: dict) -> Chart:
    return Chart(
        kind=ChartKind(data["k"]),
        title=str(data["t"]),
        categories=tuple(str(c) for c in data["c"]),
        series=tuple(Series(str(name), tuple(None if v is None else float(v) for v in values)) for name, values in data["s"]),
        alt_text=str(data["a"]),
        scale_min=int(data["r"][0]),
        scale_max=int(data["r"][1]),
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
