"""The one Settings object. Built once at start-up (CLI or create_app) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every tunable of a Vigil process; read from ``VIGIL_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="VIGIL_", env_file=None, extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Folder for the SQLite file, indexes, exports.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is a SQLite file inside data_dir."
    )

    # Image decoding limits: a seized disk or an upload is hostile input.
    max_image_pixels: int = Field(default=100_000_000, gt=0, description="Refuse images above this.")
    max_image_bytes: int = Field(
        default=256 * 1024 * 1024, gt=0, description="Files above this are hashed but not decoded."
    )
    pdq_fast: bool = Field(default=True, description="Decode at reduced scale before PDQ (see docs).")
    hash_jobs: int | None = Field(default=None, ge=1, description="Worker processes; default all cores.")

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vigil.sqlite3').resolve()}"
