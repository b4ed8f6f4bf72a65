"""Settings read from the environment or `.env` (GUIDE section 4)."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain import CrmKind, SignoffMode, member, whole_number
from bot.errors import SettingsError
from bot.rules.policy import DEFAULT_WEIGHTS, Limits

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Base(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)


_S = TypeVar("_S", bound=_Base)


class DatabaseSettings(_Base):
    """What the database commands need: only the database URL."""

    database_url: str = Field(default="sqlite:///reference_bot.db", alias="DATABASE_URL")

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a database URL (expected e.g. sqlite:///reference_bot.db)") from exc
        return value


class ProgramSettings(DatabaseSettings):
    """The database, and the time zone in which the program counts days."""

    timezone: str = Field(default="UTC", alias="TIMEZONE")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("not an IANA time zone such as Europe/Berlin") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # The currency deal amounts are given in (ISO 4217 code), stored with each ask and shown beside amounts.
    currency: str = Field(default="USD", alias="CURRENCY")

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError("not a three-letter currency code such as USD or EUR")
        return code

    # The policy's defaults: what `serve`, the digest and `program show` count touches against.
    touch_limit: int = Field(default=3, ge=1, le=100, alias="TOUCH_LIMIT")
    touch_window_days: int = Field(default=90, ge=1, le=730, alias="TOUCH_WINDOW_DAYS")
    contact_touch_limit: int = Field(default=2, ge=1, le=100, alias="CONTACT_TOUCH_LIMIT")
    contact_window_days: int = Field(default=90, ge=1, le=730, alias="CONTACT_WINDOW_DAYS")
    rest_days: int = Field(default=14, ge=0, le=365, alias="REST_DAYS")
    touch_weights: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict, alias="TOUCH_WEIGHTS")

    @field_validator("touch_weights", mode="before")
    @classmethod
    def _weights(cls, value: object) -> dict[str, int]:
        from bot.domain import AskType

        if isinstance(value, dict):
            return {str(k): int(v) for k, v in value.items()}
        weights: dict[str, int] = {}
        for item in str(value or "").split(","):
            if not item.strip():
                continue
            name, _, number = item.partition("=")
            name = name.strip().lower()
            if name not in {t.value for t in AskType}:
                raise ValueError(f"unknown type '{name}'; use e.g. case_study=2,video_testimonial=3")
            weight = whole_number(number.strip())
            if weight is None or not 0 <= weight <= 10:
                raise ValueError(f"weight of {name} must be a whole number from 0 to 10")
            weights[name] = int(number)
        return weights

    # A customer whose open renewal closes within this many days is in a quiet period (CRM set; 0: never).
    renewal_quiet_days: int = Field(default=60, ge=0, le=365, alias="RENEWAL_QUIET_DAYS")
    # After this many days a contact's willingness is confirmed again with the account owner (0: never).
    consent_reverify_days: int = Field(default=180, ge=0, le=3650, alias="CONSENT_REVERIFY_DAYS")

    @property
    def limits(self) -> Limits:
        return Limits(
            customer_max=self.touch_limit,
            customer_window_days=self.touch_window_days,
            contact_max=self.contact_touch_limit,
            contact_window_days=self.contact_window_days,
            rest_days=self.rest_days,
            weights={**DEFAULT_WEIGHTS, **self.touch_weights},
            quiet_days=self.renewal_quiet_days,
            reverify_days=self.consent_reverify_days,
        )


class DirectorySettings(ProgramSettings):
    """What customer import needs: the database, and Slack to resolve account-owner emails."""

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"


def _listed(value: object) -> list[str]:
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


class CrmSettings(DirectorySettings):
    """What `crm sync` needs: the database, Slack (owners' emails), and the CRM with its credentials."""

    crm: CrmKind = Field(default=CrmKind.NONE, alias="CRM")
    crm_sync_minutes: int = Field(default=60, ge=5, le=1440, alias="CRM_SYNC_MINUTES")
    crm_write_back: bool = Field(default=False, alias="CRM_WRITE_BACK")
    # Opportunity types (Salesforce `Type`, HubSpot `dealtype`) that are renewals, compared without case.
    crm_renewal_types: Annotated[list[str], NoDecode] = Field(default=["Renewal"], alias="CRM_RENEWAL_TYPES")
    # Open cases (Salesforce) or tickets (HubSpot) of these priorities put the customer in a quiet period.
    crm_case_priorities: Annotated[list[str], NoDecode] = Field(default=["High"], alias="CRM_CASE_PRIORITIES")
    # The account's field holding its reference status (active / paused / do_not_contact); none by default.
    crm_status_field: str = Field(default="", alias="CRM_STATUS_FIELD")
    # The account's field listing its products (";"-separated); by default the products of won opportunities.
    crm_products_field: str = Field(default="", alias="CRM_PRODUCTS_FIELD")
    # Billing country -> region, over the built-in mapping (bot.rules.crm_mapping): "Germany=DACH,Mexico=NA".
    crm_regions: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict, alias="CRM_REGIONS")
    # A CA bundle for the CRM's TLS (a company proxy that inspects TLS, or a test's own server).
    crm_ca_bundle: str | None = Field(default=None, alias="CRM_CA_BUNDLE")
    salesforce_username: str | None = Field(default=None, alias="SALESFORCE_USERNAME")
    salesforce_password: SecretStr | None = Field(default=None, alias="SALESFORCE_PASSWORD")
    salesforce_security_token: SecretStr | None = Field(default=None, alias="SALESFORCE_SECURITY_TOKEN")
    salesforce_domain: str = Field(default="login", alias="SALESFORCE_DOMAIN")
    salesforce_consumer_key: str | None = Field(default=None, alias="SALESFORCE_CONSUMER_KEY")
    salesforce_private_key_file: str | None = Field(default=None, alias="SALESFORCE_PRIVATE_KEY_FILE")
    salesforce_instance_url: str | None = Field(default=None, alias="SALESFORCE_INSTANCE_URL")
    salesforce_session_id: SecretStr | None = Field(default=None, alias="SALESFORCE_SESSION_ID")
    salesforce_api_version: str = Field(default="59.0", alias="SALESFORCE_API_VERSION")
    hubspot_access_token: SecretStr | None = Field(default=None, alias="HUBSPOT_ACCESS_TOKEN")
    hubspot_api_url: str = Field(default="https://api.hubapi.com", alias="HUBSPOT_API_URL")

    @field_validator("crm", mode="before")
    @classmethod
    def _crm(cls, value: object) -> CrmKind:
        kind = member(CrmKind, str(value or "none").strip().lower())
        if kind is None:
            raise ValueError("must be none, salesforce or hubspot")
        return kind

    @field_validator("crm_renewal_types", "crm_case_priorities", mode="before")
    @classmethod
    def _names(cls, value: object) -> list[str]:
        return _listed(value)

    @field_validator("crm_regions", mode="before")
    @classmethod
    def _regions(cls, value: object) -> dict[str, str]:
        if isinstance(value, dict):
            return {str(k).strip().lower(): str(v).strip() for k, v in value.items()}
        regions = {}
        for item in _listed(value):
            country, sep, region = item.partition("=")
            if not sep or not country.strip() or not region.strip():
                raise ValueError(f"'{item}' is not country=region (e.g. Germany=DACH,Mexico=NA)")
            regions[country.strip().lower()] = region.strip()
        return regions

    @field_validator("hubspot_api_url", "salesforce_instance_url")
    @classmethod
    def _crm_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _credentials(self) -> CrmSettings:
        if self.crm is CrmKind.SALESFORCE:
            direct = self.salesforce_instance_url and self.salesforce_session_id
            password = self.salesforce_username and self.salesforce_password
            jwt = self.salesforce_username and self.salesforce_consumer_key and self.salesforce_private_key_file
            if not (direct or password or jwt):
                raise ValueError(
                    "SALESFORCE_USERNAME: CRM=salesforce needs SALESFORCE_USERNAME with SALESFORCE_PASSWORD (and "
                    "SALESFORCE_SECURITY_TOKEN), or with SALESFORCE_CONSUMER_KEY and SALESFORCE_PRIVATE_KEY_FILE "
                    "(JWT), or SALESFORCE_INSTANCE_URL with SALESFORCE_SESSION_ID"
                )
        if self.crm is CrmKind.HUBSPOT and self.hubspot_access_token is None:
            raise ValueError("HUBSPOT_ACCESS_TOKEN: CRM=hubspot needs a private app's access token")
        return self


class Settings(CrmSettings):
    """Everything `serve` needs."""

    slack_bot_token: SecretStr = Field(alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    reference_managers: Annotated[list[str], NoDecode] = Field(alias="REFERENCE_MANAGERS")
    reference_approval_channel: str | None = Field(default=None, alias="REFERENCE_APPROVAL_CHANNEL")
    digest_day: str = Field(default="fri", alias="DIGEST_DAY")
    digest_time: str = Field(default="15:00", alias="DIGEST_TIME")
    # Whether `serve` sends this week's digest at start-up when its moment passed while the bot was down.
    digest_catch_up: bool = Field(default=True, alias="DIGEST_CATCH_UP")
    # Whether the account owner must OK every contact of their customer (`required`) or is only told (`notify`).
    owner_signoff: SignoffMode = Field(default=SignoffMode.REQUIRED, alias="OWNER_SIGNOFF")
    # Channels whose messages are read for reference asks (each gets one offer to file it); none by default.
    watch_channels: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="WATCH_CHANNELS")
    # How long a replica may hold an outbox message without renewing its lease before another takes it over.
    outbox_lease_seconds: int = Field(default=60, ge=1, le=3600, alias="OUTBOX_LEASE_SECONDS")

    @field_validator("reference_managers", mode="before")
    @classmethod
    def _managers(cls, value: object) -> list[str]:
        items: list[object] = []
        if isinstance(value, str):
            items.extend(value.split(","))
        elif isinstance(value, list | tuple):
            items.extend(value)
        ids = [str(item).strip() for item in items if str(item).strip()]
        if not ids:
            raise ValueError("list at least one Slack user ID, e.g. U012ABCDEF")
        bad = [i for i in ids if not _USER_ID.match(i)]
        if bad:
            raise ValueError(f"not Slack user IDs: {', '.join(bad)}")
        return ids

    @field_validator("reference_approval_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if not re.match(r"^[CG][A-Z0-9]{2,}$", value):
            raise ValueError("must be a channel ID such as C012ABCDEF (not a #name)")
        return value

    @field_validator("digest_day")
    @classmethod
    def _day(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in _DAYS:
            raise ValueError("must be a weekday: mon, tue, wed, thu, fri, sat or sun")
        return day

    @field_validator("watch_channels", mode="before")
    @classmethod
    def _watched(cls, value: object) -> list[str]:
        items = value if isinstance(value, list | tuple) else str(value or "").split(",")
        ids = [str(item).strip() for item in items if str(item).strip()]
        bad = [i for i in ids if not re.match(r"^[CG][A-Z0-9]{2,}$", i)]
        if bad:
            raise ValueError(f"not channel IDs (such as C012ABCDEF): {', '.join(bad)}")
        return ids

    @field_validator("owner_signoff", mode="before")
    @classmethod
    def _signoff(cls, value: object) -> SignoffMode:
        mode = member(SignoffMode, str(value).strip().lower())
        if mode is None:
            raise ValueError("must be required or notify")
        return mode

    @field_validator("digest_time")
    @classmethod
    def _time(cls, value: str) -> str:
        try:
            time.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("must be a time of day HH:MM such as 15:00") from exc
        return value.strip()

    @field_validator("slack_signing_secret", "slack_app_token")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("must not be empty (leave it unset instead)")
        return value

    @model_validator(mode="after")
    def _mode(self) -> Settings:
        if self.slack_app_token is None and self.slack_signing_secret is None:
            raise ValueError("SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN)")
        return self

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None


def load(cls: type[_S], **overrides: Any) -> _S:
    """Build settings, turning pydantic's report into one line that names the setting."""
    try:
        settings = cls(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error.get("loc", ()) if part != "__root__"]
        name = loc[0].upper() if loc else ""
        message = error["msg"].removeprefix("Value error, ")
        named = re.match(r"^([A-Z_]+): (.*)$", message)
        if not name and named:
            name, message = named.group(1), named.group(2)
        if error["type"] == "missing":
            message = "required but not set"
        raise SettingsError(f"setting {name}: {message}" if name else f"settings: {message}") from None
    _register_secrets(settings)
    return settings


def _register_secrets(settings: BaseSettings) -> None:
    from sqlalchemy.engine import make_url

    from bot import logs

    for name in (
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "salesforce_password",
        "salesforce_security_token",
        "salesforce_session_id",
        "hubspot_access_token",
    ):
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            logs.add_secrets(value.get_secret_value())
    url = getattr(settings, "database_url", None)
    if url:
        password = make_url(url).password
        if password:
            logs.add_secrets(str(password))
