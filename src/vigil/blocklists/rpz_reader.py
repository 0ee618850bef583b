"""A reader of DNS RPZ policy zones that takes and leaves records the way the resolvers do.

Zone-file syntax is dnspython's. The RPZ meaning on top follows BIND (the reference implementation),
Unbound, Knot Resolver and PowerDNS Recursor, as their test zones in ``shared/conformance/rpz`` show:

- The origin is the one given (Unbound's ``name:``), else the first ``$ORIGIN``, else the owner of
  the first record when it is absolute (Knot takes it from the SOA). A zone needs a SOA at the origin;
  an NS record is optional.
- Triggers are owner names relative to the origin, stripped once and only as whole labels, compared
  case-insensitively. ``*.name`` covers the subdomains of ``name``, not ``name`` itself.
- ``CNAME .`` is NXDOMAIN, ``CNAME *.`` NODATA, ``rpz-passthru.``/``rpz-drop.``/``rpz-tcp-only.``
  their actions; any other data (a CNAME elsewhere, A, AAAA ...) is Local-Data.
- A record that a resolver drops while loading the rest of the zone is dropped here too, and listed in
  :attr:`RpzZone.rejected` with BIND's reason: an owner outside the zone, or a malformed IP trigger
  (prefix length out of range, bad octet or word, host bits set). An IP trigger not in canonical form
  (``zz``) is dropped as well: ``named-checkzone`` refuses it (``named`` itself only logs it), and
  nothing should act on a rule that the reference checker calls broken.
  ``strict=True`` refuses the whole zone instead, as ``named-checkzone`` does.
- :meth:`RpzZone.lookup` takes an exact trigger first, else the nearest enclosing ``*.`` trigger, as
  Unbound (the resolver Vigil's tests run) does.

dnspython silently drops out-of-zone records; to see them, the zone is read with the root as the
reading origin and the RPZ origin applied afterwards. ``$INCLUDE`` is refused: a zone is data from
someone else and must not read files of this machine. ``$GENERATE`` is refused too: one line of it
expands to as many records as its range says (billions), before anything could count them.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.name
import dns.node
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.tokenizer
import dns.transaction
import dns.zonefile

from vigil.blocklists.rpz_ip import InvalidIpTriggerError, IPNetwork, decode_ip_trigger
from vigil.errors import Invalid

#: A ``$GENERATE`` directive (dnspython expands it in full while reading); lines may end in CR alone.
_GENERATE = re.compile(r"(?:\A|[\r\n])\$GENERATE", re.IGNORECASE)


class RpzZoneError(Invalid):
    """A zone that resolvers refuse to load as a whole (or, with ``strict``, any rejected record)."""


class TriggerKind(enum.StrEnum):
    QNAME = "qname"
    RESPONSE_IP = "rpz-ip"
    CLIENT_IP = "rpz-client-ip"
    NSIP = "rpz-nsip"
    NSDNAME = "rpz-nsdname"


class RpzAction(enum.StrEnum):
    NXDOMAIN = "nxdomain"
    NODATA = "nodata"
    PASSTHRU = "passthru"
    DROP = "drop"
    TCP_ONLY = "tcp-only"
    LOCAL_DATA = "local-data"


_SUFFIXES: dict[str, TriggerKind] = {kind.value: kind for kind in TriggerKind if kind != TriggerKind.QNAME}
_SPECIAL_TARGETS: dict[str, RpzAction] = {
    ".": RpzAction.NXDOMAIN,
    "*.": RpzAction.NODATA,
    "rpz-passthru.": RpzAction.PASSTHRU,
    "rpz-drop.": RpzAction.DROP,
    "rpz-tcp-only.": RpzAction.TCP_ONLY,
}


@dataclass(frozen=True, slots=True)
class RpzRule:
    """One policy rule: a trigger and what a resolver answers when it fires.

    ``name`` is the trigger name without the origin, lowercase, without ``*.`` (see ``wildcard``):
    the query name for QNAME triggers, the name server's name for NSDNAME. ``network`` is set for
    the IP trigger kinds. ``local_data`` holds (type, rdata) pairs for Local-Data rules.
    """

    kind: TriggerKind
    action: RpzAction
    owner: str
    name: str = ""
    wildcard: bool = False
    network: IPNetwork | None = None
    local_data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    owner: str
    reason: str


@dataclass(frozen=True)
class RpzZone:
    origin: str
    serial: int
    rules: tuple[RpzRule, ...]
    rejected: tuple[RejectedRecord, ...] = ()
    _exact: dict[str, RpzRule] = field(default_factory=dict, init=False, repr=False, compare=False)
    _wild: dict[str, RpzRule] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for rule in self.rules:
            if rule.kind == TriggerKind.QNAME:
                (self._wild if rule.wildcard else self._exact)[rule.name] = rule

    def lookup(self, qname: str) -> RpzRule | None:
        """The QNAME rule for ``qname``: an exact trigger, else the nearest enclosing ``*.`` trigger."""
        name = qname.lower().rstrip(".")
        if (rule := self._exact.get(name)) is not None:
            return rule
        labels = name.split(".")
        for start in range(1, len(labels)):
            if (rule := self._wild.get(".".join(labels[start:]))) is not None:
                return rule
        # "*" alone at the origin is the wildcard of the root: every name.
        return self._wild.get("")

    def ip_lookup(self, kind: TriggerKind, address: str) -> RpzRule | None:
        """The rule of ``kind`` (an IP trigger kind) whose network holds ``address``, longest prefix first."""
        ip = ipaddress.ip_address(address)
        best: RpzRule | None = None
        for rule in self.rules:
            network = rule.network
            if rule.kind != kind or network is None or network.version != ip.version or ip not in network:
                continue
            if best is None or (best.network is not None and network.prefixlen > best.network.prefixlen):
                best = rule
        return best


def first_match(zones: Sequence[RpzZone], qname: str) -> tuple[RpzZone, RpzRule] | None:
    """With several policy zones the first zone that has a matching rule decides (BIND and Unbound)."""
    for zone in zones:
        if (rule := zone.lookup(qname)) is not None:
            return zone, rule
    return None


class _Collector(dns.transaction.Transaction):
    """Keeps every name the zone-file reader puts, indexed by name (dnspython's rrset reader scans
    all records for each record, which is quadratic on a million-entry list)."""

    def __init__(self, manager: _RootReadingManager) -> None:
        super().__init__(manager, replacement=True, read_only=False)
        self.nodes: dict[dns.name.Name, dns.node.Node] = {}

    def _get_rdataset(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, covers: dns.rdatatype.RdataType
    ) -> dns.rdataset.Rdataset | None:
        node = self.nodes.get(name)
        return None if node is None else node.get_rdataset(dns.rdataclass.IN, rdtype, covers)

    def _put_rdataset(self, name: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> None:
        if (node := self.nodes.get(name)) is None:
            node = self.nodes[name] = dns.node.Node()  # type: ignore[no-untyped-call]
        node.replace_rdataset(rdataset)

    def _delete_name(self, name: dns.name.Name) -> None:
        self.nodes.pop(name, None)

    def _delete_rdataset(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, covers: dns.rdatatype.RdataType
    ) -> None:
        if (node := self.nodes.get(name)) is not None:
            node.delete_rdataset(dns.rdataclass.IN, rdtype, covers)

    def _name_exists(self, name: dns.name.Name) -> bool:
        return name in self.nodes

    def _changed(self) -> bool:
        return bool(self.nodes)

    def _end_transaction(self, commit: bool) -> None:
        pass

    def _set_origin(self, origin: dns.name.Name) -> None:
        pass

    def _iterate_rdatasets(self) -> Iterator[tuple[dns.name.Name, dns.rdataset.Rdataset]]:
        return ((name, rdataset) for name, node in self.nodes.items() for rdataset in node)

    def _iterate_names(self) -> Iterator[dns.name.Name]:
        return iter(self.nodes)

    def _get_node(self, name: dns.name.Name) -> dns.node.Node | None:
        return self.nodes.get(name)


class _RootReadingManager(dns.transaction.TransactionManager):
    """Reads every owner name (the reading origin is the root) but checks the SOA against ``apex``."""

    def __init__(self, apex: dns.name.Name) -> None:
        self.apex = apex
        self.collector = _Collector(self)

    def reader(self) -> dns.transaction.Transaction:
        raise NotImplementedError

    def writer(self, replacement: bool = False) -> dns.transaction.Transaction:
        return self.collector

    def get_class(self) -> dns.rdataclass.RdataClass:
        return dns.rdataclass.IN

    def origin_information(self) -> tuple[dns.name.Name | None, bool, dns.name.Name | None]:
        return (dns.name.root, False, self.apex)


def _discover_origin(text: str, filename: str) -> dns.name.Name:
    try:
        return _first_origin(text, filename)
    except dns.exception.DNSException as error:  # a malformed first line, an overlong first name
        raise RpzZoneError(f"{filename}: {error}") from error


def _first_origin(text: str, filename: str) -> dns.name.Name:
    tok = dns.tokenizer.Tokenizer(text, filename)
    while True:
        token = tok.get(want_leading=True)
        if token.is_eof():
            break
        if token.is_eol():
            continue
        if token.is_identifier() and token.value.upper() == "$ORIGIN":
            return tok.get_name(dns.name.root)
        if token.is_identifier() and token.value.startswith("$"):
            while not tok.get().is_eol_or_eof():
                pass
            continue
        if token.is_identifier() and token.value.endswith("."):
            return dns.name.from_text(token.value)
        break
    raise RpzZoneError(f"{filename}: no $ORIGIN and no absolute first owner name: pass the zone's origin")


def _read_nodes(text: str, origin: dns.name.Name, filename: str) -> dict[dns.name.Name, dns.node.Node]:
    manager = _RootReadingManager(origin)
    tok = dns.tokenizer.Tokenizer(f"$ORIGIN {origin}\n{text}", filename)
    tok.line_number = 0  # the line above is ours: keep error line numbers those of the file
    try:
        with manager.writer(True) as txn:
            dns.zonefile.Reader(tok, dns.rdataclass.IN, txn, allow_include=False).read()
    except (dns.exception.DNSException, ValueError) as error:
        raise RpzZoneError(f"{filename}: {error}") from error
    return manager.collector.nodes


def _action(
    rdatasets: Sequence[dns.rdataset.Rdataset], trigger: str
) -> tuple[RpzAction, tuple[tuple[str, str], ...]]:
    cnames = [rdataset for rdataset in rdatasets if rdataset.rdtype == dns.rdatatype.CNAME]
    if cnames:
        target = cnames[0][0].target.to_text().lower()
        if target in _SPECIAL_TARGETS:
            return _SPECIAL_TARGETS[target], ()
        # The old way of writing PASSTHRU: a CNAME to the trigger's own name.
        if target == f"{trigger}.":
            return RpzAction.PASSTHRU, ()
    data = tuple(
        (dns.rdatatype.to_text(rdataset.rdtype), rdata.to_text())
        for rdataset in rdatasets
        for rdata in rdataset
    )
    return RpzAction.LOCAL_DATA, data


def _rule(owner: dns.name.Name, origin: dns.name.Name, rdatasets: Sequence[dns.rdataset.Rdataset]) -> RpzRule:
    labels = [label.decode("ascii", "backslashreplace").lower() for label in owner.relativize(origin).labels]
    kind = _SUFFIXES.get(labels[-1], TriggerKind.QNAME)
    body = labels if kind == TriggerKind.QNAME else labels[:-1]
    wildcard = bool(body) and body[0] == "*"
    name = ".".join(body[1:] if wildcard else body)
    action, local_data = _action(rdatasets, name)
    if kind in (TriggerKind.QNAME, TriggerKind.NSDNAME):
        return RpzRule(kind, action, owner.to_text(), name=name, wildcard=wildcard, local_data=local_data)
    network = decode_ip_trigger(body)  # raises InvalidIpTriggerError
    return RpzRule(kind, action, owner.to_text(), network=network, local_data=local_data)


def read_rpz(
    text: str, origin: str | None = None, *, strict: bool = False, filename: str = "<zone>"
) -> RpzZone:
    """Parse ``text`` as a policy zone; see the module's notes for what is taken and what is left."""
    if _GENERATE.search(text):
        raise RpzZoneError(f"{filename}: $GENERATE is refused (one line can make billions of records)")
    apex = dns.name.from_text(origin) if origin else _discover_origin(text, filename)
    nodes = _read_nodes(text, apex, filename)
    soa = nodes[apex].get_rdataset(dns.rdataclass.IN, dns.rdatatype.SOA) if apex in nodes else None
    if soa is None:
        raise RpzZoneError(f"{filename}: no SOA record at the zone origin {apex}")
    rules: list[RpzRule] = []
    rejected: list[RejectedRecord] = []
    for owner, node in nodes.items():
        owned = list(node)
        if owner == apex:
            # SOA and NS belong to the zone; other apex data triggers nothing in any resolver.
            extra = [r for r in owned if r.rdtype not in (dns.rdatatype.SOA, dns.rdatatype.NS)]
            if extra:
                rejected.append(RejectedRecord(owner.to_text(), "data at the zone apex is not a trigger"))
            continue
        if not owner.is_subdomain(apex):
            rejected.append(RejectedRecord(owner.to_text(), "not within the policy zone"))
            continue
        try:
            rules.append(_rule(owner, apex, owned))
        except InvalidIpTriggerError as error:
            rejected.append(RejectedRecord(owner.to_text(), f"invalid rpz IP address; {error}"))
    if strict and rejected:
        reasons = "; ".join(f"{record.owner}: {record.reason}" for record in rejected)
        raise RpzZoneError(f"{filename}: {reasons}")
    return RpzZone(
        origin=apex.to_text(), serial=int(soa[0].serial), rules=tuple(rules), rejected=tuple(rejected)
    )


def read_rpz_file(path: Path, origin: str | None = None, *, strict: bool = False) -> RpzZone:
    return read_rpz(path.read_text(encoding="utf-8"), origin, strict=strict, filename=path.name)
