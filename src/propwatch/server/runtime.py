"""What one app holds for its lifetime: settings, the shared detector, the store, and the
worker thread that runs analyses off the event loop under a time limit."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

import anyio

from ..config import Settings
from ..detect import REGISTRY, Detector, get_detector
from ..errors import ModelError
from ..store import Store
from .problems import NO_STORE, ApiError
from .settings import ServerSettings

T = TypeVar("T")

# The baseline detector keeps per-call state in its CRF tagger (set() then marginal()), so one
# detector object must never run two analyses at once, even across apps in one process.
_DETECTOR_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def detector_lock(detector: Detector) -> threading.Lock:
    with _LOCKS_LOCK:
        return _DETECTOR_LOCKS.setdefault(id(detector), threading.Lock())


class _Abandoned(Exception):
    """A queued job whose request timed out before the worker reached it."""


class Runtime:
    """Shared state of one app. The store is opened here (so a bad --db fails at startup);
    the detector loads at startup (lifespan) or, failing that, on first use, once."""

    def __init__(self, settings: ServerSettings) -> None:
        if settings.detector not in REGISTRY:
            raise ModelError.make("E201", name=settings.detector,
                                  choices=", ".join(sorted(REGISTRY)))
        self.settings = settings
        # The ingest readers' own size limit follows the body limit: one upload, one article.
        self.ingest_settings = Settings(max_bytes=settings.max_body_bytes,
                                        detector=settings.detector)
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._detector: Detector | None = None
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

    @property
    def detector(self) -> Detector:
        if self._detector is None:
            with self._lock:
                if self._detector is None:
                    self._detector = get_detector(self.settings.detector)
        return self._detector

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
