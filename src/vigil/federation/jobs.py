"""Scheduled pulls on the huey job queue (the hotline's storage, a queue of its own name).

A periodic task every minute enqueues one ``federation.pull`` job per enabled peer whose
``pull_minutes`` have passed since its last pull; the job pulls under the peer's lease, so two workers
(or a worker and ``vigil peers pull``) never pull one peer at once. A failed pull is retried by huey; its
error stays on the peer (``vigil peers list``). Messages are JSON (hotline.jobs.JsonSerializer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from huey import Huey, crontab

from vigil.federation.pull import PullBusyError, Puller, schedule_due

QUEUE_NAME: Final = "vigil-federation"
log = logging.getLogger(__name__)


class FederationJobs:
    def __init__(
        self, huey: Huey, puller: Callable[[], Puller], *, retries: int = 3, retry_delay: int = 120
    ) -> None:
        self.huey = huey
        self._factory = puller
        self._puller: Puller | None = None

        @huey.task(name="federation.pull", retries=retries, retry_delay=retry_delay)  # type: ignore[untyped-decorator]
        def pull_job(peer: str) -> None:
            self.pull(str(peer))

        @huey.periodic_task(crontab(minute="*"), name="federation.schedule")  # type: ignore[untyped-decorator]
        def schedule_job() -> None:
            self.schedule()

        self.pull_job = pull_job
        self.schedule_job = schedule_job

    def puller(self) -> Puller:
        if self._puller is None:
            self._puller = self._factory()
        return self._puller

    def pull(self, peer: str) -> None:
        try:
            result = self.puller().pull(peer)
        except PullBusyError as exc:
            log.info("federation pull skipped: %s", exc)
            return
        for done in result.lists:
            log.info(
                "pulled %s/%s to version %d: %d records, %d tombstones, %d own",
                peer,
                done.remote_list,
                done.version,
                done.applied.records,
                done.applied.tombstones,
                done.applied.own,
            )

    def schedule(self) -> list[str]:
        due = schedule_due(self.puller().sessions)
        for name in due:
            self.pull_job(name)
        return due
