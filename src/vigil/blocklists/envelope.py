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
from typing import Any, Final, Generic, TypeVar

FORMAT_VERSION: Final = 1
T = TypeVar("T")


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


@dataclass(frozen=True)
class VersionDocument(Generic[T]):
    name: str
    serial: int
    published_at: datetime
    items: tuple[T, ...]


@dataclass(frozen=True)
class DiffDocument(Generic[T]):
    name: str
    from_serial: int
    to_serial: int
    published_at: datetime
    added: tuple[T, ...]
    removed: tuple[T, ...]


@dataclass(frozen=True)
class Envelope(Generic[T]):
    """The codec of one kind of list: its format names, where its items go, and the item codec."""

    format: str
    diff_format: str
    items_key: str
    item_to_dict: Callable[[T], dict[str, Any]]
    item_from_dict: Callable[[Mapping[str, Any]], T]
    #: What a malformed document raises (each kind keeps its own error type).
    error: type[ValueError]

    # -- writing ----------------------------------------------------------------------------------

    def _document(self, head: Mapping[str, Any], arrays: Mapping[str, Iterable[T]]) -> str:
        # The head is written with json.dumps, then each array with one item per line.
        parts = [json.dumps(dict(head), ensure_ascii=False)[:-1]]
        for key, items in arrays.items():
            lines = ",\n".join(json.dumps(self.item_to_dict(item), ensure_ascii=False) for item in items)
            parts.append(f', "{key}": [\n{lines}\n]' if lines else f', "{key}": []')
        return "".join(parts) + "}\n"

    def version_to_json(self, name: str, serial: int, published_at: datetime, items: Iterable[T]) -> str:
        head = {
            "format": self.format,
            "format_version": FORMAT_VERSION,
            "list": name,
            "serial": serial,
            "published_at": published_at.isoformat(),
        }
        return self._document(head, {self.items_key: items})

    def diff_to_json(
        self,
        name: str,
        from_serial: int,
        to_serial: int,
        published_at: datetime,
        added: Iterable[T],
        removed: Iterable[T],
    ) -> str:
        head = {
            "format": self.diff_format,
            "format_version": FORMAT_VERSION,
            "list": name,
            "from_serial": from_serial,
            "to_serial": to_serial,
            "published_at": published_at.isoformat(),
        }
        return self._document(head, {"added": added, "removed": removed})

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

    def read_version(self, text: str | bytes) -> VersionDocument[T]:
        data = self._load(text, self.format)
        return VersionDocument(
            name=data["list"],
            serial=self._int(data, "serial"),
            published_at=parse_time(data.get("published_at"), "published_at", self.error),
            items=self._items(data, self.items_key),
        )

    def read_diff(self, text: str | bytes) -> DiffDocument[T]:
        data = self._load(text, self.diff_format)
        return DiffDocument(
            name=data["list"],
            from_serial=self._int(data, "from_serial"),
            to_serial=self._int(data, "to_serial"),
            published_at=parse_time(data.get("published_at"), "published_at", self.error),
            added=self._items(data, "added"),
            removed=self._items(data, "removed"),
        )
