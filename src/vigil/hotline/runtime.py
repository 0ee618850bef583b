"""Everything the hotline's services need, built once from Settings by whoever starts the process (the
web app, the CLI, a queue worker) and passed down; tests swap single parts (clock, resolver, mailer)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.hotline.clock import Clock, SystemClock
from vigil.hotline.directory import Directory, load_directory
from vigil.hotline.evidence import EvidenceVault
from vigil.hotline.fetch import DnsResolver, Fetcher, FetchPolicy, Resolver
from vigil.hotline.hosting import HostingResolver
from vigil.hotline.ipdata import IpData, PackagedIpData
from vigil.hotline.lifecycle import Lifecycle
from vigil.hotline.notices import Mailer, SmtpMailer, load_signing_key
from vigil.matching import Matcher
from vigil.signals.content import HashOptions, VideoOptions
from vigil.video.limits import VideoLimits


@dataclass
class Hotline:
    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    fetcher: Fetcher
    hosting: HostingResolver
    vault: EvidenceVault
    mailer: Mailer
    #: For webhooks and forwards: endpoints the operator configured (the directory), not reported URLs.
    http: httpx.Client
    signing_key: Ed25519PrivateKey
    directory: Directory
    hash_options: HashOptions
    #: The published lists, as the API matches them (None: only the hash database's digests).
    matcher: Matcher | None = None
    lifecycle: Lifecycle = field(init=False)

    def __post_init__(self) -> None:
        self.lifecycle = Lifecycle(self.clock)

    @property
    def recheck_interval(self) -> timedelta:
        return timedelta(hours=self.settings.hotline_recheck_hours)

    def close(self) -> None:
        self.http.close()


def fetched_videos(settings: Settings) -> VideoOptions:
    """How a fetched video is hashed: as ``vigil hash`` does, within the video limits and never past
    the fetch's own cap (the body is in memory already, bounded by ``VIGIL_HOTLINE_FETCH_MAX_BYTES``)."""
    limits = VideoLimits.from_settings(settings)
    capped = dataclasses.replace(limits, max_bytes=min(limits.max_bytes, settings.hotline_fetch_max_bytes))
    return VideoOptions(capped, settings.vpdq_seconds_per_hash)


def build_hotline(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    clock: Clock | None = None,
    resolver: Resolver | None = None,
    ipdata: IpData | None = None,
    mailer: Mailer | None = None,
    http: httpx.Client | None = None,
    matcher: Matcher | None = None,
    directory: Directory | None = None,
) -> Hotline:
    """The hotline of a process. Every process that works cases (the web app, ``vigil hotline sweep``
    and ``worker``) builds it here, so each matches fetched content the same way: through ``matcher``
    when the process has one (the web app's), else through one made from the same settings."""
    resolver = resolver or DnsResolver.from_settings(settings)
    directory = directory or load_directory(settings.hotline_directory)
    return Hotline(
        settings=settings,
        sessions=sessions,
        clock=clock or SystemClock(),
        fetcher=Fetcher(FetchPolicy.from_settings(settings), resolver),
        hosting=HostingResolver(resolver, ipdata or PackagedIpData(), directory),
        vault=EvidenceVault.from_settings(settings),
        mailer=mailer or SmtpMailer.from_settings(settings),
        http=http or httpx.Client(timeout=30.0, trust_env=False, follow_redirects=False),
        signing_key=load_signing_key(settings),
        directory=directory,
        # All 8 rotations and flips: a mirrored copy of a listed picture is still that picture.
        hash_options=HashOptions(
            limits=settings.image_limits(),
            fast=settings.pdq_fast,
            dihedral=True,
            regions=settings.pdq_regions,
            video=fetched_videos(settings),
        ),
        matcher=matcher or Matcher.from_settings(settings, sessions),
    )
