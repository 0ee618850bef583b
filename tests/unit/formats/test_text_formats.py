"""CSV, md5sum/X-Ways and python-threatexchange local files; encodings; the format registry."""

from __future__ import annotations

import codecs
import hashlib
import io

import pytest

from tests.unit.formats.conftest import read_all, write_all
from vigil.formats.base import FormatError, HashRecord, HashSetFormat, parse_bool, parse_size
from vigil.formats.csv import CSV, EXPORT_COLUMNS
from vigil.formats.encoding import sniff_encoding, utf8_stream
from vigil.formats.md5sum import MD5SUM
from vigil.formats.pytx import PYTX
from vigil.formats.registry import get_format
from vigil.plugins import build_registry

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
PDQ = "f" * 64


def test_formats_are_registered_by_name() -> None:
    formats = build_registry().formats
    assert {"vics", "csv", "md5sum", "pytx"} <= set(formats)
    for name in ("vics", "csv", "md5sum", "pytx"):
        assert isinstance(formats[name], HashSetFormat)
        assert formats[name].name == name and formats[name].description
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        get_format("xml")


def test_csv_read() -> None:
    data = (
        "\ufeffSHA256,md5,sha1,pdq,category,scheme,size,mime_type,series,notes\r\n"
        f"{SHA256.upper()},{MD5},,{PDQ} {'0' * 64},1,vics-us,12,image/jpeg,S1,x\r\n"
        f",,{SHA1},,A,uk-caid,,,,\r\n"
        ",,,,1,,,,,\r\n"
        f"{MD5},,,,,,,,,\r\n"
        f",{MD5},,,,,many,,,\r\n"
        "\r\n"
        "short\r\n"
    ).encode()
    records, rejected, diagnostics = read_all(CSV, data)
    assert records[0].sha256 == SHA256 and records[0].signals == [("pdq", PDQ), ("pdq", "0" * 64)]
    assert (records[0].category, records[0].scheme, records[0].size, records[0].series) == (
        "1",
        "vics-us",
        12,
        "S1",
    )
    assert (records[1].sha1, records[1].category, records[1].scheme) == (SHA1, "A", "uk-caid")
    assert [(r.where, r.reason.split(":")[0]) for r in rejected] == [
        ("line 4", "no hash in the row"),
        ("line 5", "not a SHA-256"),
        ("line 6", "size is not a number"),
        ("line 8", "1 fields where the header has 10"),
    ]
    assert diagnostics.messages == ["unknown CSV column 'notes' ignored"]


def test_csv_reads_vigil_hash_output() -> None:
    data = (
        "path,size,md5,sha1,sha256,pdq,pdq_quality,error\n"
        f"a.jpg,0,{MD5},{SHA1},{SHA256},{PDQ},100,\n"
        "b.jpg,,,,,,,decode failed\n"
    ).encode()
    records, rejected, diagnostics = read_all(CSV, data)
    assert len(records) == 1 and records[0].size == 0
    assert rejected[0].reason == "the row reports an error: decode failed"
    assert len(diagnostics) == 0


def test_csv_write_and_errors() -> None:
    data, written, _ = write_all(
        CSV,
        [
            HashRecord(
                md5=MD5,
                sha256=SHA256,
                signals=[("pdq", PDQ), ("photodna", "P")],
                category="0",
                scheme="vics-us",
                size=0,
            )
        ],
    )
    assert written == 1
    header, row = data.decode().splitlines()
    assert header == ",".join(EXPORT_COLUMNS) + ",pdq_regions"
    assert row == f"{SHA256},{MD5},,{PDQ},P,0,vics-us,0,,,"
    assert read_all(CSV, data)[0][0].sha256 == SHA256
    with pytest.raises(FormatError, match="names no hash column"):
        read_all(CSV, b"a,b\n1,2\n")
    with pytest.raises(FormatError, match="not a readable CSV"):
        read_all(CSV, b"md5\n\xff\xfe\xfd\n")
    assert read_all(CSV, b"")[:2] == ([], [])


def test_md5sum_styles() -> None:
    data = (
        f"# made by hand\n{MD5}  file one.jpg\n{SHA1.upper()} *binary.bin\n\\{SHA256}  new\\nline\n"
        f"MD5 (bsd.jpg) = {MD5}\nSHA256 (x) = {SHA256}\nnot-a-hash here\n{'a' * 20}\n"
    ).encode()
    records, rejected, _ = read_all(MD5SUM, data)
    assert [(r.md5, r.sha1, r.sha256) for r in records] == [
        (MD5, None, None),
        (None, SHA1, None),
        (None, None, SHA256),
        (MD5, None, None),
        (None, None, SHA256),
    ]
    assert [r.where for r in rejected] == ["line 7", "line 8"]


def test_xways_header_fixes_the_type() -> None:
    records, rejected, _ = read_all(MD5SUM, f"MD5\n{MD5}\n{SHA1}\n".encode("utf-16"))
    assert records[0].md5 == MD5
    assert rejected[0].reason.startswith("not a MD5")
    data, written, diagnostics = write_all(MD5SUM, [HashRecord(md5=MD5), HashRecord(sha1=SHA1)])
    assert (data, written, len(diagnostics)) == (f"MD5\n{MD5}\n".encode(), 1, 1)


@pytest.mark.usefixtures("with_sha512")
def test_md5sum_reads_a_plugin_digest_by_header_tag_and_length() -> None:
    sha512 = hashlib.sha512(b"benign").hexdigest()
    bare = f"{sha512}  a.bin\nSHA512 (b.bin) = {sha512.upper()}\nSHA-512 (c.bin) = {sha512}\n{'a' * 20}\n"
    records, rejected, _ = read_all(MD5SUM, bare.encode())
    assert [r.signals for r in records] == [[("sha512", sha512)]] * 3
    assert rejected[0].reason == "20 hex digits: not a MD5, SHA-1, SHA-256, SHA-512"
    records, rejected, _ = read_all(MD5SUM, f"SHA-512\n{sha512}\n{MD5}\n".encode())
    assert records[0].signals == [("sha512", sha512)] and rejected[0].reason.startswith("not a SHA-512")


@pytest.mark.usefixtures("with_sha512")
def test_pytx_reads_a_registered_plugin_type_as_that_type() -> None:
    sha512 = hashlib.sha512(b"benign").hexdigest()
    records, rejected, _ = read_all(PYTX, f"sha512 {sha512.upper()}\nsha512 abc\nphotodna AAAA\n".encode())
    assert [r.signals for r in records] == [[("sha512", sha512)], [("photodna", "AAAA")]]
    assert rejected[0].reason.startswith("not a SHA-512")


def test_md5sum_of_something_else_is_refused() -> None:
    with pytest.raises(FormatError, match="no line holds a hash"):
        read_all(MD5SUM, b'{"value": []}\n')


def test_pytx() -> None:
    lines = [
        f"pdq {PDQ}",
        "e" * 64,
        f"video_md5 {MD5}",
        MD5,
        "raw_text some words",
        "pdq nothex",
        "short",
        "",
    ]
    data = "\n".join(lines).encode()
    records, rejected, _ = read_all(PYTX, data)
    assert [r.signals or r.md5 for r in records] == [
        [("pdq", PDQ)],
        [("pdq", "e" * 64)],
        MD5,
        MD5,
        [("raw_text", "some words")],
    ]
    assert [r.where for r in rejected] == ["line 6", "line 7"]
    out, written, diagnostics = write_all(
        PYTX, [HashRecord(md5=MD5, signals=[("pdq", PDQ)]), HashRecord(sha1=SHA1)]
    )
    assert out.decode() == f"pdq {PDQ}\nvideo_md5 {MD5}\n" and written == 1 and len(diagnostics) == 1
    with pytest.raises(FormatError, match="no line holds a signal"):
        read_all(PYTX, b"abc\n")


@pytest.mark.parametrize(
    ("prefix", "encoding", "expected"),
    [
        (codecs.BOM_UTF8, "utf-8", ("utf-8", 3)),
        (codecs.BOM_UTF16_LE, "utf-16-le", ("utf-16-le", 2)),
        (codecs.BOM_UTF16_BE, "utf-16-be", ("utf-16-be", 2)),
        (b"", "utf-16-le", ("utf-16-le", 0)),
        (b"", "utf-16-be", ("utf-16-be", 0)),
        (b"", "utf-8", ("utf-8", 0)),
    ],
)
def test_encodings(prefix: bytes, encoding: str, expected: tuple[str, int]) -> None:
    text = '{"a": "ünïcödé ✓"}' * 5000  # longer than one read
    data = prefix + text.encode(encoding)
    assert sniff_encoding(data[:4]) == expected
    assert utf8_stream(io.BytesIO(data)).read() == text.encode("utf-8")


def test_tolerant_scalars() -> None:
    assert [parse_size(v) for v in (5, "7", " 8 ", 2.0, -1, "x", True, None)] == [
        5,
        7,
        8,
        2,
        None,
        None,
        None,
        None,
    ]
    assert [parse_bool(v) for v in (True, "false", "TRUE", 1, 0, "yes", "maybe", 2)] == [
        True,
        False,
        True,
        True,
        False,
        True,
        None,
        None,
    ]


def test_csv_reads_the_pdq_regions_column_vigil_hash_writes() -> None:
    regions = "12" * 32 + "0" * 64 + "34" * 32 + "ab" * 32  # four region hashes, the second flat
    legacy = "56" * 32 + "78" * 32 + "9a" * 32  # written before the central 85 % region: three
    data = (
        "path,sha256,pdq,pdq_quality,pdq_regions,category\n"
        f"a.jpg,{SHA256},{PDQ},90,{regions.upper()},1\n"
        f"b.jpg,{SHA256},{PDQ},90,{'zz' * 128},1\n"
        f"c.jpg,{SHA256},{PDQ},90,{'12' * 32},1\n"
        f"d.jpg,{SHA256},{PDQ},90,{legacy},1\n"
    ).encode()
    records, rejected, diagnostics = read_all(CSV, data)
    assert records[0].signals == [("pdq", PDQ), ("pdq_regions", regions)]
    assert records[1].signals == [("pdq", PDQ), ("pdq_regions", "56" * 32 + "0" * 64 + "78" * 32 + "9a" * 32)]
    assert [(r.where, r.reason) for r in rejected] == [
        ("line 3", "not a PDQ regions value: not hex"),
        ("line 4", "not a PDQ regions value: expected 256 hex digits, got 64"),
    ]
    assert diagnostics.messages == []  # no "unknown column": the regions are read, not dropped
    exported, _, _ = write_all(CSV, records)
    assert read_all(CSV, exported)[0][0].signals == [("pdq", PDQ), ("pdq_regions", regions)]


def test_a_pdq_regions_query_form_is_not_imported() -> None:
    from vigil.signals.regions import QUERY_REGIONS

    query = "12" * 32 * len(QUERY_REGIONS)  # what a lookup searches with, never a stored value
    for fmt, data in (
        (CSV, f"sha256,pdq_regions\n{SHA256},{query}\n"),
        (PYTX, f"pdq {PDQ}\npdq_regions {query}\n"),
    ):
        records, rejected, _ = read_all(fmt, data.encode())
        assert all(r.signals[0][0] != "pdq_regions" for r in records) and len(rejected) == 1
        assert "a query form" in rejected[0].reason
