"""Where the server's analyses run: ``Pool`` (worker processes that a timed-out analysis
cannot outlive: its worker is killed and replaced) or ``InThread`` (this process).

The runtime's dispatcher threads, one per worker, call them with a deadline; a pool hands each
job to an idle worker (a ready one first). No FastAPI here: the worker processes import only
what an analysis needs.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import Any

from ..config import Settings
from ..doc import Article, Document
from ..errors import PropwatchError
from ..pipeline import Pipeline
from ..render.report import render_html
from .settings import usable_cores

log = logging.getLogger("propwatch.server")

# Components are shared by every app of a process, and some keep per-call state (the baseline
# detector's CRF tagger: set() then marginal()), so one in-process analysis runs at a time.
PIPELINE_LOCK = threading.Lock()
MAX_THREADS_ENV = "PROPWATCH_MAX_THREADS"  # as detect.onnx reads it (the server may not import it)
START_SECONDS = 300.0  # loading the models at startup may take this long (a slow disk)


@dataclass(frozen=True)
class Job:
    """One analysis, as sent to a worker process (picklable): the article, the components'
    names, whether to render the HTML report page too, and settings of some components."""

    article: Article
    components: tuple[str, ...]
    report: bool = False
    # [component.NAME] settings for this job only, over the server's (the knowledge bases of
    # the matches component)
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


Outcome = tuple[Document, "str | None"]  # the document, and its report page when asked


class AnalysisTimeout(TimeoutError):
    """The job's deadline passed, while it waited or while it ran."""


class PipelineRefused(Exception):
    """The components a request named cannot make a pipeline (E205, E206 ...)."""

    def __init__(self, error: PropwatchError) -> None:
        super().__init__(str(error))
        self.error = error


class WorkerLost(Exception):
    """The worker process ended during a job (killed from outside, out of memory)."""


def execute(job: Job, settings: Settings) -> Outcome:
    """Run ``job`` with the components it names (models load once per process)."""
    try:
        component = {**settings.component,
                     **{name: {**settings.component.get(name, {}), **values}
                        for name, values in job.config.items()}}
        pipeline = Pipeline.from_settings(replace(settings, components=job.components,
                                                  component=component))
    except PropwatchError as exc:
        raise PipelineRefused(exc) from None
    document = pipeline(job.article)
    return document, (render_html(document) if job.report else None)


class InThread:
    """Analyses in this process, one at a time (``size`` 1). A timed-out one cannot be
    stopped and runs to its end."""

    size = 1

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.versions = Pipeline.from_settings(settings).versions  # load now: errors at startup

    def __call__(self, job: Job, deadline: float) -> Outcome:
        if time.monotonic() >= deadline:
            raise AnalysisTimeout
        with PIPELINE_LOCK:
            return execute(job, self.settings)

    def close(self) -> None:
        pass


class InProcess:
    """Analyses in one worker process (spawned: no fork of a process with threads), which
    loads the pipeline once. A job past its deadline gets its worker killed; a replacement
    starts at once and loads while the client is answered. One job at a time: a ``Pool``
    hands it to one caller at a time. ``threads``: the most intra-op threads the worker's
    models may use (None: as each model asks)."""

    def __init__(self, settings: Settings, *, threads: int | None = None,
                 wait: bool = True) -> None:
        self.settings = settings
        self.threads = threads
        self._context = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._conn: Connection | None = None
        self._ready = self._closed = False
        self._swap = threading.Lock()  # the job's thread and close() may both end the process
        self.versions: dict[str, str] = {}
        self._start()
        if wait:
            self.wait_started()

    def wait_started(self) -> dict[str, str]:
        """Wait for the first load of the pipeline; its versions (RuntimeError when the
        process ended; the load's own error, such as E201, when it failed)."""
        try:
            self.versions = self._wait_ready(time.monotonic() + START_SECONDS)
        except WorkerLost:
            raise RuntimeError("the analysis worker process ended while loading the pipeline; "
                               "see the messages above") from None
        return self.versions

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None else None

    def ready_now(self) -> bool:
        """Whether a job sent now starts at once (the pipeline is loaded, or its ready
        message waits to be read); False while a replacement loads. A worker found ended
        while idle (the OOM killer) is replaced here, before a job is sent to it."""
        process = self._process
        if process is not None and not self._closed and not process.is_alive():
            log.error("the analysis worker %s ended while idle (exit code %s); starting "
                      "another", process.pid, process.exitcode)
            self._restart()
            return False
        if self._ready:
            return True
        conn = self._conn
        try:
            return conn is not None and conn.poll(0)
        except (EOFError, OSError):
            return False

    def __call__(self, job: Job, deadline: float) -> Outcome:
        if self._closed:
            raise WorkerLost
        if self._process is None:
            self._start()
        self._wait_ready(deadline)
        conn = self._conn
        try:
            if conn is None:
                raise OSError("closed")
            conn.send(job)
            done = conn.poll(max(0.0, deadline - time.monotonic()))
            reply = conn.recv() if done else None
        except (EOFError, OSError):
            if not self._closed:
                log.error("the analysis worker %s ended unexpectedly; starting another",
                          self.pid)
            self._restart()
            raise WorkerLost from None
        if reply is None:
            log.warning("an analysis passed its time limit: worker %s killed and replaced",
                        self.pid)
            self._restart()
            raise AnalysisTimeout
        if reply[0] == "ok":
            return reply[1]
        raise _error_from(reply)

    def stop(self) -> None:
        """Ask the worker to end (SIGTERM; an analysis running there is abandoned) and
        start no other; ``close`` waits for it."""
        self._closed = True
        process = self._process
        if process is not None and process.is_alive():
            process.terminate()

    def close(self) -> None:
        """Stop the worker for good and wait for it (killed after 2 s)."""
        self.stop()
        self._drop(grace=2.0)

    def _drop(self, *, grace: float = 0.0) -> None:
        """End the worker process (after ``grace`` seconds to exit by itself); the next job
        starts another unless closed."""
        with self._swap:
            process, conn = self._process, self._conn
            self._process = self._conn = None
        if process is not None:
            process.join(grace)
            if process.is_alive():
                process.kill()
                process.join()
        if conn is not None:
            conn.close()  # after the process ended: a thread polling it has woken by then

    def _start(self) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_worker_main,
                                        args=(theirs, self.settings, self.threads),
                                        name="propwatch-analysis", daemon=True)
        process.start()
        theirs.close()
        with self._swap:
            self._process, self._conn, self._ready = process, ours, False
        self._started = time.monotonic()

    def _restart(self) -> None:
        self._drop()
        if not self._closed:
            self._start()

    def _wait_ready(self, deadline: float) -> dict[str, str]:
        """Wait (until ``deadline``) for the worker's pipeline; its load error is raised."""
        if self._ready:
            return self.versions
        conn = self._conn
        try:
            if conn is None:
                raise OSError("closed")
            loaded = conn.poll(max(0.0, deadline - time.monotonic()))
            reply = conn.recv() if loaded else None
        except (EOFError, OSError):
            self._drop()
            raise WorkerLost from None
        if reply is None:
            raise AnalysisTimeout  # still loading: it goes on, for the next request
        if reply[0] != "ready":
            self._drop()
            raise _error_from(reply)
        self._ready = True
        log.info("analysis worker %s ready in %.1f s", self.pid, time.monotonic() - self._started)
        return reply[1]


class Pool:
    """``size`` worker processes (``InProcess``), each loading the pipeline once; a job goes
    to an idle worker, a ready one before one still loading. Each worker keeps its own
    deadline: a timed-out job kills and replaces its worker only, and the jobs of the others
    run on. On C usable cores each worker's models get max(1, C // size) threads, so the
    workers together do not ask for more threads than there are cores."""

    def __init__(self, settings: Settings, size: int, *, threads: int | None = None) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one worker")
        self.size = size
        self.threads = threads if threads is not None else max(1, usable_cores() // size)
        self._idle_changed = threading.Condition()
        self._closed = False
        self._workers: list[InProcess] = []
        try:
            for _ in range(size):  # all start at once and load side by side
                self._workers.append(InProcess(settings, threads=self.threads, wait=False))
            loaded = [worker.wait_started() for worker in self._workers]
        except BaseException:
            self.close()
            raise
        self.versions: dict[str, str] = loaded[0]
        self._idle = list(self._workers)

    @property
    def pids(self) -> list[int | None]:
        """The worker processes' ids, in the pool's order (None: one being replaced)."""
        return [worker.pid for worker in self._workers]

    @property
    def pid(self) -> int | None:
        """The first worker's process id (the only one in a pool of one)."""
        return self._workers[0].pid if self._workers else None

    def __call__(self, job: Job, deadline: float) -> Outcome:
        worker = self._take(deadline)
        try:
            return worker(job, deadline)
        finally:
            with self._idle_changed:
                self._idle.append(worker)
                self._idle_changed.notify()

    def _take(self, deadline: float) -> InProcess:
        with self._idle_changed:
            while not self._idle and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AnalysisTimeout
                self._idle_changed.wait(left)
            if self._closed:
                raise WorkerLost
            worker = next((w for w in self._idle if w.ready_now()), self._idle[0])
            self._idle.remove(worker)
            return worker

    def close(self) -> None:
        """Stop every worker (running analyses are abandoned) and wait for them to end."""
        with self._idle_changed:
            self._closed = True
            self._idle_changed.notify_all()
        for worker in self._workers:  # all asked first, then waited for: one grace period
            worker.stop()
        for worker in self._workers:
            worker.close()


# ------------------------------------------------------------------ the worker process

def _worker_main(conn: Connection, settings: Settings, threads: int | None = None) -> None:
    """Load the pipeline, say ready (or why not), then answer jobs until the server goes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group
    if threads is not None:
        # Read by open_session (detect.onnx) and by thread pools that start later in this
        # process: the workers share the cores, each with its part.
        for name in (MAX_THREADS_ENV, "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                     "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
            given = os.environ.get(name, "").strip()
            os.environ[name] = str(min(threads, int(given)) if given.isdigit() else threads)
    try:
        versions = Pipeline.from_settings(settings).versions
    except Exception as exc:  # noqa: BLE001 - sent to the server, which raises it
        conn.send(_portable(exc))
        return
    conn.send(("ready", versions))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return  # the server closed the pipe or has gone
        try:
            reply: tuple = ("ok", execute(job, settings))
        except Exception as exc:  # noqa: BLE001 - sent to the server, which raises it
            reply = _portable(exc)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return  # the server has gone


def _portable(exc: Exception) -> tuple:
    """An error as plain picklable parts (PropwatchError's constructor does not unpickle)."""
    if isinstance(exc, PipelineRefused):
        return ("refused", *_parts(exc.error))
    if isinstance(exc, PropwatchError):
        return ("failed", *_parts(exc))
    return ("crashed", f"{type(exc).__name__}: {exc}")


def _parts(exc: PropwatchError) -> tuple[type, str, str]:
    ours = type(exc).__module__.startswith("propwatch.")  # a plugin's class may not import
    return (type(exc) if ours else PropwatchError), exc.code, exc.message


def _error_from(reply: tuple) -> Exception:
    kind = reply[0]
    if kind == "refused":
        return PipelineRefused(reply[1](reply[2], reply[3]))
    if kind == "failed":
        return reply[1](reply[2], reply[3])
    return RuntimeError(f"the analysis worker failed: {reply[1]}")
