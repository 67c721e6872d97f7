"""One settings object: built-in defaults, an operator's TOML, then `LOGISTICS_*` environment variables."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from logistics import paths
from logistics.core.limits import MAX_LINE_QUANTITY

ENV_PREFIX = "LOGISTICS_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(ValueError):
    """A setting is missing, unknown or malformed."""


def _setting(help: str, *, secret: bool = False) -> Any:
    return field(metadata={"help": help, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """Every setting the tracker reads; defaults live in config/settings.toml."""

    database_url: str = _setting(
        "SQLAlchemy URL of the database. A relative SQLite path is resolved from the project root "
        "(from the working directory when installed from a wheel)."
    )
    mqtt_url: str = _setting(
        "MQTT broker, as mqtt://[user:password@]host:port (mqtts:// for TLS).", secret=True
    )
    mqtt_topic_prefix: str = _setting(
        "First topic level for telemetry: {prefix}/loggers/{logger_id}/telemetry."
    )
    ingest_client_id: str = _setting(
        "MQTT client id of `logistics ingest`; fixed, so the broker keeps its session. Give each "
        "worker its own."
    )
    ingest_shared_group: str = _setting(
        "Shared-subscription group ($share/GROUP/...) for several ingest workers; empty for one."
    )
    ingest_batch_size: int = _setting(
        "The most messages stored in one transaction (the broker's in-flight window caps it too)."
    )
    telemetry_max_shock_g: float = _setting(
        "Readings reporting a larger shock, in g, are rejected as implausible (the sensor's range)."
    )
    secret_key: str = _setting(
        "Signs session cookies and CSRF tokens. Required by `serve` and `web`; "
        "`demo` makes a throw-away one.",
        secret=True,
    )
    scan_interval_seconds: int = _setting(
        "How often the scheduler evaluates telemetry and raises alerts, in seconds."
    )
    silent_after_minutes: int = _setting(
        "A logger in an active shipment not heard from for this long raises an alarm (not during a "
        "planned flight)."
    )
    smtp_url: str = _setting(
        "SMTP server for e-mail alerts: smtp://, smtp+starttls:// or smtps://[user:password@]host:port; "
        "empty disables e-mail.",
        secret=True,
    )
    alert_from: str = _setting("Sender address of e-mail alerts.")
    public_url: str = _setting("The tracker's address as people reach it, for links in alerts.")
    display_timezone: str = _setting(
        "IANA time zone for times that belong to no site, such as audit entries."
    )
    sqlite_busy_timeout_ms: int = _setting(
        "How long a SQLite connection waits for another writer's lock, in milliseconds."
    )
    session_cookie_secure: bool = _setting(
        "Send the session cookie over HTTPS only. Turn on whenever the site is served over TLS."
    )
    session_lifetime_minutes: int = _setting(
        "A login session ends after this many minutes without a request."
    )
    login_max_failures: int = _setting(
        "Failed sign-ins for one user name (within login_lockout_minutes, since its last success) after "
        "which further attempts are refused until the oldest leaves that window; an address may fail four "
        "times as often, over any names.")
    login_lockout_minutes: int = _setting("The window of login_max_failures, in minutes.")
    signing_max_failures: int = _setting(
        "Wrong passwords given when signing electronically (within signing_lockout_minutes, since the user's "
        "last signature) after which signing is locked for that user, their sessions end and QA and admins "
        "are alerted (21 CFR 11.300(d)).")
    signing_lockout_minutes: int = _setting(
        "The window of signing_max_failures, in minutes; signing stays locked until the oldest of those "
        "failures leaves it.")
    page_size: int = _setting("Rows per page in lists and in paginated API answers.")
    expiry_warning_days: int = _setting(
        "Stock expiring within this many days is listed on the stock page and raises an alert (stock past "
        "its expiry too).")
    receiving_blind_count: bool = _setting(
        "Blind count at receiving: the form lists the lines expected without the quantities shipped, and the "
        "pharmacist types what is in the box; differences show once the receipt is recorded. Off: the counts "
        "start at the quantities shipped.")
    max_quantity: float = _setting(
        "The largest quantity one entry (a shipment line, a count at receipt, a stock movement) may hold, in "
        "the item's unit of issue, for an item that sets no max_quantity of its own.")
    forecast_horizon_days: int = _setting(
        "Review period of the reorder forecast, in days: an order covers the lead time plus this.")
    forecast_service_level: float = _setting(
        "Share of recruitment futures an order must cover without a stock-out (0.95: all but the worst 5 %).")
    forecast_runs: int = _setting("Monte Carlo runs per forecast.")
    forecast_lead_time_days: int = _setting(
        "Door-to-door days from order to receipt, used until enough completed shipments teach it.")
    forecast_lead_time_shipments: int = _setting(
        "Arrived shipments an item's lanes (or, failing them, all completed shipments) need before the "
        "forecast learns lead times from their door-to-door times.")
    forecast_warning_days: int = _setting("An order-by date within this many days raises an alert.")
    forecast_slot_offset_days: int = _setting(
        "Days from a patient's enrolment to their manufacturing slot (apheresis): the forecast asks whether "
        "every item is ready by each upcoming slot.")
    forecast_slots: int = _setting("How many upcoming patient slots the forecast reports (0: none).")
    forecast_slot_alert_probability: float = _setting(
        "A slot whose chance of having every item ready is below this raises an alert (0.95: more than a "
        "1 in 20 risk).")
    recruitment_url: str = _setting(
        "JSON endpoint of the trial's registry or CTMS to pull enrolments from; empty: enrolments are "
        "entered on the recruitment page, through the API or from CSV.")
    recruitment_token: str = _setting(
        "Bearer token sent to recruitment_url (empty: none).", secret=True)
    recruitment_poll_minutes: int = _setting("How often enrolments are pulled from recruitment_url.")
    recruitment_records: str = _setting(
        "Where the list of enrolments sits in the pulled JSON, as a dotted path (empty: the document is "
        "the list).")
    recruitment_patient_field: str = _setting("Field of a pulled enrolment holding the patient's code.")
    recruitment_site_field: str = _setting("Field of a pulled enrolment holding the site code.")
    recruitment_date_field: str = _setting("Field of a pulled enrolment holding its date (ISO 8601).")
    log_level: str = _setting("Logging level: DEBUG, INFO, WARNING or ERROR.")
    pdf_fonts: tuple[str, ...] = _setting(
        "TrueType font files for PDF documents, in order: the first writes, the others supply the "
        "characters it lacks (Thai, Chinese). Empty: DejaVu Sans, a Thai TLWG font and WenQuanYi Zen Hei "
        "from the system. In the environment, separate the paths with `:`."
    )

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.display_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"display_timezone: {self.display_timezone!r} is not an IANA time zone"
            ) from None
        if self.login_max_failures < 1 or self.login_lockout_minutes < 1:
            raise SettingsError("login_max_failures and login_lockout_minutes: must be at least 1")
        if self.signing_max_failures < 1 or self.signing_lockout_minutes < 1:
            raise SettingsError("signing_max_failures and signing_lockout_minutes: must be at least 1")
        if self.page_size < 1:
            raise SettingsError("page_size: must be at least 1")
        if self.expiry_warning_days < 0:
            raise SettingsError("expiry_warning_days: must be zero or more")
        if self.log_level.upper() not in LOG_LEVELS:
            raise SettingsError(f"log_level: {self.log_level!r} is not one of {', '.join(LOG_LEVELS)}")
        if not 1 <= self.max_quantity <= MAX_LINE_QUANTITY:
            raise SettingsError(f"max_quantity: must be from 1 to {MAX_LINE_QUANTITY:,.0f}")
        if self.scan_interval_seconds < 5:
            raise SettingsError("scan_interval_seconds: must be at least 5")
        if not 1 <= self.ingest_batch_size <= 1000:
            raise SettingsError("ingest_batch_size: must be between 1 and 1000")
        if not 1 <= self.telemetry_max_shock_g <= 100_000:
            raise SettingsError("telemetry_max_shock_g: must be between 1 and 100,000")
        self._check_forecast()

    def _check_forecast(self) -> None:
        if not 1 <= self.forecast_horizon_days <= 3650:
            raise SettingsError("forecast_horizon_days: must be between 1 and 3,650")
        if not 0 < self.forecast_service_level < 1:
            raise SettingsError("forecast_service_level: must be more than 0 and less than 1")
        if not 100 <= self.forecast_runs <= 100_000:
            raise SettingsError("forecast_runs: must be between 100 and 100,000")
        if not 0 <= self.forecast_lead_time_days <= 365:
            raise SettingsError("forecast_lead_time_days: must be between 0 and 365")
        if self.forecast_lead_time_shipments < 1:
            raise SettingsError("forecast_lead_time_shipments: must be at least 1")
        if self.forecast_warning_days < 0:
            raise SettingsError("forecast_warning_days: must be zero or more")
        self._check_slots()
        if self.recruitment_poll_minutes < 1:
            raise SettingsError("recruitment_poll_minutes: must be at least 1")

    def _check_slots(self) -> None:
        if not -3650 <= self.forecast_slot_offset_days <= 3650:
            raise SettingsError("forecast_slot_offset_days: must be between -3,650 and 3,650")
        if not 0 <= self.forecast_slots <= 1000:
            raise SettingsError("forecast_slots: must be between 0 and 1,000")
        if not 0 < self.forecast_slot_alert_probability <= 1:
            raise SettingsError("forecast_slot_alert_probability: must be more than 0 and at most 1")

    def masked(self) -> dict[str, Any]:
        """The effective settings with secrets hidden, for `logistics config`."""
        shown: dict[str, Any] = {}
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            if spec.name.endswith("_url"):
                value = mask_url_password(value)
            elif spec.metadata["secret"] and value:
                value = "********"
            shown[spec.name] = value
        return shown


def setting_fields() -> list[dataclasses.Field[Any]]:
    """The declared settings, in order, each with `metadata['help']`."""
    return list(dataclasses.fields(Settings))


def mask_url_password(url: str) -> str:
    """Replace the password in a URL's user info with asterisks."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":********@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def load_settings(
    environ: dict[str, str] | None = None, overrides: dict[str, Any] | None = None
) -> Settings:
    """Build the settings: defaults, then the operator's settings.toml, then the environment."""
    environ = dict(os.environ) if environ is None else environ
    values = _read_toml(paths.builtin_config_dir() / "settings.toml")
    user_dir = environ.get("LOGISTICS_CONFIG_DIR")
    if user_dir and (Path(user_dir) / "settings.toml").is_file():
        values.update(_read_toml(Path(user_dir) / "settings.toml"))
    for spec in setting_fields():
        env_value = environ.get(ENV_PREFIX + spec.name.upper())
        if env_value is not None:
            values[spec.name] = env_value
    values.update(overrides or {})
    return Settings(**_coerce_all(values))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: {error}") from None


def _coerce_all(values: dict[str, Any]) -> dict[str, Any]:
    declared = {spec.name: spec for spec in setting_fields()}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    missing = sorted(set(declared) - set(values))
    if missing:
        raise SettingsError(f"setting(s) without a value: {', '.join(missing)}")
    return {name: _coerce(name, declared[name].type, value) for name, value in values.items()}


def _coerce(name: str, kind: Any, value: Any) -> Any:
    if kind == "tuple[str, ...]":
        return _coerce_paths(name, value)
    kind = {"str": str, "int": int, "float": float, "bool": bool}.get(kind, kind)
    if kind is bool and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{name}: expected true or false, got {value!r}")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name}: expected {kind.__name__}, got {value!r}") from None


def _coerce_paths(name: str, value: Any) -> tuple[str, ...]:
    """A list of paths: a TOML array, or one string with them separated like PATH (`:` on Linux)."""
    if isinstance(value, str):
        value = value.split(os.pathsep)
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise SettingsError(f"{name}: expected a list of file paths, got {value!r}")
    return tuple(item.strip() for item in value if item.strip())
