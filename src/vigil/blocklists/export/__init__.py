"""Exports of a published list version: RPZ zone, hosts file, proxy list and JSON."""
