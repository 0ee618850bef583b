"""Bounds of every import format: a hostile file fails at the bound, an over-long value rejects its record."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.unit.formats.conftest import read_all
from vigil.formats.base import Diagnostics, FormatError, HashRecord, HashSetFormat, Rejected
from vigil.formats.csv import CSV
from vigil.formats.limits import (
    CATEGORY_CHARS,
    DEFAULT_LIMITS,
    ReadLimits,
    RecordTooLargeError,
    field_problem,
    quote,
)
from vigil.formats.md5sum import MD5SUM
from vigil.formats.pytx import PYTX
from vigil.formats.vics import VICS

MD5 = "0123456789abcdef0123456789abcdef"
MD5_B = "fedcba9876543210fedcba9876543210"
PDQ = "f" * 64
CONTEXT = b'"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media"'
DEEP = 100_000


#: Objects nested as deep as arrays in 200 KB: {"a":{"a":…1…}}.
OBJECTS = b'{"a":' * (DEEP // 3) + b"1" + b"}" * (DEEP // 3)


def vics(*media: bytes) -> bytes:
    return b"{" + CONTEXT + b',"value":[' + b",".join(media) + b"]}"


def media(md5: str = MD5, **extra: Any) -> bytes:
    return json.dumps({"MD5": md5, "Category": 1, **extra}).encode()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def read(fmt: HashSetFormat, data: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> list[HashRecord | Rejected]:
    return list(fmt.read(io.BytesIO(data), Diagnostics(), limits))


class CountingStream(io.RawIOBase):
    """An endless stream of one repeated byte string that counts what was read of it."""

    def __init__(self, head: bytes, filler: bytes) -> None:
        self.head, self.filler, self.served = head, filler, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = (
            self.head[: len(buffer)] if self.head else (self.filler * (len(buffer) // len(self.filler) + 1))
        )
        self.head = self.head[len(data) :]
        n = min(len(buffer), len(data))
        buffer[:n] = data[:n]
        self.served += n
        return n


# -- VICS: the shape of the file --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            vics(media(), b'{"MD5":"' + MD5_B.encode() + b'","Exifs":' + nested(DEEP) + b"}"),
            "record 2: JSON nested deeper than 32",
        ),
        (
            vics(
                media(),
                b'{"MD5":"' + MD5_B.encode() + b'","Exifs":' + OBJECTS + b"}",
            ),
            "record 2: JSON nested deeper",
        ),
        (vics(media(), nested(DEEP)), "'value' holds arrays"),
        (
            b"{" + CONTEXT + b',"junk":' + nested(DEEP) + b',"value":[]}',
            "before the first record: JSON nested deeper",
        ),
        (
            b'{"value":[{"CaseID":"1","Media":[' + media() + b"," + nested(DEEP) + b"]}]}",
            "after record 1: JSON nested deeper",
        ),
        (
            b'{"value":[{"CaseID":"1","Media":[{"MD5":"' + MD5.encode() + b'","x":' + nested(DEEP) + b"}]}]}",
            "record 1: JSON nested deeper",
        ),
    ],
    ids=[
        "under-exifs",
        "objects-under-exifs",
        "under-value",
        "top-level",
        "case-media-entry",
        "case-media-field",
    ],
)
def test_deep_nesting_fails_at_the_bound(data: bytes, message: str) -> None:
    assert len(data) < 250_000
    with pytest.raises(FormatError, match=message) as caught:
        read(VICS, data)
    assert ("nested" in message) == ("(VIGIL_IMPORT_MAX_DEPTH)" in str(caught.value))


def test_depth_of_a_real_case_export_is_well_inside_the_default() -> None:
    exif = {"MD5": MD5, "PropertyName": "Software", "PropertyValue": "Adobe Fireworks CS4"}
    doc = {
        "value": [
            {"CaseID": "1", "Media": [{"MD5": MD5, "Exifs": [exif], "MediaFiles": [{"FileName": "a"}]}]}
        ]
    }
    assert [r.md5 for r in read(VICS, json.dumps(doc).encode()) if isinstance(r, HashRecord)] == [MD5]
    # ... and a bound just at the depth of that file still reads it (depth 7: top, value, case, Media,
    # a Media, MediaFiles, a MediaFile), one level less does not.
    assert len(read(VICS, json.dumps(doc).encode(), ReadLimits(max_depth=7))) == 1
    with pytest.raises(FormatError, match="nested deeper than 6"):
        read(VICS, json.dumps(doc).encode(), ReadLimits(max_depth=6))


def test_values_of_one_record_are_bounded() -> None:
    limits = ReadLimits(max_record_values=50)
    fine = media(Exifs=[{"PropertyName": str(i)} for i in range(10)])
    assert len(read(VICS, vics(fine, fine), limits)) == 2
    huge = media(MD5_B, Exifs=[[] for _ in range(100)])
    with pytest.raises(
        FormatError, match=r"record 2: more than 50 JSON values .*VIGIL_IMPORT_MAX_RECORD_VALUES"
    ):
        read(VICS, vics(fine, huge), limits)


def test_bytes_of_one_record_are_bounded_while_reading() -> None:
    # An endless string in a Media: the parser would buffer it whole before reporting it.
    stream = CountingStream(b"{" + CONTEXT + b',"value":[' + media() + b',{"MD5":"', b"a")
    limit = 1024 * 1024
    with pytest.raises(RecordTooLargeError, match=r"record 2: more than 1,048,576 bytes in one record"):
        list(VICS.read(stream, Diagnostics(), ReadLimits(max_record_bytes=limit)))  # type: ignore[arg-type]
    assert stream.served < limit + 4 * 65_536


def test_records_of_the_limit_read_one_after_another() -> None:
    # The byte count starts again at each record: many records of almost the limit are fine.
    one = media(Comments="x" * 900)
    assert len(read(VICS, vics(*[one] * 50), ReadLimits(max_record_bytes=1000))) == 50


def test_long_string_rejects_its_record_only() -> None:
    limits = ReadLimits(max_string_chars=100)
    data = vics(
        media(Comments="c" * 101), media(MD5_B, Comments="c" * 100), media("a" * 32, **{"k" * 101: 1})
    )
    out = read(VICS, data, limits)
    assert out[0] == Rejected("record 1", "Comments: a string longer than 100 characters")
    assert isinstance(out[1], HashRecord) and out[1].md5 == MD5_B
    assert out[2] == Rejected("record 3", "a key: a string longer than 100 characters")


def test_ten_megabyte_category_and_photodna_are_rejected_not_kept() -> None:
    ten_mb = "1" * (10 * 1024 * 1024)
    out = read(VICS, vics(media(Category=ten_mb), media(MD5_B, PhotoDNA=ten_mb)))
    assert out == [
        Rejected("record 1", "Category: a string longer than 1,048,576 characters"),
        Rejected("record 2", "PhotoDNA: a string longer than 1,048,576 characters"),
    ]


# -- text formats: lines ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [CSV, MD5SUM, PYTX], ids=lambda f: f.name)
def test_a_line_without_end_fails_at_the_bound(fmt: HashSetFormat) -> None:
    head = {"csv": b"md5,category\n" + MD5.encode() + b",1\n", "md5sum": MD5.encode() + b"\n"}.get(
        fmt.name, b"pdq " + PDQ.encode() + b"\n"
    )
    stream = CountingStream(head, b"a")
    with pytest.raises(FormatError, match=r"line \d: more than 1,000 characters in one record"):
        list(fmt.read(stream, Diagnostics(), ReadLimits(max_record_bytes=1000)))  # type: ignore[arg-type]
    assert stream.served < 1000 + 4 * 65_536


@pytest.mark.parametrize("fmt", [CSV, MD5SUM, PYTX], ids=lambda f: f.name)
def test_a_line_of_exactly_the_bound_is_read(fmt: HashSetFormat) -> None:
    line = {
        "csv": MD5 + "," + "n" * 967,
        "md5sum": MD5 + "  " + "n" * 966,
        "pytx": "photodna " + "p" * 991,
    }[fmt.name]
    assert len(line) == 1000
    data = (b"md5,series\r\n" if fmt is CSV else b"") + line.encode() + b"\r\n"
    out = read(fmt, data, ReadLimits(max_record_bytes=1000))
    assert len(out) == 1 and isinstance(out[0], HashRecord)
    with pytest.raises(FormatError, match="line"):
        read(fmt, data.replace(b"\r\n", b"n\r\n"), ReadLimits(max_record_bytes=1000))


def test_csv_row_over_lines_is_bounded_and_long_field_rejects_the_row() -> None:
    limits = ReadLimits(max_record_bytes=1000, max_string_chars=100)
    multi = b"md5,series\n" + MD5.encode() + b',"' + b"s\n" * 600 + b'"\n'
    with pytest.raises(FormatError, match="more than 1,000 characters in one record"):
        read(CSV, multi, limits)
    data = b"md5,series\n" + MD5.encode() + b"," + b"s" * 101 + b"\n" + MD5_B.encode() + b",ok\n"
    out = read(CSV, data, limits)
    assert out[0] == Rejected("line 2", "column 'series' longer than 100 characters")
    assert isinstance(out[1], HashRecord) and out[1].series == "ok"


def test_csv_field_beyond_the_csv_module_default_is_a_rejection() -> None:
    # 200 KB is over the csv module's 128 KiB default field bound: one record, not the file, fails.
    data = b"md5,category\n" + MD5.encode() + b"," + b"7" * 200_000 + b"\n" + MD5_B.encode() + b",1\n"
    out = read(CSV, data, ReadLimits(max_string_chars=1000))
    assert out[0] == Rejected("line 2", "column 'category' longer than 1,000 characters")
    assert isinstance(out[1], HashRecord)


# -- fields and messages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (HashRecord(md5=MD5, category="1" * (CATEGORY_CHARS + 1)), "category longer than 32 characters"),
        (HashRecord(md5=MD5, category="1", scheme="s" * 65), "scheme longer than 64 characters"),
        (HashRecord(md5=MD5, mime_type="m" * 256), "MIME type longer than 255 characters"),
        (HashRecord(md5=MD5, series="s" * 201), "series longer than 200 characters"),
        (HashRecord(md5=MD5, signals=[("x" * 33, "v")]), "signal type longer than 32 characters"),
        (
            HashRecord(md5=MD5, signals=[("photodna", "v" * 65_537)]),
            "photodna value longer than 65,536 characters",
        ),
        (
            HashRecord(md5=MD5, category="1" * 32, scheme="s" * 64, mime_type="m" * 255, series="s" * 200),
            None,
        ),
    ],
)
def test_field_maxima(record: HashRecord, reason: str | None) -> None:
    assert field_problem(record, DEFAULT_LIMITS) == reason


def test_messages_quote_a_bounded_part_of_a_value() -> None:
    assert quote("short") == "'short'"
    long = quote("x" * 10_000_000)
    assert len(long) < 120 and "10,000,000 characters" in long
    out = read(MD5SUM, b"zz" * 5_000_000 + b"\n" + MD5.encode() + b"\n")
    assert isinstance(out[0], Rejected) and len(out[0].reason) < 150


def test_warnings_are_kept_up_to_a_bound() -> None:
    diagnostics = Diagnostics()
    for i in range(1000):
        diagnostics.warn(f"odd value {i}", f"record {i}")
    diagnostics.warn("odd value 0", "record 5000")
    messages = diagnostics.messages
    assert len(messages) == 101 and messages[-1] == "900 more warnings of other kinds"
    assert messages[0] == "odd value 0 (2 records, first at record 0)"


def test_vics_alternative_hash_names_are_quoted_within_bounds() -> None:
    name = "N" * 100_000
    data = vics(
        media(
            AlternativeHashes=[{"HashName": "PDQ", "HashValue": "zz"}, {"HashName": name, "HashValue": "v"}]
        )
    )
    records, rejected, diagnostics = read_all(VICS, data)
    assert records[0].signals == [(name.lower(), "v")] and not rejected
    assert field_problem(records[0], DEFAULT_LIMITS) == "signal type longer than 32 characters"
    assert all(len(m) < 200 for m in diagnostics.messages)
