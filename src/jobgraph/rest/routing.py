"""What every REST route shares: JSend envelopes for every failure, and the app's read handles."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from jobgraph.db.engine import Database
from jobgraph.db.raw import DATABASE_OUTAGES, RawReader
from jobgraph.query.spec import InvalidQueryError
from jobgraph.rest.jsend import RestError, failure
from jobgraph.rest.links import LinkRejectedError
from jobgraph.rest.params import InvalidParametersError

logger = logging.getLogger(__name__)


class RestRoute(APIRoute):
    """A route whose every failure is a JSend envelope; scoped to REST, /graphql is untouched."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handle(request)
            except InvalidParametersError as error:
                return failure(RestError(422, str(error), error.problems))
            except InvalidQueryError as error:
                return failure(RestError(422, str(error)))
            except RequestValidationError as error:
                problems = {str(issue["loc"][-1]): str(issue["msg"]) for issue in error.errors()}
                message = f"Invalid parameters: {', '.join(problems)}."
                return failure(RestError(422, message, problems))
            except LinkRejectedError as error:
                message = f"This results link cannot be used: {error}."
                return failure(RestError(403, message, {"reason": str(error)}))
            except RestError as error:
                return failure(error)
            except DATABASE_OUTAGES:
                logger.exception("database failure on %s", request.url.path)
                return failure(RestError(503, "The database did not answer; try again."))

        return guarded


def database(request: Request) -> Database:
    """The Database handle the app's lifespan opened."""
    db: Database = request.app.state.db
    return db


def reader(request: Request) -> RawReader:
    """The driver-level reader the app's lifespan opened, for the hot list route."""
    found: RawReader = request.app.state.reader
    return found
