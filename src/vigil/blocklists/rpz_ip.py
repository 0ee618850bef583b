"""The owner-name encoding of RPZ IP triggers (``rpz-ip``, ``rpz-client-ip``, ``rpz-nsip``).

``<prefix>.<address reversed>``: IPv4 as four decimal octets, IPv6 as eight hex words with the longest
run of two or more zero words written ``zz``. When two runs are equally long, the one nearer the end
of the owner name (the start of the address) is compressed, as RFC 5952 does for text addresses.
Decoding follows BIND's checks and messages, since BIND is the reference implementation; a name that
decodes but is not in canonical form is refused the way ``named-checkzone`` refuses it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from vigil.errors import Invalid

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class InvalidIpTriggerError(Invalid):
    """An IP trigger owner name that a resolver would reject; the message says why, as BIND does."""


def encode_ip_trigger(network: IPNetwork) -> str:
    """The canonical owner labels (without the ``rpz-ip`` suffix) for ``network``."""
    prefix = network.prefixlen
    if isinstance(network, ipaddress.IPv4Network):
        return ".".join([str(prefix), *reversed(str(network.network_address).split("."))])
    words = [int(group, 16) for group in network.network_address.exploded.split(":")]
    reversed_words = list(reversed(words))
    best_first, best_len = -1, 0
    run_first, run_len = -1, 0
    for index, word in enumerate(reversed_words):
        if word != 0:
            run_first, run_len = -1, 0
            continue
        run_len += 1
        if run_first < 0:
            run_first = index
        elif run_len >= best_len:
            best_first, best_len = run_first, run_len
    labels = [str(prefix)]
    index = 0
    while index < len(reversed_words):
        if index == best_first:
            labels.append("zz")
            index += best_len
        else:
            labels.append(f"{reversed_words[index]:x}")
            index += 1
    return ".".join(labels)


def _decode_ipv4(prefix: int, prefix_text: str, octets: Sequence[str]) -> IPNetwork:
    if prefix > 32:
        raise InvalidIpTriggerError(f"invalid IPv4 prefix length of {prefix_text}")
    values = []
    for octet in octets:
        if not octet.isdigit() or int(octet) > 255:
            raise InvalidIpTriggerError(f"invalid IPv4 octet {octet}")
        values.append(int(octet))
    address = ipaddress.IPv4Address(".".join(str(value) for value in reversed(values)))
    try:
        return ipaddress.IPv4Network(f"{address}/{prefix}")
    except ValueError:
        raise InvalidIpTriggerError(f"too small prefix length of {prefix_text}") from None


def _decode_ipv6(prefix: int, prefix_text: str, labels: Sequence[str]) -> IPNetwork:
    if labels.count("zz") > 1:
        raise InvalidIpTriggerError("more than one zz")
    words: list[int] = []
    for label in labels:
        if label == "zz":
            fill = 8 - (len(labels) - 1)
            if fill < 1:
                raise InvalidIpTriggerError("zz stands for no zero word")
            words.extend([0] * fill)
            continue
        try:
            value = int(label, 16)
        except ValueError:
            raise InvalidIpTriggerError(f"invalid IPv6 word {label}") from None
        if value > 0xFFFF or label.startswith(("+", "-")):
            raise InvalidIpTriggerError(f"invalid IPv6 word {label}")
        words.append(value)
    if len(words) != 8:
        raise InvalidIpTriggerError(f"{len(words)} IPv6 words instead of 8")
    address = ipaddress.IPv6Address(":".join(f"{word:x}" for word in reversed(words)))
    try:
        return ipaddress.IPv6Network(f"{address}/{prefix}")
    except ValueError:
        raise InvalidIpTriggerError(f"too small prefix length of {prefix_text}") from None


def decode_ip_trigger(labels: Sequence[str]) -> IPNetwork:
    """The network of an IP trigger given its labels in owner order (suffix and origin removed)."""
    if len(labels) < 2:
        raise InvalidIpTriggerError("too short")
    prefix_text, rest = labels[0], [label.lower() for label in labels[1:]]
    if not prefix_text.isdigit():
        raise InvalidIpTriggerError("invalid leading prefix length")
    prefix = int(prefix_text)
    if not 1 <= prefix <= 128:
        raise InvalidIpTriggerError(f"invalid prefix length of {prefix_text}")
    if len(rest) == 4 and not any("z" in label for label in rest):
        network = _decode_ipv4(prefix, prefix_text, rest)
    else:
        network = _decode_ipv6(prefix, prefix_text, rest)
    canonical = encode_ip_trigger(network)
    if canonical != ".".join([prefix_text, *rest]):
        raise InvalidIpTriggerError(f"not in canonical form {canonical}")
    return network
