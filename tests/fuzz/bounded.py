"""The bounded run of ``make test``: small counts, and only the KNOWN_DEFECTS of known.py forgiven."""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.runner import Config, Report, run

#: Inputs per target in the bounded run (the long run, ``make fuzz``, tries 10,000 / 2,000 / 1,000).
BOUNDED = {"images": 300, "lists": 100, "readers": 100, "requests": 100}
#: A quarter of the long run's budget: nesting bombs still reach the depths seen in the field.
BOUNDED_BUDGET = 256 * 1024


def bounded_run(target: str, findings: Path) -> Report:
    config = Config(seed=20, budget=BOUNDED_BUDGET, findings=findings, **{target: BOUNDED[target]})
    return run(config, [target])


def assert_no_new_findings(report: Report, target: str) -> None:
    tally = report.tallies[target]
    assert tally.tried >= BOUNDED[target], report.summary()
    assert report.unknown == [], report.summary()
