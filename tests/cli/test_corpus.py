"""``propwatch corpus`` through Typer's CliRunner, and a real kill -9 in the middle of an add."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from propwatch.cli.corpus import corpus_app
from propwatch.doc import Article, ReuseLink
from propwatch.store import Store

from ..conftest import EXAMPLES, FIXTURES, ROOT

app = typer.Typer()
app.add_typer(corpus_app, name="corpus")  # as cli.py registers it
runner = CliRunner()

RECORDS = str(FIXTURES / "records.jsonl")
CSV = str(FIXTURES / "records.csv")
HARBOR_ID = "harbor-daily-2023-05-04-grain-blockade"


def run(*args, input=None, env=None):
    return runner.invoke(app, ["corpus", *args], input=input, env=env, terminal_width=200)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.db"
    result = run("add", str(EXAMPLES), RECORDS, CSV, "--db", str(path))
    assert result.exit_code == 1, result.output  # the fixtures hold two bad records on purpose
    return path


def test_add_reads_every_kind_and_reports_counts(tmp_path: Path):
    path = tmp_path / "c.db"
    result = run("add", str(EXAMPLES), RECORDS, CSV, "--db", str(path))
    assert result.exit_code == 1, result.output  # two records were skipped
    assert result.stdout.strip() == "added 7, unchanged 0, conflicts 0, skipped 2 bad records"
    # Skipped records are errors, kept records with a doubt warnings: one line each, with file.
    for code, kind in (("E106", "error"), ("E107", "error"), ("E109", "warning"),
                       ("W111", "warning")):
        line = next(l for l in result.stderr.splitlines() if code in l)
        assert line.startswith(f"{kind}: ") and ("records.jsonl" in line or "records.csv" in line)
    with Store(path, create=False) as store:
        assert store.count() == 7
        assert store.get_article("pier-1").published == "2022-09-14"
        assert store.latest_run("add")["summary"] == {"added": 7, "unchanged": 0, "conflicts": 0,
                                                      "failed_inputs": 0, "skipped_records": 2}


def test_second_add_changes_nothing(db: Path):
    with sqlite3.connect(db) as con:
        before = con.execute("SELECT * FROM articles ORDER BY id").fetchall()
    result = run("add", str(EXAMPLES), RECORDS, CSV, "--db", str(db))
    assert result.exit_code == 1, result.output
    assert result.stdout.strip() == "added 0, unchanged 7, conflicts 0, skipped 2 bad records"
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT * FROM articles ORDER BY id").fetchall() == before


def test_conflict_names_id_and_file_and_exits_1(db: Path, tmp_path: Path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "pier-1", "text": "Someone else's article."}) + "\n"
                    + json.dumps({"id": "fresh", "text": "A new article."}) + "\n")
    result = run("add", str(feed), "--db", str(db))
    assert result.exit_code == 1
    assert result.stdout.strip() == "added 1, unchanged 0, conflicts 1"
    line = next(l for l in result.stderr.splitlines() if "E605" in l)
    assert line.startswith("error: ") and "'pier-1'" in line and "feed.jsonl" in line
    with Store(db, create=False) as store:
        assert store.get_article("pier-1").text.startswith("Residents of the fictional town")
        assert store.get_article("fresh") is not None


def test_bad_files_are_named_and_the_rest_is_stored(tmp_path: Path):
    path = tmp_path / "c.db"
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x00\x01\x02" * 50)
    result = run("add", str(EXAMPLES), str(binary), str(tmp_path / "nope.txt"), "--db", str(path))
    assert result.exit_code == 1
    assert result.stdout.strip() == "added 2, unchanged 0, conflicts 0"
    for code, name in (("E103", "image.txt"), ("E101", "nope.txt")):
        line = next(l for l in result.stderr.splitlines() if code in l)
        assert line.startswith("error: ") and name in line
    assert "2 of 4 inputs could not be read" in result.stderr
    assert "Traceback" not in result.output


def test_stdin_and_env_db(tmp_path: Path):
    path = tmp_path / "env.db"
    result = run("add", "-", input="They are traitors.\n", env={"PROPWATCH_DB": str(path)})
    assert result.exit_code == 0, result.output
    with Store(path, create=False) as store:
        assert store.get_article("stdin").source == "-"


def write_feed(path: Path, total: int, bad: dict[int, str]) -> Path:
    """``total`` good JSONL records ``r1``... with the ``bad`` lines put at their line numbers."""
    lines, good = [], 1
    while len(lines) < total + len(bad):
        if len(lines) + 1 in bad:
            lines.append(bad[len(lines) + 1])
        else:
            lines.append(json.dumps({"id": f"r{good}", "outlet": "Ledger",
                                     "text": f"Article {good} says the pier is unsafe."}))
            good += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_lone_surrogate_record_is_skipped_and_every_good_one_stored(tmp_path: Path):
    feed = write_feed(tmp_path / "feed.jsonl", 1000, {751: '{"id": "s", "text": "x \\ud800"}'})
    path = tmp_path / "c.db"
    for attempt, (added, unchanged) in enumerate([(1000, 0), (0, 1000)]):  # a re-run is clean
        result = run("add", str(feed), "--db", str(path))
        assert result.exit_code == 1
        assert result.stdout.strip() == (f"added {added}, unchanged {unchanged}, conflicts 0, "
                                         "skipped 1 bad records")
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert errors == [next(l for l in result.stderr.splitlines() if "E112" in l)]
        assert f"'{feed}' line 751: 'text' holds a lone surrogate" in errors[0]
        assert isinstance(result.exception, SystemExit)  # exit 1, no exception escaped
        with Store(path, create=False) as store:
            assert store.count() == 1000 and store.get_article("s") is None
            runs = store.runs("add")
            assert len(runs) == attempt + 1 and all(r["finished_at"] for r in runs)
            assert runs[-1]["summary"]["skipped_records"] == 1


def test_bad_records_are_counted_and_never_stored_as_a_repr(tmp_path: Path):
    bad = {2: '{"id": {"a": 1}, "text": "Id is an object."}', 4: '{"text": "cut',
           6: '{"title": ["T"], "text": "Title is a list."}', 8: "[1, 2]",
           10: '{"outlet": true, "text": "Outlet is a boolean."}', 12: '{"id": "no text"}',
           14: '{"id": "u", "url": "https://x.example/\\udfff", "text": "Url."}'}
    feed = write_feed(tmp_path / "half.jsonl", 7, bad)
    path = tmp_path / "c.db"
    result = run("add", str(feed), "--db", str(path))
    assert result.exit_code == 1
    assert result.stdout.strip() == "added 7, unchanged 0, conflicts 0, skipped 7 bad records"
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert [int(line.split(" line ")[1].split(":")[0]) for line in errors] == sorted(bad)
    with Store(path, create=False) as store:
        assert sorted(a.id for a in store.iter_articles()) == sorted(f"r{i}" for i in range(1, 8))


def test_add_refuses_a_file_that_is_not_a_database(tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    result = run("add", str(EXAMPLES), "--db", str(notes))
    assert result.exit_code == 1
    assert "E601" in result.stderr and "notes.txt" in result.stderr
    assert notes.read_text() == "my notes\n"


@pytest.mark.parametrize("command", [["list"], ["show", "x"], ["stats"], ["export"]])
def test_missing_database_is_an_error_and_is_not_created(tmp_path: Path, command):
    path = tmp_path / "missing.db"
    result = run(*command, "--db", str(path))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "E603" in result.stderr and "missing.db" in result.stderr
    assert "propwatch corpus add" in result.stderr
    assert not path.exists()


def test_list(db: Path):
    result = run("list", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 7 and rows == sorted(rows, key=lambda r: r["id"])
    assert set(rows[0]) == {"id", "title", "outlet", "published", "n_spans"}
    result = run("list", "--db", str(db), "--outlet", "the lakeside ledger", "--json")
    assert [r["id"] for r in json.loads(result.stdout)] == ["ledger-1", "pier-1"]
    result = run("list", "--db", str(db), "--q", "blockade", "--json", "--limit", "1")
    assert len(json.loads(result.stdout)) == 1
    table = run("list", "--db", str(db))
    assert table.exit_code == 0 and HARBOR_ID in table.stdout  # ids are never cut


@pytest.mark.parametrize("query", ['"foo', "AND OR (", "NEAR(", '"', "*"])
def test_list_hostile_queries(db: Path, query: str):
    result = run("list", "--db", str(db), "--q", query, "--json")
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout), list)


def test_show(db: Path):
    with Store(db) as store:
        run_id = store.start_run("reuse", {})
        store.save_reuse(run_id, [ReuseLink(HARBOR_ID, 0, 40, "patriot-wire-repost-grain-blockade",
                                            10, 50, 0.95)], [])
        store.finish_run(run_id, {})
    result = run("show", HARBOR_ID, "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["id"] == HARBOR_ID and info["outlet"] == "Harbor Daily News Service (HDNS)"
    assert info["published"] == "2023-05-04T09:15" and info["spans"] == 0  # the dateline's time
    assert info["reuse_links"][0]["b"] == "patriot-wire-repost-grain-blockade"
    text = run("show", HARBOR_ID, "--db", str(db))
    assert text.exit_code == 0 and "reuse links: 1" in text.stdout


def test_show_unknown_id(db: Path):
    result = run("show", "no-such-id", "--db", str(db))
    assert result.exit_code == 1
    assert "E606" in result.stderr and "'no-such-id'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_stats(db: Path):
    result = run("stats", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["articles"] == 7
    assert stats["outlets"] == {"Harbour Notes": 2, "The Lakeside Ledger": 2,
                                "Harbor Daily News Service (HDNS)": 1}
    assert stats["published"] == {"first": "2022-09-14", "last": "2023-05-04T09:15",
                                  "undated": 2}
    assert stats["runs"] == {"add": 1}
    text = run("stats", "--db", str(db))
    assert text.exit_code == 0 and "7 articles from 3 outlets" in text.stdout


def test_export_round_trip(db: Path, tmp_path: Path):
    out = tmp_path / "out" / "corpus.jsonl"
    out.parent.mkdir()
    result = run("export", "--db", str(db), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 7 articles" in result.stderr
    exported = [Article.from_dict(json.loads(l)) for l in out.read_text("utf-8").splitlines()]
    with Store(db, create=False) as store:
        assert exported == list(store.iter_articles())
    stdout = run("export", "--db", str(db))
    assert stdout.exit_code == 0
    assert stdout.stdout == out.read_text("utf-8")


def test_usage_errors_exit_2(db: Path):
    assert run("list", "--db", str(db), "--limit", "-1").exit_code == 2
    assert run("add").exit_code == 2
    assert run("nonsense").exit_code == 2


@pytest.mark.slow
def test_kill_9_mid_add_keeps_committed_articles_and_a_rerun_completes(tmp_path: Path):
    total, batch = 20_000, 100
    feed = tmp_path / "big.jsonl"
    with open(feed, "w", encoding="utf-8") as handle:
        for i in range(total):
            handle.write(json.dumps({"id": f"a{i:06d}", "outlet": f"Outlet {i % 5}",
                                     "text": f"Article {i} says the harvest was {i % 97} tons."})
                         + "\n")
    path = tmp_path / "big.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    child = subprocess.Popen(
        [sys.executable, "-m", "propwatch", "corpus", "add", str(feed), "--db", str(path),
         "--batch-size", str(batch)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    seen, deadline = 0, time.monotonic() + 30
    try:
        while seen == 0 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
            if not path.exists():
                continue
            try:  # a plain read-only connection: polling must not write anything
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
                    seen = con.execute("SELECT count(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                pass  # the schema is not committed yet
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL, "the add finished before it could be killed"

    with Store(path, create=False) as store:
        kept = [a.id for a in store.iter_articles()]
        assert 0 < len(kept) < total
        assert len(kept) % batch == 0  # whole batches only
        assert kept == [f"a{i:06d}" for i in range(len(kept))]  # a prefix of the input
        assert store.latest_run("add", finished=False)["finished_at"] is None
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")

    result = run("add", str(feed), "--db", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (f"added {total - len(kept)}, unchanged {len(kept)}, "
                                     "conflicts 0")
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*), count(DISTINCT id) FROM articles").fetchone() \
            == (total, total)


# ------------------------------------------------------------------ analyze: resume, never mix


class _Marker:
    """A stand-in component: one span over each article's first character; it can be told to
    stop the process (KeyboardInterrupt) when it reaches a given number of articles."""

    name, layer, reads = "marker.v1", "marks", ()

    def __init__(self, version: str, seen: list[str], stop_at: int | None) -> None:
        self.version, self.seen, self.stop_at = version, seen, stop_at

    def __call__(self, doc, shared):
        from propwatch.doc import Layer, Span
        if self.stop_at is not None and len(self.seen) == self.stop_at:
            raise KeyboardInterrupt  # as Ctrl-C, or a kill, half-way through a batch
        self.seen.append(doc.article.id)
        return Layer("marks", self.name, self.version, (Span(0, 1, "X"),))


@pytest.fixture
def marker():
    """``marker(version, stop_at=None)`` registers the stand-in; returns the ids it analyses."""
    from propwatch.pipeline import registry
    from propwatch.pipeline.component import ComponentSpec

    def use(version: str, stop_at: int | None = None) -> list[str]:
        seen: list[str] = []
        registry.unregister("marker")  # forget the instance loaded before
        registry.register(ComponentSpec("marker", 1, "marks",
                                        lambda config: _Marker(version, seen, stop_at)))
        return seen

    yield use
    registry.unregister("marker")


def analyze_marks(db: Path, *more: str):
    return run("analyze", "--db", str(db), "--without", "techniques", "--with", "marker", *more)


def test_an_interrupted_analyze_resumes_and_is_marked_interrupted(db: Path, marker):
    from propwatch.config import Settings
    from propwatch.corpus import analyze_corpus

    with Store(db) as store:
        ids = sorted(a.id for a in store.iter_articles())
    assert len(ids) >= 5
    first = marker("a", stop_at=3)
    with pytest.raises(KeyboardInterrupt):
        analyze_corpus(str(db), settings=Settings(components=("marker",)), batch_size=2)
    assert first == ids[:3]  # the third article's batch was never written
    with Store(db) as store:
        assert store.runs("analyze")[-1]["status"] == "interrupted"
        assert store.runs("analyze")[-1]["summary"]["articles"] == 2

    second = marker("a")
    result = analyze_marks(db)
    assert result.exit_code == 0, result.output
    assert second == ids[2:]  # only the rest
    assert f"analysed {len(ids) - 2} articles" in result.stdout
    assert "skipped 2 already analysed" in result.stdout
    with Store(db) as store:
        assert all(doc_layers == ["marks"] for doc_layers in
                   ([layer.name for layer in store.layers(i)] for i in ids))
        assert store.latest_run("analyze")["params"]["makers"] == {"marks": ["marker.v1", "a"]}

    listed = json.loads(run("runs", "--db", str(db), "--json").stdout)
    assert [(r["kind"], r["status"]) for r in listed] == [
        ("add", "finished"), ("analyze", "interrupted"), ("analyze", "finished")]
    table = run("runs", "--db", str(db), "--kind", "analyze").stdout
    assert "interrupted" in table and "add" not in table

    again = marker("a")
    assert analyze_marks(db).exit_code == 0 and again == []  # nothing left to do


def test_analyze_refuses_to_mix_versions_without_rerun(db: Path, marker):
    marker("a")
    assert analyze_marks(db).exit_code == 0
    newer = marker("b")
    result = analyze_marks(db)
    assert result.exit_code == 2 and newer == []
    line = result.stderr.strip()
    assert "\n" not in line and line.startswith("error: E611: ")
    assert "'marks' by marker.v1 a" in line and "marker.v1 b" in line and "--rerun" in line
    result = analyze_marks(db, "--rerun")
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        assert len(newer) == store.count()
        assert {store.document(i).layer("marks").version for i in newer} == {"b"}
