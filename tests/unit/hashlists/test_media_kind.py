from __future__ import annotations

import pytest

from vigil.hashlists.media_kind import media_kind, signal_summary

VPDQ = (
    "0,100,6c6cf76cd593f76cf57cd5d3ff6cd55dd19388932a2c2aa80893226408990893,0.000\n"
    "10,80,8752df53d5e1d5e3ffd7fd7ff57ef55e68ad20a9201e221c202c20282a422a81,1.000\n"
    "20,61,7b89d724d5347cdbff5bd534d534df79d52428cb2adb022481a42a8b2adb22a0,2.000"
)


@pytest.mark.parametrize(
    ("mime", "signals", "kind"),
    [
        ("video/mp4", [], "video"),
        ("Video/MPEG", ["pdq"], "video"),  # the MIME type decides first
        ("image/jpeg", ["vpdq"], "image"),
        (None, ["vpdq"], "video"),
        ("application/octet-stream", ["pdq", "md5"], "image"),
        (None, ["photodna-or-unknown"], "file"),
        (None, [], "file"),
    ],
)
def test_kind_from_mime_type_then_signals(mime: str | None, signals: list[str], kind: str) -> None:
    assert media_kind(mime, signals) == kind


def test_vpdq_summary() -> None:
    assert signal_summary("vpdq", VPDQ) == "3 frames over 2.000 s, mean quality 80"
    assert signal_summary("pdq", "00" * 32) is None
    assert signal_summary("vpdq", "garbage") is None
