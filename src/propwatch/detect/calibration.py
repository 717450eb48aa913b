"""Calibrated span scores: a monotone map from a detector's raw span score to the expected share
of the span's characters that annotators marked (fitted on PTC dev; see ``propwatch evaluate
--calibrate``). Stored in the artifact's meta.json as ``{"x": [...], "y": [...]}``."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np


def calibrate(score: float, points: Mapping[str, Sequence[float]] | None) -> float:
    """The calibrated score, or the raw one when the artifact has no calibration."""
    if not points or not points.get("x"):
        return float(score)
    return float(np.clip(np.interp(score, points["x"], points["y"]), 0.0, 1.0))
