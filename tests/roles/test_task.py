"""The task format: lines written back with their first four fields unchanged, and errors that
name the file and line."""

from pathlib import Path

import pytest

from propwatch.detect import get_detector
from propwatch.errors import DataError
from propwatch.roles import RoleTagger
from propwatch.roles.model import FINE_ROLES
from propwatch.roles.task import (
    TaskMention,
    locate_span,
    predict_task,
    read_task_mentions,
)

from ..conftest import FIXTURES

FOLDER = FIXTURES / "roles"


def test_round_trip_keeps_the_four_fields_and_adds_roles():
    given = [line.split("\t") for line in
             (FOLDER / "mentions.tsv").read_text("utf-8").splitlines()]
    rows = predict_task(FOLDER / "articles", FOLDER / "mentions.tsv", RoleTagger(),
                        get_detector("transformer"))
    assert len(rows) == len(given)
    for row, fields in zip(rows, given):
        out = row.split("\t")
        assert out[:4] == fields[:4]  # offsets as given, even the wrong ones
        assert out[4] in FINE_ROLES and 1 <= len(out[5:]) <= 2
        assert set(out[5:]) <= set(FINE_ROLES[out[4]])


def test_a_mention_off_its_offsets_is_found_nearby():
    text = "xx United States yy"
    mention = TaskMention(("a", "United States", "5", "17"), "a", "United States", 5, 17)
    assert locate_span(text, mention) == (3, 16)


@pytest.mark.parametrize("line, reason", [
    ("EN_1.txt\tPutin\t12\n", "3 tab-separated field"),
    ("EN_1.txt\tPutin\ttwelve\t16\n", "not whole numbers"),
    ("EN_1.txt\tPutin\t16\t12\n", "not a range"),
])
def test_bad_lines_name_file_and_line(tmp_path: Path, line: str, reason: str):
    path = tmp_path / "m.tsv"
    path.write_text("EN_1.txt\tKyiv\t0\t3\n" + line, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_task_mentions(path)
    message = str(caught.value)
    assert "E302" in message and str(path) in message and "line 2" in message
    assert reason in message
