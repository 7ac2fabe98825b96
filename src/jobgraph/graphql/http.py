"""GraphQL over HTTP, as its spec's current draft says: a request read from GET or POST, the
response's media type chosen from Accept, the status each response carries, and GET answers
that HTTP caches may keep. Request-level errors are GraphQL responses too, never plain text."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from strawberry.types import ExecutionResult

from jobgraph.graphql.errors import STATUS_OF_CODE, ErrorCode, add_codes, is_request_error

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
HTML = "text/html"
# The spec's "partial success": data and errors together. Sent to clients that asked for the
# GraphQL media type only; a legacy application/json client gets 200, as it always did.


@dataclass(frozen=True)
class GraphQLRequest:
    """The parameters of one GraphQL-over-HTTP request."""

    query: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None
    extensions: dict[str, Any] | None = None


class RequestError(Exception):
    """A request answered before execution, with one error: its status, message and code."""

    def __init__(
        self,
        status: int,
        message: str,
        code: ErrorCode = ErrorCode.BAD_REQUEST,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "extensions": {"code": self.code.value}}]}


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def _match(media: str, pattern: str) -> int:
    """How specifically `pattern` (a media range of Accept) matches `media`; -1: it does not."""
    if pattern == media:
        return 2
    kind = media.split("/", 1)[0]
    if pattern == f"{kind}/*":
        return 1
    return 0 if pattern == "*/*" else -1


def preferred(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the Accept header ranks highest (RFC 9110): by quality, then by
    how specific the range that names it is, then by where the client listed that range, then
    in `offered` order. No header accepts everything; None when nothing offered is acceptable."""
    ranges = _media_ranges(accept) if accept and accept.strip() else [("*/*", 1.0)]
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for rank, media in enumerate(offered):
        matches = [
            (quality, match, -position)
            for position, (pattern, quality) in enumerate(ranges)
            if (match := _match(media, pattern)) >= 0
        ]
        if not matches:
            continue
        # The most specific range that names the type decides its quality (RFC 9110 12.5.1).
        quality, match, position = max(matches, key=lambda found: (found[1], found[2]))
        score = (quality, match, position, -rank)
        if quality > 0 and (best is None or score > best):
            best, chosen = score, media
    return chosen


def response_media(accept: str | None) -> str:
    """application/graphql-response+json for a client that prefers it, else application/json
    (also when the client accepts neither: the spec lets a server disregard Accept)."""
    return preferred(accept, (JSON, GRAPHQL_RESPONSE)) or JSON


def content_type(media: str, status: int) -> str:
    """The negotiated media type, whatever the status."""
    return JSON if media == JSON else f"{GRAPHQL_RESPONSE}; charset=utf-8"


def _object(name: str, value: Any) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise RequestError(400, f"`{name}` must be a JSON object or null")


def _request(data: Mapping[str, Any]) -> GraphQLRequest:
    query = data.get("query")
    if query is None:
        raise RequestError(400, "No GraphQL query found in the request: send `query`")
    if not isinstance(query, str):
        raise RequestError(400, "`query` must be a string holding a GraphQL document")
    name = data.get("operationName")
    if name is not None and not isinstance(name, str):
        raise RequestError(400, "`operationName` must be a string or null")
    return GraphQLRequest(
        query,
        _object("variables", data.get("variables")),
        name or None,  # "" is the same as no name
        _object("extensions", data.get("extensions")),
    )


def _json(name: str, text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:  # JSONDecodeError, or bytes that are not UTF-8
        raise RequestError(400, f"{name} is not valid JSON: {error}") from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise RequestError(400, f"{name} is nested too deeply to be read as JSON") from None


def read_get(params: Mapping[str, str]) -> GraphQLRequest:
    """A GET request's parameters: variables and extensions as JSON text ("" is absent)."""
    data: dict[str, Any] = dict(params)
    for name in ("variables", "extensions"):
        text = data.get(name)
        data[name] = _json(f"`{name}`", text) if text else None
    return _request(data)


def read_post(content_type: str | None, body: bytes) -> GraphQLRequest:
    """A POST request: a JSON object with `query` and optionally `variables`, `operationName`
    and `extensions`. No batches (a JSON array) and no other content type."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != JSON:
        shown = f"`{media}`" if media else "no Content-Type"
        raise RequestError(
            415,
            f"Unsupported content type: {shown}. POST a JSON object with Content-Type: "
            "application/json, or use GET with the query in the URL.",
        )
    data = _json("The request body", body)
    if isinstance(data, list):
        raise RequestError(
            400, "Batched requests are not supported: send one operation per request."
        )
    if not isinstance(data, dict):
        raise RequestError(400, "The request body must be a JSON object with a `query`.")
    return _request(data)


def response_body(result: ExecutionResult) -> dict[str, Any]:
    """The GraphQL response: errors coded; no `data` entry when a request error stopped the
    request before execution (parsing, validation, operation or variables)."""
    body: dict[str, Any] = {}
    errors = result.errors or []
    if errors:
        add_codes(errors)
    if not (errors and result.data is None and is_request_error(errors)):
        body["data"] = result.data
    if errors:
        body["errors"] = [error.formatted for error in errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return body


def status_of(body: Mapping[str, Any], media: str) -> int:
    """As the GraphQL-over-HTTP spec gives them: 200 whenever there is data; a request error
    (parsing, validation, operation, variables) is 200 to an application/json client and 400
    to an application/graphql-response+json one. An outage or a deadline passed is a 503 or a
    504 whatever the media type, data or not, so that proxies and clients retry."""
    for error in body.get("errors") or ():
        code = (error.get("extensions") or {}).get("code")
        status = STATUS_OF_CODE.get(code) if isinstance(code, str) else None
        if status is not None:
            return status
    return 200 if "data" in body or media == JSON else 400


def etag(payload: bytes) -> str:
    return '"' + hashlib.blake2b(payload, digest_size=16).hexdigest() + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an If-None-Match header names this entity tag (weak comparison, or `*`)."""
    if not if_none_match:
        return False
    tags = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in tags or tag in tags
