"""report.json: the full, versioned record of a scan, written as a stream (items never all in memory)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from vigil.scanning.report.model import SCHEMA, SCHEMA_VERSION, ReportData


def write_json(data: ReportData, path: Path) -> None:
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        head = {"schema": SCHEMA, "version": SCHEMA_VERSION, "scan": data.scan, "summary": data.summary()}
        out.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2])
        groups = [
            {"category": c, "series": s, "count": n}
            for (c, s), n in sorted(data.triage.known_groups.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        out.write(',\n "known_groups": ' + json.dumps(groups, ensure_ascii=False))
        clusters = [{"id": cid, "size": size} for cid, size in sorted(data.triage.cluster_sizes.items())]
        out.write(',\n "clusters": ' + json.dumps(clusters))
        out.write(',\n "items": [')
        first = True
        for key, item in data.items():
            out.write(("\n  " if first else ",\n  ") + json.dumps(data.row(key, item), ensure_ascii=False))
            first = False
        out.write("\n ]\n}\n")
    os.replace(tmp, path)
