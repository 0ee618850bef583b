"""Federation: Vigil instances exchanging their published hash lists (docs/federation.md).

The change feed (``feed.py``) serves a list's published versions as signed batches with provenance and
tombstones; peers (``peers.py``) say whom this instance pulls from and what it shares with them
(``policy.py``); a pull (``pull.py``) verifies each batch and applies it (``apply.py``) with its
checkpoint in one transaction; the instance's signing keys rotate and are revoked in ``keys.py``.
"""
