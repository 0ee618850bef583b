"""The federation feed over HTTP: a peer reads only what its sharing policy lets out, in batches signed
by a key the key set announces; malformed requests are refused."""

from __future__ import annotations

import pytest

from tests.integration.web.conftest import INTERNAL, Api
from vigil.auth.roles import Role
from vigil.federation.batches import open_batch
from vigil.federation.peers import PeerService
from vigil.federation.policy import Direction, SharingPolicy
from vigil.signing import generate_private_key, public_key_from_pem, public_key_to_pem

pytestmark = pytest.mark.slow


def test_a_peer_reads_what_its_policy_shares_signed(api: Api) -> None:
    # A user of role peer without a peer of its name here reads nothing.
    assert api.get(Role.peer, "/api/v1/feed").json()["lists"] == []
    assert api.get(Role.peer, "/api/v1/feed/lists/demo").status_code == 404

    policy = SharingPolicy(lists_out=("demo", INTERNAL), out=Direction(signal_types=("md5",)))
    pem = public_key_to_pem(generate_private_key().public_key())
    PeerService(api.ctx.sessions, api.settings.federation_keys, "test").add(
        "t-peer", "https://peer.example", "token", pem, policy=policy
    )
    offer = api.get(Role.peer, "/api/v1/feed").json()
    assert (offer["instance"], offer["protocols"], offer["lists"]) == ("test-instance", [1], ["demo"])
    assert offer["signal_types"] == ["md5"]
    assert api.get(Role.peer, f"/api/v1/feed/lists/{INTERNAL}").status_code == 404  # not meant for peers

    batch = api.get(Role.peer, "/api/v1/feed/lists/demo", params={"limit": 2, "nonce": "n"}).json()
    keys = api.get(None, "/api/v1/feed/keys").json()["keys"]
    trusted = [public_key_from_pem(k["public_key"].encode()) for k in keys]
    body, _, _ = open_batch(batch, trusted)
    assert (body["nonce"], body["cursor"], body["complete"]) == ("n", "0.1.0", False)
    assert body["next_cursor"] == f"0.1.{body['items'][-1]['key']}"
    for item in body["items"]:
        assert item["record"]["md5"] and item["record"]["sha256"] is None and item["record"]["signals"] == {}

    refused = api.get(Role.peer, "/api/v1/feed/lists/demo", params={"signal_types": "pdq"})
    assert refused.status_code == 422
    assert api.get(Role.peer, "/api/v1/feed/lists/demo", params={"cursor": "1.x"}).status_code == 400
    assert api.get(Role.peer, "/api/v1/feed/lists/demo", params={"cursor": "9"}).status_code == 400
