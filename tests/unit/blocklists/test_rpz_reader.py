"""Vigil's RPZ reader against the resolvers' own test zones in shared/conformance/rpz (see its README)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from vigil.blocklists.rpz_reader import (
    RpzAction,
    RpzZone,
    RpzZoneError,
    TriggerKind,
    first_match,
    read_rpz,
    read_rpz_file,
)

#: Every zone file of the folder and the origin a resolver's configuration would give it (None: the
#: file itself says, by $ORIGIN or an absolute SOA owner).
ZONES: dict[str, str | None] = {
    "basic.rpz": None,
    "policy.test.rpz": None,
    "policy.test.rpz.soa": None,
    "rpz.example.com.zone": "rpz.example.com.",
    "rpz-nx.zone": None,
    "rpz-one.zone": None,
    "rpz-two.zone": None,
    "rpz.nlnetlabs.nl.zone": None,
    "good-rpz-prefix.db": "db.",
    "bad-rpz-prefix.db": "db.",
    "rpz.db": None,
    "mixed-case-rpz-1.db.in": "mixed-case-rpz.",
    "mixed-case-rpz-2.db.in": "mixed-case-rpz.",
    "wild-cname.db.in": "wild-cname.",
    "outofzone.db.in": "outofzone.tld2.",
    "db.passthru": None,
    "db.given": None,
    "db.clientip1": "clientip1.",
    "db.invalidprefixlength": "invalidprefixlength.",
}
#: Zones that a resolver loads only after dropping a record, and that named-checkzone refuses.
PARTLY_REJECTED = {"bad-rpz-prefix.db", "outofzone.db.in", "db.invalidprefixlength"}


def load(folder: Path, name: str, *, strict: bool = False) -> RpzZone:
    return read_rpz_file(folder / name, ZONES[name], strict=strict)


def action(zone: RpzZone, qname: str) -> RpzAction | None:
    rule = zone.lookup(qname)
    return None if rule is None else rule.action


def test_every_zone_of_the_folder_is_covered(rpz_conformance: Path) -> None:
    licences = ("COPYING", "LICENSE", "README")
    on_disk = {p.name for p in rpz_conformance.iterdir() if not p.name.startswith(licences)}
    assert on_disk == set(ZONES)


@pytest.mark.parametrize("name", sorted(set(ZONES) - PARTLY_REJECTED))
def test_zones_the_resolvers_accept_load_strictly(rpz_conformance: Path, name: str) -> None:
    zone = load(rpz_conformance, name, strict=True)
    assert zone.rejected == ()
    assert zone.rules


@pytest.mark.parametrize("name", sorted(PARTLY_REJECTED))
def test_zones_with_bad_records_are_refused_when_strict(rpz_conformance: Path, name: str) -> None:
    with pytest.raises(RpzZoneError):
        load(rpz_conformance, name, strict=True)


def test_basic_rpz_of_powerdns(rpz_conformance: Path) -> None:
    zone = load(rpz_conformance, "basic.rpz")
    assert (zone.origin, zone.serial) == ("domain.example.com.", 1)
    assert action(zone, "nxdomain.org") == RpzAction.NXDOMAIN
    assert action(zone, "www.nxdomain.org.") == RpzAction.NXDOMAIN
    assert action(zone, "mail.nxdomain.org") == RpzAction.PASSTHRU
    assert action(zone, "example.net") == action(zone, "a.b.example.net") == RpzAction.DROP
    assert action(zone, "sub.truncate.org") == RpzAction.TCP_ONLY
    local = zone.lookup("local.org")
    assert local is not None and local.local_data == (("CNAME", "explanation.example.com."),)
    local_a = zone.lookup("x.local-a.org")
    assert local_a is not None and local_a.local_data == (("A", "192.168.2.5"),)
    client_drop = zone.ip_lookup(TriggerKind.CLIENT_IP, "127.0.0.9")
    assert client_drop is not None and client_drop.action == RpzAction.DROP
    assert client_drop.network == ipaddress.ip_network("127.0.0.0/24")
    tcp = zone.ip_lookup(TriggerKind.CLIENT_IP, "10.0.0.1")
    assert tcp is not None and tcp.action == RpzAction.TCP_ONLY
    assert zone.ip_lookup(TriggerKind.CLIENT_IP, "10.0.0.2") is None
    response_ip = zone.ip_lookup(TriggerKind.RESPONSE_IP, "10.0.0.2")
    assert response_ip is not None and response_ip.action == RpzAction.NXDOMAIN
    nsdname = {(r.name, r.wildcard, r.action) for r in zone.rules if r.kind == TriggerKind.NSDNAME}
    assert nsdname == {
        ("dns-eu1.powerdns.net", False, RpzAction.NXDOMAIN),
        ("powerdns.net", True, RpzAction.NXDOMAIN),
        ("gtld-servers.net", True, RpzAction.TCP_ONLY),
    }
    # NSDNAME and IP triggers are not query names.
    assert zone.lookup("dns-eu1.powerdns.net") is None


def test_knot_resolver_policy_test_rpz(rpz_conformance: Path) -> None:
    zone = load(rpz_conformance, "policy.test.rpz")
    assert zone.origin == "testdomain."
    assert action(zone, "nxdomain") == RpzAction.NXDOMAIN
    assert action(zone, "nodata") == RpzAction.NODATA
    assert action(zone, "below.nxdomain") == RpzAction.NODATA
    assert action(zone, "rpzdrop") == RpzAction.DROP
    assert action(zone, "rpzpassthru") == RpzAction.PASSTHRU
    rra = zone.lookup("rra")
    assert rra is not None and rra.local_data == (("A", "192.168.5.5"),)
    # Only A data: an AAAA query would get NODATA.
    assert all(rtype == "A" for rtype, _ in rra.local_data)
    # The origin is stripped once, as a whole-label suffix.
    assert zone.lookup("rra-zonename-suffix") is not None
    suffixed = zone.lookup("testdomain.rra")
    assert suffixed is not None and suffixed.local_data == (("A", "192.168.7.7"),)
    assert zone.lookup("rra.testdomain") is None
    case = zone.lookup("cAsE.sEnSiTiVe")
    assert case is not None and case.local_data == (("A", "192.168.8.8"),)
    two = zone.lookup("two.records")
    assert two is not None and sorted(two.local_data) == [("AAAA", "2001:db8::1"), ("AAAA", "2001:db8::2")]


def test_knot_origin_from_the_soa_owner(rpz_conformance: Path) -> None:
    zone = load(rpz_conformance, "policy.test.rpz.soa")
    assert zone.origin == "test2domain."
    assert action(zone, "nxdomain-fqdn") == RpzAction.NXDOMAIN
    assert action(zone, "nodata-fqdn") == RpzAction.NODATA


def test_unbound_rpz_reload_zone(rpz_conformance: Path) -> None:
    given = load(rpz_conformance, "rpz.example.com.zone")
    discovered = read_rpz_file(rpz_conformance / "rpz.example.com.zone")
    assert given == discovered
    assert (given.origin, given.serial) == ("rpz.example.com.", 1379078166)
    assert action(given, "foo.example.net") == RpzAction.NXDOMAIN
    www = given.lookup("www.example.net")
    assert www is not None and www.local_data == (("A", "1.2.3.4"),)


@pytest.mark.parametrize(
    ("name", "data"),
    [("rpz-nx.zone", None), ("rpz-one.zone", ("A", "11.11.11.11")), ("rpz-two.zone", ("A", "22.22.22.22"))],
)
def test_unbound_zones_without_ns(rpz_conformance: Path, name: str, data: tuple[str, str] | None) -> None:
    zone = load(rpz_conformance, name)
    rule = zone.lookup("local")
    assert rule is not None
    if data is None:
        assert rule.action == RpzAction.NXDOMAIN
    else:
        assert (rule.action, rule.local_data) == (RpzAction.LOCAL_DATA, (data,))


def test_unbound_sinkhole_zone(rpz_conformance: Path) -> None:
    zone = load(rpz_conformance, "rpz.nlnetlabs.nl.zone")
    assert action(zone, "nxdomain.nlnetlabs.nl") == RpzAction.NXDOMAIN
    sink = zone.lookup("rpzdata.nlnetlabs.nl")
    assert sink is not None and sink.local_data == (("A", "0.0.0.0"),)


def test_bind_canonical_ipv6_trigger(rpz_conformance: Path) -> None:
    good = load(rpz_conformance, "good-rpz-prefix.db", strict=True)
    (rule,) = good.rules
    assert rule.kind == TriggerKind.RESPONSE_IP
    assert rule.network == ipaddress.ip_network("2001:2:3::2/128")
    assert rule.action == RpzAction.NXDOMAIN


def test_bind_non_canonical_ipv6_trigger_is_rejected(rpz_conformance: Path) -> None:
    bad = load(rpz_conformance, "bad-rpz-prefix.db")
    assert bad.rules == ()
    (rejected,) = bad.rejected
    assert rejected.owner == "128.2.0.0.0.0.3.2.2001.rpz-ip.db."
    assert "not in canonical form 128.2.zz.3.2.2001" in rejected.reason


def test_bind_nodata_zone(rpz_conformance: Path) -> None:
    zone = load(rpz_conformance, "rpz.db")
    assert (zone.origin, zone.serial) == ("rpz.", 6)
    for name in ("a-only.example", "no-a-no-aaaa.example", "a-plus-aaaa.example"):
        assert action(zone, name) == RpzAction.NODATA


def test_bind_mixed_case_across_versions(rpz_conformance: Path) -> None:
    one = load(rpz_conformance, "mixed-case-rpz-1.db.in")
    two = load(rpz_conformance, "mixed-case-rpz-2.db.in")
    assert (one.serial, two.serial) == (1, 2)
    assert action(one, "a6-2.tld2") == action(one, "A6-2.TLD2") == RpzAction.NXDOMAIN
    assert action(one, "a6-1.tld2") is None
    assert action(two, "A6-1.TLD2") == action(two, "a6-2.tld2") == RpzAction.NXDOMAIN


def test_bind_wildcard_cname(rpz_conformance: Path) -> None:
    zone = load(rpz_conformance, "wild-cname.db.in")
    rule = zone.lookup("www.evil.tld2")
    assert rule is not None and rule.wildcard
    assert rule.local_data == (("CNAME", "*.wc.tld4."),)
    assert zone.lookup("evil.tld2") is None  # *.name does not cover the name


def test_bind_out_of_zone_owner_dropped_rest_loaded(rpz_conformance: Path) -> None:
    zone = load(rpz_conformance, "outofzone.db.in")
    assert [(r.owner, r.reason) for r in zone.rejected] == [("com.", "not within the policy zone")]
    assert action(zone, "never-queried.example") == RpzAction.NXDOMAIN
    assert action(zone, "com") is None


def test_bind_zone_order_decides(rpz_conformance: Path) -> None:
    passthru = load(rpz_conformance, "db.passthru")
    given = load(rpz_conformance, "db.given")
    assert action(given, "example.com") == action(given, "www.example.com") == RpzAction.NXDOMAIN
    for qname in ("example.com", "www.example.com"):
        match = first_match([passthru, given], qname)
        assert match is not None and match[0] is passthru and match[1].action == RpzAction.PASSTHRU
        reverse = first_match([given, passthru], qname)
        assert reverse is not None and reverse[1].action == RpzAction.NXDOMAIN
    assert first_match([passthru, given], "example.org") is None


def test_bind_client_ip_longest_prefix(rpz_conformance: Path) -> None:
    zone = load(rpz_conformance, "db.clientip1")
    host = zone.ip_lookup(TriggerKind.CLIENT_IP, "10.53.0.4")
    assert host is not None and host.local_data == (("A", "10.53.0.2"),)
    other = zone.ip_lookup(TriggerKind.CLIENT_IP, "10.53.0.7")
    assert other is not None and other.local_data == (("A", "10.53.0.1"),)
    assert zone.ip_lookup(TriggerKind.CLIENT_IP, "10.54.0.4") is None


def test_bind_invalid_prefix_length(rpz_conformance: Path) -> None:
    zone = load(rpz_conformance, "db.invalidprefixlength")
    (rejected,) = zone.rejected
    assert rejected.owner == "1000.4.0.53.10.rpz-client-ip.invalidprefixlength."
    assert "invalid prefix length of 1000" in rejected.reason
    assert [r.kind for r in zone.rules] == [TriggerKind.QNAME]  # the in-zone "ns" record


# --- zones no resolver loads ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "origin", "message"),
    [
        ("$TTL 60\nbad.example CNAME .\n", "rpz.test.", "no SOA"),
        ("$TTL 60\n@ SOA . . 1 1 1 1 1\nx BOGUS y\n", "rpz.test.", "BOGUS"),
        ("$TTL 60\n@ SOA . . 1 1 1 1 1\n$INCLUDE other.zone\n", "rpz.test.", "INCLUDE"),
        ("$TTL 60\n@ SOA . . 1 1 1 1 1\nx CNAME .\nx A 192.0.2.1\n", "rpz.test.", "CNAME"),
        ("$TTL 60\n@ SOA . . 1 1 1 1 1\n", None, "origin"),
        # Found by the fuzz suite: one line of $GENERATE made 100,000 records (> 10 s) ...
        ("$TTL 60\n@ SOA . . 1 1 1 1 1\n$GENERATE 1-100000 h$ CNAME .\n", "rpz.test.", "GENERATE"),
        ("$ttl 60\r@ SOA . . 1 1 1 1 1\r$generate 1-4294967295 h$ CNAME .\r", "rpz.test.", "GENERATE"),
        # ... and a malformed first line escaped the origin's discovery as dns.exception.SyntaxError.
        ("; comment\n)\n@ SOA . . 1 1 1 1 1\n", None, "malformed"),
        ("a" * 64 + ". SOA . . 1 1 1 1 1\n", None, "63 octets"),
    ],
)
def test_broken_zones_are_refused(text: str, origin: str | None, message: str) -> None:
    with pytest.raises(RpzZoneError, match=message):
        read_rpz(text, origin)


def test_error_line_numbers_are_those_of_the_file() -> None:
    with pytest.raises(RpzZoneError, match=r"z\.rpz:3:"):
        read_rpz("$TTL 60\n@ SOA . . 1 1 1 1 1\nx BOGUS y\n", "rpz.test.", filename="z.rpz")


@pytest.mark.parametrize(
    ("owner", "reason"),
    [
        ("33.1.0.0.10.rpz-ip", "invalid IPv4 prefix length of 33"),
        ("24.1.0.0.10.rpz-ip", "too small prefix length of 24"),
        ("32.1.0.0.256.rpz-ip", "invalid IPv4 octet 256"),
        ("32.01.0.0.10.rpz-ip", "not in canonical form 32.1.0.0.10"),
        ("x.1.0.0.10.rpz-nsip", "invalid leading prefix length"),
        ("0.1.0.0.10.rpz-client-ip", "invalid prefix length of 0"),
        ("rpz-ip", "too short"),
        ("128.1.zz.zz.2001.rpz-ip", "more than one zz"),
        ("128.1.0.0.0.0.0.0.2001.rpz-ip", "not in canonical form 128.1.zz.2001"),
        ("128.10000.zz.2001.rpz-ip", "invalid IPv6 word 10000"),
        ("128.1.2.3.rpz-ip", "3 IPv6 words instead of 8"),
    ],
)
def test_bad_ip_triggers_are_dropped_with_bind_reasons(owner: str, reason: str) -> None:
    zone = read_rpz(f"$TTL 60\n@ SOA . . 1 1 1 1 1\n{owner} CNAME .\nok.example CNAME .\n", "rpz.test.")
    assert [r.reason for r in zone.rejected] == [f"invalid rpz IP address; {reason}"]
    assert action(zone, "ok.example") == RpzAction.NXDOMAIN


def test_apex_data_is_not_a_trigger() -> None:
    zone = read_rpz("$TTL 60\n@ SOA . . 1 1 1 1 1\n@ A 192.0.2.1\n", "rpz.test.")
    assert zone.rules == ()
    assert [r.reason for r in zone.rejected] == ["data at the zone apex is not a trigger"]


def test_legacy_passthru_cname_to_itself() -> None:
    zone = read_rpz("$TTL 60\n@ SOA . . 1 1 1 1 1\nok.example CNAME ok.example.\n", "rpz.test.")
    assert action(zone, "ok.example") == RpzAction.PASSTHRU


def test_wildcard_at_the_origin_covers_every_name() -> None:
    zone = read_rpz("$TTL 60\n@ SOA . . 1 1 1 1 1\n* CNAME .\nok.example CNAME rpz-passthru.\n", "rpz.test.")
    assert action(zone, "anything.example") == RpzAction.NXDOMAIN
    assert action(zone, "ok.example") == RpzAction.PASSTHRU
