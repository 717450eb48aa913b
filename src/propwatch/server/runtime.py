"""What one app holds for its lifetime: settings, the analysis workers, the store, and the
dispatcher threads (one per worker) that hand analyses to the workers under a time limit."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import anyio

from ..pipeline import pipeline_names
from ..store import Store
from .problems import NO_STORE, ApiError
from .settings import ServerSettings
from .workers import InThread, Job, Outcome, PipelineRefused, Pool, WorkerLost

if TYPE_CHECKING:
    from .inputs import Upload


class Runtime:
    """Shared state of one app. The analysis workers load the pipeline's components here and
    the store opens here, so a bad component, detector or --db fails at startup, not on the
    first request."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        # The ingest readers' own size limit follows the body limit: one upload, one article.
        self.ingest_settings = replace(settings.pipeline, max_bytes=settings.max_body_bytes)
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._worker: Pool | InThread | None = None
        self._dispatcher: ThreadPoolExecutor | None = None
        self._health = ThreadPoolExecutor(max_workers=1, thread_name_prefix="propwatch-health")
        self.open()
        assert self._worker is not None
        self.versions: dict[str, str] = self._worker.versions  # layer -> component version

    def open(self) -> None:
        """Open the store and start the worker (again, after ``close``: an app may see several
        lifespans, e.g. one per TestClient)."""
        with self._lock:
            if self._store is None and self.settings.db:
                self._store = Store(self.settings.db, create=False)
            if self._worker is None:
                self._worker = (Pool(self.settings.pipeline, self.settings.workers)
                                if self.settings.isolation == "process"
                                else InThread(self.settings.pipeline))
            if self._dispatcher is None:
                # One dispatcher thread per worker: analyses queue in order (unbounded, but
                # each waits at most until its deadline, then is dropped unstarted: 503
                # timeout), and each thread holds one worker while its analysis runs.
                self._dispatcher = ThreadPoolExecutor(max_workers=self._worker.size,
                                                      thread_name_prefix="propwatch-analysis")

    @property
    def store(self) -> Store | None:
        if self.settings.db and self._store is None:
            self.open()
        return self._store

    @property
    def worker(self) -> Pool | InThread:
        if self._worker is None:
            self.open()
        assert self._worker is not None
        return self._worker

    def components_for(self, with_: list[str], without: list[str]) -> tuple[str, ...]:
        """The server's components, or with some added or left out for one request."""
        base = self.settings.pipeline.components
        return pipeline_names(base, with_=with_, without=without) if with_ or without else base

    def require_store(self) -> Store:
        store = self.store
        if store is None:
            raise NO_STORE
        return store

    async def analyze(self, read: Callable[[], Upload], components: tuple[str, ...], *,
                      report: bool = False,
                      config: Mapping[str, Mapping[str, Any]] | None = None,
                      ) -> tuple[Outcome, Upload]:
        """Read the request's article (a thread) and analyse it (an idle worker), both within
        the time limit: past it, 503 ``timeout`` and, in a worker process, that worker is
        killed (and replaced).
        ``config``: settings of some components for this analysis only."""
        limit = self.settings.analysis_timeout_s
        deadline = time.monotonic() + limit
        try:
            with anyio.fail_after(limit):
                upload = await anyio.to_thread.run_sync(read, abandon_on_cancel=True)
                job = Job(upload.article, components, report, dict(config or {}))
                future = self._dispatch().submit(self.worker, job, deadline)
                try:
                    return await asyncio.wrap_future(future), upload
                finally:
                    future.cancel()  # still queued at the deadline: never started
        except TimeoutError:
            raise ApiError(
                503, "timeout",
                f"the analysis took longer than the {limit:g}-second limit; "
                "send a shorter article, try again later, or start propwatch serve with a "
                "larger --timeout", headers={"Retry-After": "10"}) from None
        except PipelineRefused as exc:
            raise ApiError(422, "validation_error", f"field 'with'/'without': {exc}",
                           field="with") from None
        except WorkerLost:
            raise ApiError(503, "worker_lost", "the analysis worker stopped unexpectedly "
                           "(out of memory?) and is being restarted; try again",
                           headers={"Retry-After": "5"}) from None

    async def count_articles(self) -> int | None:
        """The store's number of articles, on a thread of its own so that health never waits
        behind the thread pool the store routes share."""
        store = self.store
        if store is None:
            return None

        def count() -> int:
            with store.time_limit(self.settings.query_timeout_s):
                return store.count()

        return await asyncio.wrap_future(self._health.submit(count))

    def _dispatch(self) -> ThreadPoolExecutor:
        if self._dispatcher is None:
            self.open()
        assert self._dispatcher is not None
        return self._dispatcher

    def close(self) -> None:
        """Stop the workers and the dispatcher, and close the store."""
        with self._lock:
            worker, dispatcher, store = self._worker, self._dispatcher, self._store
            self._worker = self._dispatcher = self._store = None
        if dispatcher is not None:
            dispatcher.shutdown(wait=False, cancel_futures=True)
        if worker is not None:
            worker.close()
        if store is not None:
            store.close()

