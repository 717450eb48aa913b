"""Where the server's analyses run: ``InProcess`` (a worker process that a timed-out analysis
cannot outlive: it is killed and replaced) or ``InThread`` (this process).

Both are called by one dispatcher thread, one job at a time, with a deadline. No FastAPI here:
the worker process imports only what an analysis needs.
"""

from __future__ import annotations

import logging
import multiprocessing
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

log = logging.getLogger("propwatch.server")

# Components are shared by every app of a process, and some keep per-call state (the baseline
# detector's CRF tagger: set() then marginal()), so one in-process analysis runs at a time.
PIPELINE_LOCK = threading.Lock()
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
    """Analyses in this process. A timed-out one cannot be stopped and runs to its end."""

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
    starts at once and loads while the client is answered."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._conn: Connection | None = None
        self._ready = self._closed = False
        self._start()
        try:
            self.versions: dict[str, str] = self._wait_ready(time.monotonic() + START_SECONDS)
        except WorkerLost:
            raise RuntimeError("the analysis worker process ended while loading the pipeline; "
                               "see the messages above") from None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __call__(self, job: Job, deadline: float) -> Outcome:
        if self._closed:
            raise WorkerLost
        if self._process is None:
            self._start()
        self._wait_ready(deadline)
        assert self._conn is not None
        try:
            self._conn.send(job)
            done = self._conn.poll(max(0.0, deadline - time.monotonic()))
            reply = self._conn.recv() if done else None
        except (EOFError, OSError):
            log.error("the analysis worker %s ended unexpectedly; starting another", self.pid)
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

    def close(self) -> None:
        """Stop the worker for good (a running analysis is abandoned)."""
        self._closed = True
        self._drop(grace=2.0)

    def _drop(self, *, grace: float = 0.0) -> None:
        """End the worker process (after ``grace`` seconds to exit by itself); the next job
        starts another unless closed."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()  # the worker reads end-of-file and exits
        if process is not None:
            process.join(grace)
            if process.is_alive():
                process.kill()
                process.join()

    def _start(self) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(theirs, self.settings),
                                        name="propwatch-analysis", daemon=True)
        process.start()
        theirs.close()
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
        assert self._conn is not None
        try:
            loaded = self._conn.poll(max(0.0, deadline - time.monotonic()))
            reply = self._conn.recv() if loaded else None
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


# ------------------------------------------------------------------ the worker process

def _worker_main(conn: Connection, settings: Settings) -> None:
    """Load the pipeline, say ready (or why not), then answer jobs until the server goes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group
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
        conn.send(reply)


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
