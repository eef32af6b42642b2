"""One settings object for API, worker and tools, read from the environment.

Every variable here is also named in docker-compose.yml; tests/test_compose.py keeps the
two in step.
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class WebhookSettings(BaseModel):
    """A group bot or JSON receiver notices go to (docs/notifications.md): the policy and
    the users file name it; its URL and secret stay here, out of the policy."""

    kind: Literal["wecom", "dingtalk", "feishu", "webhook"]
    url: str = Field(pattern=r"^https?://")
    # DingTalk and Feishu: the bot's signing secret ("加签"); webhook: the HMAC key.
    secret: SecretStr = SecretStr("")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/complaints"
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "complaints"
    temporal_ui_url: str = "http://localhost:8233"
    policy_file: Path = ROOT / "policy" / "default.yaml"
    users_file: Path = ROOT / "config" / "users.yaml"
    # Who is calling (api/identity.py): `demo` takes the tokens of USERS_FILE (make run, the
    # tests); `jwt` verifies bearer JWTs of the identity provider (production): signed by a
    # key of the JWKS (one of URL and file), from the issuer, for the audience, unexpired.
    identity: Literal["demo", "jwt"] = "demo"
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwt_jwks_url: str = ""
    jwt_jwks_file: Path | None = None
    jwt_algorithms: str = "RS256"  # comma-separated; never `none` or an HMAC one
    jwt_leeway_seconds: int = 30  # clock skew allowed on exp, nbf and iat
    # Where the claims are: a name (namespaced ones too) or a dotted path into nested claims.
    jwt_user_claim: str = "sub"
    jwt_role_claim: str = "role"
    jwt_level_claim: str = "level"
    jwt_stores_claim: str = "stores"
    # Where notices reach the user (docs/notifications.md): their address, their language
    # (a locale: en* is English, anything else Chinese) and roles whose notices they receive.
    jwt_email_claim: str = "email"
    jwt_language_claim: str = "locale"
    jwt_receives_claim: str = "receives"
    # The console (api/console/, docs/console.md): a session ends after this long unused.
    console_session_idle_minutes: int = Field(480, gt=0)
    # IDENTITY=jwt: the console signs in through the identity provider (OpenID Connect,
    # authorization code with PKCE). OIDC_ISSUER's discovery document names its endpoints;
    # the client is registered there with redirect URI <console>/console/oidc/callback.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_scope: str = "openid profile"
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # The API's Postgres connections, all opened at start (docs/sizing.md): for commands
    # and intake, and the reads' own.
    api_pool_size: int = Field(10, ge=2, le=200)
    api_read_pool_size: int = Field(4, ge=1, le=100)
    # Intakes one API process works on at once; the others wait their turn unstarted.
    api_intake_concurrency: int = Field(4, ge=1, le=200)
    log_level: str = "INFO"
    log_json: bool = True
    # The worker's Temporal SDK metrics for Prometheus: http://host:port/metrics; 0 or empty
    # turns them off. 127.0.0.1 keeps them off the network; a container binds 0.0.0.0.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = 9464
    # How long a case's next workflow task waits for the worker that has the case cached
    # (its sticky queue) before any worker takes it and replays the history. After that
    # worker died (SIGKILL, a lost host) every command on a cached case waits this long once;
    # the SDK's default of 10 s made that a 10 s stall. A live worker picks its sticky
    # tasks up in milliseconds, so 3 s only costs a replay when a worker is that overloaded.
    worker_sticky_schedule_to_start_seconds: float = Field(3.0, gt=0)
    # Payload encryption keys (infra/codec.py): `id:base64key,...` here, or a YAML file;
    # exactly one of the two. The first key encrypts; every key listed decrypts.
    codec_keys: SecretStr = SecretStr("")
    codec_key_file: Path | None = None
    # The customer's satisfaction survey (docs/customer-messages.md): links are signed with
    # this HMAC key by the worker and checked by the API, so both need the same one. Empty:
    # a fixed development key (make run, the tests); a deployment must set its own.
    survey_link_key: SecretStr = SecretStr("")
    # Where customers' browsers reach the API's public pages (the survey links' prefix).
    public_base_url: str = "http://127.0.0.1:8000"
    # Evidence files (docs/evidence.md): `file` keeps them under EVIDENCE_DIR (the embedded
    # default), `s3` in an S3-compatible bucket (MinIO, OSS, AWS S3). Either way they are
    # sealed with the codec keys above. Uploads are staged (sealed) under the staging
    # folder while they stream in; default: EVIDENCE_DIR/staging.
    evidence_store: Literal["file", "s3"] = "file"
    evidence_dir: Path = ROOT / ".data" / "evidence"
    evidence_staging_dir: Path | None = None
    s3_bucket: str = "complaint-evidence"
    s3_endpoint_url: str = ""  # empty: AWS's own endpoints
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    # "" (none), "AES256" (the store's keys) or "aws:kms" with S3_KMS_KEY_ID.
    s3_server_side_encryption: str = ""
    s3_kms_key_id: str = ""
    # Notification delivery (docs/notifications.md): the relay runs as a task of every
    # worker; several are safe (each delivery is locked while it is sent).
    relay_enabled: bool = True
    relay_poll_seconds: float = Field(1.0, gt=0)
    relay_concurrency: int = Field(2, ge=1, le=32)
    # Email: an SMTP server, with STARTTLS and a login where it asks for them. No host:
    # email deliveries fail (and retry, then wait on the stuck list) until one is set.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    smtp_from: str = "Complaint Desk <complaints@localhost>"
    smtp_timeout_seconds: float = Field(30.0, gt=0)
    # A private CA's certificates (PEM) for the SMTP server's; empty: the system's.
    smtp_ca_file: Path | None = None
    # Webhooks by name, as JSON: {"duty-wecom": {"kind": "wecom", "url": "https://..."}}.
    notify_webhooks: Annotated[dict[str, WebhookSettings], NoDecode] = Field(default_factory=dict)
    webhook_timeout_seconds: float = Field(10.0, gt=0)
    # The SMS gateway adapter: a JSON POST signed like the generic webhook (HMAC-SHA256).
    sms_gateway_url: str = ""
    sms_gateway_secret: SecretStr = SecretStr("")
    # The embedded default's local mailbox (make run): every message the local SMTP server
    # received, one file each; GET /local-mailbox shows them to demo users (IDENTITY=demo).
    local_mailbox_dir: Path | None = None

    @field_validator("notify_webhooks", mode="before")
    @classmethod
    def _webhooks_from_json(cls, value: object) -> object:
        # The environment's JSON is parsed by pydantic-settings; a value handed over as a
        # string (compose's, a test's) the same way, and an empty one is none.
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("worker_metrics_port", mode="before")
    @classmethod
    def _empty_port_is_off(cls, value: object) -> object:
        return 0 if value in ("", None) else value

    @field_validator(
        "codec_key_file",
        "jwt_jwks_file",
        "evidence_staging_dir",
        "local_mailbox_dir",
        "smtp_ca_file",
        mode="before",
    )
    @classmethod
    def _empty_path_is_none(cls, value: object) -> object:
        return None if value == "" else value


@lru_cache
def get_settings() -> Settings:
    return Settings()
