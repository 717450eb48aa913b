"""The pool of analysis worker processes: jobs run side by side on idle workers; a timed-out
job kills and replaces only its own worker; a crashed worker is replaced and its job answered
with an error; closing leaves no process behind.

The worker processes are spawned, so a component registered in this process would not reach
them: the tests install a small plugin (a ``nap`` component that sleeps, crashes on request,
and reports the process it ran in) into a folder on ``sys.path``, the way pip installs one,
which the spawned workers inherit and find through its entry point."""

from __future__ import annotations

import os
import signal
import textwrap
import threading
import time
from pathlib import Path

import pytest

from ._extra import TestClient  # skips this module without the [server] extra

from propwatch.config import Settings
from propwatch.doc import Article
from propwatch.errors import UsageError
from propwatch.pipeline import registry
from propwatch.server import ServerSettings, create_app
from propwatch.server.settings import usable_cores
from propwatch.server.workers import AnalysisTimeout, Job, Pool, WorkerLost

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2")

PLUGIN = '''
"""A test component: sleeps config["seconds"], ends its process when config["crash"], and
reports its process id and thread limit in its layer's summary."""

import os
import time

from propwatch.doc import Layer
from propwatch.pipeline import ComponentSpec


class Nap:
    name, version, layer, reads = "nap.v1", "nap-1", "nap", ()

    def __init__(self, config):
        self.seconds = float(config.get("seconds", 0.0))
        self.crash = bool(config.get("crash", False))

    def __call__(self, doc, shared):
        if self.crash:
            os._exit(3)
        time.sleep(self.seconds)
        return Layer(self.layer, self.name, self.version, (), summary={
            "pid": os.getpid(), "threads": os.environ.get("PROPWATCH_MAX_THREADS", "")})


SPEC = ComponentSpec(name="nap", version=1, layer="nap", factory=Nap,
                     defaults={"seconds": 0.0, "crash": False},
                     description="Sleeps (a test component).", package="nap-plugin")
'''


@pytest.fixture(scope="module")
def nap_plugin(tmp_path_factory) -> Path:
    """The nap plugin installed in a folder on sys.path (inherited by spawned workers)."""
    site = tmp_path_factory.mktemp("site")
    (site / "propwatch_nap_plugin.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = site / "propwatch_nap_plugin-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: propwatch-nap-plugin\n"
                                   "Version: 0.1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[propwatch.components]\nnap = propwatch_nap_plugin:SPEC\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(site))
        registry.refresh()
        yield site
    registry.refresh()


NAP = Settings(components=("nap",))


def nap(seconds: float = 0.0, *, crash: bool = False) -> Job:
    return Job(Article(id="a", text="Stand up now."), ("nap",),
               config={"nap": {"seconds": seconds, "crash": crash}})


def ran_in(outcome) -> int:
    return outcome[0].layer("nap").summary["pid"]


def alive(pid: int | None) -> bool:
    """Whether ``pid`` runs: a killed child not yet reaped is a zombie, gone once its last
    thread has ended too (its main thread turns zombie first)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            zombie = handle.read().rsplit(")", 1)[-1].split()[0] == "Z"
        return not zombie or len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


def children() -> set[int]:
    """This process's child processes."""
    return {int(c) for t in Path(f"/proc/{os.getpid()}/task").iterdir()
            for c in (t / "children").read_text().split()}


def wait_for(condition, seconds: float = 5.0) -> bool:
    until = time.monotonic() + seconds
    while not condition() and time.monotonic() < until:
        time.sleep(0.01)
    return condition()


def in_thread(function, *args):
    """Run ``function(*args)`` in a thread; join() returns its value or raises its error."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()

    def join():
        thread.join(30)
        if "error" in box:
            raise box["error"]
        return box["value"]

    return join


@pytest.fixture(scope="module")
def pool(nap_plugin):
    """Two workers on this machine's cores, shared by the tests that leave them whole."""
    two = Pool(NAP, 2)
    yield two
    two.close()


def test_two_jobs_run_at_once_on_two_workers(pool):
    assert len(set(pool.pids)) == 2 and all(alive(p) for p in pool.pids)
    began = time.perf_counter()
    first = in_thread(pool, nap(0.8), time.monotonic() + 10)
    second = in_thread(pool, nap(0.8), time.monotonic() + 10)
    pids = {ran_in(first()), ran_in(second())}
    assert time.perf_counter() - began < 1.5  # side by side, not 1.6 s one after the other
    assert pids == set(pool.pids)


def test_each_worker_gets_its_share_of_the_cores(pool):
    assert pool.threads == max(1, usable_cores() // 2)
    summary = pool(nap(), time.monotonic() + 10)[0].layer("nap").summary
    assert summary["threads"] == str(pool.threads)  # what open_session caps its threads at


def test_a_timed_out_job_kills_only_its_own_worker(nap_plugin):
    two = Pool(NAP, 2)
    before = list(two.pids)
    try:
        steady = in_thread(two, nap(1.2), time.monotonic() + 10)
        time.sleep(0.2)  # the steady job holds one worker; the endless one gets the other
        began = time.perf_counter()
        with pytest.raises(AnalysisTimeout):
            two(nap(60), time.monotonic() + 0.5)
        assert time.perf_counter() - began < 1.5
        survivor = ran_in(steady())  # the other worker's job was not disturbed
        assert alive(survivor) and survivor in two.pids
        killed = [p for p in before if p != survivor]
        assert len(killed) == 1 and not alive(killed[0])  # killed for real ...
        replacement = next(p for p in two.pids if p != survivor)
        assert alive(replacement) and replacement not in killed  # ... and replaced
        outcomes = [in_thread(two, nap(0.3), time.monotonic() + 10) for _ in range(2)]
        assert {ran_in(o()) for o in outcomes} == {survivor, replacement}
    finally:
        two.close()


def test_a_crashed_worker_is_replaced_and_its_job_answered(nap_plugin):
    one = Pool(NAP, 1)
    try:
        first = one.pid
        began = time.perf_counter()
        with pytest.raises(WorkerLost):
            one(nap(crash=True), time.monotonic() + 20)
        assert time.perf_counter() - began < 5  # answered at once, not at the deadline
        assert not alive(first) and alive(one.pid) and one.pid != first
        assert ran_in(one(nap(), time.monotonic() + 20)) == one.pid
        # killed from outside while idle (the OOM killer): replaced before the next job,
        # which is answered
        idle = one.pid
        os.kill(idle, signal.SIGKILL)
        assert wait_for(lambda: not alive(idle))
        assert ran_in(one(nap(), time.monotonic() + 20)) not in (idle, first)
    finally:
        one.close()


def test_close_leaves_no_process_and_ends_a_running_job(nap_plugin):
    two = Pool(NAP, 2)
    pids = two.pids
    assert set(pids) <= children()
    running = in_thread(two, nap(60), time.monotonic() + 60)
    time.sleep(0.3)
    began = time.perf_counter()
    two.close()
    with pytest.raises(WorkerLost):
        running()  # the job's caller is answered, not left waiting for 60 s
    assert time.perf_counter() - began < 5
    assert not any(alive(p) for p in pids)
    assert not set(pids) & children()
    with pytest.raises(WorkerLost):
        two(nap(), time.monotonic() + 5)  # a closed pool takes no job


def test_the_server_answers_two_requests_at_once(nap_plugin):
    settings = ServerSettings(workers=2, pipeline=Settings(
        components=("nap",), component={"nap": {"seconds": 0.8}}))
    app = create_app(settings)
    with TestClient(app) as c:
        pids = app.state.runtime.worker.pids
        assert len(set(pids)) == 2 and app.state.runtime._dispatch()._max_workers == 2
        began = time.perf_counter()
        answers = [in_thread(lambda: c.post("/api/analyze", json={"text": "Stand up now."}))
                   for _ in range(2)]
        bodies = [a().json() for a in answers]
        assert time.perf_counter() - began < 1.5
        assert {b["layers"]["nap"]["summary"]["pid"] for b in bodies} == set(pids)
    assert not any(alive(p) for p in pids)  # the app's end stops its workers


def test_workers_setting():
    assert ServerSettings().workers == usable_cores() >= 1
    assert ServerSettings(workers=3).workers == 3
    for bad in (0, -1, True, 1.5, "2"):
        with pytest.raises(UsageError, match="E402.*--workers"):
            ServerSettings(workers=bad)


def test_serve_workers_option_and_environment(monkeypatch):
    import typer
    from typer.testing import CliRunner

    import propwatch.server as server
    from propwatch.cli.serve import serve_command

    calls = []
    monkeypatch.setattr(server, "serve", lambda settings, host, port, on_ready: (
        calls.append(settings), on_ready()))
    app = typer.Typer()
    app.command("serve")(serve_command)
    app.command("other")(lambda: None)
    runner = CliRunner()
    result = runner.invoke(app, ["serve", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert calls[-1].workers == 1 and "1 analysis worker)" in result.output
    result = runner.invoke(app, ["serve"], env={"PROPWATCH_WORKERS": "2"})
    assert result.exit_code == 0 and calls[-1].workers == 2
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 0 and calls[-1].workers == usable_cores()
    result = runner.invoke(app, ["serve", "--workers", str(usable_cores() + 1)])
    assert result.exit_code == 0 and "warning:" in result.output
    result = runner.invoke(app, ["serve", "--workers", "0"])
    assert result.exit_code == 2


def test_open_session_keeps_to_the_thread_limit(monkeypatch):
    from propwatch.detect.onnx import open_session

    model = next(Path(__file__).resolve().parents[2].glob("src/propwatch/models/*/encoder.onnx"),
                 None)
    if model is None:
        pytest.skip("no packaged ONNX model")
    monkeypatch.setenv("PROPWATCH_MAX_THREADS", "1")
    assert open_session(model, 2).get_session_options().intra_op_num_threads == 1
    monkeypatch.delenv("PROPWATCH_MAX_THREADS")
    assert open_session(model, 2).get_session_options().intra_op_num_threads == 2


def _level(concurrency: int, rps: float, errors: int = 0) -> dict:
    return {"concurrency": concurrency, "requests": 10, "errors": errors,
            "throughput_rps": rps, "p50_ms": 100.0, "p99_ms": 200.0}


def test_the_load_test_sets_worker_counts_side_by_side(monkeypatch):
    """compare_workers and 'propwatch benchmark server' over made-up rounds (the real load
    test is test_server.py's test_load_test_small): best round per concurrency, ratios."""
    import contextlib
    import json

    from typer.testing import CliRunner

    from propwatch.bench import loadtest
    from propwatch.cli import app

    started = []

    @contextlib.contextmanager
    def fake_server(host, port, workers):
        started.append(workers)
        yield None, f"http://{host}:1", None

    async def fake_compare(servers, body, total, levels, repeat, warmup, log):
        runs = []
        for count, *_ in servers:
            rounds = [_level(c, c * count * (1 + r)) for c in levels for r in range(repeat)]
            runs.append(loadtest._summary(
                {"workers": count, "worker_pids": [], "all_rounds": rounds,
                 "sampler": loadtest._Sampler(0), "before": (300.0, 80.0, {"1": 200.0}),
                 "after": (301.0, 80.0, {"1": 201.0})}, levels))
        return runs

    monkeypatch.setattr(loadtest, "_server", fake_server)
    monkeypatch.setattr(loadtest, "_compare", fake_compare)
    figures = loadtest.compare_workers(workers=(1, 2), concurrency=(1, 8), requests=10,
                                       repeat=2)
    assert started == [1, 2] and figures["errors"] == 0
    assert [lv["throughput_rps"] for lv in figures["runs"][0]["levels"]] == [2, 16]  # best
    assert figures["throughput_ratio"] == {"2/1": {"1": 2.0, "8": 2.0}}
    result = CliRunner().invoke(app, ["benchmark", "server", "-n", "10", "-c", "1,8",
                                      "-w", "1,2"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout[result.stdout.index("{"):])["throughput_ratio"]["2/1"]
    result = CliRunner().invoke(app, ["benchmark", "server", "-c", "0"])
    assert result.exit_code == 2 and "E402" in result.output
