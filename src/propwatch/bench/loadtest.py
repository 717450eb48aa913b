"""A bounded loopback load test: start the server in a subprocess on a free 127.0.0.1 port,
send ``requests`` POST /api/analyze calls, ``concurrency`` at a time, and report throughput,
latency percentiles and the resident memory of the server and its analysis worker (sampled
every second)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ..server.settings import require_server_extra

MAX_SECONDS = 600.0  # stop sending after 10 minutes, whatever is left
STARTUP_SECONDS = 120.0
EXAMPLE = "harbor-daily-2023-05-04-grain-blockade.txt"


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


def rss_tree_mb(pid: int) -> float | None:
    """Resident memory of a process and its children (the server's analysis worker), in MB."""
    total = rss_mb(pid)
    if total is None:
        return None
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        children = {int(c) for t in tasks for c in (t / "children").read_text().split()}
    except (OSError, ValueError):
        children = set()
    return total + sum(rss_mb(child) or 0.0 for child in children)


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def run_load_test(*, requests: int = 2000, concurrency: int = 32, host: str = "127.0.0.1",
                  port: int | None = None, text: str | None = None) -> dict[str, Any]:
    """Figures of one load test: {requests, failures, seconds, throughput_rps, p50_ms, p95_ms,
    p99_ms, rss_start_mb, rss_end_mb, rss_max_mb} (plus status counts and settings)."""
    require_server_extra()
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load test runs on the loopback interface only (127.0.0.1)")
    if requests < 1 or concurrency < 1:
        raise ValueError("requests and concurrency must be at least 1")
    port = port or free_port(host)
    body = {"text": text if text is not None else default_text()}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("PROPWATCH_TOKEN", None)
    with tempfile.TemporaryFile(mode="w+b") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "propwatch", "serve", "--host", host, "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            return asyncio.run(_drive(process, f"http://{host}:{port}", body, requests,
                                      concurrency, log))
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def _drive(process: subprocess.Popen, base: str, body: dict, total: int,
                 concurrency: int, log) -> dict[str, Any]:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=120.0, limits=limits) as client:
        await _wait_ready(client, process, log)
        rss_start = rss_tree_mb(process.pid)
        samples = [rss_start] if rss_start is not None else []
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        sent = 0
        began = time.perf_counter()
        deadline = began + MAX_SECONDS

        async def worker() -> None:
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

        async def sampler() -> None:
            while True:
                await asyncio.sleep(1.0)
                value = rss_tree_mb(process.pid)
                if value is not None:
                    samples.append(value)

        sampling = asyncio.create_task(sampler())
        try:
            await asyncio.gather(*(worker() for _ in range(min(concurrency, total))))
        finally:
            sampling.cancel()
        seconds = time.perf_counter() - began
        rss_end = rss_tree_mb(process.pid)
        if rss_end is not None:
            samples.append(rss_end)
    done = len(latencies)
    ordered = sorted(latencies)

    def ms(q: float) -> float | None:
        value = _percentile(ordered, q)
        return round(value, 1) if value is not None else None

    return {
        "requests": done,
        "failures": done - statuses.get("200", 0),
        "seconds": round(seconds, 2),
        "throughput_rps": round(done / seconds, 1) if seconds > 0 else None,
        "p50_ms": ms(50), "p95_ms": ms(95), "p99_ms": ms(99),
        "rss_start_mb": round(rss_start, 1) if rss_start is not None else None,
        "rss_end_mb": round(rss_end, 1) if rss_end is not None else None,
        "rss_max_mb": round(max(samples), 1) if samples else None,
        "statuses": statuses, "concurrency": concurrency,
        "text_characters": len(body["text"]), "stopped_at_time_limit": done < total,
    }


async def _wait_ready(client, process: subprocess.Popen, log) -> None:
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


def _tail(log, limit: int = 4000) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-limit:]
