"""JSend envelopes (success, fail, error), their OpenAPI models, and the Content-Range header."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, Literal, TypeVar

import orjson
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

Data = TypeVar("Data")


class RestError(Exception):
    """A REST request answered with a JSend "fail" (4xx) or "error" (5xx) envelope."""

    def __init__(
        self,
        code: int,
        message: str,
        data: dict[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data or {}
        self.headers = dict(headers or {})


class Pagination(BaseModel):
    """Where a page sits in the whole result; ask for the next page with offset=end."""

    total: int = Field(description="How many rows match the filters in all.")
    start: int = Field(description="The offset of the first row of this page.")
    end: int = Field(description="start plus the number of rows on this page.")


class Success(BaseModel, Generic[Data]):
    """A JSend success envelope."""

    status: Literal["success"] = "success"
    message: str = Field(default="OK.", examples=["OK."])
    code: int = Field(default=200, examples=[200])
    data: Data


class PageOf(Success[Data], Generic[Data]):
    """A JSend success envelope around one page of a list."""

    pagination: Pagination


class Fail(BaseModel):
    """A JSend fail envelope: `data` maps each offending parameter to its problem."""

    status: Literal["fail"] = "fail"
    message: str
    code: int
    data: dict[str, str]


class Error(BaseModel):
    """A JSend error envelope: the server could not answer (the database did not)."""

    status: Literal["error"] = "error"
    message: str
    code: int
    data: dict[str, str]


class OrjsonResponse(JSONResponse):
    """JSON written by orjson: faster, and it writes stored JSON text (Fragment) as it is."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def success(data: Any, *, pagination: Pagination | None = None) -> JSONResponse:
    """200 with `data` in a success envelope (and the pagination object when given)."""
    body: dict[str, Any] = {"status": "success", "message": "OK.", "code": 200, "data": data}
    headers: dict[str, str] = {}
    if pagination is not None:
        body["pagination"] = pagination.model_dump()
        headers = {
            "Content-Range": content_range(pagination),
            "Access-Control-Expose-Headers": "Content-Range",
        }
    return OrjsonResponse(body, headers=headers)


def failure(error: RestError) -> JSONResponse:
    """The error as a JSend envelope: "fail" for 4xx, "error" for 5xx."""
    status = "fail" if error.code < 500 else "error"
    body = {"status": status, "message": error.message, "code": error.code, "data": error.data}
    return JSONResponse(body, status_code=error.code, headers=error.headers)


def content_range(pagination: Pagination) -> str:
    """`start-end/total`, the same numbers as the pagination object."""
    return f"{pagination.start}-{pagination.end}/{pagination.total}"


def fail_responses(*codes: int, missing: str = "job") -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries documenting the envelope of these status codes: fail for a 4xx,
    error for a 5xx; a 404 says no `missing` (a job, a batch) has the id."""
    described = {
        401: "No valid API token: `WWW-Authenticate: Bearer` says what to send.",
        403: "The results link was tampered with, has expired, or its token was revoked.",
        404: f"No {missing} with this id.",
        422: "Invalid parameters; `data` names each one and its problem.",
        503: "The database did not answer; try again (a JSend error envelope).",
    }
    return {
        code: {"model": Error if code >= 500 else Fail, "description": described[code]}
        for code in codes
    }


def route_failure(
    method: str, path: str, status: int, detail: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The JSend answer to a request that no route takes: 404 for an unknown path, 405 for a
    method the path does not take (its Allow header kept); any other status with `detail`."""
    allowed = (headers or {}).get("Allow", "")
    if status == 404:
        error = RestError(404, f"Not found: no route for {method} {path}.", {"path": path})
    elif status == 405:
        message = f"Method {method} is not allowed on {path}; use {allowed or 'another method'}."
        error = RestError(405, message, {"method": method, "allowed": allowed})
    else:
        error = RestError(status, f"{method} {path}: {detail}")
    response = failure(error)
    response.headers.update(headers or {})
    return response
