"""The signing key file: made once with mode 0600, reused, refused when others can read it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vigil.signing import SignatureError, key_id, sign, verify
from vigil.signing.keyfile import default_key_path, load_or_create_signing_key


def test_made_on_first_use_then_reused(tmp_path: Path) -> None:
    path = default_key_path(tmp_path / "data")
    first = load_or_create_signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    again = load_or_create_signing_key(path)
    assert key_id(again.public_key()) == key_id(first.public_key())
    assert verify(b"data", sign(b"data", first), again.public_key())
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_a_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    load_or_create_signing_key(path)
    path.chmod(0o644)
    with pytest.raises(SignatureError, match="readable by others"):
        load_or_create_signing_key(path)
