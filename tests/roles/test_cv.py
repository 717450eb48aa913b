"""Cross-validated quality on SemEval-2025 English train (skipped without the data): the
shipped settings (numpy training, about 20 s in all) must stay above the floors measured when
they were chosen."""

import os

import pytest

from propwatch.errors import PropwatchError
from propwatch.eval.roles import SHIPPED_SETTINGS, evaluate_roles, load_examples

# measured 2026-12-03 with these settings: exact match 0.18, main-role accuracy 0.68
# (the always-Antagonist baseline: 0.10 and 0.64); floors leave a margin for noise
FLOOR_EXACT = 0.14
FLOOR_MAIN = 0.62


@pytest.fixture(scope="module")
def examples():
    try:
        return load_examples(os.environ.get("PROPWATCH_DATA"))
    except PropwatchError:
        pytest.skip("SemEval-2025 Task 10 data not found: set PROPWATCH_DATA to the folder "
                    "holding semeval2025-narratives/")


def test_cross_validated_exact_match_stays_above_its_floor(examples):
    report = evaluate_roles(settings=SHIPPED_SETTINGS, k=5, seed=13, examples=examples)
    model = report["figures"]["model"]
    baseline = report["figures"]["baseline: Antagonist, Instigator"]
    assert model["exact_match"] >= FLOOR_EXACT
    assert model["main_accuracy"] >= FLOOR_MAIN
    assert model["exact_match"] > baseline["exact_match"]
