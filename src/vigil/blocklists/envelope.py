"""The JSON envelope every published list and every diff travels in, whatever the kind of entry.

A version document is a head (``format``, ``format_version``, ``list``, ``serial``,
``published_at``) and one array of items; a diff document has ``from_serial`` and ``to_serial`` in
place of ``serial`` and two arrays, ``added`` and ``removed``. Items are written one per line so that
large lists stay readable and diffable. URL lists (``vigil-blocklist``, items under ``entries``) and
keyword lists (``vigil-keywords``, items under ``keywords``) differ only in the item codec, so one
:class:`Envelope` parametrised by it reads and writes both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Generic, Protocol, TypeVar

FORMAT_VERSION: Final = 1
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
V = TypeVar("V", bound="Version[Any]")
D = TypeVar("D", bound="Diff[Any]")


def parse_time(value: Any, field: str, error: type[ValueError]) -> datetime:
    """An ISO 8601 timestamp with a time zone, or ``error`` saying which field is wrong."""
    if not isinstance(value, str):
        raise error(f"{field} is not a timestamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise error(f"{field} {value!r} is not an ISO 8601 timestamp") from None
    if parsed.utcoffset() is None:
        raise error(f"{field} {value!r} has no time zone")
    return parsed


def _head(document_format: str, published: Published, **serials: int) -> dict[str, Any]:
    """A document's head, its keys in the order every list document writes them."""
    return {
        "format": document_format,
        "format_version": FORMAT_VERSION,
        "list": published.name,
        **serials,
        "published_at": published.published_at.isoformat(),
    }


class Published(Protocol):
    """What every list document's head names: the list and when the version was published."""

    @property
    def name(self) -> str: ...

    @property
    def published_at(self) -> datetime: ...


class Version(Published, Protocol[T_co]):
    """What a list version offers the codec (``ListVersion``, ``KeywordListVersion``)."""

    @property
    def serial(self) -> int: ...


class Diff(Published, Protocol[T_co]):
    """What a diff offers the codec (``VersionDiff``, ``KeywordDiff``)."""

    @property
    def from_serial(self) -> int: ...

    @property
    def to_serial(self) -> int: ...

    @property
    def added(self) -> tuple[T_co, ...]: ...

    @property
    def removed(self) -> tuple[T_co, ...]: ...


@dataclass(frozen=True)
class Envelope(Generic[T, V, D]):
    """The codec of one kind of list: its format names, where its items go, the item codec and the
    constructors of its version and diff values (which check what they are given)."""

    format: str
    diff_format: str
    items_key: str
    item_to_dict: Callable[[T], dict[str, Any]]
    item_from_dict: Callable[[Mapping[str, Any]], T]
    #: What a malformed document raises (each kind keeps its own error type).
    error: type[ValueError]
    items_of: Callable[[V], Iterable[T]]
    make_version: Callable[[str, int, datetime, tuple[T, ...]], V]
    make_diff: Callable[[str, int, int, datetime, tuple[T, ...], tuple[T, ...]], D]

    # -- writing ----------------------------------------------------------------------------------

    def _document(self, head: Mapping[str, Any], arrays: Mapping[str, Iterable[T]]) -> str:
        # The head is written with json.dumps, then each array with one item per line.
        parts = [json.dumps(dict(head), ensure_ascii=False)[:-1]]
        for key, items in arrays.items():
            lines = ",\n".join(json.dumps(self.item_to_dict(item), ensure_ascii=False) for item in items)
            parts.append(f', "{key}": [\n{lines}\n]' if lines else f', "{key}": []')
        return "".join(parts) + "}\n"

    def version_to_json(self, version: V) -> str:
        head = _head(self.format, version, serial=version.serial)
        return self._document(head, {self.items_key: self.items_of(version)})

    def diff_to_json(self, diff: D) -> str:
        head = _head(self.diff_format, diff, from_serial=diff.from_serial, to_serial=diff.to_serial)
        return self._document(head, {"added": diff.added, "removed": diff.removed})

    # -- reading ----------------------------------------------------------------------------------

    def _load(self, text: str | bytes, expected: str) -> dict[str, Any]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise self.error(f"not JSON: {error}") from None
        except RecursionError:  # arrays or objects nested thousands deep: no list looks like that
            raise self.error("not a list: JSON nested too deep") from None
        if not isinstance(data, dict) or data.get("format") != expected:
            raise self.error(f"not a {expected} document")
        if data.get("format_version") != FORMAT_VERSION:
            raise self.error(f"unsupported format_version {data.get('format_version')!r}")
        if not isinstance(data.get("list"), str):
            raise self.error("list is not text")
        return data

    def _int(self, data: Mapping[str, Any], key: str) -> int:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(f"{key} is not an integer")
        return value

    def _items(self, data: Mapping[str, Any], key: str) -> tuple[T, ...]:
        items = data.get(key)
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise self.error(f"{key} is not a list of objects")
        return tuple(self.item_from_dict(item) for item in items)

    def version_from_json(self, text: str | bytes) -> V:
        data = self._load(text, self.format)
        return self.make_version(
            data["list"],
            self._int(data, "serial"),
            parse_time(data.get("published_at"), "published_at", self.error),
            self._items(data, self.items_key),
        )

    def diff_from_json(self, text: str | bytes) -> D:
        data = self._load(text, self.diff_format)
        return self.make_diff(
            data["list"],
            self._int(data, "from_serial"),
            self._int(data, "to_serial"),
            parse_time(data.get("published_at"), "published_at", self.error),
            self._items(data, "added"),
            self._items(data, "removed"),
        )
