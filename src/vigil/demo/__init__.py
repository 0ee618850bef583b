"""Benign demo data: generated images only (see DEVELOPERS.md, absolute rule on content)."""
