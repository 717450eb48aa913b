"""``python -m propwatch.server [--host H] [--port P] [--db FILE] ...``: the server without
the CLI (the load test starts it this way). The token is read from PROPWATCH_TOKEN only."""

from __future__ import annotations

import argparse
import os

from ..detect import DEFAULT
from . import ServerSettings, serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m propwatch.server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db")
    parser.add_argument("--max-body-bytes", type=int, default=2_000_000)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--detector", default=DEFAULT)
    args = parser.parse_args(argv)
    settings = ServerSettings(db=args.db, token=os.environ.get("PROPWATCH_TOKEN") or None,
                              max_body_bytes=args.max_body_bytes,
                              analysis_timeout_s=args.timeout, detector=args.detector)
    serve(settings, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
