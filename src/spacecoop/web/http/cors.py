"""CORS: any web page may read this server's answers, errors included.

The data is public and no request carries credentials, so every response
gets `Access-Control-Allow-Origin: *` and preflight requests are answered
for every path, whatever the route behind it would say.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from spacecoop.web.http.middleware import HTTPMiddleware

# Response headers a browser script may read besides the CORS-safelisted ones.
EXPOSED = ("ETag", "Content-Disposition", "Link", "Location", "Retry-After", "Spacecoop-Release",
           "Spacecoop-Result-Rows", "Spacecoop-Row-Limit")

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": ", ".join(EXPOSED),
}
ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
PREFLIGHT_MAX_AGE = "86400"


class CORSMiddleware(HTTPMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in request_headers:
            await self._preflight(request_headers)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in CORS_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_cors)

    @staticmethod
    def _preflight(request_headers: Headers) -> Response:
        headers = {
            **CORS_HEADERS,
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        }
        requested = request_headers.get("access-control-request-headers")
        if requested:
            headers["Access-Control-Allow-Headers"] = requested
            headers["Vary"] = "Access-Control-Request-Headers"
        return Response(status_code=204, headers=headers)
