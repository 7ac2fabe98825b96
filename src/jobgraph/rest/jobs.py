"""/api/v2/jobs, /api/v2/jobs/{id}, its status, the results link and the signed download."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from jobgraph.auth.authenticate import Authenticator
from jobgraph.db.raw import RawReader
from jobgraph.query import reads
from jobgraph.query.spec import Scope, scoped
from jobgraph.rest.auth import Caller
from jobgraph.rest.jsend import PageOf, Pagination, RestError, Success, fail_responses, success
from jobgraph.rest.links import LinkRejectedError, ResultLinks, allowed_base_url
from jobgraph.rest.params import openapi_parameters, parse_job_query, read_job_id
from jobgraph.rest.routing import RestRoute, database, reader
from jobgraph.rest.serialize import (
    JOB_FIELDS,
    JobObject,
    JobStatusObject,
    job_object,
    job_rows,
)
from jobgraph.results import DatabaseResultStore, ResultStore
from jobgraph.settings import Settings

JobId = Annotated[str, Path(description="The job's UUID (any case).")]


async def job_list(
    reader: RawReader, parameters: Sequence[tuple[str, str]], scope: Scope
) -> JSONResponse:
    """GET /api/v2/jobs's answer to these query parameters within the caller's scope; raises
    what the route turns into a JSend failure (InvalidParametersError, InvalidQueryError, a
    database outage). The route and its edge (rest/edge.py) both answer with it."""
    query = parse_job_query(parameters)
    spec = scoped(query.spec, scope)
    rows, total = await reads.list_job_rows(reader, spec, query.order, query.window, JOB_FIELDS)
    start = query.window.offset
    pagination = Pagination(total=total, start=start, end=start + len(rows))
    return success(job_rows(rows, reader.dialect), pagination=pagination)


def result_store(request: Request) -> ResultStore:
    """Where results are read from; override this dependency to serve them from elsewhere."""
    return DatabaseResultStore(database(request))


def _no_job(job_id: str) -> RestError:
    return RestError(404, f"Job {job_id} not found.", {"id": "no job has this id"})


def jobs_router(settings: Settings) -> APIRouter:
    """The job routes, with result links signed by the settings' secret."""
    router = APIRouter(route_class=RestRoute, tags=["jobs (Pasqal Cloud compatible)"])
    links = ResultLinks(
        settings.results_secret.get_secret_value().encode(), settings.results_link_ttl_seconds
    )

    @router.get(
        "/api/v2/jobs",
        summary="List jobs: filter, sort, paginate",
        description="The Pasqal Cloud job list. Every filter narrows the result (AND); a "
        "repeatable filter keeps jobs matching any of its values. Unknown parameters are "
        "ignored. Only jobs of the token's projects are listed. The Content-Range header "
        "repeats the pagination object as `start-end/total`.",
        response_model=PageOf[list[JobObject]],
        responses={
            200: {
                "headers": {
                    "Content-Range": {
                        "description": "The pagination object as `start-end/total`.",
                        "schema": {"type": "string", "pattern": r"^[0-9]+-[0-9]+/[0-9]+$"},
                    }
                }
            },
            **fail_responses(401, 422, 503),
        },
        openapi_extra={"parameters": openapi_parameters()},
    )
    async def list_jobs(request: Request, caller: Caller) -> JSONResponse:
        return await job_list(reader(request), request.query_params.multi_items(), caller.scope)

    @router.get(
        "/api/v2/jobs/{id}",
        summary="Get one job",
        response_model=Success[JobObject],
        responses=fail_responses(401, 404, 422, 503),
    )
    async def get_job(request: Request, id: JobId, caller: Caller) -> JSONResponse:
        job_id = read_job_id(id)
        job = await reads.get_job(database(request), job_id, caller.scope)
        if job is None:
            raise _no_job(job_id)
        # The SDK's Job.sequence reads `sequence` from this answer; jobgraph stores none.
        return success(job_object(job) | {"sequence": None})

    @router.get(
        "/api/v1/jobs/{id}/status",
        summary="Get a job's status",
        description="What the SDK's get_job_status and get_job(wait=True) poll.",
        response_model=Success[JobStatusObject],
        responses=fail_responses(401, 404, 422, 503),
    )
    async def get_job_status(request: Request, id: JobId, caller: Caller) -> JSONResponse:
        job_id = read_job_id(id)
        job = await reads.get_job(database(request), job_id, caller.scope)
        if job is None:
            raise _no_job(job_id)
        return success({"id": job.id, "status": job.status})

    @router.get(
        "/api/v1/jobs/{id}/results_link",
        summary="Get a pre-signed link to a job's result",
        description="`results_link` is null when the job has no result. The link needs no "
        f"credentials, expires after {settings.results_link_ttl_seconds} seconds (or with "
        "the token, if sooner), and stops working when the token is revoked.",
        response_model=Success[dict[str, str | None]],
        responses=fail_responses(401, 404, 422, 503),
    )
    async def get_results_link(
        request: Request,
        id: JobId,
        caller: Caller,
        store: Annotated[ResultStore, Depends(result_store)],
    ) -> JSONResponse:
        job_id = read_job_id(id)
        if await reads.get_job(database(request), job_id, caller.scope) is None:
            raise _no_job(job_id)
        if not await store.exists(job_id):
            return success({"results_link": None})
        until = None if caller.expires_at is None else caller.expires_at.timestamp()
        base = allowed_base_url(request, settings)
        return success({"results_link": links.url(base, job_id, caller.reference, until=until)})

    @router.get(
        "/api/v1/jobs/{id}/results",
        summary="Download a job's result through a pre-signed link",
        description="Returns the result JSON itself, not enveloped: any JSON value the job "
        "stored. Reached through the URL that results_link gives; no credentials needed.",
        response_model=Any,
        responses=fail_responses(403, 404, 422, 503),
    )
    async def download_results(
        request: Request,
        id: Annotated[str, Path(description="The job id the link was signed for.")],
        store: Annotated[ResultStore, Depends(result_store)],
        expires: Annotated[str | None, Query(description="Unix time the link expires at.")] = None,
        principal: Annotated[
            str | None, Query(description="Whom the link was made for (a token id).")
        ] = None,
        signature: Annotated[str | None, Query(description="HMAC-SHA256, hex.")] = None,
    ) -> JSONResponse:
        links.check(id, expires, principal, signature)
        authenticator: Authenticator = request.app.state.authenticator
        assert principal is not None  # check() refused a link without one
        now = await authenticator.by_reference(principal)
        if now is None:
            raise LinkRejectedError("the token it was made for was revoked or has expired")
        if await reads.get_job(database(request), id, now.scope) is None:
            raise _no_job(id)
        found, payload = await store.get(id)
        if not found:
            raise RestError(404, f"Job {id} has no result.", {"id": "no result for this job"})
        return JSONResponse(payload, headers={"Cache-Control": "private, no-store"})

    return router
