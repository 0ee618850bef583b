"""The canonical form a notice's signature covers: what transport may change does not matter, what the
text says does."""

from __future__ import annotations

import pytest

from vigil import signing
from vigil.hotline.notices import canonical_body, sign_text

TEXT = "Hotline: notice\n\nReference: VIGIL-7\nURL: http://pics.example/a.jpg\n\n-- \nHotline Zürich\n"


def test_the_canonical_form() -> None:
    expected = "Hotline: notice\n\nReference: VIGIL-7\nURL: http://pics.example/a.jpg\n\n--\nHotline Zürich\n"
    assert canonical_body(TEXT) == expected.encode("utf-8")


@pytest.mark.parametrize(
    "received",
    [
        TEXT.replace("\n", "\r\n"),
        TEXT.replace("\n", "\r"),
        TEXT.replace("-- \n", "--\n"),
        TEXT.replace("VIGIL-7\n", "VIGIL-7 \t\r\n"),
        TEXT + "\n\n \r\n",
        TEXT.rstrip("\n"),
    ],
)
def test_transport_changes_verify(received: str) -> None:
    key = signing.generate_private_key()
    assert canonical_body(received) == canonical_body(TEXT)
    signing.verify(canonical_body(received), sign_text(TEXT, key), key.public_key())


@pytest.mark.parametrize(
    "changed",
    [
        TEXT.replace("VIGIL-7", "VIGIL-8"),
        TEXT.replace("Zürich", "Zurich"),
        TEXT.replace("\n\nReference", "\nReference"),  # a blank line inside the text counts
        "  " + TEXT,  # so do leading spaces
    ],
)
def test_content_changes_do_not(changed: str) -> None:
    key = signing.generate_private_key()
    with pytest.raises(signing.SignatureError):
        signing.verify(canonical_body(changed), sign_text(TEXT, key), key.public_key())
