"""All configuration, read once from the environment (and a ``.env`` file).

A bad value stops the start with one line that names the variable and what it expects,
rather than a traceback from deep inside the first request that happens to use it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.presets import public_preset_keys


class SettingsError(RuntimeError):
    """A configuration value is wrong; the message names the variable and the fix."""


def _default_data_dir() -> Path:
    # A Space with persistent storage mounts it at /data; everywhere else keep media beside
    # the working directory so a laptop user finds them.
    if os.environ.get("SPACE_ID") and Path("/data").is_dir():
        return Path("/data/pose-studio")
    return Path.cwd() / "studio-data"


# Derived, never typed here: pipelines/presets.py is the one list of presets a studio offers.
PRESET_KEYS = tuple(public_preset_keys())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir, validation_alias="STUDIO_DATA_DIR")
    host: str = Field("127.0.0.1", validation_alias="GRADIO_SERVER_NAME")
    port: int = Field(7860, ge=1, le=65535, validation_alias="GRADIO_SERVER_PORT")
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    preset: str = Field("fast", validation_alias="STUDIO_PRESET")
    auth: str | None = Field(None, validation_alias="STUDIO_AUTH")
    admins: str = Field("", validation_alias=AliasChoices("STUDIO_ADMINS", "STUDIO_ADMIN_USERS"))
    starter_credits: int = Field(200, ge=0, le=1_000_000, validation_alias="STUDIO_STARTER_CREDITS")
    # Free writes per creator (studio/services/limits.py): so many a minute, and at most so
    # many kept. Far above what a person does by hand; they stop scripts flooding the database.
    projects_per_minute: int = Field(30, ge=1, validation_alias="STUDIO_PROJECTS_PER_MINUTE")
    projects_max: int = Field(1000, ge=1, validation_alias="STUDIO_PROJECTS_MAX")
    poses_per_minute: int = Field(30, ge=1, validation_alias="STUDIO_POSES_PER_MINUTE")
    poses_max: int = Field(5000, ge=1, validation_alias="STUDIO_POSES_MAX")
    pose_requests_per_minute: int = Field(10, ge=1, validation_alias="STUDIO_POSE_REQUESTS_PER_MINUTE")
    pose_requests_max: int = Field(500, ge=1, validation_alias="STUDIO_POSE_REQUESTS_MAX")
    votes_per_minute: int = Field(60, ge=1, validation_alias="STUDIO_VOTES_PER_MINUTE")
    backdrops_per_minute: int = Field(30, ge=1, validation_alias="STUDIO_BACKDROPS_PER_MINUTE")
    backdrops_max: int = Field(500, ge=1, validation_alias="STUDIO_BACKDROPS_MAX")
    # Orphan files (studio/jobs/orphans.py): a file no row points at is deleted only once it is
    # this old, so a file being written or about to be committed is never touched.
    orphan_min_age_s: int = Field(3600, ge=60, validation_alias="STUDIO_ORPHAN_MIN_AGE_S")
    orphan_sweep_interval_s: int = Field(3600, ge=60, validation_alias="STUDIO_ORPHAN_SWEEP_INTERVAL_S")
    # Where the web process runs jobs when there is no Redis: this many worker threads.
    inprocess_workers: int = Field(1, ge=1, le=8, validation_alias="STUDIO_INPROCESS_WORKERS")
    # Pictures drawn in one pipeline call; None: the compute path's (pipelines/compute.py).
    batch_size: int | None = Field(None, ge=1, le=32, validation_alias="STUDIO_BATCH_SIZE")
    device: str | None = Field(None, validation_alias="STUDIO_DEVICE")
    # None: chosen for the machine (pipelines/compute.py): fp16 on a GPU, bf16 on a CPU with bf16
    # instructions, else fp32; threads: the cores this process may use.
    dtype: str | None = Field(None, validation_alias="STUDIO_DTYPE")
    threads: int | None = Field(None, ge=1, le=256, validation_alias="STUDIO_THREADS")
    cpu_offload: bool = Field(False, validation_alias="STUDIO_CPU_OFFLOAD")
    vae_slicing: bool = Field(False, validation_alias="STUDIO_VAE_SLICING")
    vae_tiling: bool = Field(False, validation_alias="STUDIO_VAE_TILING")
    # Quality checks (studio/services/quality.py): every picture's likeness and pose match are
    # measured on the worker; a batch may redo drifts, free, at most this many times a picture.
    quality_checks: bool = Field(True, validation_alias="STUDIO_QUALITY_CHECKS")
    max_rerolls: int = Field(2, ge=0, le=5, validation_alias="STUDIO_MAX_REROLLS")
    heartbeat_stale_s: int = Field(120, ge=5, validation_alias="STUDIO_HEARTBEAT_STALE_S")
    max_attempts: int = Field(3, ge=1, le=10, validation_alias="STUDIO_MAX_ATTEMPTS")
    # The web surface (studio/web/): signed media links, uploads, live progress streams.
    secret_key: str | None = Field(None, min_length=16, validation_alias="STUDIO_SECRET_KEY")
    link_hours: int = Field(12, ge=1, le=168, validation_alias="STUDIO_LINK_HOURS")
    uploads_per_minute: int = Field(20, ge=1, le=10_000, validation_alias="STUDIO_UPLOADS_PER_MINUTE")
    uploads_per_hour: int = Field(200, ge=1, le=100_000, validation_alias="STUDIO_UPLOADS_PER_HOUR")
    events_per_second: float = Field(20.0, gt=0, le=10_000, validation_alias="STUDIO_EVENTS_PER_SECOND")
    page_loads_per_minute: int = Field(30, ge=1, le=100_000, validation_alias="STUDIO_PAGE_LOADS_PER_MINUTE")
    watchers_per_user: int = Field(4, ge=1, le=100, validation_alias="STUDIO_WATCHERS_PER_USER")
    watchers_total: int = Field(200, ge=1, le=10_000, validation_alias="STUDIO_WATCHERS_TOTAL")

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in PRESET_KEYS:
            raise ValueError(f"must be one of {', '.join(PRESET_KEYS)}")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if value.startswith("postgres://"):  # Heroku-style URLs: SQLAlchemy needs the driver
            value = "postgresql+psycopg://" + value[len("postgres://"):]
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]
        if not (value.startswith("sqlite:///") or value.startswith("postgresql+psycopg://")):
            raise ValueError("must look like sqlite:///path/to/studio.db or postgresql://user@host:5432/dbname")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must look like redis://host:6379/0")
        return value

    @field_validator("auth")
    @classmethod
    def _auth(cls, value: str | None) -> str | None:
        if not value:
            return None
        for pair in value.split(","):
            user, sep, password = pair.strip().partition(":")
            if not sep or not user or not password:
                raise ValueError("must be user:password pairs separated by commas, e.g. ana:secret,ben:pass2")
            if password.lower() in {"changeme", "password", "secret", "admin"}:
                raise ValueError(f"the password for {user!r} is a placeholder; choose a real one")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'studio.db'}"

    @property
    def admin_names(self) -> frozenset[str]:
        return frozenset(n.strip() for n in self.admins.split(",") if n.strip())

    @property
    def password_logins(self) -> list[tuple[str, str]]:
        if not self.auth:
            return []
        return [tuple(p.strip().split(":", 1)) for p in self.auth.split(",")]  # type: ignore[misc]

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def previews_dir(self) -> Path:
        return self.data_dir / "previews"

    def check_data_dir(self) -> None:
        """Create the data directory and prove it is writable, or say how to fix it."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise SettingsError(
                f"STUDIO_DATA_DIR={self.data_dir} is not writable ({exc.strerror}); "
                "point STUDIO_DATA_DIR at a folder this user can write"
            ) from None


def load_settings(**overrides) -> Settings:
    """Read settings; turn pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "settings"
            field = Settings.model_fields.get(name)
            alias = field.validation_alias if field else None
            if isinstance(alias, AliasChoices):
                alias = alias.choices[0]
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{alias or name}: {msg} (got {err.get('input')!r})")
        raise SettingsError("bad configuration: " + "; ".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
