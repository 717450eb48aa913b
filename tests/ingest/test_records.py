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
                       "url": None, "canonical_url": None, "published": None}


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


# --- the per-article size limit (issue 15): files and every record inside JSONL and CSV ------


def test_a_record_over_the_article_limit_is_skipped_and_the_others_are_read(tmp_path: Path):
    settings = Settings(max_article_chars=50)
    path = write_lines(tmp_path / "big.jsonl", [
        json.dumps({"id": "ok-1", "text": "A short record."}),
        json.dumps({"id": "huge", "text": "x" * 51}),
        json.dumps({"id": "ok-2", "text": "y" * 50}),  # exactly the limit is allowed
    ])
    articles, notes = read_path(path, settings=settings)
    assert [a.id for a in articles] == ["ok-1", "ok-2"]
    (note,) = notes
    assert isinstance(note, SkippedRecord) and note.startswith("E114: ")
    assert "\n" not in note
    assert f"'{path}' line 2: the article text is 51 characters, over the 50-character" in note
    assert "skipped the record" in note and "--max-article-chars" in note
    assert "PROPWATCH_MAX_ARTICLE_CHARS" in note


def test_a_csv_row_over_the_article_limit_is_skipped(tmp_path: Path):
    path = tmp_path / "rows.csv"
    path.write_text("id,text\na,short\nb," + "z" * 40 + "\nc,also short\n", encoding="utf-8")
    articles, notes = read_path(str(path), settings=Settings(max_article_chars=20))
    assert [a.id for a in articles] == ["a", "c"]
    assert [n.split(":")[0] for n in notes] == ["E114"] and "row 3" in notes[0]


def test_only_records_over_the_limit_make_the_file_e108(tmp_path: Path):
    path = write_lines(tmp_path / "all-big.jsonl", [json.dumps({"text": "x" * 30})])
    with pytest.raises(InputError) as caught:
        read_path(path, settings=Settings(max_article_chars=10))
    assert caught.value.code == "E108" and "E114" in caught.value.message


def test_a_file_of_one_article_over_the_limit_is_e114(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_text("word " * 30, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_path(str(path), settings=Settings(max_article_chars=100))
    assert caught.value.code == "E114"
    assert caught.value.message.startswith(f"'{path}': the article text is 150 characters")
    assert "skipped" not in caught.value.message
    assert read_path(str(path), settings=Settings(max_article_chars=150))[0][0].text == "word " * 30


def test_check_record_applies_the_limit_it_is_given():
    record = {"text": "abcdef"}
    assert check_record(record, path="f.jsonl", where="line 1", max_chars=6)["text"] == "abcdef"
    with pytest.raises(InputError) as caught:
        check_record(record, path="f.jsonl", where="line 1", max_chars=5)
    assert caught.value.code == "E114" and "'f.jsonl' line 1:" in caught.value.message


def test_the_article_limit_comes_from_every_settings_layer(tmp_path: Path):
    from propwatch.config import load_settings
    from propwatch.errors import UsageError

    assert Settings().max_article_chars == 1_000_000
    config = tmp_path / "config.toml"
    config.write_text("max_article_chars = 5000\n", encoding="utf-8")
    assert load_settings(environ={"PROPWATCH_CONFIG": str(config)}).max_article_chars == 5000
    environ = {"PROPWATCH_CONFIG": str(config), "PROPWATCH_MAX_ARTICLE_CHARS": "7000"}
    assert load_settings(environ=environ).max_article_chars == 7000
    assert load_settings({"max_article_chars": 9000}, environ=environ).max_article_chars == 9000
    with pytest.raises(UsageError) as caught:
        load_settings(environ={"PROPWATCH_MAX_ARTICLE_CHARS": "0"})
    assert caught.value.code == "E402" and "max_article_chars" in caught.value.message
