"""No request holds the server's capacity: an analysis past its time limit is stopped (its
worker process killed and replaced), a slow store query is stopped, and /api/health answers
meanwhile."""

from __future__ import annotations

import os
import pickle
import threading
import time

import pytest

from ._extra import TestClient  # skips this module without the [server] extra

from propwatch import analyze
from propwatch.doc import Article
from propwatch.errors import ModelError, PropwatchError
from propwatch.server import ServerSettings, create_app
from propwatch.server.workers import PipelineRefused, _error_from, _portable
from propwatch.store import Store

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2")

SHORT = "They are traitors who will destroy everything we love. Stand up now or lose it all."
# One line of ~200 KB: minutes of work for the detector (the stalled request, smaller)
LONG = ("They are traitors who will destroy everything we love, and the people stand with "
        "them " * 2400)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a killed child not yet reaped is a zombie: gone for our purpose, once its last thread
    # has ended too (its main thread turns zombie first)
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            zombie = handle.read().split(")")[-1].split()[0] == "Z"
        return not zombie or len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


def test_a_timed_out_analysis_is_stopped_and_the_next_request_is_answered():
    # One worker: the next request waits for the replacement to load (about 1 s; the limit
    # leaves room for a busy machine).
    app = create_app(ServerSettings(analysis_timeout_s=2.0, workers=1))
    with TestClient(app, raise_server_exceptions=False) as c:
        first = app.state.runtime.worker.pid
        began = time.perf_counter()
        response = c.post("/api/analyze", json={"text": LONG})
        assert response.status_code == 503 and response.json()["error"]["code"] == "timeout"
        assert time.perf_counter() - began < 4
        # the answer and the kill happen at the deadline, in two threads: allow a moment
        waited = time.perf_counter() + 2
        while app.state.runtime.worker.pid in (first, None) and time.perf_counter() < waited:
            time.sleep(0.01)
        replacement = app.state.runtime.worker.pid
        assert replacement != first and not _alive(first)  # killed for real, and replaced
        began = time.perf_counter()
        response = c.post("/api/analyze", json={"text": SHORT})
        assert time.perf_counter() - began < 5  # the bar: answered within 5 s
        assert response.status_code == 200, response.text
        assert response.json() == analyze(SHORT).to_dict()
        assert app.state.runtime.worker.pid == replacement
    assert not _alive(replacement)  # the app's end stops its worker


def test_a_worker_killed_from_outside_is_replaced():
    import signal

    app = create_app(ServerSettings(workers=1))
    with TestClient(app, raise_server_exceptions=False) as c:
        # killed during an analysis (as the OOM killer would): that request is answered 503
        answers = []
        busy = threading.Thread(target=lambda: answers.append(
            c.post("/api/analyze", json={"text": LONG})))
        busy.start()
        time.sleep(0.5)
        running = app.state.runtime.worker.pid
        os.kill(running, signal.SIGKILL)
        busy.join(10)
        response = answers[0]
        assert response.status_code == 503 and response.json()["error"]["code"] == "worker_lost"
        assert c.post("/api/analyze", json={"text": SHORT}).status_code == 200
        # killed while idle: replaced before the next analysis is sent to it, which is answered
        idle = app.state.runtime.worker.pid
        assert idle != running
        os.kill(idle, signal.SIGKILL)
        waited = time.perf_counter() + 5
        while _alive(idle) and time.perf_counter() < waited:
            time.sleep(0.01)
        assert c.post("/api/analyze", json={"text": SHORT}).status_code == 200
        assert app.state.runtime.worker.pid not in (idle, running)


def test_health_answers_while_an_analysis_runs():
    app = create_app(ServerSettings(analysis_timeout_s=2.5))
    with TestClient(app, raise_server_exceptions=False) as c:
        busy = threading.Thread(target=c.post, args=("/api/analyze",), kwargs={
            "json": {"text": LONG}})
        busy.start()
        time.sleep(0.3)  # the analysis is running in the worker
        slowest = 0.0
        for _ in range(5):
            began = time.perf_counter()
            assert c.get("/api/health").status_code == 200
            slowest = max(slowest, time.perf_counter() - began)
        assert busy.is_alive()  # health was asked while the analysis ran
        assert slowest < 0.5
        busy.join()


def test_per_request_components_run_in_the_worker():
    with TestClient(create_app(ServerSettings())) as c:
        body = c.post("/api/analyze?without=techniques", json={"text": SHORT}).json()
        assert body["layers"] == {} and body["text"] == SHORT
        body = c.post("/api/analyze?with=techniques", json={"text": SHORT}).json()
        assert body == analyze(SHORT).to_dict()
        error = c.post("/api/analyze?with=" + "x" * 5000, json={"text": SHORT}).json()["error"]
        assert error["code"] == "validation_error" and len(error["message"]) < 300


@pytest.mark.parametrize("error", [
    ModelError.make("E207", name="plug", id="a1", reason="ValueError: bad"),
    PipelineRefused(ModelError.make("E205", name="plug", reason="no module", package="plug")),
    PropwatchError("E999", "a plugin's own error class is sent as a PropwatchError"),
    ValueError("not ours"),
])
def test_errors_raised_in_the_worker_reach_the_server(error):
    back = _error_from(pickle.loads(pickle.dumps(_portable(error))))  # what crosses the pipe
    if isinstance(error, PipelineRefused):
        assert isinstance(back, PipelineRefused) and type(back.error) is ModelError
        assert str(back) == str(error) and back.error.code == "E205"
    elif isinstance(error, PropwatchError):
        assert type(back) is type(error) and str(back) == str(error)
        assert back.code == error.code and back.message == error.message
    else:
        assert isinstance(back, RuntimeError) and "ValueError: not ours" in str(back)


def test_a_startup_error_in_the_worker_fails_at_startup():
    from propwatch.config import Settings

    began = time.perf_counter()
    with pytest.raises(ModelError, match="E201"):
        create_app(ServerSettings(pipeline=Settings(detector="nope")))
    assert time.perf_counter() - began < 30


@pytest.fixture()
def small_db(tmp_path) -> str:
    db = str(tmp_path / "small.db")
    with Store(db) as store:
        store.add_articles([Article(id="a1", text=SHORT, title="One")])
    return db


def test_a_slow_query_is_stopped_and_health_answers_meanwhile(small_db, monkeypatch):
    app = create_app(ServerSettings(db=small_db, query_timeout_s=1.0, isolation="thread"))
    with TestClient(app, raise_server_exceptions=False) as c:
        store = app.state.runtime.store
        endless = ("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
                   "SELECT count(*) FROM n")
        monkeypatch.setattr(store, "stats", lambda: store._query(endless))
        answers = []
        slow = threading.Thread(target=lambda: answers.append(c.get("/api/stats")))
        began = time.perf_counter()
        slow.start()
        time.sleep(0.2)
        for _ in range(3):
            asked = time.perf_counter()
            assert c.get("/api/health").json()["articles"] == 1
            assert c.get("/api/articles/a1").status_code == 200
            assert time.perf_counter() - asked < 0.5
        slow.join()
        assert time.perf_counter() - began < 5
        error = answers[0].json()["error"]
        assert answers[0].status_code == 503 and error["code"] == "query_timeout"
        assert "E610" in error["message"]
