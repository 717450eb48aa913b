"""What one app holds for its lifetime: settings, the pipeline, the store, and the worker
thread that runs analyses off the event loop under a time limit."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Callable, TypeVar

import anyio

from ..pipeline import Pipeline, pipeline_names
from ..store import Store
from .problems import NO_STORE, ApiError
from .settings import ServerSettings

T = TypeVar("T")

# Components are shared by every app of a process, and some keep per-call state (the baseline
# detector's CRF tagger: set() then marginal()), so one analysis runs at a time per process.
PIPELINE_LOCK = threading.Lock()


class _Abandoned(Exception):
    """A queued job whose request timed out before the worker reached it."""


class Runtime:
    """Shared state of one app. The pipeline's components load here and the store opens here,
    so a bad component, detector or --db fails at startup, not on the first request."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        # The ingest readers' own size limit follows the body limit: one upload, one article.
        self.ingest_settings = replace(settings.pipeline, max_bytes=settings.max_body_bytes)
        self.pipeline = Pipeline.from_settings(settings.pipeline)
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._executor: ThreadPoolExecutor | None = None
        self.open()

    def open(self) -> None:
        """Open the store and start the worker (again, after ``close``: an app may see several
        lifespans, e.g. one per TestClient)."""
        with self._lock:
            if self._store is None and self.settings.db:
                self._store = Store(self.settings.db, create=False)
            if self._executor is None:
                # One worker: analyses queue in order, and a timed-out one cannot be
                # overtaken by a second one sharing its detector (see detector_lock).
                self._executor = ThreadPoolExecutor(max_workers=1,
                                                    thread_name_prefix="propwatch-analysis")

    @property
    def store(self) -> Store | None:
        if self.settings.db and self._store is None:
            self.open()
        return self._store

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self.open()
        assert self._executor is not None
        return self._executor

    def pipeline_for(self, with_: list[str], without: list[str]) -> Pipeline:
        """The server's pipeline, or with components added or left out for one request."""
        if not with_ and not without:
            return self.pipeline
        names = pipeline_names(self.settings.pipeline.components, with_=with_, without=without)
        return Pipeline.from_settings(replace(self.settings.pipeline, components=names))

    def require_store(self) -> Store:
        store = self.store
        if store is None:
            raise NO_STORE
        return store

    async def run(self, job: Callable[[], T], *, what: str = "the analysis") -> T:
        """Run ``job`` on the analysis worker thread; 503 when it takes longer than the limit.

        A job still queued at the deadline is cancelled; one already running finishes in the
        background (Python threads cannot be killed) and its result is dropped."""
        cancelled = threading.Event()

        def guarded() -> T:
            if cancelled.is_set():
                raise _Abandoned  # the client was answered 503 already
            return job()

        future = self.executor.submit(guarded)
        limit = self.settings.analysis_timeout_s
        try:
            with anyio.fail_after(limit):
                return await asyncio.wrap_future(future)
        except TimeoutError:
            cancelled.set()
            future.cancel()
            raise ApiError(
                503, "timeout",
                f"{what} took longer than the {limit:g}-second limit and was abandoned; send a "
                "shorter article, try again later, or start propwatch serve with a larger "
                "--timeout", headers={"Retry-After": "10"}) from None

    def close(self) -> None:
        """Stop the worker (a running analysis finishes) and close the store."""
        with self._lock:
            executor, store = self._executor, self._store
            self._executor = self._store = None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        if store is not None:
            store.close()
