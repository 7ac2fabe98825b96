"""The Pasqal Cloud routes jobgraph does not serve: the SDK's writes (it is a read-only view of
the data) and its workload and device routes. Each answers a JSend 501 naming the SDK method,
so the SDK reports it at once (it retries 500, 502 and 504, not 501)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from jobgraph.rest.jsend import RestError
from jobgraph.rest.routing import RestRoute

READ_ONLY = "jobgraph serves Pasqal Cloud data read-only"
NOT_MODELLED = "jobgraph holds projects, batches and jobs only"

# (HTTP method, path, the SDK methods that call it, why it is not served)
UNSUPPORTED: tuple[tuple[str, str, str, str], ...] = (
    ("POST", "/api/v1/batches", "create_batch", READ_ONLY),
    ("PATCH", "/api/v2/batches/{id}/complete", "Batch.close", READ_ONLY),
    ("PATCH", "/api/v2/batches/{id}/cancel", "cancel_batch", READ_ONLY),
    ("PATCH", "/api/v1/batches/cancel", "cancel_batches", READ_ONLY),
    ("POST", "/api/v1/batches/{id}/rebatch", "rebatch", READ_ONLY),
    ("POST", "/api/v2/batches/{id}/jobs", "add_jobs", READ_ONLY),
    ("PATCH", "/api/v1/batches/{id}/tags", "set_batch_tags", READ_ONLY),
    ("PATCH", "/api/v2/batches/{id}/cancel/jobs", "cancel_jobs", READ_ONLY),
    ("PATCH", "/api/v2/jobs/{id}/cancel", "cancel_job", READ_ONLY),
    ("POST", "/api/v1/workloads", "create_workload", READ_ONLY),
    ("PUT", "/api/v1/workloads/{id}/cancel", "cancel_workload", READ_ONLY),
    ("GET", "/api/v2/workloads/{id}", "get_workload", NOT_MODELLED),
    ("GET", "/api/v1/devices/specs", "get_device_specs_dict", NOT_MODELLED),
    ("GET", "/api/v1/devices/public-specs", "get_device_specs_dict", NOT_MODELLED),
)


def _refusal(sdk_method: str, reason: str) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def refuse(request: Request) -> JSONResponse:
        route = f"{request.method} {request.url.path}"
        message = f"{sdk_method} is not supported: {reason} ({route})."
        raise RestError(501, message, {"method": sdk_method, "route": route})

    return refuse


def unsupported_router() -> APIRouter:
    """A JSend 501 for each route in UNSUPPORTED."""
    router = APIRouter(route_class=RestRoute)
    for method, path, sdk_method, reason in UNSUPPORTED:
        refuse = _refusal(sdk_method, reason)
        router.add_api_route(path, refuse, methods=[method], include_in_schema=False)
    return router
