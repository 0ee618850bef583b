"""Benign, made-up holdings of two instances: random digests and series names, with a known overlap."""

from __future__ import annotations

import csv
import hashlib
import io
import random
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Item:
    sha256: str
    md5: str
    series: str | None = None


def items(seed: int, n: int, series: str | None = None) -> list[Item]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        data = rng.randbytes(32)
        out.append(Item(hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(), series))
    return out


def write_csv(path: Path, rows: list[Item]) -> Path:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["sha256", "md5", "series"])
    for row in rows:
        writer.writerow([row.sha256, row.md5, row.series or ""])
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


def two_holdings(
    common: int = 40, only_a: int = 60, only_b: int = 30
) -> tuple[list[Item], list[Item], list[Item]]:
    """A's items, B's items and the items both hold (with series "shared", "a-only", "b-only")."""
    both = items(1, common, "shared series")
    a = both + items(2, only_a, "a-only series")
    b = items(3, only_b, "b-only series") + both
    return a, b, both
