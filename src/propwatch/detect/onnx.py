"""onnxruntime sessions as every model of propwatch opens them."""

from __future__ import annotations

import os
from pathlib import Path

# The most intra-op threads one session may use in this process, like OMP_NUM_THREADS: a
# server's analysis worker sets it in its own environment before loading, so that N workers on
# C cores ask for about C threads between them, not N times what each model asks for.
MAX_THREADS_ENV = "PROPWATCH_MAX_THREADS"


def open_session(path: Path, threads: int):
    """A CPU session over ``path`` with ``threads`` intra-op threads (at most
    ``$PROPWATCH_MAX_THREADS``) that sleep between runs.
    By default they spin for a while after each forward, and the numpy work that follows (the
    heads of later components) then competed with them for the two cores: the narratives layer
    took 31 ms an article instead of 5."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    cap = os.environ.get(MAX_THREADS_ENV, "").strip()
    options.intra_op_num_threads = min(threads, max(1, int(cap))) if cap.isdigit() else threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
