"""The one Settings object. Built once at start-up (CLI or create_app) and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from vigil.signals.images import ImageLimits


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
    pdq_regions: bool = Field(
        default=False,
        description="Also compute the crop-resistant pdq_regions signal of pictures (see docs).",
    )
    hash_jobs: int | None = Field(default=None, ge=1, description="Worker processes; default all cores.")

    # Hash-set imports (vigil lists import): a file from outside may be hostile (docs/limits.md).
    import_max_records: int = Field(default=100_000_000, gt=0, description="Records of one file.")
    import_max_record_bytes: int = Field(
        default=16 * 1024 * 1024, gt=0, description="Bytes of one record (JSON object, CSV row, line)."
    )
    import_max_depth: int = Field(default=32, ge=8, description="Nesting of JSON arrays and objects.")
    import_max_record_values: int = Field(
        default=100_000, gt=0, description="JSON values (scalars, arrays, objects) in one record."
    )
    import_max_string_chars: int = Field(
        default=1024 * 1024, gt=0, description="Characters of any string of a record; longer: rejected."
    )
    import_max_signal_chars: int = Field(
        default=65_536, gt=0, description="Characters of a signal value (PhotoDNA...); longer: rejected."
    )
    import_max_video_signal_chars: int = Field(
        default=1024 * 1024,
        gt=0,
        description="Characters of a video's signal value (vPDQ: ~12,000 frames); longer: rejected.",
    )

    # The web API (vigil serve).
    api_rate_per_second: float = Field(
        default=50.0, ge=0, description="Requests a second per token (or per address without one); 0: off."
    )
    api_rate_burst: int = Field(default=200, ge=1, description="Requests a token may send at once.")
    api_max_upload_bytes: int = Field(
        default=32 * 1024 * 1024, gt=0, description="Largest multipart upload (POST /hash, content lookups)."
    )
    api_max_body_bytes: int = Field(default=1024 * 1024, gt=0, description="Largest other request body.")
    api_token_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long a process trusts a checked token (revocation delay)."
    )
    index_poll_seconds: float = Field(
        default=5.0, ge=0, description="How often the API looks for newly published list versions."
    )
    lookup_count_flush_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How often the API adds its lookup counts to the daily figures (0: only when it stops).",
    )
    index_build_subprocess: bool = Field(
        default=True, description="Build missing index snapshots in a child process (the API maps them)."
    )

    # Video matching (Meta's vPDQ rule, docs/video.md); defaults are python-threatexchange's.
    vpdq_query_match_percent: float = Field(
        default=80.0, ge=0, le=100, description="Share of the query's frames that must match."
    )
    vpdq_compared_match_percent: float = Field(
        default=0.0, ge=0, le=100, description="Share of the indexed video's frames that must match."
    )
    vpdq_quality_threshold: int = Field(
        default=50, ge=0, le=100, description="Frames below are not compared."
    )
    vpdq_distance_threshold: int = Field(
        default=31, ge=0, le=256, description="PDQ distance at which two frames match."
    )
    vpdq_seconds_per_hash: float = Field(
        default=1.0, ge=0, description="Seconds between hashed frames of a video (0: every frame)."
    )

    # Video decoding limits (docs/limits.md): a video from outside is hostile input.
    video_max_seconds: float = Field(default=4 * 3600.0, gt=0, description="Longer videos are refused.")
    video_max_frames: int = Field(default=1_000_000, gt=0, description="Videos with more frames: refused.")
    video_max_pixels: int = Field(
        default=7680 * 4320, gt=0, description="Frames larger than this (8K) are refused, header first."
    )
    video_max_bytes: int = Field(
        default=8 * 1024**3, gt=0, description="Larger files get their digests but are not decoded."
    )

    # The hotline (notice and takedown, docs/hotline.md).
    hotline_name: str = Field(default="Vigil hotline", description="Signs notices and forwards.")
    hotline_country: str = Field(default="GB", description="The hotline's country: hosts here are domestic.")
    hotline_jurisdiction: str = Field(default="uk", description="Jurisdiction assessments are made under.")
    hotline_directory: Path | None = Field(
        default=None, description="Host directory (TOML): hosts, partner hotlines, law enforcement."
    )
    hotline_dns_nameservers: list[str] = Field(default_factory=list, description="Empty: the system's.")
    hotline_dns_port: int = Field(default=53, gt=0, lt=65536)
    hotline_dns_timeout: float = Field(default=5.0, gt=0)
    hotline_fetch_allow: list[str] = Field(
        default_factory=list, description="Networks fetched although not public (tests: 127.0.0.1/32)."
    )
    hotline_fetch_max_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    hotline_fetch_timeout: float = Field(default=20.0, gt=0, description="Seconds for a whole fetch.")
    hotline_fetch_max_redirects: int = Field(default=5, ge=0)
    hotline_page_max_items: int = Field(
        default=50, ge=0, description="Items (images, posters, linked pictures) followed per reported page."
    )
    hotline_page_max_bytes: int = Field(
        default=64 * 1024 * 1024, gt=0, description="Bytes fetched for a page's items, all together."
    )
    hotline_page_max_html_bytes: int = Field(
        default=2 * 1024 * 1024, gt=0, description="Bytes of a page's HTML read for items to follow."
    )
    hotline_page_timeout: float = Field(
        default=120.0, gt=0, description="Seconds for following a page's items, all together."
    )
    hotline_recheck_hours: float = Field(default=24.0, gt=0, description="Re-check open URLs this often.")
    hotline_escalate_after: int = Field(default=3, ge=1, description="Notices before escalation.")
    hotline_deadline_hours: float = Field(default=48.0, gt=0, description="Removal deadline after a notice.")
    hotline_smtp_host: str = Field(default="localhost")
    hotline_smtp_port: int = Field(default=25, gt=0, lt=65536)
    hotline_smtp_starttls: bool = Field(default=False)
    hotline_smtp_user: str | None = Field(default=None)
    hotline_smtp_password: SecretStr | None = Field(default=None)
    hotline_mail_from: str = Field(default="hotline@localhost")
    hotline_signing_key: Path | None = Field(default=None, description="Ed25519 PEM signing notices.")
    hotline_evidence_key: SecretStr | None = Field(default=None, description="Base64 AES-256 key.")
    hotline_evidence_key_file: Path | None = Field(default=None, description="File holding that key.")
    hotline_queue_url: str | None = Field(
        default=None, description="redis://… for the job queue; default a SQLite file in data_dir."
    )
    hotline_report_rate_per_minute: float = Field(default=6.0, ge=0, description="Public form, per address.")

    # Blocklists (vigil blocklist, vigil keywords, /api/v1/blocklists, /stop).
    blocklist_signing_key: Path | None = Field(
        default=None,
        description="Ed25519 private key (PEM) signing exports; default: made in data_dir/keys/.",
    )
    blocklist_rpz_zone_suffix: str = Field(
        default="rpz.vigil.", description="An RPZ export is the zone LIST.<suffix>: the name resolvers load."
    )
    blocklist_stop_page_host: str | None = Field(
        default=None, description="Absolute DNS name of the stop page host; None: listed names get NXDOMAIN."
    )
    stop_page_file: Path | None = Field(
        default=None, description="JSON of the stop page's text and help links per language (see docs)."
    )

    # Federation (vigil peers, /api/v1/feed; docs/federation.md).
    federation_instance: str = Field(
        default="",
        max_length=200,
        description="This instance's id in signed batches and provenance; empty: federation is off.",
    )
    federation_key_dir: Path | None = Field(
        default=None,
        description="Folder of the federation keys and peer tokens; default data_dir/keys/federation.",
    )
    federation_page_size: int = Field(
        default=1000, ge=1, le=10_000, description="Records a pull asks for in one signed batch."
    )
    federation_timeout: float = Field(default=60.0, gt=0, description="Seconds for one request to a peer.")
    federation_max_skew_seconds: float = Field(
        default=300.0, gt=0, description="How old (or early) a batch's issue time may be: replay window."
    )
    federation_allow_private: bool = Field(
        default=False, description="Let pulls reach peers on private or loopback addresses (tests, LANs)."
    )

    # Logging of the long-running processes (vigil serve, vigil hotline worker and sweep; vigil.logs).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="Least severe level written (Vigil's, uvicorn's and huey's records)."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="text: a line for people; json: one JSON object per line."
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        # People write VIGIL_LOG_LEVEL=debug and VIGIL_LOG_FORMAT=JSON alike.
        if not isinstance(value, str):
            return value
        return value.strip().upper() if info.field_name == "log_level" else value.strip().lower()

    # The analysts' console (/console).
    console_idle_minutes: float = Field(
        default=30.0, gt=0, description="A console session ends after this long without a request."
    )
    console_max_hours: float = Field(default=12.0, gt=0, description="A console session's longest life.")
    console_secure_cookie: bool | None = Field(
        default=None, description="Secure cookies; None: when the request came over https."
    )
    console_case_lock_minutes: float = Field(
        default=15.0, gt=0, description="A case opened by an analyst stays locked to them this long idle."
    )
    console_break_minutes: float = Field(
        default=50.0, gt=0, description="Reviewing time after which the console suggests a break."
    )
    console_law_enforcement_days: float = Field(
        default=7.0, gt=0, description="'Send to law enforcement first' holds the host notice this long."
    )
    console_signin_backoff_seconds: float = Field(
        default=1.0, ge=0, description="First wait after a failed sign-in; doubles with each failure."
    )
    console_dashboard_cache_seconds: float = Field(
        default=60.0, ge=0, description="How long the dashboards' figures are reused before recomputing."
    )

    # Federation: private set intersection with peers (docs/federation-psi-pytx.md).
    psi_max_items: int = Field(
        default=5_000_000, gt=0, description="Values a set may hold in a PSI session, on either side."
    )
    psi_session_seconds: float = Field(
        default=3600.0, gt=0, description="A PSI session (and its secret scalar) is forgotten after this."
    )
    psi_max_sessions: int = Field(default=4, ge=1, description="PSI sessions this instance answers at once.")

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vigil.sqlite3').resolve()}"

    @property
    def federation_keys(self) -> Path:
        return self.federation_key_dir or self.data_dir / "keys" / "federation"

    @property
    def list_snapshot_dir(self) -> Path:
        """Index snapshots of published list versions, shared by the API and scans."""
        return self.data_dir / "index" / "lists"

    def image_limits(self) -> ImageLimits:
        """The image decoding limits of this process (every decoder of content from outside uses them)."""
        # Imported here: the settings are read by processes that decode no image.
        from vigil.signals.images import ImageLimits

        return ImageLimits(max_pixels=self.max_image_pixels, max_bytes=self.max_image_bytes)
