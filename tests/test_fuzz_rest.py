"""schemathesis over every operation /openapi.json lists, on both databases: generated valid
and invalid requests get no 5xx and no "Unexpected error.", and every answer (its status,
media type and body, 4xx JSend envelopes included) is the one the document describes."""

from __future__ import annotations

import asyncio
from typing import Any

import requests
import schemathesis
from fastapi import FastAPI
from httpx import AsyncClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jobgraph.db.engine import Database
from tests.dataset import build_dataset, load_dataset
from tests.live import serving

EXAMPLES = 15  # per operation and generation mode: bounded so the suite stays fast
# Servers and proxies refuse longer request lines before any application sees them (uvicorn
# answers 400 beyond 16 KiB of request head); generated requests stay below.
MAX_URL = 8192
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def fuzz(document: dict[str, Any], base_url: str) -> list[str]:
    """Every operation, with valid then invalid generated requests; what went wrong."""
    schema = schemathesis.openapi.from_dict(document)
    failures: list[str] = []
    with requests.Session() as session:
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=EXAMPLES,
                    deadline=None,
                    database=None,
                    derandomize=True,
                    suppress_health_check=list(HealthCheck),
                )
                def check(case: Any) -> None:
                    request = case.as_transport_kwargs(base_url=base_url)
                    prepared = requests.Request(**request).prepare()
                    assume(len(prepared.url or "") <= MAX_URL)
                    response = case.call(base_url=base_url, session=session, timeout=30)
                    assert "Unexpected error." not in response.text, response.text
                    case.validate_response(response, checks=CHECKS)

                try:
                    check()
                except Unsatisfiable:  # nothing invalid to send (no parameters, or only a path)
                    continue
                except Exception as error:
                    label = f"{operation.method.upper()} {operation.path} {mode.value}"
                    failures.append(f"{label}: {str(error)[:2000]}")
    return failures


async def test_generated_rest_requests_get_documented_answers(app: FastAPI, db: Database) -> None:
    await load_dataset(db, build_dataset())
    with serving(app) as base_url:
        failures = await asyncio.to_thread(fuzz, app.openapi(), base_url)
    assert not failures, "\n\n".join(failures)


async def test_every_documented_failure_is_a_jsend_envelope(app: FastAPI) -> None:
    document = app.openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    failures = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if int(code) < 400:
                    continue
                failures += 1
                schema = response["content"]["application/json"]["schema"]
                envelope = "Error" if int(code) >= 500 else "Fail"
                assert schema == {"$ref": f"#/components/schemas/{envelope}"}, (method, path)
    assert failures >= 10
    assert document["components"]["schemas"]["Error"]["properties"]["status"]["const"] == "error"


async def test_documented_parameter_examples_and_forms_are_accepted(
    client: AsyncClient, app: FastAPI
) -> None:
    """What the document says a parameter takes, the API takes: its examples, and the forms
    its descriptions name (any text as an id, a bare date, 1/0 and any case for booleans)."""
    parameters = app.openapi()["paths"]["/api/v2/jobs"]["get"]["parameters"]
    examples = {p["name"]: p["schema"].get("example") for p in parameters}
    examples |= {p["name"]: p["schema"]["items"].get("example") for p in parameters
                 if p["schema"].get("type") == "array"}  # fmt: skip
    given = {name: value for name, value in examples.items() if value is not None}
    assert {"id", "batch_id", "project_id", "start_date", "end_date", "errors"} <= set(given)
    forms = [("id", "not-a-uuid"), ("start_date", "2024-03-10"), ("errors", "0"),
             ("errors", "TRUE"), ("end_date", "2024-03-10T12:00")]  # fmt: skip
    for name, value in [*given.items(), *forms]:
        response = await client.get("/api/v2/jobs", params={name: value})
        assert response.status_code == 200, (name, value, response.text)
