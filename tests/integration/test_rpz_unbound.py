"""The RPZ export loaded by a real resolver: Debian's Unbound on a loopback port.

Unbound resolves the unlisted names from a small authoritative zone of its own (``auth-zone`` with
``for-upstream``), so nothing recurses to the internet and the RPZ sits in front of a real
resolution, as at an ISP. .ci/run installs the package; with CI set, a missing unbound fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from vigil.blocklists.entries import ListEntry
from vigil.blocklists.export.rpz import RpzOptions, render_rpz
from vigil.blocklists.versions import ListVersion

WHEN = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POLICY_ZONE = "rpz.vigil.test."
STOP_HOST = "stop.example."
STOP_ADDRESS = "192.0.2.99"

#: The "real" data behind every name the test asks for, listed or not.
AUTHORITATIVE = {
    "open": "192.0.2.10",
    "blocked": "192.0.2.12",
    "www.blocked": "192.0.2.11",
    "dedicated": "192.0.2.13",
    "x.y.dedicated": "192.0.2.14",
    "urlhost": "192.0.2.15",
    "www.urlhost": "192.0.2.16",
    "xn--bcher-kva": "192.0.2.17",
    "stop": STOP_ADDRESS,
}


def _unbound() -> str | None:
    # Debian installs daemons in /usr/sbin, which an unprivileged PATH may lack.
    return shutil.which("unbound") or shutil.which("unbound", path=os.pathsep.join(["/usr/sbin", "/sbin"]))


def _free_port() -> int:
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free loopback port for both UDP and TCP")


def _version() -> ListVersion:
    targets = [
        "blocked.example",
        "*.dedicated.example",
        "http://urlhost.example/some/page?id=1",
        "bücher.example",
        "http://192.0.2.50/on/a/bare/address",
    ]
    entries = [ListEntry.create(t, category="test", added_at=WHEN, reason="made-up") for t in targets]
    return ListVersion(name="conformance", serial=42, published_at=WHEN, entries=tuple(entries))


def _config(workdir: Path, port: int, zone: Path, example: Path) -> str:
    return f"""server:
    interface: 127.0.0.1
    port: {port}
    do-ip6: no
    do-daemonize: no
    use-syslog: no
    logfile: ""
    verbosity: 1
    username: ""
    chroot: ""
    directory: "{workdir}"
    pidfile: ""
    module-config: "respip iterator"
    access-control: 127.0.0.0/8 allow
remote-control:
    control-enable: no
rpz:
    name: "{POLICY_ZONE}"
    zonefile: "{zone}"
    rpz-log: yes
auth-zone:
    name: "example."
    zonefile: "{example}"
    for-downstream: no
    for-upstream: yes
    fallback-enabled: no
"""


def _example_zone() -> str:
    lines = [
        "$TTL 300",
        "$ORIGIN example.",
        "@ SOA ns hostmaster 1 3600 600 604800 300",
        "@ NS ns",
        "ns A 192.0.2.1",
    ]
    lines += [f"{name} A {address}" for name, address in AUTHORITATIVE.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Resolver:
    port: int
    log: Path

    def ask(self, name: str, timeout: float = 3.0) -> dns.message.Message:
        query = dns.message.make_query(name, dns.rdatatype.A)
        return dns.query.udp(query, "127.0.0.1", port=self.port, timeout=timeout)


def _start(binary: str, workdir: Path, zone_text: str) -> Iterator[Resolver]:
    zone = workdir / "vigil.rpz"
    zone.write_text(zone_text, encoding="utf-8")
    example = workdir / "example.zone"
    example.write_text(_example_zone(), encoding="utf-8")
    port = _free_port()
    conf = workdir / "unbound.conf"
    conf.write_text(_config(workdir, port, zone, example), encoding="utf-8")
    log = workdir / "unbound.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen([binary, "-d", "-c", str(conf)], stdout=log_file, stderr=subprocess.STDOUT)
    try:
        resolver = Resolver(port, log)
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                pytest.fail(f"unbound exited with {process.returncode}:\n{log.read_text()}")
            try:
                if resolver.ask("open.example.", timeout=0.2).rcode() == dns.rcode.NOERROR:
                    break
            except (dns.exception.Timeout, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"unbound did not answer within 15 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield resolver
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def unbound_binary() -> str:
    binary = _unbound()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("unbound is not installed: .ci/run must install the Debian package")
        pytest.skip("unbound is not installed (apt-get install unbound)")
    return binary


@pytest.fixture(scope="module")
def nxdomain_resolver(unbound_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Resolver]:
    zone = render_rpz(_version(), RpzOptions(origin=POLICY_ZONE))
    yield from _start(unbound_binary, tmp_path_factory.mktemp("unbound-nx"), zone)


@pytest.fixture(scope="module")
def stop_page_resolver(unbound_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Resolver]:
    zone = render_rpz(_version(), RpzOptions(origin=POLICY_ZONE, stop_page_host=STOP_HOST))
    yield from _start(unbound_binary, tmp_path_factory.mktemp("unbound-stop"), zone)


LISTED = [
    "blocked.example.",
    "BLOCKED.Example.",  # triggers match case-insensitively
    "dedicated.example.",
    "x.y.dedicated.example.",  # wildcard entry: subdomains, however deep
    "urlhost.example.",  # a URL entry blocks its host in DNS
    "xn--bcher-kva.example.",  # entered as bücher.example
]
UNLISTED = {
    "open.example.": "192.0.2.10",
    "www.blocked.example.": "192.0.2.11",  # not a wildcard entry: its subdomains resolve
    "www.urlhost.example.": "192.0.2.16",
}


def _addresses(answer: dns.message.Message) -> list[str]:
    return [rdata.to_text() for rrset in answer.answer if rrset.rdtype == dns.rdatatype.A for rdata in rrset]


@pytest.mark.parametrize("name", LISTED)
def test_listed_names_get_nxdomain(nxdomain_resolver: Resolver, name: str) -> None:
    answer = nxdomain_resolver.ask(name)
    assert answer.rcode() == dns.rcode.NXDOMAIN, answer.to_text()
    assert answer.answer == []


@pytest.mark.parametrize(("name", "address"), UNLISTED.items())
def test_unlisted_names_resolve_normally(nxdomain_resolver: Resolver, name: str, address: str) -> None:
    answer = nxdomain_resolver.ask(name)
    assert answer.rcode() == dns.rcode.NOERROR
    assert _addresses(answer) == [address]


def test_the_policy_zone_was_what_answered(nxdomain_resolver: Resolver) -> None:
    # blocked.example has an address in the authoritative zone: only the RPZ can have hidden it.
    nxdomain_resolver.ask("blocked.example.")
    assert "rpz: applied blocked.example. rpz-nxdomain" in nxdomain_resolver.log.read_text()


@pytest.mark.parametrize("name", LISTED)
def test_listed_names_get_the_stop_page(stop_page_resolver: Resolver, name: str) -> None:
    answer = stop_page_resolver.ask(name)
    assert answer.rcode() == dns.rcode.NOERROR
    cnames = [rrset for rrset in answer.answer if rrset.rdtype == dns.rdatatype.CNAME]
    assert len(cnames) == 1
    assert cnames[0].name.to_text().lower() == name.lower()
    assert cnames[0][0].target.to_text().lower() == STOP_HOST  # compression may borrow the case of the query
    assert _addresses(answer) == [STOP_ADDRESS]


@pytest.mark.parametrize(("name", "address"), UNLISTED.items())
def test_stop_page_mode_leaves_unlisted_names_alone(
    stop_page_resolver: Resolver, name: str, address: str
) -> None:
    answer = stop_page_resolver.ask(name)
    assert answer.rcode() == dns.rcode.NOERROR
    assert _addresses(answer) == [address]
    assert not [rrset for rrset in answer.answer if rrset.rdtype == dns.rdatatype.CNAME]
