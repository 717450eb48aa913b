"""Server hygiene: slow clients are cut off, echoed values are cut short, the API docs carry a
CSP that fits what they load, and a taken port is one error line."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import socket
import threading
import time

import pytest

from ._extra import TestClient  # skips this module without the [server] extra

import uvicorn

from propwatch.doc import Article
from propwatch.server import ServerSettings, create_app
from propwatch.server.protocol import deadline_protocol
from propwatch.store import Store

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2")


# ------------------------------------------------------------------ slow clients


async def _echo_app(scope, receive, send):
    """Reads the whole body, then answers its length (after a pause for /slow)."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    if scope["path"] == "/slow":
        await asyncio.sleep(0.7)  # longer than both deadlines: the answer must still come
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def guarded_server():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    protocol = deadline_protocol(header_timeout=0.5, body_timeout=0.5)
    config = uvicorn.Config(_echo_app, http=protocol, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield sock.getsockname()
    server.should_exit = True
    thread.join(5)
    sock.close()


def _trickle(address, head: bytes, drip: bytes) -> tuple[float, bytes]:
    """Send ``head``, then ``drip`` one byte every 0.1 s; seconds until the server closed the
    connection, and what it sent."""
    with socket.create_connection(address, timeout=5) as conn:
        began = time.perf_counter()
        conn.sendall(head)
        conn.setblocking(False)
        received = b""
        for byte in drip * 100:
            time.sleep(0.1)
            try:
                chunk = conn.recv(4096)
                if not chunk:
                    return time.perf_counter() - began, received
                received += chunk
            except BlockingIOError:
                pass
            try:
                conn.send(bytes([byte]))
            except OSError:  # reset: closed
                return time.perf_counter() - began, received
        return time.perf_counter() - began, received


def test_headers_sent_too_slowly_are_cut_off(guarded_server):
    seconds, received = _trickle(guarded_server, b"GET / HTTP/1.1\r\nHost: x\r\n", b"X-Pad: a\r\n")
    assert seconds < 1.5 and received == b""


def test_a_body_sent_too_slowly_is_cut_off(guarded_server):
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc"
    seconds, received = _trickle(guarded_server, head, b"x")
    assert seconds < 1.5 and b"200 OK" not in received


def test_a_prompt_client_is_answered_even_when_the_answer_takes_long(guarded_server):
    with socket.create_connection(guarded_server, timeout=5) as conn:
        for _ in range(2):  # two requests on one connection: each gets its own deadlines
            conn.sendall(b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            answer = b""
            while not answer.endswith(b"\r\n\r\n5"):
                chunk = conn.recv(4096)
                assert chunk, f"closed before the answer: {answer!r}"
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200")


# ------------------------------------------------------------------ echoed values, docs CSP


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("hygiene") / "c.db")
    with Store(db) as store:
        store.add_articles([Article(id="a1", text="They are traitors.", title="One")])
    with TestClient(create_app(ServerSettings(db=db, isolation="thread")),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("url, size", [
    ("/api/articles/{id}", 10_000), ("/api/articles/{id}/report.html", 10_000),
    ("/api/reuse/pairs?article={id}", 10_000),
    ("/api/articles?technique={id}", 200),  # longer ones are refused before the lookup
])
def test_echoed_values_are_cut_short(corpus, url, size):
    long_id = "x" * size
    response = corpus.get(url.format(id=long_id))
    assert response.status_code in (404, 422), response.text
    message = response.json()["error"]["message"]
    assert long_id not in message and "x" * 79 + "\u2026" in message
    assert len(message) < 200


def test_docs_pages_have_a_csp_naming_their_inline_script(corpus):
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        response = corpus.get(path)
        assert response.status_code == 200
        csp = response.headers["content-security-policy"]
        scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
        for script in scripts:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        # everything the page loads comes from this server, as the CSP's 'self' allows
        for link in re.findall(r'(?:src|href)="([^"]+)"', response.text):
            assert link.startswith("/"), link
    assert corpus.get("/docs").text.count("<script>") == 1  # the hash has something to name


# ------------------------------------------------------------------ the serve command


def test_a_taken_port_is_one_error_line_and_exit_2():
    import typer
    from typer.testing import CliRunner

    from propwatch.cli.serve import serve_command

    app = typer.Typer()
    app.command("serve")(serve_command)
    app.command("other")(lambda: None)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        began = time.perf_counter()
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (f"error: E501: cannot listen on 127.0.0.1:{port}: the port "
                                     "is already in use. Stop the program that uses it, or "
                                     "choose another --port or --host.")
    assert time.perf_counter() - began < 2  # checked before the models load
