"""Settings, declared once as data: name, default, help.

Every setting is read from the environment (``PILOTAGE_<NAME>``) or a ``.env`` file;
the same declarations drive validation, ``pilotage settings`` and docs/settings.md.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from pilotage.errors import InvalidInput


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PILOTAGE_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path("./data"), description="Folder holding the event store, app state, spool and salts."
    )
    events_url: str = Field(
        "",
        description="Event store: empty for the embedded DuckDB file <data_dir>/events.duckdb, "
        "or duckdb:///path/to/file.duckdb.",
    )
    app_db_url: str = Field(
        "",
        description="App state database (SQLAlchemy URL): empty for SQLite <data_dir>/app.sqlite.",
    )
    retention_months: int = Field(
        25, ge=1, le=120, description="Months of events kept; `pilotage purge` deletes older ones."
    )
    session_timeout_minutes: int = Field(
        30, ge=1, le=24 * 60, description="Minutes of inactivity that end a visit."
    )
    max_body_bytes: int = Field(
        16 * 1024, ge=1024, description="Largest request body the collector accepts."
    )
    spool_batch_size: int = Field(
        5000, ge=1, description="Most events the writer loads into the store in one transaction."
    )
    forwarded_for_header: str = Field(
        "",
        description="Header holding the client address when behind a reverse proxy "
        "(e.g. X-Forwarded-For); empty to use the connection's address.",
    )
    api_requests_per_hour: int = Field(
        600,
        ge=1,
        description="Stats API requests one API key may make in an hour (Plausible's default).",
    )
    public_url: str = Field(
        "",
        pattern=r"^(https?://[^/\s]+)?$",
        description="The address people reach Pilotage at when a reverse proxy serves it "
        "(e.g. https://stats.example.org): forms are accepted from it, cookies are Secure "
        "when it is HTTPS, the tracking snippet points at it.",
    )
    smtp_host: str = Field(
        "", description="SMTP server for e-mail alerts (watch); empty: no e-mail is sent."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP server port.")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        "starttls",
        description="How to secure the SMTP connection: STARTTLS (port 587), implicit TLS "
        "(port 465), or none (only for a relay on the same machine).",
    )
    smtp_username: str = Field("", description="SMTP login, if the server asks for one.")
    smtp_password: SecretStr = Field(
        SecretStr(""), description="SMTP password (never logged nor printed)."
    )
    smtp_sender: str = Field(
        "pilotage@localhost", description="From address of the e-mails Pilotage sends."
    )
    alert_locale: Literal["fr", "en"] = Field(
        "fr", description="Language of the watch alerts (e-mails, webhooks, apprise): fr or en."
    )
    watch_allow_private: bool = Field(
        False,
        description="Let watch monitors and SEO crawls started from the web reach private, "
        "loopback and link-local addresses (off: protects the server's network, SSRF).",
    )
    host: str = Field("127.0.0.1", description="Address `pilotage serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `pilotage serve` listens on.")
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Processes taking collector traffic in `pilotage serve` (one of them "
        "also owns the store and serves the app); use the number of cores for high traffic.",
    )

    @property
    def events_path(self) -> Path:
        if self.events_url.startswith("duckdb:///"):
            return Path(self.events_url.removeprefix("duckdb:///"))
        return self.data_dir / "events.duckdb"

    @property
    def app_url(self) -> str:
        return self.app_db_url or f"sqlite:///{self.data_dir / 'app.sqlite'}"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value raises InvalidInput naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        raise InvalidInput(f"setting PILOTAGE_{name.upper()}: {first['msg']}", field=name) from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


def settings_markdown() -> str:
    """docs/settings.md, generated from the declarations above (a test keeps it in sync)."""
    lines = [
        "# Settings",
        "",
        "Every setting is read from the environment variable `PILOTAGE_<NAME>` or from a",
        "`.env` file in the working folder. `pilotage settings` prints the values in force.",
        "This page is generated from `src/pilotage/config.py`.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = "" if field.default is None else str(field.default)
        lines.append(f"| `PILOTAGE_{name.upper()}` | `{default}` | {field.description or ''} |")
    return "\n".join(lines) + "\n"
