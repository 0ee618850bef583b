"""Property-based requests generated from the OpenAPI document: no route answers 500.

Bounded: a few examples per operation, valid and invalid, as an admin and as a member (SQLite only: the
routes' database code runs on both backends in the other tests)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from tests.integration.web.conftest import Api
from vigil.auth.roles import Role

pytestmark = pytest.mark.slow

EXAMPLES = 8


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_no_operation_answers_500(api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.client.app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 25
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @given(case=strategy, role=st.sampled_from([Role.admin, Role.member]))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any, role: Role) -> None:
                response = case.call(headers=api.headers(role))
                if response.status_code >= 500:
                    failures.append(f"{case.operation.label}: {response.status_code} {response.text[:200]}")

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.label  # nothing invalid to send
    assert failures == []
