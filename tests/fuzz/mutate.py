"""A small deterministic mutation engine: byte-level mutators, and structure-aware ones for JSON, CSV
and line-based text.

Every mutation draws from one ``random.Random``; an input is fully determined by the run's seed, the
target and its index, so a finding can be regenerated as well as replayed from its stored file.
``budget`` bounds what one mutation may add (huge strings, nesting bombs, repeated records), so that
the bounded run stays small while the long run tries bombs of the sizes seen in the field.
"""

from __future__ import annotations

import csv
import io
import json
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

#: Numbers at the edges of the integer and float types that parsers and databases use.
EDGE_INTS: Final = (
    0,
    -1,
    1,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2**31 - 1,
    2**31,
    -(2**31),
    2**32,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**30,
    -(10**40),
)
EDGE_TEXT_NUMBERS: Final = (
    "1e308",
    "1e309",
    "-1e400",
    "NaN",
    "Infinity",
    "-0",
    "0x7fffffff",
    "1_000",
    "00000000000000000000001",
    "99999999999999999999999999999999",
)
#: Text that has broken parsers before: controls, surrogates, direction marks, combining runs, BOMs.
ODD_TEXT: Final = (
    "\x00",
    "\ud800",
    "\u202e",
    "\ufeff",
    "e\u0301" * 50,
    "\U0001f600",
    "\r\n",
    "\\",
    '"',
    "'",
    "${jndi}",
    "../../../../etc/passwd",
    "%00",
    "\u0085",
    "\u2028",
)
#: The same values as raw bytes (some not valid UTF-8), for byte-level inserts.
ODD_BYTES: Final = (
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\x80",
    b"\r",
    b"\n",
)


@dataclass
class Mutation:
    """The mutated bytes and the names of the operations applied, in order (for the finding's record)."""

    data: bytes
    ops: list[str] = field(default_factory=list)


class Mutator:
    """Mutations of one input; ``donors`` are other seeds of the same kind, for chunk splicing."""

    def __init__(self, rng: random.Random, budget: int, donors: list[bytes] | None = None) -> None:
        self.rng = rng
        self.budget = budget
        self.donors = donors or []

    # -- sizes ------------------------------------------------------------------------------------

    def big(self) -> int:
        """A size up to the budget, small ones more likely (log-uniform)."""
        return max(1, int(2 ** self.rng.uniform(4, max(5.0, self.budget.bit_length() - 1))))

    def repeats(self) -> int:
        """How many copies of a record to add: about a budget's worth of small records."""
        return min(self.big() // 64 + 1, 20_000)

    # -- bytes ------------------------------------------------------------------------------------

    def bytes_mutation(self, data: bytes, rounds: int | None = None) -> Mutation:
        out = Mutation(data)
        for _ in range(rounds or self.rng.choice((1, 1, 1, 2, 2, 3, 5, 8))):
            op = self.rng.choice(self._byte_ops)
            out.data = op(self, out.data)
            out.ops.append(op.__name__.lstrip("_"))
        return out

    def _bit_flip(self, data: bytes) -> bytes:
        if not data:
            return b"\x01"
        buf = bytearray(data)
        for _ in range(self.rng.choice((1, 1, 2, 4, 16))):
            i = self.rng.randrange(len(buf))
            buf[i] ^= 1 << self.rng.randrange(8)
        return bytes(buf)

    def _byte_set(self, data: bytes) -> bytes:
        if not data:
            return b"\xff"
        buf = bytearray(data)
        i = self.rng.randrange(len(buf))
        buf[i] = self.rng.choice((0, 0xFF, 0x7F, 0x80, 0x01, self.rng.randrange(256)))
        return bytes(buf)

    def _insert(self, data: bytes) -> bytes:
        i = self.rng.randrange(len(data) + 1)
        chunk = (
            self.rng.choice(ODD_BYTES)
            if self.rng.random() < 0.5
            else self.rng.randbytes(self.rng.randint(1, 64))
        )
        return data[:i] + chunk + data[i:]

    def _delete(self, data: bytes) -> bytes:
        if len(data) < 2:
            return data
        i = self.rng.randrange(len(data))
        return data[:i] + data[i + self.rng.randint(1, max(1, min(len(data) - i, 256))) :]

    def _duplicate(self, data: bytes) -> bytes:
        if not data:
            return data
        i = self.rng.randrange(len(data))
        chunk = data[i : i + self.rng.randint(1, 512)]
        times = max(1, min(self.big() // max(1, len(chunk)), 4096))
        return data[:i] + chunk * times + data[i:]

    def _splice(self, data: bytes) -> bytes:
        """A chunk of another seed of the same kind, in place of a chunk of this one."""
        donor = self.rng.choice(self.donors) if self.donors else data
        if not donor or not data:
            return data
        a = self.rng.randrange(len(donor))
        chunk = donor[a : a + self.rng.randint(1, 1024)]
        i = self.rng.randrange(len(data))
        return data[:i] + chunk + data[i + self.rng.randint(0, len(chunk)) :]

    def _truncate(self, data: bytes) -> bytes:
        if len(data) < 2:
            return b""
        return data[: self.rng.choice((0, 1, self.rng.randrange(len(data)), len(data) // 2, len(data) - 1))]

    def _inflate_length(self, data: bytes) -> bytes:
        """A 16- or 32-bit field (either endianness) near the head set to a huge or edge value: length
        fields, dimensions, offsets and counts of binary headers all live there."""
        if len(data) < 4:
            return data
        width = self.rng.choice((2, 4))
        head = min(len(data) - width, 1024)
        i = self.rng.randrange(head + 1)
        fmt = self.rng.choice(("<", ">")) + ("H" if width == 2 else "I")
        top = 0xFFFF if width == 2 else 0xFFFFFFFF
        value = self.rng.choice((top, top // 2, top // 2 + 1, 0, 1, top - 1, self.rng.randrange(top)))
        return data[:i] + struct.pack(fmt, value) + data[i + width :]

    def _numeric_text(self, data: bytes) -> bytes:
        """A run of ASCII digits replaced by an edge number (sizes, counts, serials in text formats)."""
        starts = [
            i
            for i in range(len(data))
            if data[i : i + 1].isdigit() and (i == 0 or not data[i - 1 : i].isdigit())
        ]
        if not starts:
            return data + str(self.rng.choice(EDGE_INTS)).encode()
        i = self.rng.choice(starts)
        j = i
        while j < len(data) and data[j : j + 1].isdigit():
            j += 1
        value = (
            str(self.rng.choice(EDGE_INTS)) if self.rng.random() < 0.7 else self.rng.choice(EDGE_TEXT_NUMBERS)
        )
        return data[:i] + value.encode() + data[j:]

    def _huge_run(self, data: bytes) -> bytes:
        i = self.rng.randrange(len(data) + 1)
        return (
            data[:i]
            + self.rng.choice((b"A", b"\x00", b"9", b" ", b"\xff", b"[", b"{")) * self.big()
            + data[i:]
        )

    _byte_ops: tuple[Callable[[Mutator, bytes], bytes], ...] = (
        _bit_flip,
        _bit_flip,
        _byte_set,
        _insert,
        _delete,
        _duplicate,
        _splice,
        _truncate,
        _inflate_length,
        _inflate_length,
        _numeric_text,
        _huge_run,
    )

    # -- values -----------------------------------------------------------------------------------

    def odd_value(self) -> Any:
        """A JSON value that a field does not expect: an edge number, a huge or odd string, a container."""
        choice = self.rng.randrange(9)
        if choice == 0:
            return self.rng.choice(EDGE_INTS)
        if choice == 1:
            return self.rng.choice((1e308, -1e308, 5e-324, 0.5, -0.0))
        if choice == 2:
            return self.rng.choice(ODD_TEXT) * self.rng.randint(1, 4)
        if choice == 3:
            return self.rng.choice("Aé😀\x00") * self.big()
        if choice == 4:
            return self.rng.choice((None, True, False))
        if choice == 5:
            return [self.rng.choice(EDGE_INTS)] * self.rng.randint(0, 3)
        if choice == 6:
            return {"": self.rng.choice(EDGE_INTS)}
        if choice == 7:
            return self.rng.choice(EDGE_TEXT_NUMBERS)
        return ""

    def odd_text(self) -> str:
        value = self.odd_value()
        return value if isinstance(value, str) else json.dumps(value)

    def nesting_bomb(self) -> str:
        """Arrays or objects nested deep, as JSON text (too deep for json.dumps to write)."""
        depth = self.rng.choice((64, 1000, self.big() // 2, self.budget // 2))
        depth = max(2, depth)
        if self.rng.random() < 0.5:
            return "[" * depth + "]" * depth
        return '{"a":' * depth + "1" + "}" * depth


# -- structure-aware: JSON --------------------------------------------------------------------------

_BOMB: Final = "__fuzz_bomb__"


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, i)))
    return out


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def json_mutation(m: Mutator, data: bytes) -> Mutation:
    """Mutate the parsed JSON tree (values, keys, records, nesting), then sometimes its bytes too."""
    try:
        doc = json.loads(data)
    except ValueError:
        return m.bytes_mutation(data)
    ops: list[str] = []
    bomb: str | None = None
    for _ in range(m.rng.choice((1, 1, 2, 3))):
        paths = _paths(doc)
        path = m.rng.choice(paths[1:] or paths)
        if not path:
            break
        parent, last = _get(doc, path[:-1]), path[-1]
        op = m.rng.randrange(8)
        if op <= 2:
            parent[last] = m.odd_value()
            ops.append("json-odd-value")
        elif op == 3 and bomb is None:
            parent[last] = _BOMB
            bomb = m.nesting_bomb()
            ops.append("json-nesting-bomb")
        elif op == 4 and isinstance(parent, dict):
            del parent[last]
            ops.append("json-delete-key")
        elif op == 4 and isinstance(parent, list):
            parent.extend([parent[last]] * m.repeats())
            ops.append("json-repeat-record")
        elif op == 5 and isinstance(parent, dict):
            parent[m.odd_text() if m.rng.random() < 0.5 else str(last).upper()] = parent.pop(last)
            ops.append("json-odd-key")
        elif op == 6:
            value = parent[last]
            parent[last] = {"x": value} if not isinstance(value, dict) else [value]
            ops.append("json-wrap")
        else:
            parent[last] = m.rng.choice(([], {}, None, "", [[]], {"": {}}))
            ops.append("json-empty")
    text = json.dumps(doc, ensure_ascii=m.rng.random() < 0.5)
    if bomb is not None:
        text = text.replace(json.dumps(_BOMB), bomb, 1)
    out = Mutation(text.encode("utf-8", "surrogatepass"), ops)
    if m.rng.random() < 0.2:
        extra = m.bytes_mutation(out.data, 1)
        out = Mutation(extra.data, ops + extra.ops)
    return out


# -- structure-aware: CSV and line-based text -------------------------------------------------------


def csv_mutation(m: Mutator, data: bytes) -> Mutation:
    """Mutate cells, columns and rows of a CSV file (header included), then sometimes its bytes."""
    text = data.decode("utf-8", "replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return m.bytes_mutation(data)
    ops: list[str] = []
    for _ in range(m.rng.choice((1, 1, 2, 3))):
        r = m.rng.randrange(len(rows))
        row = rows[r]
        op = m.rng.randrange(7)
        if op <= 2 and row:
            row[m.rng.randrange(len(row))] = m.odd_text()
            ops.append("csv-odd-cell")
        elif op == 3:
            row.append(m.odd_text())
            ops.append("csv-extra-column")
        elif op == 4 and row:
            del row[m.rng.randrange(len(row))]
            ops.append("csv-drop-column")
        elif op == 5:
            rows.extend([rows[r]] * m.repeats())
            ops.append("csv-repeat-row")
        else:
            rows[r] = [m.rng.choice(('"', '""', "\x00", "a\nb", "")) + c for c in row]
            ops.append("csv-quote-break")
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    out = Mutation(buf.getvalue().encode("utf-8", "surrogatepass"), ops)
    if m.rng.random() < 0.1:
        out = Mutation(out.data.decode("utf-8", "replace").encode("utf-16"), [*ops, "utf-16"])
    elif m.rng.random() < 0.2:
        extra = m.bytes_mutation(out.data, 1)
        out = Mutation(extra.data, ops + extra.ops)
    return out


def lines_mutation(m: Mutator, data: bytes, directives: tuple[str, ...] = ()) -> Mutation:
    """Mutate a line-based file (md5sum, hosts, zone files): tokens, whole lines, directives."""
    lines = data.decode("utf-8", "replace").splitlines()
    ops: list[str] = []
    for _ in range(m.rng.choice((1, 1, 2, 3))):
        r = m.rng.randrange(len(lines) + 1)
        op = m.rng.randrange(7)
        if op <= 2 and r < len(lines):
            tokens = lines[r].split()
            if tokens:
                tokens[m.rng.randrange(len(tokens))] = m.odd_text() if m.rng.random() < 0.6 else "x" * m.big()
            lines[r] = m.rng.choice((" ", "\t", "  ")).join(tokens)
            ops.append("line-odd-token")
        elif op == 3 and directives:
            lines.insert(r, m.rng.choice(directives))
            ops.append("line-directive")
        elif op == 4 and r < len(lines):
            # Within the budget whatever the line's length: a long line repeated 20,000 times made a
            # 1.1 GB input that the harness itself could not read under its memory cap.
            copies = min(m.repeats(), m.budget // (len(lines[r]) + 1) + 1)
            lines.extend([lines[r]] * copies)
            ops.append("line-repeat")
        elif op == 5 and r < len(lines):
            del lines[r]
            ops.append("line-delete")
        else:
            lines.insert(r, m.odd_text())
            ops.append("line-odd")
    end = m.rng.choice(("\n", "\r\n", "\r"))
    out = Mutation(end.join(lines).encode("utf-8", "surrogatepass"), ops)
    if m.rng.random() < 0.2:
        extra = m.bytes_mutation(out.data, 1)
        out = Mutation(extra.data, ops + extra.ops)
    return out
