"""Forwarding a case to the partner hotline of the hosting country: a signed POST to the partner's
``/api/v1/reports`` (a peer Vigil instance, or any system speaking the same JSON).

The body is signed with the hotline's Ed25519 key (``X-Vigil-Signature``); the partner checks it
against the keys it trusts for us, so a stolen API token alone cannot inject reports in our name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vigil import signing
from vigil.hotline.directory import Partner
from vigil.hotline.notices import SIGNATURE_HEADER, DeliveryError


@dataclass(frozen=True)
class ForwardResult:
    status: int
    remote_ref: str | None


def forward_body(
    url: str, reference: str, hotline: str, country: str | None, assessment: dict[str, str]
) -> bytes:
    payload: dict[str, Any] = {
        "url": url,
        "external_ref": reference,
        "description": f"forwarded by {hotline}",
        "forwarded_by": hotline,
        "hosting_country": country,
        "assessment": assessment,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


def send_forward(
    client: httpx.Client, partner: Partner, body: bytes, key: Ed25519PrivateKey
) -> ForwardResult:
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signing.sign(body, key).strip()}
    if partner.token:
        headers["Authorization"] = f"Bearer {partner.token}"
    try:
        response = client.post(partner.endpoint, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"forward to {partner.name}: {exc}") from None
    if response.status_code >= 300:
        raise DeliveryError(f"forward to {partner.name}: HTTP {response.status_code}: {response.text[:200]}")
    remote: str | None = None
    try:
        answer = response.json()
        if isinstance(answer, dict) and answer.get("case_id") is not None:
            remote = str(answer["case_id"])
    except ValueError:
        pass
    return ForwardResult(response.status_code, remote)
