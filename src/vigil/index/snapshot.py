"""The snapshot file: a versioned, explicit header, then raw arrays that load by memory-mapping.

Layout (all integers little-endian)::

    0   8 bytes   magic b"VIGILIDX"
    8   uint32    format version
    12  uint32    header length H
    16  uint32    CRC-32 of the header
    20  uint32    reserved (0)
    24  H bytes   header: UTF-8 JSON {"signal", "count", "params", "file_bytes", "arrays": [{name,
                  dtype, shape, offset, nbytes, crc32}]}
    ... arrays, each at an offset that is a multiple of 64

Nothing is unpickled: dtypes are checked against what the reader expects, never taken from the file.
Loading maps the file and checks the header, the declared sizes against the file's size, and the shapes:
O(1) work however large the index. :func:`verify` reads every byte to check the arrays' CRC-32s.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vigil.index.base import SnapshotError

MAGIC: Final = b"VIGILIDX"
FORMAT_VERSION: Final = 1
_PRELUDE = struct.Struct("<8sIIII")
_ALIGN: Final = 64
_MAX_HEADER: Final = 1 << 20
_CRC_BLOCK: Final = 1 << 24


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A loaded snapshot: its header fields and its arrays (read-only views of the mapped file)."""

    path: Path
    version: int
    signal: str
    count: int
    params: dict[str, Any]
    arrays: dict[str, npt.NDArray[Any]]
    checksums: dict[str, int]
    nbytes: int


def _pad(offset: int) -> int:
    return -offset % _ALIGN


def _crc(array: npt.NDArray[Any]) -> int:
    flat = array.reshape(-1).view(np.uint8)
    crc = 0
    for lo in range(0, flat.shape[0], _CRC_BLOCK):
        crc = zlib.crc32(flat[lo : lo + _CRC_BLOCK].data, crc)
    return crc


def write(
    path: str | Path,
    signal: str,
    count: int,
    params: Mapping[str, Any],
    arrays: Mapping[str, npt.NDArray[Any]],
) -> None:
    """Write a snapshot atomically: to a temporary file beside ``path``, then renamed over it."""
    path = Path(path)
    entries = []
    offset = 0
    for name, array in arrays.items():
        arr = np.ascontiguousarray(array)
        entries.append(
            {
                "name": name,
                "dtype": arr.dtype.str,
                "shape": list(arr.shape),
                "offset": offset,
                "nbytes": int(arr.nbytes),
                "crc32": _crc(arr),
            }
        )
        offset += arr.nbytes + _pad(arr.nbytes)
    header: dict[str, Any] = {
        "signal": signal,
        "count": int(count),
        "params": dict(params),
        "arrays": entries,
    }
    # The header holds the file's size, which depends on the header's own length: iterate to the fixed
    # point (the size only grows, so this ends within a few rounds).
    header["file_bytes"] = 0
    while True:
        blob = json.dumps(header, sort_keys=True).encode()
        data_start = _PRELUDE.size + len(blob)
        data_start += _pad(data_start)
        if header["file_bytes"] == data_start + offset:
            break
        header["file_bytes"] = data_start + offset
    prelude = _PRELUDE.pack(MAGIC, FORMAT_VERSION, len(blob), zlib.crc32(blob), 0)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as out:
            out.write(prelude + blob + bytes(data_start - _PRELUDE.size - len(blob)))
            for array in arrays.values():
                arr = np.ascontiguousarray(array)
                out.write(arr.reshape(-1).view(np.uint8).data)
                out.write(bytes(_pad(arr.nbytes)))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read(
    path: str | Path, signals: frozenset[str], dtypes: Mapping[str, str], *, populate: bool = False
) -> Snapshot:
    """Map the snapshot at ``path``; it must hold one of ``signals`` and exactly the arrays of ``dtypes``
    (name → dtype string such as ``"<u4"``). ``populate`` maps every page up front (O(size), but the
    first queries then run at full speed instead of faulting pages in)."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size < _PRELUDE.size:
                raise SnapshotError(f"{path}: not a Vigil index snapshot (file too short)")
            raw = _map(f.fileno(), populate)
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    version, header_len, header = _header(path, raw, size)
    signal, count, params, entries = _fields(path, header)
    expected = header.get("file_bytes")
    if not isinstance(expected, int) or expected != size:
        raise SnapshotError(
            f"{path}: snapshot truncated or corrupt: {size} bytes, the header says {expected}"
        )
    if signal not in signals:
        raise SnapshotError(
            f"{path}: snapshot holds a {signal!r} index, expected {' or '.join(sorted(signals))}"
        )
    data_start = _PRELUDE.size + header_len
    data_start += _pad(data_start)
    arrays: dict[str, npt.NDArray[Any]] = {}
    checksums: dict[str, int] = {}
    for entry in entries:
        name, array, crc = _array(path, raw, entry, data_start, size, dtypes)
        arrays[name] = array
        checksums[name] = crc
    missing = sorted(set(dtypes) - set(arrays))
    if missing:
        raise SnapshotError(f"{path}: snapshot lacks arrays {missing}")
    return Snapshot(path, version, signal, count, params, arrays, checksums, size)


def peek_signal(path: str | Path) -> str:
    """The signal type a snapshot holds, from its header alone."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(_PRELUDE.size + _MAX_HEADER)
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if size < _PRELUDE.size:
        raise SnapshotError(f"{path}: not a Vigil index snapshot (file too short)")
    _, _, header = _header(path, head, size)
    return _fields(path, header)[0]


def _header(path: Path, raw: bytes | mmap.mmap, size: int) -> tuple[int, int, Any]:
    """Format version, header length and header of a snapshot whose first bytes are ``raw``."""
    magic, version, header_len, header_crc, _ = _PRELUDE.unpack_from(raw, 0)
    if magic != MAGIC:
        raise SnapshotError(f"{path}: not a Vigil index snapshot (bad magic)")
    if version > FORMAT_VERSION:
        raise SnapshotError(
            f"{path}: snapshot format version {version} is newer than this Vigil reads "
            f"(up to {FORMAT_VERSION}); upgrade Vigil or rebuild the index"
        )
    if version < 1:
        raise SnapshotError(f"{path}: invalid snapshot format version {version}")
    if header_len > _MAX_HEADER or _PRELUDE.size + header_len > size:
        raise SnapshotError(f"{path}: snapshot truncated or corrupt (header length {header_len})")
    blob = raw[_PRELUDE.size : _PRELUDE.size + header_len]
    if zlib.crc32(blob) != header_crc:
        raise SnapshotError(f"{path}: snapshot header is corrupt (checksum mismatch)")
    try:
        return version, header_len, json.loads(blob)
    except ValueError as exc:
        raise SnapshotError(f"{path}: snapshot header is malformed ({exc})") from exc


def _fields(path: Path, header: Any) -> tuple[str, int, dict[str, Any], list[Any]]:
    try:
        return str(header["signal"]), int(header["count"]), dict(header["params"]), list(header["arrays"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"{path}: snapshot header is malformed ({exc})") from exc


def _map(fileno: int, populate: bool) -> mmap.mmap:
    flag = getattr(mmap, "MAP_POPULATE", 0) if populate else 0
    if flag:
        return mmap.mmap(fileno, 0, flags=mmap.MAP_SHARED | flag, prot=mmap.PROT_READ)
    raw = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
    if populate and hasattr(raw, "madvise"):
        raw.madvise(mmap.MADV_WILLNEED)
    return raw


def _array(
    path: Path, raw: mmap.mmap, entry: Any, data_start: int, size: int, dtypes: Mapping[str, str]
) -> tuple[str, npt.NDArray[Any], int]:
    try:
        name = str(entry["name"])
        dtype = str(entry["dtype"])
        shape = tuple(int(s) for s in entry["shape"])
        offset = int(entry["offset"])
        nbytes = int(entry["nbytes"])
        crc = int(entry["crc32"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"{path}: snapshot header is malformed ({exc})") from exc
    if name not in dtypes:
        raise SnapshotError(f"{path}: unexpected array {name!r} in snapshot")
    if dtype != dtypes[name]:
        raise SnapshotError(f"{path}: array {name!r} has dtype {dtype}, expected {dtypes[name]}")
    itemsize = np.dtype(dtype).itemsize
    if any(s < 0 for s in shape) or offset < 0 or offset % _ALIGN or nbytes != itemsize * int(np.prod(shape)):
        raise SnapshotError(f"{path}: snapshot header is corrupt (array {name!r})")
    start = data_start + offset
    if start + nbytes > size:
        raise SnapshotError(
            f"{path}: snapshot truncated: array {name!r} ends at byte {start + nbytes}, the file has {size}"
        )
    if nbytes == 0:
        empty = np.zeros(shape, dtype=np.dtype(dtype))
        empty.setflags(write=False)
        return name, empty, crc
    array = np.frombuffer(raw, dtype=np.dtype(dtype), count=nbytes // itemsize, offset=start)
    return name, array.reshape(shape), crc


def verify(snapshot: Snapshot) -> None:
    """Read every array and check its CRC-32 (O(size): a separate step from loading)."""
    for name, array in snapshot.arrays.items():
        if _crc(array) != snapshot.checksums[name]:
            raise SnapshotError(f"{snapshot.path}: snapshot is corrupt (array {name!r} fails its checksum)")
