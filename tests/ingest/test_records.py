"""The one check every record passes at ingest (JSONL, CSV; the API uses the same rule): field
types, lone surrogates, and bad records skipped with their file and line, never stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from propwatch.config import Settings
from propwatch.errors import InputError
from propwatch.ingest import SkippedRecord, check_record, lone_surrogate, read_path

SETTINGS = Settings()


def write_lines(path: Path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_lone_surrogate_gives_the_offset_of_the_first():
    assert lone_surrogate("ok \ud800 and \udfff") == 3
    assert lone_surrogate("a pair is one character: \U0001f600") is None
    assert lone_surrogate("") is None


def test_check_record_strips_metadata_keeps_text_and_reads_a_numeric_id():
    checked = check_record({"id": 42, "title": "  Pier  ", "outlet": "", "text": "  as given \n"},
                           path="f.jsonl", where="line 3")
    assert checked == {"text": "  as given \n", "id": "42", "title": "Pier", "outlet": None,
                       "url": None, "published": None}


@pytest.mark.parametrize("field, value, kind", [
    ("id", {"a": 1}, "a JSON object"), ("id", True, "a boolean"), ("id", [1], "a JSON array"),
    ("title", 1984, "a number"), ("outlet", ["Ledger"], "a JSON array"),
    ("published", {"y": 2020}, "a JSON object"), ("url", False, "a boolean"),
])
def test_a_field_that_is_not_a_string_is_e113(field, value, kind):
    with pytest.raises(InputError) as caught:
        check_record({"text": "Body.", field: value}, path="f.jsonl", where="line 7")
    error = caught.value
    assert error.code == "E113"
    assert error.message.startswith(f"'f.jsonl' line 7: '{field}' is {kind}, not a string")


@pytest.mark.parametrize("field", ["text", "id", "title", "outlet", "url", "published"])
def test_a_lone_surrogate_in_any_field_is_e112_with_its_offset(field):
    record = {"text": "Body.", field: "ab\udc00"}
    with pytest.raises(InputError) as caught:
        check_record(record, path="f.jsonl", where="line 2")
    assert caught.value.code == "E112"
    assert caught.value.message.startswith(f"'f.jsonl' line 2: '{field}' holds a lone surrogate "
                                           "at offset 2")


def test_jsonl_bad_records_are_skipped_as_errors_and_the_rest_read(tmp_path: Path):
    good = [json.dumps({"id": f"g{i}", "text": f"Good article {i}."}) for i in range(7)]
    bad = ['{"id": {"nested": 1}, "text": "Id is an object."}',  # E113, never a repr
           '{"text": "Broken \\ud800 text"}',                   # E112 (a JSON escape)
           '{"title": 5, "text": "Title is a number."}',        # E113
           '{"text": "cut off',                                 # E106
           '["a", "list"]',                                     # E106
           '{"id": "no-text"}',                                 # E106
           '{"outlet": "Ledger \\udfff", "text": "Outlet."}']   # E112
    lines = [line for pair in zip(good, bad) for line in pair]  # good on odd lines, bad on even
    path = write_lines(tmp_path / "mixed.jsonl", lines)
    articles, notes = read_path(path, settings=SETTINGS)
    assert [a.id for a in articles] == [f"g{i}" for i in range(7)]
    skipped = [note for note in notes if isinstance(note, SkippedRecord)]
    assert len(skipped) == len(notes) == 7
    assert [note.split(":")[0] for note in skipped] == [
        "E113", "E112", "E113", "E106", "E106", "E106", "E112"]
    for note, line in zip(skipped, range(2, 15, 2)):
        assert f"'{path}' line {line}: " in note
    assert "{'nested': 1}" not in "".join(notes)


def test_csv_empty_row_is_a_skipped_record_and_a_date_doubt_only_a_warning(tmp_path: Path):
    path = tmp_path / "rows.csv"
    path.write_text("id,published,text\na,someday,First.\nb,2020-01-02,\nc,,Third.\n",
                    encoding="utf-8")
    articles, notes = read_path(str(path), settings=SETTINGS)
    assert [a.id for a in articles] == ["a", "c"]
    assert [(n.split(":")[0], isinstance(n, SkippedRecord)) for n in notes] == [
        ("E109", False), ("E107", True)]


def test_a_file_of_only_bad_records_is_e108_naming_the_first(tmp_path: Path):
    path = write_lines(tmp_path / "bad.jsonl", ['{"text": "x \\ud800"}', '{"id": [1]}'])
    with pytest.raises(InputError) as caught:
        read_path(path, settings=SETTINGS)
    assert caught.value.code == "E108"
    assert "E112" in caught.value.message and "line 1" in caught.value.message
