"""The ceiling of bench/api_read.py: a minimal Starlette app, none of innomon's code, answering
GET /{year}/{region} with the bytes of one file, served by uvicorn as `innomon serve` serves
(uvloop, httptools, no access log).

    python bench/bare_app.py --body BREAKDOWN.json --port 8001
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def make_app(body: bytes) -> Starlette:
    async def breakdown(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/{year:int}/{region}", breakdown)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--body", type=Path, required=True, help="the bytes to answer with")
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    app = make_app(args.body.read_bytes())
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
