"""A worker process that runs inputs through the targets under a memory cap, and its handle in the runner.

The worker reads one JSON request a line on stdin (``{"target", "path", "kind"}``) and answers one JSON
line on stdout. Its address space is capped (RLIMIT_AS, set once the libraries are loaded, so the cap is
what one input may add): an input that needs more fails with MemoryError instead of pushing the
machine into swap. The handle kills a worker that spends the timeout in CPU time without answering
(a hang; wall time counts only past ten timeouts, so a busy machine does not fake hangs) and starts a
new one; a worker that dies (a signal, an abort in native code) is a crash.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[2]


def _address_space() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _cap_memory(extra_bytes: int) -> None:
    limit = _address_space() + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main() -> None:
    """The worker's loop (``python -m tests.fuzz.worker MEMORY_MB``)."""
    from tests.fuzz.targets import ListImports, Outcome, run_image, run_reader

    memory_mb = int(sys.argv[1])
    workdir = Path(tempfile.mkdtemp(prefix="vigil-fuzz-worker-"))
    imports: ListImports | None = None
    try:
        # Load what every target needs before capping, so the cap is what one input may use.
        from vigil.signals.images import enable_extra_formats

        enable_extra_formats()
        imports = ListImports(workdir)
        _warm_up(workdir, imports)
        _cap_memory(memory_mb * 1024 * 1024)
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            path = Path(request["path"])
            outcome: Outcome
            if request["target"] == "images":
                outcome = run_image(path)
            elif request["target"] == "lists":
                outcome = imports.run(path, request["kind"])
            else:
                outcome = run_reader(path, request["kind"])
            print(json.dumps({"status": outcome.status, "detail": outcome.detail}), flush=True)
            if "MemoryError" in outcome.detail:
                break  # whatever a MemoryError left half-built, the next input gets a fresh process
    finally:
        for child in sorted(workdir.glob("*")):
            child.unlink(missing_ok=True)
        workdir.rmdir()


def _warm_up(workdir: Path, imports: Any) -> None:
    """One benign input per decoder and format: JIT compilation and lazy imports happen before the cap."""
    from tests.fuzz.seeds import image_seeds, list_seeds, reader_seeds
    from tests.fuzz.targets import run_image, run_reader

    images = [s for s in image_seeds() if s.name in ("png-rgb", "jpeg-large", "heic", "avif")]
    for seed in (*images, list_seeds()[0], reader_seeds()[0]):
        path = workdir / f"warm-up{seed.suffix}"
        path.write_bytes(seed.data)
        if seed in images:
            run_image(path)
        elif seed in list_seeds():
            imports.run(path, seed.kind)
        else:
            run_reader(path, seed.kind)
        path.unlink()


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Answer:
    status: str  # ok | refused | crash | partial | bad | hang
    detail: str
    seconds: float


class Worker:
    """The runner's side: one worker process at a time, restarted after a hang or a death."""

    def __init__(self, memory_mb: int, timeout: float) -> None:
        self.memory_mb = memory_mb
        self.timeout = timeout
        self.process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        self._stderr = tempfile.TemporaryFile("w+")  # noqa: SIM115 - lives as long as the process
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.fuzz.worker", str(self.memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            cwd=REPO,
            env=env,
        )
        # Generous: loading the libraries takes seconds, minutes on a busy machine at nice 19.
        ready = self._read_line(process, 900.0)
        if ready is None or not json.loads(ready).get("ready"):
            self._kill(process)
            raise RuntimeError(f"the fuzz worker did not start: {self._stderr_tail()}")
        return process

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-2000:]

    @staticmethod
    def _read_line(process: subprocess.Popen[str], timeout: float) -> str | None:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                return None
        line = process.stdout.readline()
        return line or None

    def _answer(self, process: subprocess.Popen[str], started: float) -> str | None:
        """The worker's answer, or None once it has spent the timeout in CPU time (a starved worker on a
        busy machine is not hung), or ten times the timeout in wall time."""
        cpu_start = _cpu_seconds(process.pid)
        while True:
            line = self._read_line(process, self.timeout)
            if line is not None or process.poll() is not None:
                return line
            if _cpu_seconds(process.pid) - cpu_start >= self.timeout:
                return None
            if time.monotonic() - started >= 10 * self.timeout:
                return None

    @staticmethod
    def _kill(process: subprocess.Popen[str]) -> None:
        if process.poll() is None:
            process.kill()
        process.wait()

    def run(self, target: str, path: Path, kind: str) -> Answer:
        if self.process is None or self.process.poll() is not None:
            self.process = self._start()
        process = self.process
        assert process.stdin is not None
        started = time.monotonic()
        request: dict[str, Any] = {"target": target, "path": str(path), "kind": kind}
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        except BrokenPipeError:
            pass
        line = self._answer(process, started)
        seconds = time.monotonic() - started
        if line is None:
            hung = process.poll() is None
            self._kill(process)
            self.process = None
            if hung:
                return Answer(
                    "hang", f"no answer after {self.timeout:g} s of CPU time ({seconds:.0f} s)", seconds
                )
            return Answer("crash", f"worker died with status {process.returncode}", seconds)
        answer = json.loads(line)
        if "MemoryError" in answer["detail"]:
            # The worker exits after a MemoryError; waiting for it here keeps the next input from
            # being sent to a process on its way out.
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                self._kill(process)
            self.process = None
        return Answer(answer["status"], answer["detail"], seconds)

    def close(self) -> None:
        if self.process is not None:
            if self.process.stdin is not None:
                self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self._kill(self.process)
            self.process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


if __name__ == "__main__":
    main()
