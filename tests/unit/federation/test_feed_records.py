"""A feed record carries the published entry's MIME type when it is known, and only then: a batch of
records without one is what an earlier version of Vigil sent."""

from __future__ import annotations

from vigil.federation.feed import record_from_json, record_json
from vigil.federation.policy import Direction
from vigil.formats.base import HashRecord


def test_a_known_mime_type_goes_out_and_comes_back_in() -> None:
    record = HashRecord(md5="0" * 32, size=5, mime_type="video/mp4", signals=[("pdq", "f" * 64)])
    sent = record_json(record, Direction())
    assert sent is not None and sent["mime_type"] == "video/mp4"
    assert record_from_json(sent) == record


def test_a_record_without_one_is_sent_as_before() -> None:
    sent = record_json(HashRecord(md5="0" * 32), Direction())
    assert sent == {"md5": "0" * 32, "sha1": None, "sha256": None, "signals": {}, "size": None,
                    "category": None, "scheme": None}  # fmt: skip
    assert record_from_json(sent).mime_type is None
    # a value that is no string (a hostile or broken peer) is not taken for one
    assert record_from_json({**sent, "mime_type": ["video/mp4"]}).mime_type is None
