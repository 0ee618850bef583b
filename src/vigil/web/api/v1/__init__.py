"""Vigil's JSON API, version 1: one module per domain, each a thin layer over that domain's service."""
