"""A bounded loopback load test: start ``propwatch serve`` in a subprocess on a free 127.0.0.1
port, send POST /api/analyze calls, so many at a time, and report throughput, latency
percentiles, errors and resident memory: of the server process with its children (sampled
every second) and of each analysis worker process, before and after the load.

``run_load_test`` is one server and one concurrency; ``compare_workers`` starts one server per
number of workers (1 and 2 by default), drives each at several concurrencies (1, 2, 8, 32) and
sets them side by side with the ratio of their throughputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..server.settings import require_server_extra, usable_cores

MAX_SECONDS = 600.0  # stop sending after 10 minutes, whatever is left (per concurrency)
STARTUP_SECONDS = 120.0
EXAMPLE = "harbor-daily-2023-05-04-grain-blockade.txt"
LEVELS = (1, 2, 8, 32)


def default_text() -> str:
    """The repository's example article (examples/ beside src/)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "examples" / EXAMPLE
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return ("Foreign saboteurs plot to starve Veloria with grain blockade, officials warn.\n\n"
            "The puppet politicians and their paid agents will stop at nothing to destroy "
            "everything our nation has built. Every patriot must stand up now.\n") * 5


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process from /proc (Linux), in MB; None when unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def children(pid: int) -> set[int]:
    """The direct child processes of ``pid`` (Linux /proc; empty when unreadable)."""
    try:
        return {int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                for c in (t / "children").read_text().split()}
    except (OSError, ValueError):
        return set()


def rss_tree_mb(pid: int) -> float | None:
    """Resident memory of a process and its children (the server's analysis workers), in MB."""
    total = rss_mb(pid)
    if total is None:
        return None
    return total + sum(rss_mb(child) or 0.0 for child in children(pid))


def worker_pids(pid: int) -> list[int]:
    """The server's analysis worker processes: its children started by multiprocessing's
    spawn (not its resource tracker), in process-id order."""
    found = []
    for child in sorted(children(pid)):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(child)
    return found


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def _mb(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _check(host: str, requests: int, concurrency: Sequence[int]) -> None:
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load test runs on the loopback interface only (127.0.0.1)")
    if requests < 1 or not concurrency or min(concurrency) < 1:
        raise ValueError("requests and concurrency must be at least 1")


def run_load_test(*, requests: int = 2000, concurrency: int = 32, host: str = "127.0.0.1",
                  port: int | None = None, text: str | None = None,
                  workers: int | None = None) -> dict[str, Any]:
    """Figures of one load test: {requests, failures, seconds, throughput_rps, p50_ms, p95_ms,
    p99_ms, rss_start_mb, rss_end_mb, rss_max_mb, workers, worker_rss_start_mb,
    worker_rss_end_mb} (plus status counts and settings). ``workers``: the server's
    ``--workers`` (None: its default, one per core)."""
    require_server_extra()
    _check(host, requests, [concurrency])
    body = {"text": text if text is not None else default_text()}
    with _server(host, port, workers) as (process, base, log):
        return asyncio.run(_single(process, base, body, requests, concurrency, log))


def compare_workers(*, workers: Sequence[int] = (1, 2), concurrency: Sequence[int] = LEVELS,
                    requests: int = 100, repeat: int = 1, warmup: int = 4,
                    host: str = "127.0.0.1", text: str | None = None,
                    log: Any = None) -> dict[str, Any]:
    """One server per number of ``workers``, all started at once and driven in turn (one
    idles while another is measured, so that a machine busy with other work slows them
    alike): at each ``concurrency``, ``requests`` requests to each server, ``repeat`` times
    round, the fastest round reported (after ``warmup`` requests per worker, not counted).
    Their figures per concurrency, each worker's RSS before and after, whether any worker
    was replaced or outlived its server, and the throughput ratio of each number of workers
    to the first one (2 workers / 1 worker by default)."""
    require_server_extra()
    _check(host, requests, concurrency)
    if not workers or min(workers) < 1 or repeat < 1:
        raise ValueError("workers and repeat must be at least 1")
    body = {"text": text if text is not None else default_text()}
    with contextlib.ExitStack() as stack:
        servers = [(count, *stack.enter_context(_server(host, None, count)))
                   for count in workers]
        runs = asyncio.run(_compare(servers, body, requests, concurrency, repeat, warmup,
                                    log))
    for run in runs:  # the servers have stopped: their workers must have too
        run["orphans"] = [pid for pid in run["worker_pids"] if _alive(pid)]
    first = runs[0]
    ratios = {}
    for run in runs[1:]:
        ratios[f"{run['workers']}/{first['workers']}"] = {
            str(a["concurrency"]): (round(b["throughput_rps"] / a["throughput_rps"], 2)
                                    if a["throughput_rps"] and b["throughput_rps"] else None)
            for a, b in zip(first["levels"], run["levels"])}
    return {"cores": usable_cores(), "text_characters": len(body["text"]),
            "requests_per_level": requests, "repeat": repeat, "runs": runs,
            "throughput_ratio": ratios,
            "errors": sum(level["errors"] for run in runs for level in run["all_rounds"])}


# ------------------------------------------------------------------ the server

@contextlib.contextmanager
def _server(host: str, port: int | None,
            workers: int | None) -> Iterator[tuple[subprocess.Popen, str, IO[bytes]]]:
    """``propwatch serve`` in a subprocess (its output to a temporary file), stopped (SIGTERM,
    then SIGKILL after 15 s) on leaving."""
    port = port or free_port(host)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PROPWATCH_TOKEN", None)
    env.pop("PROPWATCH_WORKERS", None)
    command = [sys.executable, "-m", "propwatch", "serve", "--host", host, "--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    with tempfile.TemporaryFile(mode="w+b") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            yield process, f"http://{host}:{port}", log
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not count)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


# ------------------------------------------------------------------ the load

class _Sampler:
    """The server's memory (process and children), sampled every second while in use."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[float] = []

    def take(self) -> float | None:
        value = rss_tree_mb(self.pid)
        if value is not None:
            self.samples.append(value)
        return value

    @contextlib.asynccontextmanager
    async def running(self):
        async def loop() -> None:
            while True:
                await asyncio.sleep(1.0)
                self.take()

        task = asyncio.create_task(loop())
        try:
            yield self
        finally:
            task.cancel()


def _workers_rss(pid: int) -> dict[str, float | None]:
    return {str(worker): _mb(rss_mb(worker)) for worker in worker_pids(pid)}


async def _load(client, body: dict, total: int, concurrency: int) -> dict[str, Any]:
    """Send ``total`` requests, ``concurrency`` at a time; their figures."""
    import httpx

    latencies: list[float] = []
    statuses: dict[str, int] = {}
    sent = 0
    began = time.perf_counter()
    deadline = began + MAX_SECONDS

    async def sender() -> None:
        nonlocal sent
        while sent < total and time.perf_counter() < deadline:
            sent += 1
            start = time.perf_counter()
            try:
                response = await client.post("/api/analyze", json=body)
                key = str(response.status_code)
            except httpx.HTTPError as exc:
                key = type(exc).__name__
            latencies.append((time.perf_counter() - start) * 1000)
            statuses[key] = statuses.get(key, 0) + 1

    await asyncio.gather(*(sender() for _ in range(min(concurrency, total))))
    seconds = time.perf_counter() - began
    done = len(latencies)
    ordered = sorted(latencies)
    return {
        "concurrency": concurrency, "requests": done,
        "errors": done - statuses.get("200", 0),
        "seconds": round(seconds, 2),
        "throughput_rps": round(done / seconds, 1) if seconds > 0 else None,
        "p50_ms": _mb(_percentile(ordered, 50)), "p95_ms": _mb(_percentile(ordered, 95)),
        "p99_ms": _mb(_percentile(ordered, 99)),
        "statuses": statuses, "stopped_at_time_limit": done < total,
    }


def _client(base: str, concurrency: int):
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(base_url=base, timeout=120.0, limits=limits)


async def _single(process: subprocess.Popen, base: str, body: dict, total: int,
                  concurrency: int, log: IO[bytes]) -> dict[str, Any]:
    async with _client(base, concurrency) as client:
        await _wait_ready(client, process, log)
        sampler = _Sampler(process.pid)
        rss_start = sampler.take()
        workers_start = _workers_rss(process.pid)
        async with sampler.running():
            figures = await _load(client, body, total, concurrency)
        rss_end = sampler.take()
        workers_end = _workers_rss(process.pid)
    figures["failures"] = figures.pop("errors")
    return {
        **figures,
        "rss_start_mb": _mb(rss_start), "rss_end_mb": _mb(rss_end),
        "rss_max_mb": _mb(max(sampler.samples)) if sampler.samples else None,
        "workers": len(workers_start), "worker_rss_start_mb": workers_start,
        "worker_rss_end_mb": workers_end, "text_characters": len(body["text"]),
    }


async def _compare(servers: list, body: dict, total: int, levels: Sequence[int],
                   repeat: int, warmup: int, log: Any) -> list[dict[str, Any]]:
    clients = [_client(base, max(levels)) for _, _, base, _ in servers]
    try:
        runs = []
        for (count, process, _, server_log), client in zip(servers, clients):
            await _wait_ready(client, process, server_log)
            pids = worker_pids(process.pid)
            # First analyses on each worker are slower (onnxruntime's buffers): not counted.
            await _load(client, body, warmup * max(1, len(pids)), max(1, len(pids)))
            runs.append({"workers": count, "worker_pids": pids, "all_rounds": [],
                         "sampler": _Sampler(process.pid), "pid": process.pid})
        for run in runs:
            run["before"] = (run["sampler"].take(), rss_mb(run["pid"]),
                             _workers_rss(run["pid"]))
        for concurrency in levels:
            for round_ in range(repeat):
                for run, client in zip(runs, clients):
                    if log is not None:
                        log(f"{run['workers']} worker(s), {concurrency} in flight, round "
                            f"{round_ + 1}/{repeat}: {total} requests")
                    async with run["sampler"].running():
                        figures = await _load(client, body, total, concurrency)
                    run["all_rounds"].append(figures)
        for run in runs:
            run["after"] = (run["sampler"].take(), rss_mb(run["pid"]),
                            _workers_rss(run["pid"]))
    finally:
        for client in clients:
            await client.aclose()
    return [_summary(run, levels) for run in runs]


def _summary(run: dict[str, Any], levels: Sequence[int]) -> dict[str, Any]:
    """One server's figures: the fastest round at each concurrency, and its memory."""
    best = []
    for concurrency in levels:
        rounds = [r for r in run["all_rounds"] if r["concurrency"] == concurrency]
        best.append(max(rounds, key=lambda r: r["throughput_rps"] or 0.0))
    (total_before, own_before, workers_before) = run["before"]
    (total_after, own_after, workers_after) = run["after"]
    samples = run["sampler"].samples
    return {
        "workers": run["workers"], "worker_pids": run["worker_pids"],
        "workers_replaced": sorted(set(run["worker_pids"])
                                   - {int(p) for p in workers_after}),
        "levels": best,
        "all_rounds": [{k: r[k] for k in ("concurrency", "requests", "errors",
                                           "throughput_rps", "p50_ms", "p99_ms")}
                       for r in run["all_rounds"]],
        "worker_rss_before_mb": workers_before, "worker_rss_after_mb": workers_after,
        "workers_rss_before_mb": _mb(sum(v or 0.0 for v in workers_before.values())),
        "workers_rss_after_mb": _mb(sum(v or 0.0 for v in workers_after.values())),
        "server_process_rss_before_mb": _mb(own_before),
        "server_process_rss_after_mb": _mb(own_after),
        # the server process with all its children (workers, multiprocessing's tracker)
        "total_rss_before_mb": _mb(total_before), "total_rss_after_mb": _mb(total_after),
        "total_rss_max_mb": _mb(max(samples)) if samples else None,
    }


async def _wait_ready(client, process: subprocess.Popen, log: IO[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}:\n"
                               + _tail(log))
        try:
            if (await client.get("/api/health", timeout=2.0)).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the server did not answer /api/health within {STARTUP_SECONDS:g} s:\n"
                       + _tail(log))


def _tail(log: IO[bytes], limit: int = 4000) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-limit:]
