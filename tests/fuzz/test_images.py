"""Bounded fuzz run of the images target: no finding beyond the known defects of issue 20."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.bounded import assert_no_new_findings, bounded_run


def test_fuzzed_images_find_nothing_new(tmp_path: Path) -> None:
    report = bounded_run("images", tmp_path)
    assert_no_new_findings(report, "images")
