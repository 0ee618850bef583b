"""``python -m bench blocklists``: exporting a 1 M-entry URL list, and Unbound loading the zone.

Each export runs in a fresh interpreter (so that its peak RSS is its own): it builds the made-up list
(``siteN.bench.example`` domains, one in ten a wildcard, and URLs on ``hostN.bench.example``), then
renders it. Reported: the time and memory of building the list (the export's input) apart from the
export itself. The peer is a floor: the same RPZ lines or hashes written by a bare loop with no
validation, sorting or structure, so the table shows what Vigil's exporters add on top of the I/O.

Unbound's part starts ``unbound`` with the exported zone as an RPZ (and a small authoritative zone for
the unlisted names) and times how long until it answers a listed name with NXDOMAIN, polling every
50 ms; its peak RSS comes from /proc.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

WHEN: Final = datetime(2026, 1, 1, tzinfo=UTC)
ORIGIN: Final = "bench.rpz.vigil."
RESULTS: Final = Path(__file__).resolve().parent / "results"


def build(entries: int) -> Any:
    """The made-up version (targets already canonical: building measures the data, not parsing)."""
    from vigil.blocklists.entries import ListEntry
    from vigil.blocklists.versions import ListVersion

    items = []
    for i in range(entries):
        if i % 10 == 9:
            items.append(ListEntry("url", f"http://host{i}.bench.example/path/{i}?id={i}", "bench", WHEN))
        else:
            items.append(ListEntry("domain", f"site{i}.bench.example", "bench", WHEN, wildcard=i % 10 == 0))
    return ListVersion(name="bench", serial=1, published_at=WHEN, entries=tuple(items))


def _floor(kind: str, version: Any) -> str:
    if kind == "rpz":
        lines = [f"$ORIGIN {ORIGIN}", "@ SOA localhost. hostmaster.localhost. 1 3600 600 604800 300"]
        for entry in version.entries:
            lines.append(f"{entry.host} CNAME .")
            if entry.wildcard:
                lines.append(f"*.{entry.host} CNAME .")
        return "\n".join(lines) + "\n"
    return "\n".join(hashlib.sha256(e.target.encode()).hexdigest() for e in version.entries) + "\n"


def worker(kind: str, entries: int, output: Path) -> dict[str, Any]:
    """One export in this process: build, render, write; times and peak RSS."""
    from vigil.blocklists.export.proxy import build_proxy_list, render_proxy_list
    from vigil.blocklists.export.rpz import RpzOptions, render_rpz

    start = time.perf_counter()
    version = build(entries)
    built = time.perf_counter()
    rss_built = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if kind == "rpz":
        text = render_rpz(version, RpzOptions(origin=ORIGIN))
    elif kind == "proxy":
        text = render_proxy_list(build_proxy_list(version, lambda _name: ()))
    else:
        text = _floor(kind.removeprefix("floor-"), version)
    output.write_text(text, encoding="utf-8")
    done = time.perf_counter()
    return {
        "kind": kind,
        "entries": entries,
        "build_s": built - start,
        "export_s": done - built,
        "rss_built_mib": rss_built / 1024,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "bytes": output.stat().st_size,
        "lines": text.count("\n"),
    }


def _run_worker(kind: str, entries: int, output: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.blocklists", "--worker", kind, "--entries", str(entries)]
    command += ["--output", str(output)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _unbound() -> str | None:
    return shutil.which("unbound") or shutil.which("unbound", path=os.pathsep.join(["/usr/sbin", "/sbin"]))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        return int(udp.getsockname()[1])


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def unbound_load(binary: str, zone: Path, workdir: Path, listed: str) -> dict[str, Any]:
    """Seconds from starting Unbound with ``zone`` until ``listed`` answers NXDOMAIN."""
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode

    example = workdir / "example.zone"
    example.write_text(
        "$TTL 300\n$ORIGIN example.\n@ SOA ns hostmaster 1 3600 600 604800 300\n@ NS ns\nns A 192.0.2.1\n"
        "open A 192.0.2.10\n",
        encoding="utf-8",
    )
    port = _free_port()
    conf = workdir / "unbound.conf"
    conf.write_text(
        f"""server:
    interface: 127.0.0.1
    port: {port}
    do-ip6: no
    do-daemonize: no
    use-syslog: no
    logfile: ""
    verbosity: 0
    username: ""
    chroot: ""
    directory: "{workdir}"
    pidfile: ""
    module-config: "respip iterator"
    access-control: 127.0.0.0/8 allow
remote-control:
    control-enable: no
rpz:
    name: "{ORIGIN}"
    zonefile: "{zone}"
auth-zone:
    name: "example."
    zonefile: "{example}"
    for-downstream: no
    for-upstream: yes
    fallback-enabled: no
""",
        encoding="utf-8",
    )
    query = dns.message.make_query(listed, "A")
    start = time.perf_counter()
    process = subprocess.Popen(
        [binary, "-d", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"unbound exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                answer = dns.query.udp(query, "127.0.0.1", port=port, timeout=0.05)
                if answer.rcode() == dns.rcode.NXDOMAIN:
                    break
            except (dns.exception.Timeout, OSError):
                pass
            if time.perf_counter() - start > 600:
                raise RuntimeError("unbound did not answer within 600 s")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        return {"load_s": seconds, "peak_rss_mib": _peak_rss_mib(process.pid)}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench blocklists", description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--no-unbound", action="store_true", help="Skip Unbound's load time.")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.entries, args.output)))
        return 0

    console = Console()
    results: dict[str, Any] = {"entries": args.entries, "exports": []}
    with tempfile.TemporaryDirectory(prefix="vigil-bench-blocklists-") as tmp:
        folder = Path(tmp)
        table = Table(title=f"Export of a {args.entries:,}-entry URL list (each in its own process)")
        for column in (
            "export",
            "build list s",
            "export s",
            "entries/s",
            "RSS built MiB",
            "peak RSS MiB",
            "MB",
        ):
            table.add_column(column, justify="right")
        for kind in ("rpz", "floor-rpz", "proxy", "floor-proxy"):
            console.print(f"export {kind} ...", style="dim")
            result = _run_worker(kind, args.entries, folder / f"{kind}.out")
            results["exports"].append(result)
            table.add_row(
                kind if not kind.startswith("floor") else f"{kind} (peer: bare loop)",
                f"{result['build_s']:.1f}",
                f"{result['export_s']:.1f}",
                f"{args.entries / result['export_s']:,.0f}",
                f"{result['rss_built_mib']:.0f}",
                f"{result['peak_rss_mib']:.0f}",
                f"{result['bytes'] / 1e6:.0f}",
            )
        console.print(table)
        binary = _unbound()
        if args.no_unbound:
            pass
        elif binary is None:
            console.print("unbound not installed: load time skipped", style="yellow")
        else:
            console.print("unbound loading the zone ...", style="dim")
            work = folder / "unbound"
            work.mkdir()
            # The last entry that is a domain: a name the zone lists late in the file.
            last = max(i for i in range(args.entries) if i % 10 != 9)
            loaded = unbound_load(binary, folder / "rpz.out", work, f"site{last}.bench.example.")
            results["unbound"] = loaded
            version = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False).stdout
            results["unbound"]["version"] = version.splitlines()[0] if version else "?"
            console.print(
                f"Unbound ({results['unbound']['version']}) answered a listed name {loaded['load_s']:.1f} s "
                f"after start; peak RSS {loaded['peak_rss_mib']:.0f} MiB"
            )
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"blocklists-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
