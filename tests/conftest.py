"""Shared fixtures. PTC-backed tests skip with a reason when PROPWATCH_DATA is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def ptc_data() -> str:
    """The data folder holding ptc/; skips the test when it is not there."""
    data = os.environ.get("PROPWATCH_DATA")
    if not data:
        pytest.skip("PROPWATCH_DATA is not set: PTC tests need the corpus "
                    "(CI sets PROPWATCH_DATA=../shared/data)")
    if not (Path(data) / "ptc" / "dev-articles").is_dir():
        pytest.skip(f"no PTC corpus under PROPWATCH_DATA={data} (expected ptc/dev-articles)")
    return data


@pytest.fixture(scope="session")
def detector():
    from propwatch.detect import get_detector
    return get_detector("baseline")
