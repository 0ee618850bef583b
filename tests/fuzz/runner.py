"""Generating inputs, running them through the workers, storing findings and printing the summary."""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tests.fuzz.known import Finding, known_defect
from tests.fuzz.mutate import Mutation, Mutator, csv_mutation, json_mutation, lines_mutation
from tests.fuzz.seeds import RPZ_DIRECTIVES, Seed, image_seeds, list_seeds, reader_seeds
from tests.fuzz.worker import Worker
from vigil.signals.images import IMAGE_EXTENSIONS

#: Summary columns: the findings, by kind.
FINDING_KINDS: Final = ("crash", "hang", "partial", "5xx", "bad")
_HOSTS_DIRECTIVES: Final = (
    "0.0.0.0 " + "a" * 300 + ".example",
    "::1 localhost",
    "0.0.0.0 *.example",
    "# comment",
)


@dataclass(frozen=True)
class Config:
    seed: int = 0
    images: int = 0
    lists: int = 0
    readers: int = 0
    requests: int = 0
    #: What one mutation may add at most (huge strings, bombs, repeated records), in bytes.
    budget: int = 1 << 20
    memory_mb: int = 1024
    timeout: float = 10.0
    jobs: int = 1
    findings: Path = Path("fuzz-findings")


@dataclass
class Tally:
    tried: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    known: int = 0


@dataclass
class Report:
    tallies: dict[str, Tally] = field(default_factory=dict)
    findings: list[tuple[Finding, str | None, Path]] = field(default_factory=list)

    def add(
        self, target: str, status: str, finding: Finding | None = None, stored: Path | None = None
    ) -> None:
        tally = self.tallies.setdefault(target, Tally())
        tally.tried += 1
        tally.outcomes[status] += 1
        if finding is not None and stored is not None:
            defect = known_defect(finding)
            if defect is not None:
                tally.known += 1
            self.findings.append((finding, defect.issue_part if defect else None, stored))

    @property
    def unknown(self) -> list[Finding]:
        return [f for f, known, _ in self.findings if known is None]

    def summary(self) -> str:
        head = ("target", "tried", "ok", "refused", "crashes", "hangs", "partial", "5xx", "bad", "known")
        rows: list[tuple[str, ...]] = [head]
        for target, t in self.tallies.items():
            counts = [t.outcomes[k] for k in ("ok", "refused", *FINDING_KINDS)]
            rows.append((target, str(t.tried), *map(str, counts), str(t.known)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = [
            "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
            for r in rows
        ]
        signatures = Counter(
            (f.target, f.status, known or "NEW", f.detail[:120]) for f, known, _ in self.findings
        )
        if signatures:
            lines.append("findings (target, kind, known defect or NEW, signature):")
            for (target, status, known, detail), count in signatures.most_common():
                lines.append(f"  {count:5d}  {target} {status} [{known}] {detail}")
        return "\n".join(lines)


# -- inputs -----------------------------------------------------------------------------------------

_SEEDS: Final[dict[str, Callable[[], tuple[Seed, ...]]]] = {
    "images": image_seeds,
    "lists": list_seeds,
    "readers": reader_seeds,
}


def make_input(config: Config, target: str, index: int) -> tuple[Seed, str, Mutation]:
    """Input ``index`` of ``target`` in a run with ``config.seed``: (seed, file suffix, mutation)."""
    rng = random.Random(f"{config.seed}:{target}:{index}")
    seeds = _SEEDS[target]()
    base = rng.choice(seeds)
    m = Mutator(rng, config.budget, [s.data for s in seeds if s.kind == base.kind and s is not base])
    suffix = base.suffix
    if base.kind in ("vics", "keywords", "blocklist-json"):
        mutation = json_mutation(m, base.data) if rng.random() < 0.75 else m.bytes_mutation(base.data)
    elif base.kind == "csv":
        mutation = csv_mutation(m, base.data) if rng.random() < 0.75 else m.bytes_mutation(base.data)
    elif base.kind in ("md5sum", "pytx", "rpz", "hosts"):
        directives = (
            RPZ_DIRECTIVES if base.kind == "rpz" else _HOSTS_DIRECTIVES if base.kind == "hosts" else ()
        )
        mutation = (
            lines_mutation(m, base.data, directives) if rng.random() < 0.75 else m.bytes_mutation(base.data)
        )
    else:
        mutation = m.bytes_mutation(base.data)
        if rng.random() < 0.05:  # content under another format's name (the pipeline trusts content)
            suffix = rng.choice(sorted(IMAGE_EXTENSIONS))
            mutation.ops.append(f"renamed{suffix}")
    return base, suffix, mutation


def _store(
    config: Config, target: str, index: int, seed: Seed, suffix: str, mutation: Mutation, finding: Finding
) -> Path:
    folder = config.findings / target
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{config.seed}-{index:06d}-{finding.status}-{seed.name}"
    stem.with_name(stem.name + suffix).write_bytes(mutation.data)
    record = {
        "target": target,
        "kind": seed.kind,
        "input": stem.name + suffix,
        "run_seed": config.seed,
        "index": index,
        "seed_file": seed.name,
        "mutations": mutation.ops,
        "status": finding.status,
        "detail": finding.detail,
        "known": (d.issue_part if (d := known_defect(finding)) else None),
    }
    meta = stem.with_name(stem.name + ".json")
    meta.write_text(json.dumps(record, indent=1))
    return meta


def run_files(
    config: Config, target: str, count: int, report: Report, progress: Callable[[str], None]
) -> None:
    """``count`` mutated files of ``target`` through ``config.jobs`` workers."""
    lock = threading.Lock()

    def lane(lane_no: int) -> None:
        worker = Worker(config.memory_mb, config.timeout)
        scratch = Path(tempfile.mkdtemp(prefix="vigil-fuzz-"))
        try:
            for index in range(lane_no, count, config.jobs):
                seed, suffix, mutation = make_input(config, target, index)
                path = scratch / f"input{suffix}"
                path.write_bytes(mutation.data)
                answer = worker.run(target, path, seed.kind)
                path.unlink()
                finding = None
                stored = None
                if answer.status in FINDING_KINDS:
                    finding = Finding(target, answer.status, seed.kind, answer.detail)
                    stored = _store(config, target, index, seed, suffix, mutation, finding)
                with lock:
                    report.add(target, answer.status, finding, stored)
                    done = report.tallies[target].tried
                if done % 500 == 0:
                    progress(f"{target}: {done}/{count}")
        finally:
            worker.close()
            shutil.rmtree(scratch, ignore_errors=True)

    with ThreadPoolExecutor(max_workers=config.jobs) as pool:
        list(pool.map(lane, range(min(config.jobs, max(count, 1)))))


def run(
    config: Config, targets: Iterable[str] | None = None, progress: Callable[[str], None] = lambda _: None
) -> Report:
    """Run every target with a count above zero (or only ``targets``)."""
    report = Report()
    chosen = set(targets) if targets is not None else None
    for target, count in (("images", config.images), ("lists", config.lists), ("readers", config.readers)):
        if count > 0 and (chosen is None or target in chosen):
            run_files(config, target, count, report, progress)
    if config.requests > 0 and (chosen is None or "requests" in chosen):
        from tests.fuzz.api import run_requests

        run_requests(config, report, progress)
    return report


def replay(meta: Path, memory_mb: int = 1024, timeout: float = 30.0) -> str:
    """Run a stored finding's input again; returns the outcome as one line."""
    record = json.loads(meta.read_text())
    if record["target"] == "requests":
        from tests.fuzz.api import replay_request

        return replay_request(record, memory_mb, timeout)
    worker = Worker(memory_mb, timeout)
    try:
        answer = worker.run(record["target"], meta.with_name(record["input"]), record["kind"])
    finally:
        worker.close()
    return f"{answer.status} after {answer.seconds:.2f} s: {answer.detail}"
