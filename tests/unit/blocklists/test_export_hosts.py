from __future__ import annotations

import pytest

from vigil.blocklists.export.hosts import render_hosts
from vigil.blocklists.versions import ListVersion


def test_hosts_file(sample: ListVersion) -> None:
    lines = render_hosts(sample).splitlines()
    assert lines[0] == '# Vigil blocklist "worst-of", serial 7, published 2025-01-02T10:04:05+00:00'
    assert [line for line in lines if not line.startswith("#")] == [
        "0.0.0.0 blocked.example",
        "0.0.0.0 dedicated.example",
        "0.0.0.0 urlhost.example",
        "0.0.0.0 xn--bcher-kva.example",
    ]


def test_hosts_file_with_ipv6_sink_and_without_url_hosts(sample: ListVersion) -> None:
    body = [
        line
        for line in render_hosts(sample, addresses=("0.0.0.0", "::"), url_hosts=False).splitlines()
        if not line.startswith("#")
    ]
    assert body == [
        "0.0.0.0 blocked.example",
        ":: blocked.example",
        "0.0.0.0 dedicated.example",
        ":: dedicated.example",
        "0.0.0.0 xn--bcher-kva.example",
        ":: xn--bcher-kva.example",
    ]


@pytest.mark.parametrize("addresses", [(), ("not-an-address",)])
def test_sink_addresses_are_checked(sample: ListVersion, addresses: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        render_hosts(sample, addresses=addresses)
