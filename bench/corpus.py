"""The benign benchmark corpus, built into ``bench/.cache/corpus/`` (git-ignored); nothing system-wide.

Subsets (one folder each):

- ``mixed/``: every photo of the sources below (wallpapers, puzzle and sample photos), shorter side >= 64.
  Debian packages are fetched with ``apt-get download`` and unpacked with ``dpkg-deb -x`` inside the cache
  (never installed); PyPI wheels are read where the ``bench`` extra installed them (``scikit-image`` data,
  ``mvtb-data``). Any file whose name contains ``lena`` is left out, from every source.
- ``extra/``: more wallpapers and photos from Debian packages, kept apart from ``mixed/`` so that
  ``mixed/`` (whose every sixth file tuned ``pdq_regions``) stays as it was: pictures never used to tune.
- ``gen-1024/`` and ``gen-4000/``: generated JPEGs (``vigil.demo.images.scene``) at 1024x768 and at
  4000x3000, the size of a phone photo.

Idempotent: every source is recorded in ``.stamps/`` when done and reused on the next run; a source that
cannot be had here is skipped with a message. ``python -m bench.corpus [--count N]`` builds it alone.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final

from PIL import Image
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

BENCH_DIR: Final = Path(__file__).resolve().parent
CACHE_DIR: Final = BENCH_DIR / ".cache"
CORPUS_DIR: Final = CACHE_DIR / "corpus"
DEBS_DIR: Final = CACHE_DIR / "debs"

#: Generated subsets: folder name → image size.
GENERATED: Final = {"gen-4000": (4000, 3000), "gen-1024": (1024, 768)}
MIXED: Final = "mixed"
EXTRA: Final = "extra"
#: The subsets the hashing and scanning benchmarks read (``extra`` is crop_resistance's only).
SUBSETS: Final = ("gen-4000", "gen-1024", MIXED)
#: Per generated size: a multiple of 16 (two workers taking ``vigil hash`` chunks of 8 files), so that the
#: 1-vs-2-process comparison is not skewed by a last, lone chunk.
DEFAULT_COUNT: Final = 48
GEN_QUALITY: Final = 90
#: Smaller images are icons and buttons, not photos.
MIN_PHOTO_SIDE: Final = 64
IMAGE_SUFFIXES: Final = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
EXCLUDED_NAME_PARTS: Final = ("lena",)

#: Debian package → folders (inside the package) whose images are taken.
DEB_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "mate-backgrounds": ("usr/share/backgrounds",),
    "plasma-workspace-wallpapers": ("usr/share/wallpapers",),
    "lomiri-wallpapers-16.04": ("usr/share/backgrounds",),
    "lxqt-themes": ("usr/share/lxqt/wallpapers",),
    "palapeli-data": ("usr/share/palapeli",),
    "tuxpaint-data": ("usr/share/tuxpaint/starters", "usr/share/tuxpaint/templates"),
    "opencv-doc": ("usr/share/doc/opencv-doc/examples/data",),
}
#: Debian package → folders whose images go to ``extra/``.
EXTRA_DEB_SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "ukui-wallpapers": ("usr/share/backgrounds",),
    "lomiri-wallpapers": ("usr/share/backgrounds",),
    "lomiri-wallpapers-20.04": ("usr/share/backgrounds",),
    "gnome-backgrounds": ("usr/share/backgrounds",),
    "xfdesktop4-data": ("usr/share/backgrounds",),
}
#: Python package (installed by the ``bench`` extra) → folders inside it whose images are taken.
WHEEL_SOURCES: Final[dict[str, tuple[str, str]]] = {
    "scikit-image": ("skimage", "data"),
    "mvtb-data": ("mvtbdata", "images"),
}


@dataclass(frozen=True, slots=True)
class SourceResult:
    name: str
    files: int
    note: str = ""


class SourceUnavailableError(Exception):
    """A source cannot be had on this machine; the corpus is built without it."""


def subset_dir(name: str, root: Path = CORPUS_DIR) -> Path:
    return root / name


def subset_files(name: str, root: Path = CORPUS_DIR) -> list[Path]:
    """The image files of one subset, sorted by name."""
    folder = subset_dir(name, root)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def _excluded(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in EXCLUDED_NAME_PARTS)


def _is_photo(path: Path) -> bool:
    try:
        with Image.open(path) as im:
            return min(im.size) >= MIN_PHOTO_SIDE
    except Exception:
        return False


def _collect(folder: Path, prefix: str, dest: Path) -> list[str]:
    """Copy every photo under ``folder`` into ``dest`` as ``<prefix>--<path with / as _>``."""
    written: list[str] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES or _excluded(path.name):
            continue
        if not _is_photo(path):
            continue
        flat = "_".join(path.relative_to(folder).parts)
        name = f"{prefix}--{flat}"
        shutil.copyfile(path, dest / name)
        written.append(name)
    return written


def _stamp(root: Path, source: str) -> Path:
    return root / ".stamps" / source


def _done(root: Path, source: str, subset: str = MIXED) -> list[str] | None:
    """The files a finished source wrote, if they are all still there."""
    stamp = _stamp(root, source)
    if not stamp.is_file():
        return None
    names = [n for n in stamp.read_text(encoding="utf-8").splitlines() if n]
    if all((root / subset / n).is_file() for n in names):
        return names
    return None


def _record(root: Path, source: str, names: list[str]) -> None:
    stamp = _stamp(root, source)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text("".join(f"{n}\n" for n in names), encoding="utf-8")


class _Apt:
    """``apt-get download`` into the cache; ``apt-get update`` once if a package is not found."""

    def __init__(self, debs: Path) -> None:
        self.debs = debs
        self.updated = False

    def fetch(self, package: str) -> Path:
        found = self._cached(package)
        if found is not None:
            return found
        if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
            raise SourceUnavailableError("apt-get/dpkg-deb not found (not a Debian-based system)")
        self.debs.mkdir(parents=True, exist_ok=True)
        error = self._download(package)
        if error and not self.updated and os.geteuid() == 0:
            self.updated = True
            subprocess.run(["apt-get", "update"], capture_output=True, check=False)
            error = self._download(package)
        found = self._cached(package)
        if found is None:
            raise SourceUnavailableError(f"apt-get download failed: {error or 'no .deb written'}")
        return found

    def _cached(self, package: str) -> Path | None:
        debs = sorted(self.debs.glob(f"{package}_*.deb")) if self.debs.is_dir() else []
        return debs[-1] if debs else None

    def _download(self, package: str) -> str:
        proc = subprocess.run(
            ["apt-get", "download", package], cwd=self.debs, capture_output=True, text=True, check=False
        )
        if proc.returncode == 0:
            return ""
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("E:")] or proc.stderr.splitlines()
        return lines[-1].strip() if lines else f"exit code {proc.returncode}"


def _deb_source(
    root: Path, apt: _Apt, package: str, folders: tuple[str, ...], subset: str = MIXED
) -> list[str]:
    deb = apt.fetch(package)
    with tempfile.TemporaryDirectory(dir=root, prefix=".unpack-") as tmp:
        subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True, capture_output=True)
        names: list[str] = []
        for sub in folders:
            folder = Path(tmp) / sub
            if folder.is_dir():
                names += _collect(folder, package, root / subset)
    return names


def _wheel_source(root: Path, source: str, module: str, sub: str) -> list[str]:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SourceUnavailableError(f"Python package {source!r} not installed (install the bench extra)")
    folder = Path(next(iter(spec.submodule_search_locations))) / sub
    if not folder.is_dir():
        raise SourceUnavailableError(f"{folder.name}/ not found in {source}")
    return _collect(folder, source, root / MIXED)


def _write_scene(path: Path, seed: int, size: tuple[int, int]) -> None:
    from vigil.demo.images import scene

    tmp = path.with_name(f".{path.name}.tmp")
    scene(seed, size).save(tmp, format="JPEG", quality=GEN_QUALITY)
    tmp.replace(path)


def _generated_missing(root: Path, count: int) -> list[tuple[Path, int, tuple[int, int]]]:
    todo = []
    for subset, size in GENERATED.items():
        folder = subset_dir(subset, root)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            path = folder / f"scene-{i:04d}.jpg"
            if not path.is_file():
                # Distinct seeds per subset: the two sets are different pictures, not resizes.
                todo.append((path, size[0] * 100_000 + i, size))
    return todo


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def build(
    root: Path = CORPUS_DIR,
    *,
    count: int = DEFAULT_COUNT,
    jobs: int = 2,
    console: Console | None = None,
) -> list[SourceResult]:
    """Build (or complete) the corpus under ``root``; return what each source gave."""
    console = console or Console(stderr=True)
    (root / MIXED).mkdir(parents=True, exist_ok=True)
    (root / EXTRA).mkdir(parents=True, exist_ok=True)
    apt = _Apt(root.parent / DEBS_DIR.name)
    steps: list[tuple[str, str, Callable[[], list[str]]]] = [
        (pkg, MIXED, partial(_deb_source, root, apt, pkg, dirs)) for pkg, dirs in DEB_SOURCES.items()
    ]
    steps += [
        (src, MIXED, partial(_wheel_source, root, src, mod, sub)) for src, (mod, sub) in WHEEL_SOURCES.items()
    ]
    steps += [
        (pkg, EXTRA, partial(_deb_source, root, apt, pkg, dirs, EXTRA))
        for pkg, dirs in EXTRA_DEB_SOURCES.items()
    ]
    results: list[SourceResult] = []
    todo = _generated_missing(root, count)
    with _progress(console) as progress:
        task = progress.add_task("photo sources", total=len(steps))
        for source, subset, step in steps:
            progress.update(task, description=f"photos: {source}")
            cached = _done(root, source, subset)
            if cached is not None:
                results.append(SourceResult(source, len(cached), "cached"))
            else:
                try:
                    names = step()
                except (SourceUnavailableError, subprocess.CalledProcessError, OSError) as exc:
                    results.append(SourceResult(source, 0, f"skipped: {exc}"))
                    console.print(f"[yellow]corpus: {source} skipped: {exc}")
                else:
                    _record(root, source, names)
                    results.append(SourceResult(source, len(names), "added"))
            progress.advance(task)
        gen = progress.add_task("generated JPEGs", total=len(todo))
        for _ in _run_generation(todo, jobs):
            progress.advance(gen)
    for subset, size in GENERATED.items():
        made = sum(1 for p, _, _ in todo if p.parent.name == subset)
        note = f"{size[0]}x{size[1]} JPEG q{GEN_QUALITY}" + (f", {made} new" if made else ", cached")
        results.append(SourceResult(subset, len(subset_files(subset, root)), note))
    return results


def _run_generation(todo: list[tuple[Path, int, tuple[int, int]]], jobs: int) -> Iterator[None]:
    if not todo:
        return
    if jobs <= 1:
        for path, seed, size in todo:
            _write_scene(path, seed, size)
            yield None
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for _ in pool.map(_write_scene, *zip(*todo, strict=True)):
            yield None


def summary(results: list[SourceResult], console: Console) -> None:
    from rich.table import Table

    table = Table("source", "images", "note", title="benchmark corpus")
    for r in results:
        table.add_row(r.name, str(r.files), r.note)
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="generated images per size")
    parser.add_argument("--jobs", type=int, default=2, help="processes generating images")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    results = build(count=args.count, jobs=args.jobs, console=console)
    summary(results, console)
    for subset in (*SUBSETS, EXTRA):
        console.print(f"{subset}: {len(subset_files(subset))} images in {subset_dir(subset)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
