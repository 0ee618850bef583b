"""A process that appends to the audit journal until told to stop, as a hotline sweep or worker does.

Run by the journal concurrency test: ``python -m tests.e2e.journal_appender NAME FOLDER`` with the
database in ``VIGIL_*`` variables. It prints ``loaded``, waits for ``FOLDER/go``, then appends, each
append its own transaction preceded by a read of the head (as services read before they write), with
a short pause between appends to leave the API processes some CPU. It prints ``ready`` after its
first append and, once ``FOLDER/stop`` exists, one JSON line: how many appends committed and the
errors of those that did not.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from vigil.audit import journal
from vigil.audit.models import AuditHead
from vigil.config import Settings
from vigil.db.session import make_engine, make_session_factory, transaction

PAUSE_SECONDS = 0.02


def main(name: str, folder: Path) -> None:
    engine = make_engine(Settings())
    sessions = make_session_factory(engine)
    print("loaded", flush=True)
    while not (folder / "go").exists():
        time.sleep(0.05)
    appended, errors = 0, []
    while not (folder / "stop").exists():
        try:
            with transaction(sessions) as session:
                session.get(AuditHead, 1)
                journal.append(session, name, "test.append", f"appender/{appended}", {"n": appended})
        except Exception as exc:  # reported to the test, which fails on any
            errors.append(repr(exc)[:300])
        else:
            appended += 1
            if appended == 1:
                print("ready", flush=True)
        time.sleep(PAUSE_SECONDS)
    engine.dispose()
    print(json.dumps({"appended": appended, "errors": errors}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
