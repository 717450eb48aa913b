"""JSONL and CSV files read as streams: batches, a per-record size limit (E124), same results
as reading the file whole."""

import csv
import io
import json

import pytest

from propwatch.config import Settings
from propwatch.errors import InputError
from propwatch.ingest import SkippedRecord, iter_articles, read_bytes, read_path, stream_records

SMALL = Settings(max_bytes=2000)


def _jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_jsonl_record_over_limit_is_named_and_skipped(tmp_path):
    path = _jsonl(tmp_path / "big.jsonl", [
        {"id": "a", "text": "first article."}, {"id": "b", "text": "x " * 5000},
        {"id": "c", "text": "third article."}])
    articles, notes = read_path(path, settings=SMALL)
    assert [a.id for a in articles] == ["a", "c"]
    assert len(notes) == 1 and isinstance(notes[0], SkippedRecord)
    assert notes[0].startswith("E124: ") and "line 2" in notes[0] and "big.jsonl" in notes[0]
    assert "--max-bytes" in notes[0] and "10,0" in notes[0]  # its size, in bytes


def test_csv_row_over_limit_is_named_and_skipped(tmp_path):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text"])
    writer.writerow(["a", "first article."])
    writer.writerow(["b", 'quoted "x"\nwith lines\n' * 300])
    writer.writerow(["c", "third article."])
    path = tmp_path / "big.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    articles, notes = read_path(str(path), settings=SMALL)
    assert [a.id for a in articles] == ["a", "c"]
    assert [n.split(":")[0] for n in notes] == ["E124"] and "row 3" in notes[0]
    whole, whole_notes = read_bytes(path.read_bytes(), name=str(path), settings=SMALL)
    assert [a.id for a in whole] == ["a", "c"] and whole_notes == notes


def test_streamed_batches_equal_whole_read(tmp_path):
    records = [{"id": f"r{i}", "text": f"article number {i}.", "outlet": "O"} for i in range(25)]
    records.insert(7, {"id": 5})  # a bad line, named
    path = _jsonl(tmp_path / "many.jsonl", records)
    batches = list(stream_records(path, settings=Settings(), batch_size=10))
    assert [len(b) for b, _ in batches] == [10, 10, 5]
    streamed = [a for b, _ in batches for a in b]
    whole, notes = read_bytes((tmp_path / "many.jsonl").read_bytes(), name=path)
    assert streamed == whole and [n for _, ns in batches for n in ns] == notes
    rows = list(iter_articles([path], settings=Settings(), batch_size=10))
    assert [len(r[1]) for r in rows] == [10, 10, 5]


def test_stream_errors_as_before(tmp_path):
    empty = tmp_path / "e.jsonl"
    empty.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_path(str(empty), settings=Settings())
    assert caught.value.code == "E102"
    only_big = _jsonl(tmp_path / "b.jsonl", [{"text": "y" * 5000}])
    with pytest.raises(InputError) as caught:
        read_path(only_big, settings=SMALL)
    assert caught.value.code == "E108" and "E124" in caught.value.message
    latin = tmp_path / "l.jsonl"
    latin.write_bytes(json.dumps({"text": "caf\u00e9"}, ensure_ascii=False).encode("cp1252"))
    articles, notes = read_path(str(latin), settings=Settings())
    assert articles[0].text == "caf\u00e9" and notes[0].startswith("W110")


def test_large_file_memory_is_bounded(tmp_path):
    """A 60 MB JSONL file read in batches: the reader holds a batch, not the file."""
    import tracemalloc
    path = tmp_path / "large.jsonl"
    line = json.dumps({"text": "word " * 1200}) + "\n"
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(10_000):
            handle.write(line)
    tracemalloc.start()
    count = 0
    for _path, articles, _notes in iter_articles([str(path)], settings=Settings(),
                                                 batch_size=500):
        count += len(articles)
        del articles
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 10_000
    assert peak < 25_000_000  # the file is 60 MB
