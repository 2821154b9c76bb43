"""A cap on request bodies: 413 before anything parses them or checks a token.

A request whose ``Content-Length`` is over the limit is answered at once, without running the
route; a body sent without a length (chunked) is counted as it arrives and cut off with 413 as
soon as it passes the limit. Webhooks of helpdesk backends (``/api/backends/``) carry whole
conversations and get their own, larger limit.
"""

from __future__ import annotations

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEBHOOK_PREFIX = "/api/backends/"
TOO_LARGE = "the request body is too large (limit {limit} bytes)"


class BodyLimit:
    """ASGI middleware answering 413 to a body over ``max_bytes`` (``webhook_bytes`` for
    webhooks)."""

    def __init__(self, app: ASGIApp, max_bytes: int, webhook_bytes: int) -> None:
        self.app, self.max_bytes, self.webhook_bytes = app, max_bytes, webhook_bytes

    def limit_for(self, path: str) -> int:
        """The body limit of a request path."""
        return self.webhook_bytes if path.startswith(WEBHOOK_PREFIX) else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(str(scope.get("path", "")))
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                await _answer(scope, receive, send, 400, "invalid Content-Length header")
                return
            if length > limit:
                await _answer(scope, receive, send, 413, TOO_LARGE.format(limit=limit))
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # FastAPI passes HTTPException on while reading a body
                    raise HTTPException(413, TOO_LARGE.format(limit=limit))
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except HTTPException as exc:  # raised outside a route, where nothing turned it into 413
            if exc.status_code != 413 or started:
                raise
            await _answer(scope, receive, send, 413, str(exc.detail))


async def _answer(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
    # the client may still be sending: close the connection rather than read the rest
    response = JSONResponse({"detail": detail}, status_code=status, headers={"Connection": "close"})
    await response(scope, receive, send)
