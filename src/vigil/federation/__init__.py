"""Federation: Vigil instances exchanging their published hash lists, learning what they hold in common,
and exchanging with python-threatexchange (docs/federation.md, docs/federation-psi-pytx.md).

The change feed (``feed.py``) serves a list's published versions as signed batches with provenance and
tombstones; peers (``peers.py``) say whom this instance pulls from and what it shares with them
(``policy.py``); a pull (``pull.py``) verifies each batch and applies it (``apply.py``) with its
checkpoint in one transaction; the instance's signing keys rotate and are revoked in ``keys.py``.
Private set intersection: ``psi*.py``; python-threatexchange both ways: ``pytx_*.py``.
"""
