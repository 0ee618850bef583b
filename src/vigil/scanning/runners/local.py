"""A scan run: the walk, the pure pipeline over a runner (local processes by default, or Ray), matching,
a checkpoint on disk, the report at the end. The runner changes where the per-entry work runs, never
what is written: the checkpoint and reports are the same byte for byte."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vigil import __version__
from vigil.runners.base import Executor, local_executor
from vigil.scanning.checkpoint import Checkpoint
from vigil.scanning.matching import KnownLists
from vigil.scanning.pipeline import ScanItem, ScanOptions, scan_found
from vigil.scanning.previews import DEFAULT_MAX_BYTES
from vigil.scanning.report.csv_report import write_csv
from vigil.scanning.report.html_report import write_html
from vigil.scanning.report.json_report import write_json
from vigil.scanning.report.model import ReportData
from vigil.scanning.similarity import pdq_neighbours
from vigil.scanning.triage import (
    ItemKey,
    NeighbourFinder,
    UnknownImage,
    is_unknown_image,
    is_unknown_video,
    item_status,
    known_group,
    triage,
    unknown_image,
)
from vigil.scanning.walk import Found, walk
from vigil.signals.pdq import PDQ
from vigil.signals.preview import PREVIEW_SIDE
from vigil.video.matching import Rule

if TYPE_CHECKING:
    # Shipping an index loads numba (a third of a second): only a remote runner's scan needs it.
    from vigil.scanning.shipped import ShippedKnown

#: Walked entries matched and checkpointed together: amortises index queries and disk writes.
BATCH = 64


@dataclass
class ScanRequest:
    inputs: list[str]
    report_dir: Path
    options: ScanOptions = field(default_factory=ScanOptions)
    threshold: int = PDQ.default_threshold
    near_threshold: int = 48
    jobs: int | None = None
    resume: bool = False
    thumbnails: int = 200
    lists_label: str | None = None
    #: Cap of the previews kept while scanning; review thumbnails beyond it are made at report time.
    preview_bytes: int = DEFAULT_MAX_BYTES
    #: How the known lists' video index matches (``VIGIL_VPDQ_*``): recorded so that a resume under
    #: another rule is refused, as one under another PDQ threshold is.
    video_rule: Rule | None = None

    def walk(self) -> Iterator[Found]:
        """The entries this scan covers: its inputs, less its own report folder."""
        return walk(self.inputs, [str(self.report_dir)])

    def worker_options(self) -> ScanOptions:
        """The options workers run with: previews only when the report shows thumbnails."""
        hashing = dataclasses.replace(self.options.hashing, preview=PREVIEW_SIDE if self.thumbnails else 0)
        return dataclasses.replace(self.options, hashing=hashing)

    def params(self) -> dict[str, object]:
        """What must be equal for a checkpoint to be resumed."""
        out: dict[str, object] = {
            "inputs": self.inputs,
            "threshold": self.threshold,
            "near_threshold": self.near_threshold,
            "lists": self.lists_label,
            "fast": self.options.hashing.fast,
        }
        video = self.options.hashing.video
        if video is not None:  # only scans of videos carry the key: other checkpoints resume as before
            rule = dataclasses.asdict(self.video_rule) if self.video_rule is not None else None
            out["video"] = {"seconds_per_hash": video.seconds_per_hash, "rule": rule}
        return out


#: Called after every walked entry with (entries done, items so far).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ScanWork:
    """What every worker gets once: the options and, for a remote runner, the known lists to match its
    own batches against (the local runner's parent matches, against the lists it has mapped)."""

    options: ScanOptions
    known: ShippedKnown | None = None
    threshold: int = PDQ.default_threshold
    near_threshold: int = 48


def scan_entries(entries: list[Found], work: ScanWork) -> list[list[ScanItem]]:
    """A batch of walked entries → their items, matched when the work carries the known lists."""
    out = [_scan_entry(found, work.options) for found in entries]
    if work.known is not None:
        from vigil.scanning.shipped import unship

        unship(work.known).match([i for items in out for i in items], work.threshold, work.near_threshold)
    return out


def _scan_entry(found: Found, options: ScanOptions) -> list[ScanItem]:
    try:
        return scan_found(found, options)
    except Exception as exc:  # one bad file must never stop a scan
        return [
            ScanItem(found.ordinal, found.path, error=f"internal error: {type(exc).__name__}: {exc}"[:200])
        ]


def _shipped(known: KnownLists) -> ShippedKnown | None:
    from vigil.scanning.shipped import ship

    return ship(known)


def count_entries(request: ScanRequest) -> int:
    return sum(1 for _ in request.walk())


def run_scan(
    request: ScanRequest,
    known: KnownLists,
    progress: Progress | None = None,
    neighbours: NeighbourFinder = pdq_neighbours,
    executor: Executor | None = None,
) -> ReportData:
    """Scan on ``executor`` (a started runner; default: ``request.jobs`` local processes)."""
    executor = executor or local_executor(request.jobs)
    checkpoint = Checkpoint(request.report_dir, request.preview_bytes)
    start = checkpoint.start(request.params(), resume=request.resume)
    done, item_count = start, 0
    batch: list[list[ScanItem]] = []
    work = ScanWork(
        request.worker_options(),
        _shipped(known) if executor.remote else None,
        request.threshold,
        request.near_threshold,
    )

    def flush() -> None:
        if work.known is None:
            flat = [item for items in batch for item in items]
            known.match(flat, request.threshold, request.near_threshold)
        for items in batch:
            checkpoint.append(items[0].ordinal, items, _unknown_previews(items))
        batch.clear()

    try:
        todo = (f for f in request.walk() if f.ordinal >= start)
        # 32 entries ahead per worker, as many as `vigil hash` keeps: a slow file at the head of the
        # order must not leave the other workers idle.
        for items in executor.map_batches(scan_entries, todo, work, chunk=4, in_flight=8):
            batch.append(items)
            done += 1
            item_count += len(items)
            if len(batch) >= BATCH:
                flush()
            if progress:
                progress(done, item_count)
        flush()
    finally:
        checkpoint.close()
    return finish(request, checkpoint, neighbours)


def _unknown_previews(items: list[ScanItem]) -> list[tuple[int, bytes]]:
    """Previews worth keeping: of unknown images and videos only (known material is never shown); the
    others are dropped here, in memory."""
    out = []
    for position, item in enumerate(items):
        if item.preview is not None and (is_unknown_image(item) or is_unknown_video(item)):
            out.append((position, item.preview))
        item.preview = None
    return out


def finish(request: ScanRequest, checkpoint: Checkpoint, neighbours: NeighbourFinder) -> ReportData:
    """Triage and reports, from the checkpoint alone (so a resumed scan ends exactly like a whole one)."""
    counts: Counter[str] = Counter()
    groups: Counter[tuple[str, str]] = Counter()
    images: list[UnknownImage] = []
    entries = 0
    for key, item in _keyed(checkpoint):
        entries = max(entries, key[0] + 1)
        status = item_status(item)
        counts[status] += 1
        if item.warnings:
            counts["_warnings"] += 1
        if status == "known":
            groups[known_group(item)] += 1
        elif is_unknown_image(item):
            images.append(unknown_image(key, item))
    result = triage(dict(groups), images, neighbours, request.threshold)
    scan = {
        "inputs": request.inputs,
        "threshold": request.threshold,
        "near_threshold": request.near_threshold,
        "lists": request.lists_label,
        "fast_decode": request.options.hashing.fast,
        "vigil_version": __version__,
    }
    data = ReportData(scan, result, lambda: _keyed(checkpoint), counts, entries)
    folder = request.report_dir
    write_json(data, folder / "report.json")
    write_csv(data, folder / "summary.csv")
    write_html(
        data,
        folder / "report.html",
        thumbnails=request.thumbnails,
        options=request.options,
        stored=checkpoint.previews.get,
        jobs=request.jobs,
    )
    # The report holds the thumbnails it shows; previews of the other unknown images go.
    checkpoint.previews.delete()
    return data


def _keyed(checkpoint: Checkpoint) -> Iterator[tuple[ItemKey, ScanItem]]:
    for ordinal, items in checkpoint.entries():
        for position, item in enumerate(items):
            yield (ordinal, position), item
