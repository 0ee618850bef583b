"""Between the HTTP routes and the matcher: caller's audience, errors as problems, matches as JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Final

from pydantic import BaseModel

from vigil.auth.authenticate import Principal
from vigil.auth.roles import may_receive
from vigil.errors import Invalid
from vigil.fields import pick
from vigil.matching import ListMatch, normalize_signal
from vigil.signals import registry
from vigil.video.matching import TimeRange, VideoMatch
from vigil.web.problems import Problem

#: Matches returned per signal; more are cut off and the answer says so.
MAX_MATCHES: Final = 100
#: Largest PDQ threshold a caller may ask for: beyond it every query scans the whole index.
MAX_THRESHOLD: Final = 64
#: Characters of a signal in a lookup: any picture's hash or digest fits.
MAX_SIGNAL_CHARS: Final = 200
#: Characters of a video's signal (vPDQ, about 85 a frame: some 3,000 frames, 50 minutes hashed once a
#: second). A GET's URL is bounded further by the server (16 KiB); longer videos go by POST.
MAX_VIDEO_SIGNAL_CHARS: Final = 256 * 1024


class VideoDetail(BaseModel):
    """How a video matched (docs/video.md, "What a match reports")."""

    query_percent: float
    compared_percent: float
    query_frames: int
    compared_frames: int
    query_matched: int
    compared_matched: int
    #: Where the matching content is on the query's timeline, and on the listed video's.
    query_ranges: list[TimeRange]
    compared_ranges: list[TimeRange]

    @classmethod
    def of(cls, video: VideoMatch) -> VideoDetail:
        # Every field travels under its own name; the index's ``id`` of the video is not shown.
        return cls(**pick(video, *cls.model_fields))


class Match(BaseModel):
    list: str
    version: int
    entry_id: int
    #: PDQ: bits; digests: 0; vPDQ: 100 - floor(percent of the query's frames that matched).
    distance: int
    category: str | None
    scheme: str | None
    #: The signal that matched (``pdq``, ``md5``, ``vpdq``, ...).
    signal: str
    #: Video matches: percentages and matched time ranges (null on other matches).
    video: VideoDetail | None = None

    @classmethod
    def of(cls, match: ListMatch) -> Match:
        scheme, code = (None, None)
        if match.category:
            scheme, _, code = match.category.partition(":")
        return cls(
            list=match.list,
            version=match.version,
            entry_id=match.entry_id,
            distance=match.distance,
            category=code,
            scheme=scheme,
            signal=match.signal,
            video=VideoDetail.of(match.video) if match.video is not None else None,
        )


def audience(who: Principal) -> Callable[[Sequence[str]], bool]:
    return lambda recipients: may_receive(who.role, who.name, recipients)


def parse_lists(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    return names or None


def canonical(signal_type: str, value: str, loc: tuple[str, ...] = ("query", "signal")) -> str:
    """The signal's canonical form; ``loc`` names where it came from, as a validation error does."""
    if signal_type in registry.video_types():
        limit = MAX_VIDEO_SIGNAL_CHARS
    else:
        # A wide stored value (pdq_regions: 256 hex digits) fits; anything else stays short.
        known = registry.signal_types().get(signal_type)  # an unknown type is refused below, as before
        limit = max(MAX_SIGNAL_CHARS, known.bits // 4 if known is not None else 0)
    if len(value) > limit:
        # The bound depends on the signal type, so it is checked here rather than by the schema, but
        # answered in the schema's shape (the failing field, never the value).
        message = f"a {signal_type} signal is at most {limit:,} characters, got {len(value):,}"
        error = {"loc": list(loc), "msg": message, "type": "string_too_long"}
        raise Problem(422, "the request is not valid", errors=[error])
    try:
        return normalize_signal(signal_type, value)
    except Invalid as exc:  # a malformed query: 400, as the HMA-compatible routes answer it
        raise Problem(400, str(exc)) from None


def cut(matches: Iterable[ListMatch]) -> tuple[list[Match], bool]:
    found = list(matches)
    return [Match.of(m) for m in found[:MAX_MATCHES]], len(found) > MAX_MATCHES
