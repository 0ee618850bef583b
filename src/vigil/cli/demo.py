"""``vigil demo``: the main job of ``make run`` until the web service exists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vigil.cli.hashing import options_from
from vigil.cli.state import settings_of
from vigil.demo.images import write_demo_set
from vigil.signals.batch import hash_many, iter_paths
from vigil.signals.crypto import MD5
from vigil.signals.hexbits import hamming
from vigil.signals.pdq import PDQ


def demo_command(
    ctx: typer.Context,
    folder: Annotated[Path | None, typer.Option(help="Where to write the demo images.")] = None,
) -> None:
    """Generate benign demo images, hash them, and show which are near-duplicates of one another."""
    settings = settings_of(ctx)
    target = folder or settings.data_dir / "demo-images"
    files = write_demo_set(target)
    console = Console()
    console.print(f"[bold]Generated {len(files)} benign demo files in {target}[/bold]")
    results = list(hash_many(iter_paths([str(target)]), options_from(settings, exact=False, dihedral=True)))
    table = Table("file", "size", MD5.name, PDQ.name, "quality", "error")
    for r in results:
        table.add_row(
            Path(r.path).name,
            str(r.signals.size),
            (r.signals.get(MD5.name) or "")[:12],
            (r.signals.get(PDQ.name) or "")[:16] + "…" if r.signals.get(PDQ.name) else "",
            str(r.signals.quality_of(PDQ.name) or ""),
            r.error or "",
        )
    console.print(table)
    hashed = [r for r in results if r.signals.get(PDQ.name)]
    pairs = Table("near-duplicate pair (PDQ, dihedral)", "distance")
    for i, a in enumerate(hashed):
        for b in hashed[i + 1 :]:
            dist = min(hamming(a.signals.get(PDQ.name) or "", h) for h in b.signals.queries(PDQ.name))
            if dist <= PDQ.default_threshold:
                pairs.add_row(f"{Path(a.path).name} ~ {Path(b.path).name}", str(dist))
    console.print(pairs)
