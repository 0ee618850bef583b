"""Scan and triage: folders and archives through the signal pipeline, matched against known lists."""
