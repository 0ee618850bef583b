"""The CSV format's vpdq column, and the separate bound on a video signal's length."""

from __future__ import annotations

import hashlib

import numpy as np

from tests.unit.formats.conftest import read_all, write_all
from tests.unit.video.frames import random_hex
from vigil.formats.base import HashRecord
from vigil.formats.csv import CSV
from vigil.formats.limits import ReadLimits, field_problem
from vigil.video.signal import VPDQ

MD5 = hashlib.md5(b"clip").hexdigest()


def vpdq(frames: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    return "\n".join(f"{k * 10},{90},{random_hex(rng)},{float(k):.3f}" for k in range(frames))


def test_a_vpdq_column_reads_in_every_separator_and_writes_one_line() -> None:
    value = vpdq(4)
    data = (
        f'md5,vpdq,vpdq_quality\n{MD5},"{value.replace(chr(10), ";")}",90\n'
        f'{MD5.replace("a", "b")},"{value}",90\n'
        f'{MD5.replace("a", "c")},"{value.replace(chr(10), " ").upper()}",90\n'
    ).encode()
    records, rejected, diagnostics = read_all(CSV, data)
    assert rejected == [] and len(diagnostics) == 0
    assert [r.signals for r in records] == [[("vpdq", value)]] * 3

    written, count, _ = write_all(CSV, records[:1])
    header, row = written.decode().splitlines()
    assert header.split(",")[-2:] == ["vpdq", "pdq_regions"] and count == 1
    assert row.endswith(f'"{value.replace(chr(10), ";")}",')
    assert read_all(CSV, written)[0][0].signals == [("vpdq", value)]


def test_a_bad_vpdq_rejects_its_row_only() -> None:
    data = f'md5,vpdq\n{MD5},"0,90,nothex,0.0"\n{MD5.replace("a", "b")},"{vpdq(2).replace(chr(10), ";")}"\n'
    records, rejected, _ = read_all(CSV, data.encode())
    assert len(records) == 1 and len(rejected) == 1
    assert "not a vPDQ hash" in rejected[0].reason


def test_video_signals_have_their_own_length_bound() -> None:
    long = VPDQ.normalize(vpdq(1000))  # ~85,000 characters: over the 65,536 of other signals
    assert len(long) > ReadLimits().max_signal_chars
    assert field_problem(HashRecord(md5=MD5, signals=[("vpdq", long)]), ReadLimits()) is None
    tight = ReadLimits(max_video_signal_chars=1000)
    assert field_problem(HashRecord(md5=MD5, signals=[("vpdq", long)]), tight) == (
        "vpdq value longer than 1,000 characters"
    )
    assert field_problem(HashRecord(md5=MD5, signals=[("photodna", "p" * 70_000)]), ReadLimits()) == (
        "photodna value longer than 65,536 characters"
    )
