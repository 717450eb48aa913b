"""A local HTTP server on 127.0.0.1 for the URL and feed tests: good pages and feeds from
tests/fixtures/feeds/, and hostile answers (redirect loops, endless bodies, a server that
never answers, binary bodies, lying charsets, error statuses). Nothing leaves the machine."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CAFE = "Le café du port a fermé. Les dockers étaient furieux et le maire a parlé d'une trahison."
NOT_A_FEED = b"<html><body><p>Just a page, no feed here.</p></body></html>"

_FILES = {
    "/article.html": ("article.html", "text/html; charset=utf-8"),
    "/second.html": ("second.html", "text/html; charset=utf-8"),
    "/rss.xml": ("rss.xml", "application/rss+xml"),
    "/atom.xml": ("atom.xml", "application/atom+xml"),
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    stop: threading.Event  # set on the server class: ends the waits of slow handlers
    hits: dict[str, int]
    agents: list[str]

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str | None = "text/html",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self._send(status, b"", None, {"Location": location})

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.hits[path] = self.hits.get(path, 0) + 1
        self.agents.append(self.headers.get("User-Agent", ""))
        if path in _FILES:
            name, kind = _FILES[path]
            self._send(200, (FEEDS / name).read_bytes(), kind)
        elif path == "/moved":
            self._redirect("/article.html", 301)
        elif path.startswith("/chain/"):  # /chain/N redirects N times, then the article
            left = int(path.rsplit("/", 1)[1])
            self._redirect(f"/chain/{left - 1}" if left > 1 else "/article.html")
        elif path == "/loop-a":
            self._redirect("/loop-b")
        elif path == "/loop-b":
            self._redirect("/loop-a")
        elif path == "/to-loopback":
            self._redirect(f"http://127.0.0.1:{self.server.server_address[1]}/article.html")
        elif path == "/to-ftp":
            self._redirect("ftp://127.0.0.1/file.txt")
        elif path == "/huge":  # 50 MB with no length announced, sent until the client hangs up
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<p>" + b"spam " * 2000 + b"</p>\n"
            try:
                for _ in range(50_000_000 // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
        elif path == "/huge-declared":  # announces 50 MB: refused before reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "50000000")
            self.end_headers()
            self.close_connection = True
        elif path == "/slow":  # a byte every 0.2 s: each read is quick, the whole is not
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    if self.stop.wait(0.2):
                        break
            except OSError:
                pass
            self.close_connection = True
        elif path == "/never":  # accepts the request and never answers
            self.stop.wait(30)
            self.close_connection = True
        elif path == "/image.png":
            self._send(200, PNG, "image/png")
        elif path == "/png-as-html":
            self._send(200, PNG, "text/html")
        elif path == "/cp1252-says-utf8":
            self._send(200, CAFE.encode("cp1252"), "text/plain; charset=utf-8")
        elif path == "/utf8-says-latin1":
            self._send(200, CAFE.encode("utf-8"), "text/plain; charset=iso-8859-1")
        elif path == "/koi8":
            text = "Министр назвал сделку катастрофой для всех семей портового города."
            self._send(200, text.encode("koi8-r"), "text/plain; charset=koi8-r")
        elif path == "/meta-charset":
            html = ('<html><head><meta http-equiv="Content-Type" content="text/html; '
                    'charset=windows-1251"><title>Порт</title></head><body><article><p>'
                    + "Министр назвал сделку катастрофой для всех семей портового города. " * 3
                    + "</p></article></body></html>")
            self._send(200, html.encode("cp1251"), "text/html")
        elif path == "/plain.txt":
            self._send(200, CAFE.encode("utf-8"), "text/plain")
        elif path == "/not-a-feed":
            self._send(200, NOT_A_FEED, "text/html")
        elif path == "/error":
            self._send(500, b"<h1>Internal error</h1>")
        else:
            self._send(404, b"<h1>Not found</h1>")


@contextmanager
def serve() -> Iterator[SimpleNamespace]:
    """A server running in a thread until the block ends: ``.base`` (its URL), ``.hits``
    (requests per path) and ``.agents`` (the User-Agent of each request)."""
    stop = threading.Event()
    hits: dict[str, int] = {}
    agents: list[str] = []
    handler = type("Handler", (_Handler,), {"stop": stop, "hits": hits, "agents": agents})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(base=f"http://127.0.0.1:{server.server_address[1]}", hits=hits,
                              agents=agents)
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        time.sleep(0.05)
