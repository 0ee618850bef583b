"""Hand-made archives for scan tests: nesting, bombs, traversal names, encryption. Benign content only."""

from __future__ import annotations

import io
import struct
import tarfile
import zipfile

import py7zr


def zip_bytes(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def tar_bytes(files: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def sevenzip_bytes(files: dict[str, bytes], password: str | None = None) -> bytes:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password) as zf:
        if password:
            zf.set_encrypted_header(True)
        for name, data in files.items():
            zf.writestr(data, name)
    return buf.getvalue()


def zip_bomb(size: int = 64 * 1024 * 1024) -> bytes:
    """A zip whose one member inflates to ``size`` zero bytes (ratio about 1000:1)."""
    return zip_bytes({"zeros.bin": b"\0" * size})


def mark_zip_encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' flag bit on every entry, as a password-protected zip has it."""
    raw = bytearray(data)
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (pos := raw.find(signature, start)) != -1:
            (flags,) = struct.unpack_from("<H", raw, pos + flag_offset)
            struct.pack_into("<H", raw, pos + flag_offset, flags | 0x1)
            start = pos + 4
    return bytes(raw)
