"""The audit journal: append-only, hash-chained entries of who changed or read what, and when."""
