"""The bare reference server: pyoxigraph in memory behind the plainest ASGI handler.

    python scripts/bench/bare_server.py DATA.nq [--port 8100]

No limits, no logging, no content negotiation beyond JSON/Turtle: it shows
what any Python server on this store can reach, so the benchmark can say what
spacecoop's safety features cost. The default graph is the RDF merge of the
named graphs (each triple once), as in spacecoop and Virtuoso, so that the
answers can be compared row for row.
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import parse_qs

import pyoxigraph as ox
import uvicorn

JSON = ox.QueryResultsFormat.JSON
TURTLE = ox.RdfFormat.TURTLE


def load(path: str) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return store


def make_app(store: ox.Store):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        if scope["method"] == "POST":
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            params = parse_qs(body.decode())
        else:
            params = parse_qs(scope["query_string"].decode())
        query = params.get("query", [""])[0]
        try:
            result = store.query(query)
            if isinstance(result, ox.QueryTriples):
                payload, media = result.serialize(format=TURTLE), b"text/turtle"
            else:
                payload, media = result.serialize(format=JSON), b"application/sparql-results+json"
            status = 200
        except SyntaxError as error:
            payload, media, status = str(error).encode(), b"text/plain", 400
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", media)]})
        await send({"type": "http.response.body", "body": payload})

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="an N-Quads file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args()
    uvicorn.run(make_app(load(args.data)), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
