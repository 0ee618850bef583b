"""The fuzz machinery: deterministic inputs, a memory cap that holds, known defects matched narrowly."""

from __future__ import annotations

import random
import subprocess
import sys

from tests.fuzz.mutate import Mutator, csv_mutation, json_mutation
from tests.fuzz.runner import Config, make_input
from tests.fuzz.seeds import image_seeds, list_seeds, reader_seeds
from tests.fuzz.worker import REPO


def test_the_same_seed_makes_the_same_inputs() -> None:
    config = Config(seed=5)
    for target in ("images", "lists", "readers"):
        for index in range(30):
            first, again = make_input(config, target, index), make_input(config, target, index)
            assert first[0].name == again[0].name and first[2].data == again[2].data
    assert make_input(config, "images", 1)[2].data != make_input(Config(seed=6), "images", 1)[2].data


def test_seeds_cover_every_format_read() -> None:
    kinds = {seed.kind for seed in image_seeds()}
    assert {"png", "jpeg", "gif", "bmp", "tiff", "webp", "heic", "avif", "ico", "jp2", "psd", "qoi"} <= kinds
    assert len(kinds) >= 23
    assert {seed.kind for seed in list_seeds()} == {"vics", "csv", "md5sum", "pytx"}
    assert {"vics-1.x", "vics-2.0", "vics-case"} <= {seed.name for seed in list_seeds()}
    assert {seed.kind for seed in reader_seeds()} == {"rpz", "hosts", "keywords", "blocklist-json"}


def test_structure_aware_mutations_stay_within_the_budget() -> None:
    rng = random.Random(1)
    vics = next(s for s in list_seeds() if s.name == "vics-2.0").data
    csv_seed = next(s for s in list_seeds() if s.kind == "csv").data
    ops: set[str] = set()
    for _ in range(300):
        m = Mutator(rng, 4096)
        for out in (json_mutation(m, vics), csv_mutation(m, csv_seed)):
            ops.update(out.ops)
            assert len(out.data) < 40 * 4096 * 64  # repeated records and bombs are sized by the budget
    assert {
        "json-nesting-bomb",
        "json-odd-value",
        "json-repeat-record",
        "csv-odd-cell",
        "csv-repeat-row",
    } <= ops


def test_the_memory_cap_fails_the_input_instead_of_swapping() -> None:
    code = (
        "from tests.fuzz.worker import _cap_memory\n"
        "_cap_memory(64 * 1024 * 1024)\n"
        "try:\n    bytearray(512 * 1024 * 1024)\nexcept MemoryError:\n    print('refused')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "refused"
