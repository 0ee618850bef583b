from __future__ import annotations

import dns.name
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.zone
import pytest

from vigil.blocklists.export.rpz import RpzOptions, render_rpz, render_rpz_ixfr
from vigil.blocklists.rpz_reader import RpzAction, read_rpz
from vigil.blocklists.versions import ListVersion

from .builders import entry, version

ORIGIN = "rpz.vigil.test."


def test_zone_reads_back_as_the_list(sample: ListVersion) -> None:
    text = render_rpz(sample, RpzOptions(origin=ORIGIN))
    zone = read_rpz(text, strict=True)  # origin from $ORIGIN, nothing rejected
    assert (zone.origin, zone.serial) == (ORIGIN, 7)
    triggers = sorted((rule.name, rule.wildcard, rule.action) for rule in zone.rules)
    assert triggers == [
        ("blocked.example", False, RpzAction.NXDOMAIN),
        ("dedicated.example", False, RpzAction.NXDOMAIN),
        ("dedicated.example", True, RpzAction.NXDOMAIN),
        ("urlhost.example", False, RpzAction.NXDOMAIN),
        ("xn--bcher-kva.example", False, RpzAction.NXDOMAIN),
    ]
    assert zone.lookup("www.blocked.example") is None
    assert zone.lookup("a.b.dedicated.example") is not None


def test_zone_layout(sample: ListVersion) -> None:
    text = render_rpz(sample, RpzOptions(origin=ORIGIN, ttl=60))
    lines = text.splitlines()
    assert lines[0].startswith('; Vigil blocklist "worst-of", serial 7')
    assert lines[1:5] == [
        "$TTL 60",
        f"$ORIGIN {ORIGIN}",
        "@ SOA localhost. hostmaster.localhost. 7 3600 600 604800 300",
        "@ NS localhost.",
    ]
    # Owners are relative to the origin: an owner ending with a dot would escape the policy zone.
    for line in lines[5:]:
        owner, rtype, target = line.split()
        assert not owner.endswith(".") and rtype == "CNAME" and target == "."
    # A plain zone parser agrees (the SOA serial is the list serial, the NS is there).
    parsed = dns.zone.from_text(text, relativize=False)
    soa = parsed.find_rdataset(ORIGIN, dns.rdatatype.SOA)
    assert soa[0].serial == 7
    assert parsed.find_rdataset(ORIGIN, dns.rdatatype.NS)


def test_stop_page_cname(sample: ListVersion) -> None:
    text = render_rpz(sample, RpzOptions(origin=ORIGIN, stop_page_host="Stop.Vigil.Example."))
    zone = read_rpz(text, strict=True)
    rule = zone.lookup("x.dedicated.example")
    assert rule is not None and rule.action == RpzAction.LOCAL_DATA
    assert rule.local_data == (("CNAME", "stop.vigil.example."),)


def test_url_hosts_can_be_left_to_the_proxy(sample: ListVersion) -> None:
    zone = read_rpz(render_rpz(sample, RpzOptions(origin=ORIGIN, url_hosts=False)), strict=True)
    assert zone.lookup("urlhost.example") is None
    assert zone.lookup("blocked.example") is not None


@pytest.mark.parametrize(
    "options",
    [
        {"origin": "rpz.vigil.test"},  # relative
        {"origin": "."},
        {"origin": ORIGIN, "stop_page_host": "stop.example"},
        {"origin": ORIGIN, "ttl": -1},
        {"origin": "bad name."},
    ],
)
def test_options_are_checked(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        RpzOptions(**options)  # type: ignore[arg-type]


def test_empty_list_is_a_valid_zone() -> None:
    zone = read_rpz(render_rpz(version(1), RpzOptions(origin=ORIGIN)), strict=True)
    assert zone.rules == () and zone.serial == 1


def _apply_ixfr(zone: dns.zone.Zone, ixfr: str) -> int:
    """Apply an IXFR-style text the way a secondary applies the transfer; returns the new serial."""
    records = [line for line in ixfr.splitlines() if line and not line.startswith(";")]
    soa_positions = [i for i, line in enumerate(records) if " IN SOA " in line]
    assert len(soa_positions) == 4 and soa_positions[0] == 0
    _, old_soa, new_soa, final = soa_positions
    assert records[final] == records[0] == records[new_soa]
    with zone.writer() as txn:
        for line in records[old_soa + 1 : new_soa]:
            owner, _, _, rtype, target = line.split()
            txn.delete_exact(dns.name.from_text(owner), _rdataset(rtype, target))
        for line in records[new_soa + 1 : final]:
            owner, _, _, rtype, target = line.split()
            txn.add(dns.name.from_text(owner), _rdataset(rtype, target))
    return int(records[0].split()[6])


def _rdataset(rtype: str, target: str) -> dns.rdataset.Rdataset:
    return dns.rdataset.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), 300, target)


def _triggers(zone: dns.zone.Zone) -> set[tuple[str, str]]:
    return {
        (name.to_text(), rdataset[0].to_text())
        for name, rdataset in zone.iterate_rdatasets(dns.rdatatype.CNAME)
    }


def test_ixfr_turns_the_old_zone_into_the_new() -> None:
    options = RpzOptions(origin=ORIGIN)
    old = version(3, entry("a.example"), entry("b.example"), entry("http://c.example/x"), entry("c.example"))
    new = version(
        4,
        entry("a.example", wildcard=True),  # gains *.a.example
        entry("c.example"),  # the URL entry goes, its host stays listed by the domain entry
        entry("d.example"),
    )
    ixfr = render_rpz_ixfr(old, new, options)
    body = [line for line in ixfr.splitlines() if "CNAME" in line]
    assert body == [
        f"b.example.{ORIGIN} 300 IN CNAME .",
        f"*.a.example.{ORIGIN} 300 IN CNAME .",
        f"d.example.{ORIGIN} 300 IN CNAME .",
    ]
    zone = dns.zone.from_text(render_rpz(old, options), relativize=False)
    assert _apply_ixfr(zone, ixfr) == 4
    expected = dns.zone.from_text(render_rpz(new, options), relativize=False)
    assert _triggers(zone) == _triggers(expected)


def test_ixfr_needs_a_newer_version() -> None:
    v = version(3, entry("a.example"))
    with pytest.raises(ValueError):
        render_rpz_ixfr(v, v, RpzOptions(origin=ORIGIN))
