"""/api/v1/projects: the projects the SDK's get_all_projects and switch_to_project read (the SDK
asks its "account" endpoint; pointed at jobgraph, both endpoints are this server)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jobgraph.domain import OrderDirection
from jobgraph.query import reads
from jobgraph.query.spec import OrderTerm, scoped
from jobgraph.rest.auth import Caller
from jobgraph.rest.batch_params import PROJECT_PARAMETERS, parse_project_query
from jobgraph.rest.jsend import Success, fail_responses, success
from jobgraph.rest.params import openapi_parameters
from jobgraph.rest.routing import RestRoute, database
from jobgraph.rest.serialize import ProjectObject, project_object

BY_NAME = (OrderTerm("name", OrderDirection.ASC),)


def projects_router() -> APIRouter:
    """The project list."""
    router = APIRouter(route_class=RestRoute, tags=["projects (Pasqal Cloud compatible)"])

    @router.get(
        "/api/v1/projects",
        summary="List projects",
        description="The token's projects, by name, or those in the given statuses "
        "(`project_status=ACTIVE` as the SDK sends it). Not paginated: the whole list "
        "comes in `data`, as from the account API.",
        response_model=Success[list[ProjectObject]],
        responses=fail_responses(401, 422, 503),
        openapi_extra={"parameters": openapi_parameters(PROJECT_PARAMETERS)},
    )
    async def list_projects(request: Request, caller: Caller) -> JSONResponse:
        spec = scoped(parse_project_query(request.query_params.multi_items()), caller.scope)
        projects = await reads.list_all(database(request), reads.PROJECTS, spec, BY_NAME)
        return success([project_object(project) for project in projects])

    return router
