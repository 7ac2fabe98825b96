"""Settings read from JOBGRAPH_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")
DEFAULT_RESULTS_SECRET = "jobgraph-development-secret-change-me"
MAX_LINK_SECONDS = 7 * 24 * 3600


def default_database_url(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    """The SQLite file used when JOBGRAPH_DATABASE_URL is not set."""
    return f"sqlite+aiosqlite:///{data_dir / 'jobgraph.db'}"


class Settings(BaseSettings):
    """Everything jobgraph can be told from the environment (prefix JOBGRAPH_)."""

    model_config = SettingsConfigDict(env_prefix="JOBGRAPH_", extra="ignore")

    database_url: str = Field(
        default_factory=default_database_url,
        description="sqlite+aiosqlite:///path.db (default) or postgresql+asyncpg://user@host/db",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(
        default_factory=lambda: min(os.cpu_count() or 1, 4),
        ge=1,
        description="uvicorn worker processes; by default one per core, at most 4.",
    )
    log_level: str = "info"
    keep_alive_seconds: int = Field(
        default=65,
        ge=1,
        description="How long an idle HTTP connection is kept open. Longer than clients keep "
        "theirs (httpx and Node 5 s, aiohttp 15 s), so the server never closes a connection "
        "as a client sends on it.",
    )
    access_log: bool = Field(
        default=False,
        description="Log a line per request (uvicorn's access log); it costs time on each one.",
    )
    development: bool = Field(
        default=False,
        description="Development mode (`make run`): the built-in results secret is allowed, "
        "and authentication may be turned off. Never on a network.",
    )
    auth_disabled: bool = Field(
        default=False,
        description="Every caller reads every project, without a token; development mode only.",
    )
    results_secret: SecretStr = Field(
        default=SecretStr(DEFAULT_RESULTS_SECRET),
        description="HMAC key that signs result download links; set your own, of 32 "
        "characters or more, outside development mode.",
    )
    results_link_ttl_seconds: int = Field(
        default=900,
        ge=1,
        le=MAX_LINK_SECONDS,
        description="How long a results link works; a link that claims more is refused.",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL put in result links (https://jobs.example.org).",
    )
    allowed_hosts: list[str] = Field(
        default=[],
        description="Without public_url: Host headers whose URL result links may use; "
        "for any other, links use http://<host>:<port> of these settings.",
    )
    cors_origins: list[str] = Field(
        default=["*"],
        description="Origins whose web apps may call the API from a browser; [] for none.",
    )
    cors_allow_credentials: bool = Field(
        default=False,
        description="Let browsers send cookies with cross-origin calls; never with origin *.",
    )
    jwt_secret: SecretStr | None = Field(
        default=None, description="Accept HS256 JWTs signed with this secret."
    )
    jwt_public_key_file: Path | None = Field(
        default=None, description="Accept RS256/ES256 JWTs signed for this PEM public key."
    )
    jwt_jwks_file: Path | None = Field(
        default=None, description="Accept RS256/ES256 JWTs signed for a key of this JWKS file."
    )
    jwt_audience: str | None = Field(default=None, description="The JWTs' required `aud`.")
    jwt_issuer: str | None = Field(default=None, description="The JWTs' required `iss`.")
    jwt_user_claim: str = Field(default="sub", description="The JWT claim naming the user.")
    max_query_depth: int = Field(default=15, ge=1)
    max_aliases: int = Field(default=30, ge=1)
    max_query_tokens: int = Field(default=5000, ge=1)
    max_query_nodes: int = Field(
        default=25_000,
        ge=1,
        description="Most objects one GraphQL request may ask for across nested lists.",
    )
    max_filter_values: int = Field(
        default=5000,
        ge=1,
        le=30_000,  # SQLite binds one parameter per value, and takes at most 32,766
        description="Most values (ids, statuses, bounds...) the filters of one GraphQL request "
        "may hold in all; a nested list's filter counts once per parent.",
    )
    graphql_get_max_age: int = Field(
        default=10,
        ge=0,
        description="Seconds an HTTP cache may reuse a GET /graphql answer before asking again "
        "(with its ETag); 0 makes caches ask every time.",
    )
    sql_echo: bool = False
    compiled_graphql: bool = Field(
        default=True,
        description="Answer GraphQL queries from compiled plans; false sends every request "
        "through the Strawberry executor (the reference path), for debugging.",
    )
    read_pool_size: int = Field(
        default=10,
        ge=1,
        description="Connections (PostgreSQL) or threads (SQLite) of each worker's read pool.",
    )
    document_cache_size: int = Field(
        default=512, ge=1, description="GraphQL documents kept parsed, validated and planned."
    )
    freeze_startup_heap: bool = Field(
        default=True,
        description="After startup, move every object alive then (modules, schema, plans) out "
        "of the garbage collector's scans, so a full collection walks only what requests made "
        "(it otherwise stalls every request in flight for tens of milliseconds).",
    )
    request_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Deadline of each request; past it the request is stopped and gets a 504.",
    )
    max_body_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        description="Largest request body accepted; a larger one gets a 413 before it is parsed.",
    )

    change_log_retention_seconds: float | None = Field(
        default=7 * 24 * 3600,
        gt=0,
        description="`jobgraph changes prune` removes changes logged longer ago than this "
        "(None: no age limit). A subscriber resuming from an older cursor must re-read with a "
        "query. Longer keeps more rows (about 100 bytes each with its index entries).",
    )
    change_log_max_rows: int | None = Field(
        default=1_000_000,
        ge=1,
        description="`jobgraph changes prune` keeps at most this many of the newest changes "
        "(None: no row limit).",
    )
    change_poll_seconds: float = Field(
        default=0.1,
        gt=0,
        description="SQLite: how often each worker's one poller reads the log's end (one "
        "small read per interval, whether or not anyone subscribes). PostgreSQL: how soon "
        "changes held back by an older, still running transaction are looked at again.",
    )
    max_subscriptions: int = Field(
        default=2000,
        ge=1,
        description="Most subscriptions one worker serves at once; each costs a task and up to "
        "subscription_queue_size queued changes of memory.",
    )
    max_subscriptions_per_connection: int = Field(
        default=20, ge=1, description="Most operations one WebSocket connection runs at once."
    )
    subscription_queue_size: int = Field(
        default=1000,
        ge=1,
        description="Changes read ahead for one subscriber and not yet sent to it.",
    )
    subscription_slow_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A subscriber whose queue stays full this long is closed with an error "
        "(it resumes from its last cursor).",
    )

    @model_validator(mode="after")
    def _no_credentials_with_any_origin(self) -> Settings:
        if self.cors_allow_credentials and "*" in self.cors_origins:
            raise ValueError(
                "cors_allow_credentials cannot be true while cors_origins holds '*': "
                "list the origins that may send credentials"
            )
        return self

    def insecure(self) -> list[str]:
        """Why these settings must not serve outside development mode (empty: they may)."""
        if self.development:
            return []
        problems = []
        secret = self.results_secret.get_secret_value()
        if secret == DEFAULT_RESULTS_SECRET:
            problems.append("JOBGRAPH_RESULTS_SECRET has its built-in default value")
        elif len(secret.strip()) < 16:
            problems.append("JOBGRAPH_RESULTS_SECRET is empty or shorter than 16 characters")
        if self.auth_disabled:
            problems.append("JOBGRAPH_AUTH_DISABLED is true")
        return problems


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; keyword overrides win."""
    return Settings(**overrides)  # type: ignore[arg-type]
