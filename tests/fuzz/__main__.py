"""``python -m tests.fuzz``: run the fuzz suite, print the summary, exit 1 on any finding.

``make fuzz`` is the long run; ``--replay FINDING.json`` runs one stored finding again.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tests.fuzz.runner import Config, replay, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--images", type=int, default=300, help="mutated images to hash")
    parser.add_argument("--lists", type=int, default=100, help="mutated hash-list files to import")
    parser.add_argument(
        "--readers",
        type=int,
        default=None,
        help="mutated RPZ/hosts/keyword/blocklist files (default: --lists)",
    )
    parser.add_argument("--requests", type=int, default=100, help="API requests (schemathesis and hostile)")
    parser.add_argument("--seed", type=int, default=0, help="run seed: the same seed makes the same inputs")
    parser.add_argument("--budget", type=int, default=1 << 20, help="bytes one mutation may add at most")
    parser.add_argument("--memory-mb", type=int, default=1024, help="memory one input may use (RLIMIT_AS)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds one input may take")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument(
        "--findings", type=Path, default=Path("fuzz-findings"), help="where findings are written"
    )
    parser.add_argument("--replay", type=Path, metavar="FINDING.json", help="run one stored finding again")
    args = parser.parse_args(argv)
    if args.replay:
        print(replay(args.replay, args.memory_mb, max(args.timeout, 30.0)))
        return 0
    config = Config(
        seed=args.seed,
        images=args.images,
        lists=args.lists,
        readers=args.lists if args.readers is None else args.readers,
        requests=args.requests,
        budget=args.budget,
        memory_mb=args.memory_mb,
        timeout=args.timeout,
        jobs=args.jobs,
        findings=args.findings,
    )
    started = time.monotonic()
    report = run(config, progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(report.summary())
    print(
        f"{time.monotonic() - started:.0f} s; findings written to {config.findings}/"
        if report.findings
        else ""
    )
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
