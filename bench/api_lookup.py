"""API lookups over HTTP: single PDQ lookups per second and p50/p99 at N hashes (default 1 M), against the
same server's empty endpoint (``/api/v1/health/live``) in the same run. Target: lookup >= 0.4x empty.

The real server (``vigil serve``, uvicorn, one worker) runs in its own process on loopback; the load comes
from another process: ``wrk`` when installed (Debian package ``wrk``), else an asyncio httpx client.
Queries are random PDQ hashes (misses, the common case for a platform) with one in ten a near copy
(8 bits flipped) of a stored hash. The database (benign, made-up hashes) is built once into
``bench/.cache/api_lookup/`` and reused. ``--soak SECONDS`` then runs lookups that long and reports
errors and the server's memory over time.

Run alone as ``flock /tmp/vigil-bench.lock python -m bench.api_lookup`` (or ``python -m bench api_lookup``).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

BENCH_DIR: Final = Path(__file__).resolve().parent
CACHE_DIR: Final = BENCH_DIR / ".cache" / "api_lookup"
TARGET_RATIO: Final = 0.4
LIST: Final = "bench"


def _pdq(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def _near(hex_hash: str, rng: random.Random, bits: int = 8) -> str:
    value = int(hex_hash, 16)
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return f"{value:064x}"


def prepare(hashes: int) -> tuple[Path, list[str]]:
    """A data folder with a published list of ``hashes`` entries (built once), and a sample of them."""
    folder = CACHE_DIR / f"n{hashes}"
    sample_file = folder / "sample.txt"
    if sample_file.exists():
        return folder, sample_file.read_text().split()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(hashes)
    listing = folder / "listing.csv"
    sample: list[str] = []
    with listing.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["md5", "pdq", "category", "scheme"])
        for i in range(hashes):
            pdq = _pdq(rng)
            if i % max(1, hashes // 1000) == 0:
                sample.append(pdq)
            out.writerow([f"{i:032x}", pdq, str(1 + i % 4), "vics-us"])
    env = os.environ | {"VIGIL_DATA_DIR": str(folder / "data")}
    subprocess.run([sys.executable, "-m", "vigil", "db", "upgrade"], env=env, check=True, stdout=sys.stderr)
    code = (
        "from pathlib import Path\n"
        "from vigil.config import Settings\n"
        "from vigil.db.session import make_engine, make_session_factory\n"
        "from vigil.formats.csv import CSV\n"
        "from vigil.hashlists.service import HashDatabase\n"
        "s = Settings()\n"
        "db = HashDatabase(make_session_factory(make_engine(s)), 'bench')\n"
        "db.add_contributor('Bench', 'other', 'US')\n"
        f"db.create_list({LIST!r}, 'Bench', None, ('industry',))\n"
        f"db.import_file(Path({str(listing)!r}), CSV, 'Bench', list_name={LIST!r}, refresh_baseline=False)\n"
        f"print(db.publish({LIST!r}))\n"
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, stdout=sys.stderr)
    print(f"built the database of {hashes} hashes in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    listing.unlink()
    sample_file.write_text("\n".join(sample))
    return folder, sample


def _token(folder: Path) -> str:
    code = (
        "import secrets\n"
        "from vigil.auth.service import UserService\n"
        "from vigil.config import Settings\n"
        "from vigil.db.session import make_engine, make_session_factory\n"
        "s = UserService(make_session_factory(make_engine(Settings())), 'bench')\n"
        "print(s.add_user('bench-' + secrets.token_hex(4), 'member').secret)\n"
    )
    env = os.environ | {"VIGIL_DATA_DIR": str(folder / "data")}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "VIGIL_DATA_DIR": str(folder / "data"),
        "VIGIL_API_RATE_PER_SECOND": "0",
        "VIGIL_INDEX_POLL_SECONDS": "30",
    }
    cmd = [sys.executable, "-m", "vigil", "serve", "--port", str(port), "--no-access-log"]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 900
    import httpx

    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"server exited: {server.stderr.read().decode()[-2000:] if server.stderr else ''}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health/ready", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.kill()
    raise RuntimeError("server not ready in time")


def _paths(sample: list[str], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        value = _near(rng.choice(sample), rng) if i % 10 == 0 else _pdq(rng)
        out.append(f"/api/v1/lookup?signal_type=pdq&signal={value}")
    return out


WRK_SCRIPT: Final = """
local paths = {}
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  wrk.headers["Authorization"] = "Bearer " .. args[2]
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('VIGIL {"requests": %d, "seconds": %f, "errors": %d, "non2xx": %d, '
    .. '"p50_ms": %f, "p99_ms": %f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def run_wrk(url: str, paths: list[str], token: str, seconds: int, connections: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        script, listing = Path(tmp) / "load.lua", Path(tmp) / "paths.txt"
        script.write_text(WRK_SCRIPT)
        listing.write_text("\n".join(paths) + "\n")
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "-s",
                str(script),
                url,
                "--",
                str(listing),
                token,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("VIGIL "))
    result: dict[str, Any] = json.loads(line[6:])
    result["rps"] = result["requests"] / result["seconds"]
    return result


async def _httpx_load(
    url: str, paths: list[str], token: str, seconds: float, connections: int
) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:

        async def worker(offset: int) -> None:
            nonlocal errors
            n = offset
            while time.perf_counter() < stop:
                n += connections
                started = time.perf_counter()
                try:
                    r = await client.get(paths[n % len(paths)])
                    errors += r.status_code != 200
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

        begun = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(connections)))
        elapsed = time.perf_counter() - begun
    latencies.sort()

    def pick(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "errors": errors,
        "non2xx": errors,
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "rps": len(latencies) / elapsed,
    }


def load(url: str, paths: list[str], token: str, seconds: int, connections: int, tool: str) -> dict[str, Any]:
    """One load run, in another process than the server (wrk, or this module in a child process)."""
    if tool == "wrk":
        return run_wrk(url, paths, token, seconds, connections)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(paths))
    try:
        cmd = [
            sys.executable,
            "-m",
            "bench.api_lookup",
            "--load-child",
            url,
            f.name,
            token,
            str(seconds),
            str(connections),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=BENCH_DIR.parent).stdout
    finally:
        os.unlink(f.name)
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _line(name: str, r: dict[str, Any]) -> str:
    return f"{name:<15}: {r['rps']:8.0f} req/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms"


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_lookup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--hashes", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15, help="Duration of each measured run.")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--tool", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--soak", type=int, default=0, metavar="SECONDS", help="Then run lookups this long.")
    parser.add_argument("--load-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load_child:
        url, listing, token, seconds, connections = args.load_child
        paths = Path(listing).read_text().split("\n")
        print(json.dumps(asyncio.run(_httpx_load(url, paths, token, float(seconds), int(connections)))))
        return 0
    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "httpx")
    folder, sample = prepare(args.hashes)
    token = _token(folder)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = start_server(folder, port)
    print(
        f"server ready in {time.perf_counter() - started:.1f} s (RSS {rss_mb(server.pid):.0f} MB)",
        file=sys.stderr,
    )
    try:
        lookups = _paths(sample, 20_000, 1)
        warm = max(2, args.seconds // 5)
        load(url, lookups, token, warm, args.connections, tool)
        empty = load(url, ["/api/v1/health/live"], token, args.seconds, args.connections, tool)
        lookup = load(url, lookups, token, args.seconds, args.connections, tool)
        ratio = lookup["rps"] / empty["rps"]
        report: dict[str, Any] = {
            "hashes": args.hashes,
            "tool": tool,
            "connections": args.connections,
            "empty": empty,
            "lookup": lookup,
            "ratio": ratio,
            "target": TARGET_RATIO,
            "server_rss_mb": rss_mb(server.pid),
        }
        print(_line("empty endpoint", empty), _line("pdq lookup", lookup), sep="\n", file=sys.stderr)
        print(
            f"lookup / empty : {ratio:.2f} (target >= {TARGET_RATIO}) at {args.hashes:,} hashes, {tool}",
            file=sys.stderr,
        )
        if args.soak:
            report["soak"] = soak(url, lookups, token, args.soak, args.connections, tool, server.pid)
        print(json.dumps(report))
        soak_ok = not args.soak or report["soak"]["errors"] == 0
        return 0 if ratio >= TARGET_RATIO and soak_ok else 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def soak(
    url: str, paths: list[str], token: str, seconds: int, connections: int, tool: str, pid: int
) -> dict[str, Any]:
    """Lookups for ``seconds`` in slices of 30 s: errors and the server's RSS after each slice."""
    samples: list[dict[str, Any]] = []
    errors = 0
    done = 0
    while done < seconds:
        step = min(30, seconds - done)
        result = load(url, paths, token, step, connections, tool)
        done += step
        errors += int(result["errors"]) + int(result["non2xx"])
        samples.append(
            {
                "t": done,
                "rps": round(result["rps"]),
                "p99_ms": round(result["p99_ms"], 2),
                "rss_mb": round(rss_mb(pid), 1),
            }
        )
        print(f"soak {done:5d} s: {samples[-1]}", file=sys.stderr)
    growth = samples[-1]["rss_mb"] - samples[0]["rss_mb"] if samples else 0.0
    return {"seconds": seconds, "errors": errors, "samples": samples, "rss_growth_mb": growth}


if __name__ == "__main__":
    sys.exit(main())
