"""The fetcher's record keeping: a signal leaves the list only when no key of the exchange holds it."""

from __future__ import annotations

from vigil.federation.pytx_fetch import _Records

MD5_A = "0" * 31 + "a"
MD5_B = "0" * 31 + "b"


def _gone(records: _Records) -> set[tuple[str, str]]:
    withdrawal = records.withdrawal()
    return set() if withdrawal is None else set(withdrawal.signals)


def test_a_signal_two_keys_hold_stays_until_both_let_go() -> None:
    records = _Records({'"k1"': [["md5", MD5_A]], '"k2"': [["md5", MD5_A], ["md5", MD5_B]]}, whole=False)
    assert records.delete('"k1"') == 1
    withdrawal = records.withdrawal()
    assert withdrawal is not None and set(withdrawal.signals) == set()
    assert ("md5", MD5_A) in withdrawal.held
    records.dropped.clear()
    records.update('"k2"', [["md5", MD5_B]])  # k2 lets go of A: nobody holds it now
    assert _gone(records) == {("md5", MD5_A)}
    records.dropped.clear()
    assert records.delete('"k2"') == 1 and records.delete('"k2"') == 0
    assert _gone(records) == {("md5", MD5_B)}
    assert not records.held


def test_a_whole_fetch_sweeps_the_keys_it_did_not_deliver() -> None:
    records = _Records({'"k1"': [["md5", MD5_A]], '"k2"': [["md5", MD5_B]]}, whole=True)
    records.update('"k1"', [["md5", MD5_A]])
    assert records.sweep() == 1
    assert _gone(records) == {("md5", MD5_B)}
    assert set(records.held) == {("md5", MD5_A)}
