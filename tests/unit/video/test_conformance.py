"""vPDQ against Meta's reference hashes (``shared/conformance/vpdq``): every sample clip hashed at every
frame gives the same frame count and numbers and, wherever both frames have quality >= 50, a PDQ
distance below 31 (Meta's own test, ``reference-test_vpdq_hash.py``). The distribution of distances is
printed (``pytest -s``) and recorded in docs/video.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vigil.video.vpdq import hash_video

QUALITY = 50
DISTANCE = 31


def reference(path: Path) -> list[tuple[int, int, str, float]]:
    out = []
    for line in path.read_text().split():
        frame, quality, hex_hash, stamp = line.split(",")
        out.append((int(frame), int(quality), hex_hash, float(stamp)))
    return out


@pytest.mark.slow
def test_every_sample_clip_at_every_frame(shared_dir: Path) -> None:
    folder = shared_dir / "conformance" / "vpdq"
    clips = sorted((folder / "videos").glob("*.mp4"))
    assert len(clips) >= 14, f"sample videos missing in {folder}"
    all_distances: list[int] = []
    for clip in clips:
        expected = reference(folder / "sample-hashes" / f"{clip.stem}.txt")
        found = hash_video(clip, seconds_per_hash=0)
        frames = found.frames
        assert found.problem is None, clip.name
        assert len(frames) == len(expected), clip.name
        assert frames.frame_numbers.tolist() == [e[0] for e in expected], clip.name
        # Timestamps as Meta writes them (3 decimals).
        assert [f"{t:.3f}" for t in frames.timestamps] == [f"{e[3]:.3f}" for e in expected], clip.name
        theirs = np.frombuffer(bytes.fromhex("".join(e[2] for e in expected)), dtype=np.uint8).reshape(-1, 32)
        distances = np.bitwise_count(frames.hashes ^ theirs).sum(axis=1)
        both_good = (frames.qualities >= QUALITY) & (np.array([e[1] for e in expected]) >= QUALITY)
        compared = distances[both_good]
        assert compared.size > 0, clip.name
        assert int(compared.max()) < DISTANCE, (clip.name, int(compared.max()))
        all_distances.extend(compared.tolist())
        print(
            f"{clip.stem}: {len(frames)} frames, {compared.size} compared, distance mean "
            f"{compared.mean():.2f} median {np.median(compared):.0f} p95 {np.percentile(compared, 95):.0f} "
            f"max {compared.max()}"
        )
    everything = np.array(all_distances)
    shares = ", ".join(f"<= {d}: {np.mean(everything <= d):.1%}" for d in (0, 4, 10))
    print(
        f"all: {everything.size} frames compared; {shares}; mean {everything.mean():.2f}, "
        f"p99 {np.percentile(everything, 99):.0f}, max {everything.max()}"
    )
