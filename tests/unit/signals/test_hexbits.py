from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.signals.base import InvalidSignalError
from vigil.signals.crypto import MD5, SHA1, SHA256
from vigil.signals.hexbits import bits_to_hex, hamming, hex_to_bits
from vigil.signals.pdq import PDQ

hashes = st.binary(min_size=32, max_size=32).map(bytes.hex)


@pytest.mark.slow
@given(st.lists(st.integers(0, 1), min_size=256, max_size=256))
def test_bits_hex_round_trip(bits: list[int]) -> None:
    text = bits_to_hex(bits)
    assert len(text) == 64
    assert hex_to_bits(text).tolist() == bits


@given(hashes)
def test_hex_bits_round_trip(text: str) -> None:
    assert bits_to_hex(hex_to_bits(text)) == text


def test_msb_first() -> None:
    bits = [1] + [0] * 255
    assert bits_to_hex(bits) == "8" + "0" * 63


@given(hashes, hashes)
def test_hamming_is_bit_count_of_xor(a: str, b: str) -> None:
    expected = int(np.count_nonzero(hex_to_bits(a) != hex_to_bits(b)))
    assert hamming(a, b) == expected == hamming(b, a)
    assert PDQ.distance(a.upper(), b) == expected


@given(hashes, hashes, hashes)
def test_hamming_triangle_inequality(a: str, b: str, c: str) -> None:
    assert hamming(a, c) <= hamming(a, b) + hamming(b, c)


@given(hashes)
def test_normalize_accepts_case_and_whitespace(text: str) -> None:
    assert PDQ.normalize(f"  {text.upper()}\n") == text


@pytest.mark.parametrize("bad", ["", "abc", "g" * 64, "0" * 63, "0" * 65, "0x" + "0" * 62])
def test_normalize_rejects_malformed(bad: str) -> None:
    with pytest.raises(InvalidSignalError):
        PDQ.normalize(bad)


def test_crypto_signal_widths() -> None:
    assert MD5.normalize("D41D8CD98F00B204E9800998ECF8427E") == "d41d8cd98f00b204e9800998ecf8427e"
    with pytest.raises(InvalidSignalError):
        SHA1.normalize("d41d8cd98f00b204e9800998ecf8427e")
    assert SHA256.distance("a" * 64, "A" * 64) == 0
    assert SHA256.distance("a" * 64, "b" * 64) == 1
