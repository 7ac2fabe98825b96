"""The Subscription root: jobChanges and batchChanges, live changes read from the change log
(query/changes.py) within the caller's scope, resumable with a change cursor."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from dataclasses import replace
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from jobgraph.auth.principal import AuthenticationError
from jobgraph.db.waker import ChangeWaker
from jobgraph.graphql.context import Context
from jobgraph.graphql.enums import ChangeOperation
from jobgraph.graphql.errors import OUTAGE_MESSAGE, OUTAGES, ErrorCode
from jobgraph.graphql.inputs import BatchFilter, JobFilter
from jobgraph.graphql.loaders import make_loaders
from jobgraph.graphql.types import Batch, Job, batch_from_row, job_from_row
from jobgraph.query import changes
from jobgraph.query.changes import Change, Feed, Limits
from jobgraph.query.spec import (
    BatchFilterSpec,
    FilterSpec,
    InvalidQueryError,
    JobFilterSpec,
)
from jobgraph.settings import Settings

logger = logging.getLogger(__name__)

CURSOR = "Pass it as `after` to resume right after this change (after a disconnect or restart)."
OPERATION = "What the change did: INSERT, UPDATE or DELETE."
AFTER = (
    "A change cursor: first replay every change logged after it, then stream live ones, with "
    "no gap and no duplicate. Without it, only changes from now on. A cursor older than the "
    "log keeps is refused: read the current state with a query, then subscribe without it."
)
LIVE = (
    "{kind} changes as they are committed, each matching `filter` (the same meaning as in "
    "`{list}`, applied to the row as it is when the change is read) within the projects the "
    "caller may read. A DELETE is delivered, with {kind_lower} null, when its project is "
    "readable and the filter's ids, idStartsWith{batch} and projectIds allow it (other fields "
    "are not evaluated for a deleted row)."
)


@strawberry.type(description="One change of a job.")
class JobChange:
    cursor: str = strawberry.field(description=CURSOR)
    operation: ChangeOperation = strawberry.field(description=OPERATION)
    job: Job | None = strawberry.field(description="The job as it is now; null for a DELETE.")


@strawberry.type(description="One change of a batch.")
class BatchChange:
    cursor: str = strawberry.field(description=CURSOR)
    operation: ChangeOperation = strawberry.field(description=OPERATION)
    batch: Batch | None = strawberry.field(description="The batch as it is now; null for a DELETE.")


def _limits(settings: Settings) -> Limits:
    return Limits(
        queue_size=settings.subscription_queue_size,
        slow_seconds=settings.subscription_slow_seconds,
    )


def _coded(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


async def _follow(
    info: Info[Context, None], feed: Feed[Any], spec: FilterSpec, after: str | None
) -> AsyncGenerator[Change[Any], None]:
    """The query core's stream, its errors coded; each change gets fresh loaders, so the
    nested fields of a long-lived subscription read current rows."""
    context = info.context
    if isinstance(context.access, AuthenticationError):
        raise _coded(context.access.message, ErrorCode.UNAUTHENTICATED.value)
    assert context.request is not None  # Strawberry sets it on every context
    state = context.request.app.state
    waker: ChangeWaker = state.change_waker
    limits = _limits(state.settings)
    stream = changes.follow(waker, feed, replace(spec, scope=context.scope), after, limits)
    try:
        async for change in stream:
            context.loaders = make_loaders(context.db, context.scope)
            yield change
    except changes.SlowSubscriberError as error:
        raise _coded(str(error), "SUBSCRIBER_TOO_SLOW", cursor=error.cursor) from None
    except changes.TooManySubscriptionsError as error:
        raise _coded(str(error), "TOO_MANY_SUBSCRIPTIONS") from None
    except InvalidQueryError as error:
        raise _coded(str(error), ErrorCode.BAD_USER_INPUT.value) from None
    except OUTAGES:
        logger.warning("a subscription lost the database", exc_info=True)
        raise _coded(OUTAGE_MESSAGE, ErrorCode.SERVICE_UNAVAILABLE.value) from None
    except GraphQLError:
        raise
    except Exception:  # masked, as for queries: no internals reach the client
        logger.exception("a subscription failed")
        raise _coded("Unexpected error.", ErrorCode.INTERNAL_SERVER_ERROR.value) from None
    finally:
        await stream.aclose()


@strawberry.type(description="Live changes of jobs and batches.")
class Subscription:
    @strawberry.subscription(
        description=LIVE.format(kind="Job", list="jobs", kind_lower="job", batch=", batchIds")
    )
    async def job_changes(
        self,
        info: Info[Context, None],
        filter: Annotated[
            JobFilter | None, strawberry.argument(description="Which jobs; as in `jobs`.")
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[JobChange, None]:
        spec = filter.to_spec() if filter else JobFilterSpec()
        async for change in _follow(info, changes.JOB_FEED, spec, after):
            job = None if change.row is None else job_from_row(change.row)
            yield JobChange(
                cursor=change.cursor, operation=ChangeOperation(change.operation), job=job
            )

    @strawberry.subscription(
        description=LIVE.format(kind="Batch", list="batches", kind_lower="batch", batch="")
    )
    async def batch_changes(
        self,
        info: Info[Context, None],
        filter: Annotated[
            BatchFilter | None, strawberry.argument(description="Which batches; as in `batches`.")
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[BatchChange, None]:
        spec = filter.to_spec() if filter else BatchFilterSpec()
        async for change in _follow(info, changes.BATCH_FEED, spec, after):
            batch = None if change.row is None else batch_from_row(change.row)
            yield BatchChange(
                cursor=change.cursor, operation=ChangeOperation(change.operation), batch=batch
            )
