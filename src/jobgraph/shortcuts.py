"""What a shortcut past the middleware stack needs (the compiled GraphQL edge, the REST list's
edge, the body limit): a request's headers as Starlette reads them, the `Vary: Origin` the CORS
middleware would have added, and a `receive` that replays a body already read."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope

VARY_ORIGIN = (b"vary", b"Origin")


def header(scope: Scope, name: bytes) -> str | None:
    """The first header of that name, as Starlette's `request.headers.get` reads it."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def has_origin(scope: Scope) -> bool:
    return any(name == b"origin" for name, _value in scope["headers"])


def skips_cors(scope: Scope) -> bool:
    """Whether an answer written here bypasses the CORS middleware the app has: a request
    without Origin is answered before the middleware stack, but the middleware adds `Vary:
    Origin` to every response of the full stack, and the two must not differ."""
    if has_origin(scope):
        return False  # the middleware stack is on the way out: it adds its own headers
    settings = getattr(scope["app"].state, "settings", None)
    return bool(getattr(settings, "cors_origins", None))


def replay(body: bytes, receive: Receive, *, more: bool = False) -> Receive:
    """`receive` that gives the body read so far as one message (`more`: the rest follows
    from `receive`), then goes on as before (the rest, or the client's disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replayed
