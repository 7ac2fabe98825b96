"""What each GraphQL error tells a client: `extensions.code`, with the codes Apollo clients know,
and which errors are the server's own fault (masked as "Unexpected error." and logged)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from enum import StrEnum

from graphql import GraphQLError, GraphQLSyntaxError, OperationDefinitionNode
from strawberry.extensions import MaskErrors, SchemaExtension

from jobgraph.db.raw import DATABASE_OUTAGES
from jobgraph.query.spec import InvalidQueryError

OUTAGES = DATABASE_OUTAGES  # REST answers the same failures with its 503
OUTAGE_MESSAGE = "The database did not answer; try again."


class ErrorCode(StrEnum):
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"  # the document is not GraphQL
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # not valid against the schema
    BAD_USER_INPUT = "BAD_USER_INPUT"  # an argument or variable value the query core refused
    OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"  # which operation to run?
    BAD_REQUEST = "BAD_REQUEST"  # not a GraphQL request: body, content type, method
    UNAUTHENTICATED = "UNAUTHENTICATED"  # no valid token (HTTP 401)
    FORBIDDEN = "FORBIDDEN"  # reserved for when callers have scopes
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"  # a bug; the message is masked
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"  # the database did not answer (HTTP 503)
    TIMEOUT = "TIMEOUT"  # the request ran past its deadline (HTTP 504)


# The HTTP status of a response holding an error with one of these codes, data or not.
STATUS_OF_CODE = {ErrorCode.SERVICE_UNAVAILABLE.value: 503, ErrorCode.TIMEOUT.value: 504}


def code_of(error: GraphQLError) -> str | None:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None


def with_code(error: GraphQLError, code: ErrorCode) -> GraphQLError:
    """The error, carrying `code` unless it already has one (its extensions are copied, never
    shared with another error)."""
    if code_of(error) is None:
        error.extensions = {**(error.extensions or {}), "code": code.value}
    return error


def is_unexpected(error: GraphQLError) -> bool:
    """A failure inside a resolver that the client did not cause: a bug or an outage."""
    cause = error.original_error
    return (
        error.path is not None
        and cause is not None
        and not isinstance(cause, InvalidQueryError | GraphQLError)
    )


def is_outage(error: GraphQLError) -> bool:
    """An unexpected error whose cause is the database not answering."""
    return is_unexpected(error) and isinstance(error.original_error, OUTAGES)


def classify(error: GraphQLError) -> ErrorCode:
    """The code of an error that was not given one where it was raised."""
    if isinstance(error, GraphQLSyntaxError):
        return ErrorCode.GRAPHQL_PARSE_FAILED
    if isinstance(error.original_error, InvalidQueryError):
        return ErrorCode.BAD_USER_INPUT
    if error.path is None:
        # Validation errors are coded as such while validating (ErrorCodes.on_validate); what
        # is left without a path is a variable value that could not be coerced.
        return ErrorCode.BAD_USER_INPUT
    return ErrorCode.INTERNAL_SERVER_ERROR


def add_codes(errors: Iterable[GraphQLError]) -> None:
    """Give every error its code (errors that have one keep it)."""
    for error in errors:
        with_code(error, classify(error))


def is_request_error(errors: Iterable[GraphQLError]) -> bool:
    """Whether these errors stopped the request before execution: none is located on a field.
    Such a response has no `data` entry."""
    return all(error.path is None for error in errors)


class MaskUnexpectedErrors(MaskErrors):
    """Strawberry's MaskErrors for `is_unexpected` errors, the masked ones coded as internal,
    or as unavailable when the database did not answer."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        if not is_outage(error):
            return with_code(masked, ErrorCode.INTERNAL_SERVER_ERROR)
        unavailable = GraphQLError(
            OUTAGE_MESSAGE, masked.nodes, masked.source, masked.positions, masked.path
        )
        return with_code(unavailable, ErrorCode.SERVICE_UNAVAILABLE)


class ErrorCodes(SchemaExtension):
    """Codes every error of an operation, refuses an ambiguous operation, and must come first
    among the schema's extensions so that it sees the errors after masking."""

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        document = context.graphql_document
        # Strawberry runs the first operation when none is named; the spec asks for an error.
        named = getattr(context, "_provided_operation_name", None) is not None
        if document is not None and not named:
            count = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
            if count > 1:
                raise with_code(
                    GraphQLError(
                        "This document has several operations: "
                        "say which one to run with operationName."
                    ),
                    ErrorCode.OPERATION_RESOLUTION_FAILURE,
                )

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            # A literal the query core refused (a DateTime out of range) is bad input; the
            # rest is the document not matching the schema or its limits.
            refused = isinstance(error.original_error, ValueError)
            with_code(
                error,
                ErrorCode.BAD_USER_INPUT if refused else ErrorCode.GRAPHQL_VALIDATION_FAILED,
            )

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            add_codes(result.errors)
