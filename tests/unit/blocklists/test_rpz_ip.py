from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.blocklists.rpz_ip import IPNetwork, decode_ip_trigger, encode_ip_trigger


@pytest.mark.parametrize(
    ("network", "labels"),
    [
        ("10.0.0.2/32", "32.2.0.0.10"),
        ("127.0.0.0/24", "24.0.0.0.127"),
        ("2001:2:3::2/128", "128.2.zz.3.2.2001"),  # BIND's good-rpz-prefix.db
        # Equal zero runs: the one at the start of the address is compressed (BIND's own example).
        ("2001:db8::1:0:0:1/128", "128.1.0.0.1.zz.db8.2001"),
        ("::/1", "1.zz"),
        ("2001:db8::/32", "32.zz.db8.2001"),
        ("2001:db8:0:1::/64", "64.zz.1.0.db8.2001"),  # a single zero word is written, not compressed
    ],
)
def test_canonical_encoding(network: str, labels: str) -> None:
    net = ipaddress.ip_network(network)
    assert encode_ip_trigger(net) == labels
    assert decode_ip_trigger(labels.split(".")) == net


networks = st.one_of(
    st.builds(
        lambda address, prefix: ipaddress.IPv4Network((address, prefix), strict=False),
        st.ip_addresses(v=4),
        st.integers(1, 32),
    ),
    st.builds(
        lambda address, prefix: ipaddress.IPv6Network((address, prefix), strict=False),
        st.ip_addresses(v=6),
        st.integers(1, 128),
    ),
)


@pytest.mark.slow
@given(networks)
def test_encoding_round_trips(network: IPNetwork) -> None:
    labels = encode_ip_trigger(network)
    assert decode_ip_trigger(labels.split(".")) == network
