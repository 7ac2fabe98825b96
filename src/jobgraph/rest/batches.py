"""/api/v1/batches (the SDK's get_batches), /api/v2/batches/{id} and its status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from jobgraph.auth.principal import Principal
from jobgraph.db import models
from jobgraph.domain import JobStatus
from jobgraph.query import reads
from jobgraph.query.spec import Scope, scoped
from jobgraph.rest.auth import Caller
from jobgraph.rest.batch_params import BATCH_PARAMETERS, parse_batch_query
from jobgraph.rest.jsend import PageOf, Pagination, RestError, Success, fail_responses, success
from jobgraph.rest.params import openapi_parameters, read_path_id
from jobgraph.rest.routing import RestRoute, database
from jobgraph.rest.serialize import (
    BatchObject,
    BatchStatusObject,
    batch_object,
    batch_status_object,
)

BatchId = Annotated[str, Path(description="The batch's UUID (any case).")]


def _in_status_order(counts: dict[str, int]) -> dict[str, int]:
    return {status.value: counts[status] for status in JobStatus if status in counts}


async def _counts(
    request: Request, batch_ids: list[str], scope: Scope
) -> dict[str, dict[str, int]]:
    found = await reads.job_counts_by_status(database(request), batch_ids, scope)
    return {batch_id: _in_status_order(counts) for batch_id, counts in found.items()}


async def _batch(request: Request, raw_id: str, caller: Principal) -> models.Batch:
    batch_id = read_path_id(raw_id)
    batch = await reads.get_batch(database(request), batch_id, caller.scope)
    if batch is None:
        raise RestError(404, f"Batch {batch_id} not found.", {"id": "no batch has this id"})
    return batch


def batches_router() -> APIRouter:
    """The batch read routes."""
    router = APIRouter(route_class=RestRoute, tags=["batches (Pasqal Cloud compatible)"])

    @router.get(
        "/api/v1/batches",
        summary="List batches: filter, sort, paginate",
        description="The Pasqal Cloud batch list, as the SDK's get_batches reads it. Every "
        "filter narrows the result (AND); a repeatable filter keeps batches matching any of "
        "its values. Unknown parameters are ignored. Only batches of the token's projects are "
        "listed. The Content-Range header repeats the pagination object as `start-end/total`.",
        response_model=PageOf[list[BatchObject]],
        responses=fail_responses(401, 422, 503),
        openapi_extra={"parameters": openapi_parameters(BATCH_PARAMETERS)},
    )
    async def list_batches(request: Request, caller: Caller) -> JSONResponse:
        query = parse_batch_query(request.query_params.multi_items())
        spec = scoped(query.spec, caller.scope)
        page = await reads.list_offset_page(
            database(request), reads.BATCHES, spec, query.order, query.window
        )
        counts = await _counts(request, [batch.id for batch in page.rows], caller.scope)
        start = query.window.offset
        pagination = Pagination(total=page.total, start=start, end=start + len(page.rows))
        data = [batch_object(batch, counts[batch.id]) for batch in page.rows]
        return success(data, pagination=pagination)

    @router.get(
        "/api/v2/batches/{id}",
        summary="Get one batch",
        description="The SDK's get_batch; it then lists the batch's jobs through "
        "/api/v2/jobs?batch_id=...&order_by=creation_order&order_by_direction=ASC.",
        response_model=Success[BatchObject],
        responses=fail_responses(401, 404, 422, 503, missing="batch"),
    )
    async def get_batch(request: Request, id: BatchId, caller: Caller) -> JSONResponse:
        batch = await _batch(request, id, caller)
        counts = await _counts(request, [batch.id], caller.scope)
        # The SDK's Batch.sequence_builder reads this key; jobgraph stores no sequence.
        return success(batch_object(batch, counts[batch.id]) | {"sequence_builder": None})

    @router.get(
        "/api/v1/batches/{id}/status",
        summary="Get a batch's status",
        description="What the SDK polls while it waits for a batch: it waits while "
        "jobs_count_per_status holds PENDING or RUNNING jobs.",
        response_model=Success[BatchStatusObject],
        responses=fail_responses(401, 404, 422, 503, missing="batch"),
    )
    async def get_batch_status(request: Request, id: BatchId, caller: Caller) -> JSONResponse:
        batch = await _batch(request, id, caller)
        counts = await _counts(request, [batch.id], caller.scope)
        return success(batch_status_object(batch, counts[batch.id]))

    return router
