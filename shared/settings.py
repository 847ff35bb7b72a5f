"""The one settings object, built from the environment and validated at start-up.

Settings are passed into `create_app(settings)` and the CLI commands; nothing imports a
global. Every secret can also be given as `<NAME>_FILE` (a path whose contents are the
value), the way Docker and Kubernetes secrets are mounted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "test", "production")

# Well-known development default: refused in production so nobody ships it by accident.
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-0123456789abcdef"

# Where Stripe can create Express accounts that receive transfers (a platform may narrow this).
DEFAULT_CONNECT_COUNTRIES = tuple(
    [
        "AT",
        "AU",
        "BE",
        "BG",
        "CA",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GB",
        "GR",
        "HK",
        "HR",
        "HU",
        "IE",
        "IT",
        "JP",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "MX",
        "NL",
        "NO",
        "NZ",
        "PL",
        "PT",
        "RO",
        "SE",
        "SG",
        "SI",
        "SK",
        "US",
    ]
)


@dataclass(frozen=True)
class OidcProvider:
    """An OpenID Connect provider configured from RAPPORT_OIDC_<NAME>_* (discovery from the issuer)."""

    name: str  # lower-case, used in URLs: /auth/<name>/callback
    issuer: str
    client_id: str
    client_secret: str
    label: str
    # "creator" providers appear on the portal sign-in page; "staff" ones offer back-office SSO.
    audience: str = "creator"
    scopes: str = "openid email profile"


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = DEV_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    # None means "start the embedded PostgreSQL under pgdata_dir".
    database_url: str | None = None
    pgdata_dir: Path = Path("var/pgdata")
    db_pool_min: int = 1
    db_pool_max: int = 10
    storage_url: str = "file://./var/storage"
    s3_endpoint_url: str | None = None
    smtp_url: str | None = None
    stripe_api_key: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_connect_webhook_secret: str | None = None
    # Countries creators can be paid in through Stripe Connect (Express accounts); others are paid by hand.
    stripe_connect_countries: tuple[str, ...] = DEFAULT_CONNECT_COUNTRIES
    stripe_allow_test_key: bool = False
    log_level: str = "INFO"
    log_json: bool = False
    # Run the procrastinate worker inside the web process (demo, single-process installs).
    worker_in_process: bool = False
    max_body_bytes: int = 1_048_576
    session_idle_seconds: int = 60 * 60 * 12
    session_absolute_seconds: int = 60 * 60 * 24 * 14
    oidc_providers: tuple[OidcProvider, ...] = ()
    # Contracts are sealed with this PEM key and certificate (unset: a self-signed pair under ./var, not in production).
    contract_signing_key: str | None = None
    contract_signing_cert: str | None = None
    contract_tsa_url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_dev(self) -> bool:
        return self.env == "development"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read RAPPORT_* and the conventional variables; raise SettingsError on bad values."""
        env = _Env(os.environ if environ is None else environ)
        rapport_env = env.text("RAPPORT_ENV", "development")
        if rapport_env not in ENVIRONMENTS:
            raise SettingsError(f"RAPPORT_ENV must be one of {', '.join(ENVIRONMENTS)}, not {rapport_env!r}")
        settings = cls(
            env=rapport_env,
            secret_key=env.secret("SECRET_KEY", DEV_SECRET_KEY),
            # Unset: where `rapport serve` itself listens, so PORT=8765 alone gives working links.
            base_url=env.text("BASE_URL", f"http://127.0.0.1:{env.integer('PORT', 8000)}").rstrip("/"),
            host=env.text("HOST", "127.0.0.1"),
            port=env.integer("PORT", 8000),
            database_url=env.secret("DATABASE_URL", "") or None,
            pgdata_dir=Path(env.text("PGDATA_DIR", "var/pgdata")),
            db_pool_min=env.integer("DB_POOL_MIN", 1),
            db_pool_max=env.integer("DB_POOL_MAX", 10),
            storage_url=env.text("STORAGE_URL", "file://./var/storage"),
            s3_endpoint_url=env.text("S3_ENDPOINT_URL", "") or None,
            smtp_url=env.secret("SMTP_URL", "") or None,
            stripe_api_key=env.secret("STRIPE_API_KEY", "") or None,
            stripe_api_base=(env.text("STRIPE_API_BASE", "") or "").rstrip("/") or None,
            stripe_webhook_secret=env.secret("STRIPE_WEBHOOK_SECRET", "") or None,
            stripe_connect_webhook_secret=env.secret("STRIPE_CONNECT_WEBHOOK_SECRET", "") or None,
            stripe_connect_countries=tuple(
                c.strip().upper()
                for c in env.text("STRIPE_CONNECT_COUNTRIES", " ".join(DEFAULT_CONNECT_COUNTRIES))
                .replace(",", " ")
                .split()
            ),
            stripe_allow_test_key=env.boolean("STRIPE_ALLOW_TEST_KEY", False),
            log_level=env.text("LOG_LEVEL", "INFO").upper(),
            log_json=env.boolean("LOG_JSON", rapport_env == "production"),
            worker_in_process=env.boolean("WORKER_IN_PROCESS", False),
            max_body_bytes=env.integer("MAX_BODY_BYTES", 1_048_576),
            session_idle_seconds=env.integer("SESSION_IDLE_SECONDS", 60 * 60 * 12),
            session_absolute_seconds=env.integer("SESSION_ABSOLUTE_SECONDS", 60 * 60 * 24 * 14),
            oidc_providers=_oidc_providers(env),
            contract_signing_key=env.secret("CONTRACT_SIGNING_KEY", "") or None,
            contract_signing_cert=env.secret("CONTRACT_SIGNING_CERT", "") or None,
            contract_tsa_url=env.text("CONTRACT_TSA_URL", "") or None,
            extra={k: v for k, v in env.environ.items() if k.startswith("RAPPORT_")},
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse settings that would run badly or insecurely; name the variable to fix."""
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(f"BASE_URL must be an absolute http(s) URL, got {self.base_url!r}")
        if not 0 < self.port < 65536:
            raise SettingsError(f"PORT must be between 1 and 65535, got {self.port}")
        if self.database_url and not self.database_url.startswith(("postgres://", "postgresql://")):
            raise SettingsError("DATABASE_URL must be a postgresql:// URL (Rapport runs on PostgreSQL only)")
        if not self.storage_url.startswith(("file://", "s3://")):
            raise SettingsError(f"STORAGE_URL must start with file:// or s3://, got {self.storage_url!r}")
        if self.db_pool_min < 1 or self.db_pool_max < self.db_pool_min:
            raise SettingsError("DB_POOL_MIN must be >= 1 and DB_POOL_MAX >= DB_POOL_MIN")
        if self.log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {self.log_level!r}")
        self._validate_stripe()
        if self.is_production:
            if self.secret_key == DEV_SECRET_KEY:
                raise SettingsError("SECRET_KEY must be set in production (a long random string; or SECRET_KEY_FILE)")
            if len(self.secret_key) < 32:
                raise SettingsError("SECRET_KEY must be at least 32 characters in production")
            if parts.scheme != "https":
                raise SettingsError(f"BASE_URL must use https:// in production, got {self.base_url!r}")
            if not self.database_url:
                raise SettingsError(
                    "DATABASE_URL must be set in production (the embedded PostgreSQL is for dev and demo)"
                )
            if not (self.contract_signing_key and self.contract_signing_cert):
                raise SettingsError(
                    "CONTRACT_SIGNING_KEY and CONTRACT_SIGNING_CERT must be set in production (PEM, or *_FILE): "
                    "executed contracts are sealed with them"
                )

    def _validate_stripe(self) -> None:
        key = self.stripe_api_key
        if key and not key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
            raise SettingsError(
                "STRIPE_API_KEY must be a Stripe secret key (sk_live_… or sk_test_…, or a restricted rk_…)"
            )
        if self.stripe_api_base and not self.stripe_api_base.startswith(("http://", "https://")):
            raise SettingsError(f"STRIPE_API_BASE must be an http(s) URL, got {self.stripe_api_base!r}")
        for name, secret in (
            ("STRIPE_WEBHOOK_SECRET", self.stripe_webhook_secret),
            ("STRIPE_CONNECT_WEBHOOK_SECRET", self.stripe_connect_webhook_secret),
        ):
            if secret and not secret.startswith("whsec_"):
                raise SettingsError(f"{name} must be the endpoint's signing secret (whsec_…)")
        bad = [c for c in self.stripe_connect_countries if not re.fullmatch(r"[A-Z]{2}", c)]
        if bad:
            raise SettingsError(
                "STRIPE_CONNECT_COUNTRIES must be two-letter country codes separated by spaces or commas, "
                f"got {bad[0]!r}"
            )
        if key and not (self.stripe_webhook_secret or self.stripe_connect_webhook_secret):
            raise SettingsError(
                "STRIPE_CONNECT_WEBHOOK_SECRET must be set with STRIPE_API_KEY (the Connect endpoint's signing secret, "
                "so account updates reach Rapport)"
            )
        if self.is_production and key:
            if key.startswith(("sk_test_", "rk_test_")) and not self.stripe_allow_test_key:
                raise SettingsError(
                    "STRIPE_API_KEY is a test key in production; use a live key, or set STRIPE_ALLOW_TEST_KEY=true "
                    "for a staging install"
                )
            if self.stripe_api_base and not self.stripe_allow_test_key:
                raise SettingsError("STRIPE_API_BASE is for the simulator; leave it unset in production")


_OIDC_VAR = re.compile(r"^RAPPORT_(OIDC|STAFF_OIDC)_([A-Z0-9]+)_(ISSUER|CLIENT_ID|CLIENT_SECRET|LABEL|SCOPES)$")


def _oidc_providers(env: _Env) -> tuple[OidcProvider, ...]:
    """Every RAPPORT_OIDC_<NAME>_* (creators) and RAPPORT_STAFF_OIDC_<NAME>_* (staff SSO) group."""
    groups: dict[tuple[str, str], dict[str, str]] = {}
    for key in sorted(env.environ):
        if match := _OIDC_VAR.match(key):
            kind, name, part = match.groups()
            value = env.secret(key, "") if part == "CLIENT_SECRET" else env.environ[key]
            groups.setdefault((kind, name), {})[part] = value
    providers = []
    for (kind, name), parts in groups.items():
        prefix = f"RAPPORT_{kind}_{name}_"
        for required in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET"):
            if not parts.get(required):
                raise SettingsError(f"{prefix}{required} must be set (the other {prefix}* variables are)")
        if not parts["ISSUER"].startswith(("https://", "http://")):
            raise SettingsError(f"{prefix}ISSUER must be the provider's issuer URL, got {parts['ISSUER']!r}")
        providers.append(
            OidcProvider(
                name=name.lower(),
                issuer=parts["ISSUER"].rstrip("/"),
                client_id=parts["CLIENT_ID"],
                client_secret=parts["CLIENT_SECRET"],
                label=parts.get("LABEL") or name.title(),
                audience="staff" if kind == "STAFF_OIDC" else "creator",
                scopes=parts.get("SCOPES") or "openid email profile",
            )
        )
    return tuple(providers)


class _Env:
    """Typed reads of environment variables with messages that name the variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str, default: str) -> str:
        return self.environ.get(name, default)

    def secret(self, name: str, default: str) -> str:
        path = self.environ.get(f"{name}_FILE")
        if path:
            try:
                return Path(path).read_text().strip()
            except OSError as exc:
                raise SettingsError(f"{name}_FILE points to {path!r}, which cannot be read: {exc.strerror}") from exc
        return self.environ.get(name, default)

    def integer(self, name: str, default: int) -> int:
        raw = self.environ.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None or raw == "":
            return default
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")
