"""Hasher-matcher-actioner (HMA) compatible routes: ``GET /m/lookup``, ``GET /m/raw_lookup``,
``POST /m/lookup`` and ``POST /h/hash`` answer in HMA's shapes, so that HMA clients keep working.

HMA's banks are Vigil's lists and a bank content id is a list entry id. Differences (docs/api.md): a
bearer token is required; ``url=`` lookups are refused (Vigil fetches no URL for a caller); there is no
coin-flip (``seed`` and ``bypass_coinflip`` are accepted and ignored); errors are problem details that
also carry HMA's ``message``.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Annotated, Any, Final

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel, SerializerFunctionWrapHandler, model_serializer

from vigil.auth.authenticate import Principal
from vigil.matching import ListMatch
from vigil.matching.signals import lookup_signals
from vigil.signals.content import HashResult
from vigil.signals.values import Signals
from vigil.video.signal import VPDQ, to_pytx
from vigil.web.context import AppContext, Ctx
from vigil.web.matching import MAX_VIDEO_SIGNAL_CHARS, VideoDetail, audience, canonical, parse_lists
from vigil.web.policy import require
from vigil.web.problems import PROBLEM_RESPONSES, Problem
from vigil.web.roles import LOOKUP
from vigil.web.uploads import hash_upload

router = APIRouter(tags=["hma"], responses=PROBLEM_RESPONSES)

#: HMA signal type → Vigil's. HMA's video_md5 is the MD5 of the file, as Vigil's md5.
#: HMA's vpdq (python-threatexchange's vPDQ extension) is Vigil's vpdq, written in pytx's form.
SIGNAL_TYPES: Final = {
    "pdq": "pdq",
    "video_md5": "md5",
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "vpdq": "vpdq",
}
#: HMA content type → the HMA signal types its hashers produce.
CONTENT_TYPES: Final[dict[str, tuple[str, ...]]] = {"photo": ("pdq",), "video": ("video_md5", "vpdq")}


class MatchWithDistance(BaseModel):
    bank_content_id: int
    #: HMA's similarity "pretty string": the distance as text.
    distance: str
    #: Vigil's addition on a video match (vpdq): percentages and matched time ranges; absent otherwise,
    #: so that a picture's answer is HMA's exactly.
    video: VideoDetail | None = None

    @model_serializer(mode="wrap")
    def _without_empty_video(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        if out.get("video") is None:
            out.pop("video", None)
        return out

    @classmethod
    def of(cls, match: ListMatch) -> MatchWithDistance:
        video = VideoDetail.of(match.video) if match.video is not None else None
        return cls(bank_content_id=match.entry_id, distance=str(match.distance), video=video)


BankMatches = dict[str, list[MatchWithDistance]]


class RawLookupResponse(BaseModel):
    matches: list[int | MatchWithDistance]


def _signal_type(name: str) -> str:
    """Vigil's type for HMA's name; a type only Vigil knows (a plugin's) goes by its own name."""
    kind = SIGNAL_TYPES.get(name, name)
    if kind not in lookup_signals():
        raise Problem(400, f"No such SignalType '{name}'")
    return kind


def _boolean(text: str) -> bool:
    if text.lower() in ("true", "1"):
        return True
    if text.lower() in ("false", "0"):
        return False
    raise Problem(400, "invalid boolean parameter - prefer true/false")


def _query(
    ctx: AppContext, who: Principal, signal_type: str, signal: str, banks: str | None
) -> list[ListMatch]:
    kind = _signal_type(signal_type)
    value = canonical(kind, signal)
    lookup = partial(ctx.matcher.lookup, kind, [value], None, parse_lists(banks), audience(who))
    found = lookup()[0]
    ctx.count_lookups(who)
    return found


def _by_bank(matches: list[ListMatch]) -> BankMatches:
    out: BankMatches = {}
    for match in matches:
        out.setdefault(match.list, []).append(MatchWithDistance.of(match))
    return out


def _url_refused(url: str | None) -> None:
    if url:
        raise Problem(400, "url lookups are not supported: Vigil fetches no URL on a caller's behalf")


LookupCaller = Annotated[Principal, require(*LOOKUP)]
#: The two upload fields of HMA's hashing and lookup endpoints (one of them per request).
Photo = Annotated[UploadFile | None, File(description="An image (HMA content type 'photo').")]
Video = Annotated[UploadFile | None, File(description="A video (HMA content type 'video').")]


@router.get("/m/raw_lookup", name="hma.raw_lookup")
def raw_lookup(
    who: LookupCaller,
    ctx: Ctx,
    signal: Annotated[str, Query(max_length=MAX_VIDEO_SIGNAL_CHARS)],
    signal_type: Annotated[str, Query(max_length=50)],
    banks: Annotated[str | None, Query(max_length=2000)] = None,
    include_distance: Annotated[str, Query(max_length=10)] = "false",
) -> RawLookupResponse:
    """Entry ids matching the signal (with ``include_distance``: ids and distances)."""
    with_distance = _boolean(include_distance)
    matches = _query(ctx, who, signal_type, signal, banks)
    if with_distance:
        return RawLookupResponse(matches=[MatchWithDistance.of(m) for m in matches])
    return RawLookupResponse(matches=list(dict.fromkeys(m.entry_id for m in matches)))


@router.get("/m/lookup", name="hma.lookup")
def lookup(
    who: LookupCaller,
    ctx: Ctx,
    signal: Annotated[str | None, Query(max_length=MAX_VIDEO_SIGNAL_CHARS)] = None,
    signal_type: Annotated[str | None, Query(max_length=50)] = None,
    banks: Annotated[str | None, Query(max_length=2000)] = None,
    url: Annotated[str | None, Query(max_length=2000)] = None,
    seed: Annotated[str | None, Query(max_length=200)] = None,
    bypass_coinflip: Annotated[str, Query(max_length=10)] = "false",
) -> BankMatches:
    """Matches grouped by bank (list): ``{"BANK": [{"bank_content_id": 1, "distance": "4"}]}``."""
    _url_refused(url)
    if not signal or not signal_type:
        raise Problem(400, "Either url or both signal and signal_type are required")
    return _by_bank(_query(ctx, who, signal_type, signal, banks))


def _one_upload(photo: UploadFile | None, video: UploadFile | None) -> tuple[str, UploadFile]:
    given = [(name, f) for name, f in (("photo", photo), ("video", video)) if f is not None]
    if not given:
        raise Problem(400, "Missing multipart/form-data file upload")
    if len(given) > 1:
        raise Problem(400, "Only one file allowed per request")
    return given[0]


def _hmahashes(content_type: str, hashed: HashResult, types: str | None) -> dict[str, str]:
    wanted = CONTENT_TYPES[content_type]
    if types is not None:
        asked = [t.strip() for t in types.split(",") if t.strip()]
        unknown = [t for t in asked if t not in wanted]
        if unknown:
            raise Problem(400, f"signal type '{unknown[0]}' doesn't exist or is disabled")
        if not asked:
            raise Problem(400, "empty signal type selection")
        wanted = tuple(asked)
    out: dict[str, str] = {}
    for hma_name in wanted:
        value = hashed.signals.get(SIGNAL_TYPES[hma_name])
        if value is None and content_type == "photo":
            raise Problem(400, f"cannot hash the photo: {hashed.error or 'not an image'}")
        if value is not None:
            out[hma_name] = to_pytx(value) if SIGNAL_TYPES[hma_name] == VPDQ.name else value
    return out


async def _hash_form(
    ctx: AppContext, photo: UploadFile | None, video: UploadFile | None, types: str | None
) -> dict[str, str]:
    content_type, upload = _one_upload(photo, video)
    options = dataclasses.replace(ctx.hash_options, dihedral=False)
    if content_type == "video" and types is not None and "vpdq" not in types.split(","):
        # The MD5 of the bytes is all that was asked for: nothing to decode.
        options = dataclasses.replace(
            options, limits=dataclasses.replace(options.limits, max_bytes=0), video=None
        )
    signals = await hash_upload(upload, ctx.settings.api_max_upload_bytes, options)
    return _hmahashes(content_type, signals, types)


@router.post("/h/hash", name="hma.hash")
async def hash_media(
    who: LookupCaller,
    ctx: Ctx,
    photo: Photo = None,
    video: Video = None,
    types: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, str]:
    """``{"pdq": "<hex>"}`` for a photo, ``{"video_md5": "<hex>", "vpdq": "<pytx JSON>"}`` for a video."""
    return await _hash_form(ctx, photo, video, types)


@router.post("/m/lookup", name="hma.lookup_upload")
async def lookup_upload(
    who: LookupCaller,
    ctx: Ctx,
    photo: Photo = None,
    video: Video = None,
    banks: Annotated[str | None, Query(max_length=2000)] = None,
    seed: Annotated[str | None, Query(max_length=200)] = None,
    bypass_coinflip: Annotated[str, Query(max_length=10)] = "false",
) -> dict[str, BankMatches]:
    """Hash the upload, then :func:`lookup` each of its signals: ``{"pdq": {"BANK": [...]}}``."""
    hashes = await _hash_form(ctx, photo, video, None)
    chosen = parse_lists(banks)
    out: dict[str, BankMatches] = {}
    for kind, value in hashes.items():
        if SIGNAL_TYPES[kind] not in lookup_signals():
            continue
        # Content is matched through the one entry point every process uses; HMA's hashers give one
        # PDQ per photo (no rotations), so neither does this answer.
        name = SIGNAL_TYPES[kind]
        only = Signals(values={name: VPDQ.normalize(value) if name == VPDQ.name else value})
        match = partial(ctx.matcher.match_content, only, lists=chosen, audience=audience(who), dihedral=False)
        out[kind] = _by_bank(match())
    ctx.count_lookups(who)
    return out
