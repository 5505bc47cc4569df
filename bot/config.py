"""Configuration: load ``app.yaml``, substitute ``${VAR}`` references, validate, report.

Everything that can be wrong with the file is found here, before anything starts, and reported
to a person as one :class:`ConfigError` whose message names each key and what is wrong with it::

    app.yaml is not valid:
      - disagreement.max_spread: must be 0 or more (got -1)
      - databse: unknown key (did you mean 'database'?)

Order of work in :func:`parse_config`:

1. parse the YAML (safely; see ``_Loader`` for the two ways it differs from ``yaml.safe_load``);
2. walk the parsed tree and substitute ``${VAR}`` / ``${VAR:-default}`` in string values, so a
   value from the environment containing ``#`` or ``:`` cannot change the YAML's structure;
   ``$${VAR}`` stands for a literal ``${VAR}``;
3. apply ``ACCORD_DATABASE_URL`` (when set and non-empty) over ``database.url``, and
   ``ACCORD_SECRET_KEYS`` over ``database.secret_keys``;
4. validate with the pydantic models below and translate pydantic's errors into plain English.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping
from datetime import time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml

from engine.comparison import COUNCIL_TYPES
from engine.framework import NoAliases
from storage.secrets import KEY_VARIABLE, parse_keys
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "ConfigError",
    "Config",
    "OrganisationConfig",
    "LegalConfig",
    "DatabaseConfig",
    "FrameworksConfig",
    "AssessmentConfig",
    "DisagreementConfig",
    "RemindersConfig",
    "QuietHours",
    "DigestsConfig",
    "ReportConfig",
    "ComparisonConfig",
    "BenchmarkConfig",
    "SlackConfig",
    "TeamsConfig",
    "ServerConfig",
    "load_config",
    "parse_config",
    "parse_duration",
    "DEFAULT_CONFIG_FILE",
    "NO_CONFIG_NOTICE",
    "CONFIG_ENV_VAR",
    "DATABASE_URL_ENV_VAR",
    "SECRET_KEYS_ENV_VAR",
]

DEFAULT_CONFIG_FILE = "app.yaml"
CONFIG_ENV_VAR = "ACCORD_CONFIG"
DATABASE_URL_ENV_VAR = "ACCORD_DATABASE_URL"
SECRET_KEYS_ENV_VAR = KEY_VARIABLE  # "ACCORD_SECRET_KEYS"


class ConfigError(Exception):
    """Raised for a missing, unreadable or invalid app.yaml. str(err) is the full message for a person."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        #: The individual problems (``"dotted.key: what is wrong"``), when there are any.
        self.problems: list[str] = list(problems or [])


# --------------------------------------------------------------------------------------------
# Field helpers: every custom check raises PydanticCustomError("accord", message), whose message
# is shown to the person exactly as written (see _describe_error).
# --------------------------------------------------------------------------------------------

_ACCORD_ERROR = "accord"


def _fail(message: str) -> PydanticCustomError:
    # Without a context dict, pydantic shows the template as written (braces included).
    return PydanticCustomError(_ACCORD_ERROR, message)


def _show(value: Any) -> str:
    """A value as the person wrote it in YAML, for ``(got ...)``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "a group of keys"
    if isinstance(value, (list, tuple)):
        return "a list"
    return str(value)


def _between(low: float, high: float):
    def check(value: float) -> float:
        if not low <= value <= high:
            raise _fail(f"must be between {low:g} and {high:g} (got {_show(value)})")
        return value

    return AfterValidator(check)


def _at_least(low: int):
    def check(value: int) -> int:
        if value < low:
            raise _fail(f"must be {low} or more (got {_show(value)})")
        return value

    return AfterValidator(check)


def _blank_is_none(value: Any) -> Any:
    """``${SLACK_BOT_TOKEN:-}`` gives ``""``: an optional setting left empty means "not set"."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _not_blank(value: str) -> str:
    if not value:
        raise _fail("must not be empty")
    return value


def _http_url(value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^\s/]+", value):
        raise _fail(f"must be a web address starting with https:// or http:// (got {_show(value)})")
    return value


_DURATION_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_DURATION_PART = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")


def parse_duration(text: str) -> timedelta:
    """Parse ``"90m"``, ``"4h"``, ``"1d"``, ``"1d 12h"``, ``"2 days"`` into a timedelta.

    Raises ValueError for anything else (a bare number has no unit, so it is refused).
    """
    source = text.strip().lower()
    total = 0
    position = 0
    while position < len(source):
        match = _DURATION_PART.match(source, position)
        if not match or match.group(2) not in _DURATION_UNITS:
            raise ValueError(f"{text!r} is not a duration")
        total += int(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if position == 0:
        raise ValueError(f"{text!r} is not a duration")
    try:
        return timedelta(seconds=total)
    except OverflowError:  # "99999999999w": more than a timedelta holds (found by tests/fuzz)
        raise ValueError(f"{text!r} is longer than any duration Accord can use") from None


def _duration(value: Any) -> Any:
    if isinstance(value, timedelta):
        result = value
    else:
        try:
            if isinstance(value, bool) or not isinstance(value, str):
                raise ValueError
            result = parse_duration(value)
        except ValueError:
            raise _fail(f"{_show(value)} is not a duration (use e.g. 30m, 4h, 2d)") from None
    if result <= timedelta(0):
        raise _fail(f"must be longer than zero (got {_show(value)})")
    return result


_HH_MM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _time_of_day(value: Any) -> Any:
    if isinstance(value, time):
        return value
    match = _HH_MM.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise _fail(f"{_show(value)} is not a time of day (use 24-hour HH:MM, e.g. 18:00)")
    return time(int(match.group(1)), int(match.group(2)))


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {value!r}"
        close = difflib.get_close_matches(value, sorted(available_timezones()), n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        else:
            message += " (use a name from the IANA time zone database, e.g. 'Europe/London')"
        raise _fail(message) from None
    return value


_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise _fail(
            "must be a framework slug: lowercase letters, digits and hyphens, "
            f"e.g. 'efficient-councils' (got {_show(value)})"
        )
    return value


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", url)


def _database_url(value: str) -> str:
    # Kept as the person wrote it, so every message shows their URL: storage.database reads
    # postgres:// and postgresql:// as psycopg 3 (SQLAlchemy's plain postgresql:// means psycopg2).
    if value.startswith(("sqlite://", "postgres://", "postgresql://", "postgresql+psycopg://")):
        return value
    raise _fail(
        "must start with sqlite:// or postgresql:// "
        f"(e.g. sqlite:///accord.db or postgresql://user:password@host/accord) "
        f"(got {_show(_hide_password(value))})"
    )


def _cron(value: str) -> str:
    if len(value.split()) != 5:
        raise _fail(
            "must be a cron expression with 5 fields (minute hour day month weekday), "
            f"e.g. '0 9 * * mon' (got {_show(value)})"
        )
    return value


def _list_of_text(value: Any) -> Any:
    """Accept a single path, nothing, or an empty ${VAR:-} where a list of paths is expected."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return value


Text = Annotated[str, BeforeValidator(_strip), AfterValidator(_not_blank)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_is_none), BeforeValidator(_strip)]
OptionalUrl = Annotated[OptionalText, AfterValidator(_http_url)]
Duration = Annotated[timedelta, BeforeValidator(_duration)]
TimeOfDay = Annotated[time, BeforeValidator(_time_of_day)]


# --------------------------------------------------------------------------------------------
# The schema
# --------------------------------------------------------------------------------------------


class _Section(BaseModel):
    """Base for every section: unknown keys are errors; an empty section means its defaults."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _empty_sections_are_defaults(cls, data: Any) -> Any:
        # "reminders:" with every setting commented out parses as None; treat it as {}.
        if isinstance(data, dict):
            for name, field in cls.model_fields.items():
                annotation = field.annotation
                if (
                    name in data
                    and data[name] is None
                    and isinstance(annotation, type)
                    and issubclass(annotation, _Section)
                ):
                    data = {**data, name: {}}
        return data


class OrganisationConfig(_Section):
    name: Text = "Your organisation"
    timezone: Annotated[Text, AfterValidator(_timezone)] = "Europe/London"
    type: OptionalText = None
    # Opt in to the sector benchmark across installs (`accord benchmark export`, docs/reports.md).
    share: bool = False
    # The organisation's own website: the developer's website in the Teams package.
    website: OptionalUrl = None
    # What the channel reads (issue 19): en, cy, or bilingual (Welsh first, then English); a
    # person who chose nothing and whose platform names no language we speak reads it too.
    language: Literal["en", "cy", "bilingual"] = "en"

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _language(value: str) -> str:
    if not _LANGUAGE_TAG.match(value):
        raise _fail(f"must be a language tag such as 'en-GB' or 'cy' (got {_show(value)})")
    return value


class LegalConfig(_Section):
    """The privacy notice and terms of use `accord serve` shows at /privacy and /terms (bot/legal_pages.py)."""

    # Who answers questions about a person's data (the data protection officer): an email
    # address, a web address or a sentence. Named on both pages.
    contact: OptionalText = None
    # Your own texts, replacing the built-in ones; empty means the built-in text, made from
    # the organisation's name and what Accord actually stores (docs/privacy.md).
    privacy: OptionalText = None
    terms: OptionalText = None
    # The language your own texts are written in (the built-in ones are British English).
    language: Annotated[Text, AfterValidator(_language)] = "en-GB"


def _secret_keys(value: Any) -> Any:
    """Keys as "new,old" (newest first, as ACCORD_SECRET_KEYS gives them) or a YAML list; each a Fernet key."""
    if value is None:
        return ()
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        try:
            return parse_keys(value)
        except ValueError as problem:
            raise _fail(str(problem)) from None
    return value


class DatabaseConfig(_Section):
    url: Annotated[Text, AfterValidator(_database_url)] = "sqlite:///accord.db"
    echo: bool = False
    # Keys that encrypt the secrets Accord keeps in the database (Slack's OAuth tokens): the
    # first encrypts, every one decrypts, so a new key goes first and the old one stays until
    # `accord secrets rotate` has run. Empty: a database without tokens needs none.
    secret_keys: Annotated[tuple[str, ...], BeforeValidator(_secret_keys)] = Field(default=(), repr=False)


class FrameworksConfig(_Section):
    default: Annotated[Text, AfterValidator(_slug)] = "efficient-councils"
    paths: Annotated[list[Text], BeforeValidator(_list_of_text)] = Field(default_factory=list)


class AssessmentConfig(_Section):
    auto_reveal: bool = False
    auto_advance: bool = True
    join: Literal["open", "approval"] = "open"  # approval: `join` waits for a super-user's `approve`


class DisagreementConfig(_Section):
    max_spread: Annotated[int, _at_least(0)] = 2
    polarisation_share: float = 0.25
    # Retired in issue 17: kept only to say so clearly to an app.yaml that still sets it.
    min_consensus: Any = None

    @field_validator("min_consensus")
    @classmethod
    def _retired(cls, value: Any) -> Any:
        raise _fail(
            "is no longer used: a question is flagged when the votes split into two camps, span more than "
            "max_spread points, or sit on average more than 1/6 of the scale's points from the median "
            "(docs/configuration.md). Remove this line"
        )

    @field_validator("polarisation_share")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0 < value <= 0.5:
            raise _fail(f"must be more than 0 and at most 0.5 (got {_show(value)})")
        return value

    def thresholds_kwargs(self) -> dict[str, float | int]:
        """Keyword arguments for the engine's disagreement thresholds."""
        return {
            "max_spread": self.max_spread,
            "polarisation_share": self.polarisation_share,
        }


class QuietHours(_Section):
    start: TimeOfDay = time(18, 0)
    end: TimeOfDay = time(8, 0)


class RemindersConfig(_Section):
    enabled: bool = True
    first_after: Duration = timedelta(days=1)
    interval: Duration = timedelta(days=1)
    max_count: Annotated[int, _at_least(0)] = 3
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    weekends_quiet: bool = True


class DigestsConfig(_Section):
    enabled: bool = True
    cron: Annotated[Text, AfterValidator(_cron)] = "0 9 * * mon"


class ReportConfig(_Section):
    output_dir: Text = "accord-report"


class ComparisonConfig(_Section):
    """Comparison with similar organisations (see engine.comparison)."""

    enabled: bool = True
    # Never fewer than three: with two, each organisation could work out the other's scores.
    min_peers: Annotated[int, _at_least(3)] = 5


def _benchmark_url(value: str | None) -> str | None:
    """A hub is reached over HTTPS; plain http only on this machine (tests, a local trial)."""
    if value is None:
        return None
    value = value.rstrip("/")
    if value.startswith("http://") and not re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", value):
        raise _fail(f"must start with https:// (plain http only for 127.0.0.1 or localhost) (got {_show(value)})")
    return value


class BenchmarkConfig(_Section):
    """The sector benchmark across installs (bot.benchmark, bot.benchmark_hub; docs/reports.md)."""

    # This install is a hub: it takes councils' signed submissions and serves their aggregates.
    hub: bool = False
    # Kinds of council a hub accepts; a submission of another type is refused.
    types: Annotated[list[Text], BeforeValidator(_list_of_text)] = Field(
        default_factory=lambda: list(COUNCIL_TYPES)
    )
    # A hub never shows figures for fewer organisations of a type than this (never below five).
    min_organisations: Annotated[int, _at_least(5)] = 5
    # A council's install: where its hub is, and the token the hub gave it.
    hub_url: Annotated[OptionalUrl, AfterValidator(_benchmark_url)] = None
    token: OptionalText = Field(default=None, repr=False)
    # When a council's install fetches the aggregates (and submits a newly completed assessment).
    fetch_cron: Annotated[Text, AfterValidator(_cron)] = "0 6 * * *"


class SlackConfig(_Section):
    signing_secret: OptionalText = Field(default=None, repr=False)
    bot_token: OptionalText = Field(default=None, repr=False)
    client_id: OptionalText = None
    client_secret: OptionalText = Field(default=None, repr=False)
    app_token: OptionalText = Field(default=None, repr=False)
    api_url: OptionalUrl = None

    @property
    def enabled(self) -> bool:
        """Slack is mounted once its signing secret is set."""
        return self.signing_secret is not None


class TeamsConfig(_Section):
    app_id: OptionalText = None
    app_password: OptionalText = Field(default=None, repr=False)
    tenant_id: OptionalText = None
    graph_url: Annotated[Text, AfterValidator(_http_url)] = "https://graph.microsoft.com/v1.0"
    public_url: OptionalUrl = None
    # Unauthenticated Teams for a client on this machine (the Agents Playground). Asked for, never
    # assumed: a Slack-only install has no app id either, and a reverse proxy on the same host
    # connects from 127.0.0.1, so "no app id" must not mean "trust loopback".
    local_mode: bool = False

    @model_validator(mode="after")
    def _local_mode_has_no_app_id(self) -> "TeamsConfig":
        if self.local_mode and self.app_id:
            raise _fail(
                "local_mode is on, which is for trying Accord without an app id, but app_id (MicrosoftAppId) "
                "is set too: turn one of them off (local mode is ACCORD_TEAMS_LOCAL in the shipped app.yaml)"
            )
        return self

    @property
    def enabled(self) -> bool:
        """Teams is mounted once its app id is set, or when local mode is asked for."""
        return self.app_id is not None or self.local_mode


class ServerConfig(_Section):
    host: Text = "127.0.0.1"
    port: Annotated[int, _between(1, 65535)] = 3978
    # Server processes sharing the port (`bot.workers`); more than one needs PostgreSQL.
    workers: Annotated[int, _between(1, 64)] = 1


class Config(_Section):
    organisation: OrganisationConfig = Field(default_factory=OrganisationConfig)
    legal: LegalConfig = Field(default_factory=LegalConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    frameworks: FrameworksConfig = Field(default_factory=FrameworksConfig)
    assessment: AssessmentConfig = Field(default_factory=AssessmentConfig)
    disagreement: DisagreementConfig = Field(default_factory=DisagreementConfig)
    reminders: RemindersConfig = Field(default_factory=RemindersConfig)
    digests: DigestsConfig = Field(default_factory=DigestsConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    comparison: ComparisonConfig = Field(default_factory=ComparisonConfig)
    benchmark: BenchmarkConfig = Field(default_factory=BenchmarkConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    teams: TeamsConfig = Field(default_factory=TeamsConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)


#: Keys whose values never appear in an error message.
_SECRET_KEYS = {
    "database.secret_keys",
    "slack.signing_secret",
    "slack.bot_token",
    "slack.client_secret",
    "slack.app_token",
    "teams.app_password",
    "benchmark.token",
}


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------


class _Loader(NoAliases, yaml.SafeLoader):
    """``yaml.SafeLoader`` with three fixes for hand-written configuration.

    * YAML 1.1 reads an unquoted ``18:00`` as the base-60 integer 1080 (but ``08:00`` as text);
      here both stay text, so ``quiet_hours: {start: 18:00}`` means six in the evening.
    * A key given twice in one mapping is an error instead of the last one silently winning.
    * Aliases (``*name``) are refused before any is expanded (`engine.framework.NoAliases`).
    """


_INT_TAG = "tag:yaml.org,2002:int"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _INT_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT_TAG,
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
            |[-+]?0[0-7_]+
            |[-+]?(?:0|[1-9][0-9_]*)
            |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *anchor" may be overridden
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key; the base constructor reports it
            break
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"the key {key!r} appears twice in the same section "
                f"(first at line {first.start_mark.line + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=True)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or "not valid YAML"
        if mark is None:
            raise ConfigError(f"{source}: {problem}") from None
        raise ConfigError(
            f"{source}, line {mark.line + 1}, column {mark.column + 1}: {problem}"
        ) from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{source}: not valid YAML: {err}") from None


# --------------------------------------------------------------------------------------------
# ${VAR} substitution
# --------------------------------------------------------------------------------------------

_REFERENCE = re.compile(
    r"\$\$\{(?P<escaped>[^}]*)\}"  # $${VAR}: a literal ${VAR}
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}"  # ${VAR}, ${VAR:-x}
    r"|(?P<bad>\$\{[^}]*\}?)"  # anything else that starts with ${
)


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _substitute(
    node: Any, environ: Mapping[str, str], path: tuple, problems: dict[str, str]
) -> Any:
    if isinstance(node, dict):
        return {k: _substitute(v, environ, path + (k,), problems) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, environ, path + (i,), problems) for i, v in enumerate(node)]
    if not isinstance(node, str) or "$" not in node:
        return node

    key = _dotted(path)

    def replace(match: re.Match) -> str:
        if match.group("escaped") is not None:
            return "${" + match.group("escaped") + "}"
        if match.group("bad") is not None:
            problems.setdefault(
                key,
                f"{key}: {match.group('bad')} is not a valid reference "
                "(write ${NAME} or ${NAME:-default}, or $${...} for a literal ${...})",
            )
            return match.group(0)
        name, default = match.group("name"), match.group("default")
        value = environ.get(name)
        if default is not None and not value:  # like the shell: unset or empty
            return default
        if value is None:
            problems.setdefault(
                key,
                f"{key} refers to ${{{name}}}, which is not set "
                f"(give it a value, or a default as ${{{name}:-value}})",
            )
            return match.group(0)
        return value

    return _REFERENCE.sub(replace, node)


# --------------------------------------------------------------------------------------------
# Turning pydantic's errors into sentences
# --------------------------------------------------------------------------------------------

_TYPE_MESSAGES = {
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "list_type": "must be a list",
    "model_type": "must be a group of settings (key: value lines indented under it)",
    "model_attributes_type": "must be a group of settings (key: value lines indented under it)",
    "dict_type": "must be a group of settings (key: value lines indented under it)",
}


def _model_at(path: tuple) -> type[BaseModel] | None:
    """The section model found at ``path`` inside Config (list indices skipped)."""
    model: type[BaseModel] = Config
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(part, str) else None
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _all_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        keys.append(prefix + name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(_all_keys(annotation, prefix + name + "."))
    return keys


def _unknown_key(path: tuple) -> str:
    name = str(path[-1])
    parent = _model_at(path[:-1])
    valid = list(parent.model_fields) if parent else []
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    if close:
        return f"unknown key (did you mean {close[0]!r}?)"
    # A setting put in the wrong section: suggest where it lives.
    elsewhere = [k for k in _all_keys(Config) if k.rsplit(".", 1)[-1] == name]
    if elsewhere:
        return f"unknown key here (did you mean {elsewhere[0]!r}?)"
    if valid:
        return "unknown key (the keys here are " + ", ".join(valid) + ")"
    return "unknown key"


def _describe_error(error: Mapping[str, Any]) -> str:
    path = tuple(error["loc"])
    key = _dotted(path) or "(the whole file)"
    kind = error["type"]
    if kind == _ACCORD_ERROR:
        return f"{key}: {error['msg']}"
    if kind == "extra_forbidden":
        return f"{key}: {_unknown_key(path)}"
    value = error.get("input")
    if kind == "string_type":
        message = "must be text"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            message += " (put it in quotes)"
    elif kind in _TYPE_MESSAGES:
        message = _TYPE_MESSAGES[kind]
    else:
        message = error["msg"]
        message = message[:1].lower() + message[1:]
    if key in _SECRET_KEYS:
        return f"{key}: {message}"
    shown = _show(value)
    if key == "database.url" and isinstance(value, str):
        shown = _show(_hide_password(value))
    return f"{key}: {message} (got {shown})"


def _fail_with(source: str, problems: list[str]) -> ConfigError:
    message = f"{source} is not valid:\n" + "\n".join(f"  - {p}" for p in problems)
    return ConfigError(message, problems)


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def parse_config(
    text: str, source: str = DEFAULT_CONFIG_FILE, environ: Mapping[str, str] | None = None
) -> Config:
    """Parse, substitute and validate the text of an app.yaml. ``source`` names it in messages."""
    if environ is None:
        environ = os.environ

    data = _parse_yaml(text, source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _fail_with(
            source,
            [
                "(the whole file): must be a set of sections such as 'database:' and "
                f"'reminders:', each with its settings indented under it (got {_show(data)})"
            ],
        )

    substitution_problems: dict[str, str] = {}
    data = _substitute(data, environ, (), substitution_problems)

    override = environ.get(DATABASE_URL_ENV_VAR)
    if override:
        database = data.get("database")
        if database is None:
            database = {}
        if isinstance(database, dict):
            data["database"] = {**database, "url": override}
            substitution_problems.pop("database.url", None)

    # Like the URL: an app.yaml written before keys existed still takes them from the environment.
    keys = environ.get(SECRET_KEYS_ENV_VAR)
    if keys and keys.strip():
        database = data.get("database")
        if database is None:
            database = {}
        if isinstance(database, dict):
            data["database"] = {**database, "secret_keys": keys}
            substitution_problems.pop("database.secret_keys", None)

    problems = list(substitution_problems.values())
    try:
        config = Config.model_validate(data)
    except ValidationError as err:
        for error in err.errors():
            # A value with an unresolved ${VAR} is already reported; don't report it twice.
            key = _dotted(tuple(error["loc"]))
            if any(key == k or key.startswith(k + ".") for k in substitution_problems):
                continue
            problems.append(_describe_error(error))
        if not problems:  # pragma: no cover - defensive
            raise ConfigError(f"{source} is not valid:\n{err}") from None
    else:
        if not problems:
            return config

    if len(problems) == 1 and substitution_problems:
        raise ConfigError(f"{source}: {problems[0]}", problems)
    raise _fail_with(source, problems)


NO_CONFIG_NOTICE = (
    f"No {DEFAULT_CONFIG_FILE} here: using the built-in defaults (see docs/configuration.md)."
)


def load_config(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    notice: Callable[[str], None] | None = None,
) -> Config:
    """Load app.yaml from ``path``; if None, from ``$ACCORD_CONFIG``, else ``./app.yaml``.

    With neither a path nor ``$ACCORD_CONFIG`` and no ``./app.yaml``, every setting takes its
    default (the environment still applies, e.g. ``ACCORD_DATABASE_URL``) and ``notice`` is told
    so. A file that was named and is missing stays an error: the person meant that file.
    """
    if environ is None:
        environ = os.environ
    if path is None and not environ.get(CONFIG_ENV_VAR) and not os.path.exists(DEFAULT_CONFIG_FILE):
        if notice is not None:
            notice(NO_CONFIG_NOTICE)
        return parse_config("", source="the built-in defaults", environ=environ)
    if path is None:
        path = environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_FILE
    source = os.fspath(path)
    absolute = os.path.abspath(source)

    if not os.path.exists(absolute):
        raise ConfigError(
            f"No configuration at {absolute}. "
            "Copy app.yaml from the Accord repository or pass --config PATH."
        )
    try:
        with open(absolute, "rb") as handle:
            raw = handle.read()
    except OSError as err:
        raise ConfigError(f"Cannot read {absolute}: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(
            f"{source} is not UTF-8 text (byte 0x{raw[err.start]:02x} at position {err.start}); "
            "save it as UTF-8."
        ) from None
    return parse_config(text, source=source, environ=environ)
