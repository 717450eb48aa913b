"""onnxruntime sessions as every model of propwatch opens them."""

from __future__ import annotations

from pathlib import Path


def open_session(path: Path, threads: int):
    """A CPU session over ``path`` with ``threads`` intra-op threads that sleep between runs.
    By default they spin for a while after each forward, and the numpy work that follows (the
    heads of later components) then competed with them for the two cores: the narratives layer
    took 31 ms an article instead of 5."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
