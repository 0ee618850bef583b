"""The fuzz suite: mutated images, hash-list files, blocklist inputs and API requests against Vigil.

``python -m tests.fuzz --help`` runs it; docs/fuzzing.md explains what is mutated and how findings are
stored and replayed. The pytest files of this folder run a bounded version in ``make test``.
"""
