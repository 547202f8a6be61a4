"""schemathesis fuzzes /api/v1 from its own OpenAPI document, against the live server on both
engines, as the office's and a collector's tokens: no server error, and every reply keeps to the
documented status codes, content types and schemas.  Bounded in examples so that it stays a
minute or two; `-m fuzz` selects it."""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.browser.conftest import SwitchableServer

pytestmark = pytest.mark.fuzz

#: examples per operation (each sent with both tokens): about a minute on a 2-core machine
EXAMPLES = 100
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def live_api(app: Any, programme: Any, token_for: Any) -> Iterator[tuple[str, dict[str, str]]]:
    server = SwitchableServer(app)
    server.start()
    try:
        yield server.base, {"admin": token_for("admin"), "collector": token_for("sw-pj1")}
    finally:
        server.stop()


def _operations(base: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


# (schemathesis's own pytest plugin does not run under pytest 9: its strategies are driven here)
def test_the_api_keeps_its_document(live_api: tuple[str, dict[str, str]]) -> None:
    base, tokens = live_api
    operations = _operations(base)
    assert len(operations) >= 8
    with requests.Session() as session:
        for operation, mode in itertools.product(operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)):

            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def exchange(case: Any) -> None:
                for token in tokens.values():
                    case.call_and_validate(base_url=f"{base}/api/v1", session=session, checks=CHECKS,
                                           headers={"Authorization": f"Bearer {token}"}, timeout=30)

            exchange()
