"""Benign demo data: generated images only (the absolute rule on content: see README.md)."""
