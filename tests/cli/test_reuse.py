"""`propwatch reuse` and the corpus store together, on our own example articles and records."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from propwatch.cli import app

from ..conftest import EXAMPLES

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def records(path: Path, rows: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("\n".join([json.dumps(r) for r in rows] + list(extra_lines)) + "\n",
                    encoding="utf-8")
    return path


def test_examples_share_a_background_paragraph(tmp_path: Path):
    pairs, clusters, graph = tmp_path / "pairs.jsonl", tmp_path / "clusters.jsonl", tmp_path / "g.csv"
    result = run("reuse", EXAMPLES, "--out", pairs, "--clusters", clusters, "--graph", graph)
    assert result.exit_code == 0, result.output
    links = [json.loads(line) for line in pairs.read_text().splitlines()]
    assert len(links) >= 1
    texts = {p.stem: p.read_text(encoding="utf-8") for p in EXAMPLES.glob("*.txt")}
    for link in links:
        assert set(link) == {"a", "a_start", "a_end", "b", "b_start", "b_end", "score"}
        a = texts[link["a"]][link["a_start"]:link["a_end"]]
        b = texts[link["b"]][link["b_start"]:link["b_end"]]
        assert "Strait of Calder" in a and "Strait of Calder" in b
        assert len(a) >= 200 and len(b) >= 200
    cluster = json.loads(clusters.read_text().splitlines()[0])
    assert {m["id"] for m in cluster["members"]} == set(texts)
    assert cluster["origin"] is None or cluster["origin"] in texts
    assert graph.read_text().splitlines()[0] == "source,target,links,characters"


def test_records_with_dates_name_the_origin_and_bad_lines_are_named(tmp_path: Path):
    shared = (EXAMPLES / "harbor-daily-2023-05-04-grain-blockade.txt").read_text(encoding="utf-8")
    block = shared[shared.index("The Duskmoor Federation closed"):]
    block = block[:block.index("\n", 300)]
    rows = [
        {"id": "first", "text": "Morning report.\n\n" + block + "\n\nMore news follows here today.",
         "outlet": "Harbor Daily", "published": "2023-05-04"},
        {"id": "second", "text": "A reprint.\n\n" + block.replace("40", "forty"),
         "outlet": "Patriot Wire", "published": "2023-05-06"},
        {"id": "third", "text": block, "outlet": "Blog", "published": "6 May 2023"},
        {"id": "empty", "text": "   "},
    ]
    path = records(tmp_path / "feed.jsonl", rows, ("{not json",))
    clusters = tmp_path / "clusters.jsonl"
    result = run("reuse", path, "--out", tmp_path / "pairs.jsonl", "--clusters", clusters,
                 "--graph", tmp_path / "g.graphml")
    assert result.exit_code == 1, result.output  # the two bad lines were skipped
    assert "line 5" in result.stderr and "line 4" in result.stderr
    assert "skipped 2 bad records" in result.stderr
    cluster = json.loads(clusters.read_text().splitlines()[0])
    assert cluster["origin"] == "first"
    assert len(cluster["members"]) == 3
    assert "<graphml" in (tmp_path / "g.graphml").read_text()


def test_store_runs_are_idempotent_and_saved(tmp_path: Path):
    db = tmp_path / "news.db"
    first = run("reuse", EXAMPLES, "--db", db, "--out", tmp_path / "p1.jsonl")
    assert first.exit_code == 0, first.output
    second = run("reuse", "--db", db, "--out", tmp_path / "p2.jsonl")
    assert second.exit_code == 0, second.output
    assert (tmp_path / "p1.jsonl").read_text() == (tmp_path / "p2.jsonl").read_text()
    stats = json.loads(run("corpus", "stats", "--db", db, "--json").stdout)
    assert stats["articles"] == 2
    assert stats["reuse"]["links"] >= 1
    show = run("corpus", "show", "harbor-daily-2023-05-04-grain-blockade", "--db", db)
    assert show.exit_code == 0 and "patriot-wire" in show.stdout


def test_corpus_analyze_saves_spans(tmp_path: Path):
    db = tmp_path / "news.db"
    assert run("corpus", "add", EXAMPLES, "--db", db).exit_code == 0
    result = run("corpus", "analyze", "--db", db)
    assert result.exit_code == 0, result.output
    assert "analysed 2 articles" in result.stdout
    stats = json.loads(run("corpus", "stats", "--db", db, "--json").stdout)
    assert stats["spans"]["total"] > 0


def test_corpus_analyze_on_a_missing_db_names_it(tmp_path: Path):
    result = run("corpus", "analyze", "--db", tmp_path / "none.db")
    assert result.exit_code == 1 and "none.db" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_usage_errors(tmp_path: Path):
    assert run("reuse").exit_code == 2
    result = run("reuse", EXAMPLES, "--graph", tmp_path / "g.txt")
    assert result.exit_code == 2 and "--graph" in result.stderr
    assert run("reuse", EXAMPLES, "--engine", "hadoop").exit_code == 2


def test_missing_input_is_listed_and_exit_1(tmp_path: Path):
    result = run("reuse", EXAMPLES, tmp_path / "nope.jsonl", "--out", tmp_path / "p.jsonl")
    assert result.exit_code == 1
    assert "E101" in result.stderr and "nope.jsonl" in result.stderr
    assert (tmp_path / "p.jsonl").read_text().strip()


@pytest.mark.slow
def test_spark_engine_writes_the_same_pairs(tmp_path: Path):
    pytest.importorskip("pyspark", reason="the Spark engine needs the [spark] extra")
    local, spark = tmp_path / "local.jsonl", tmp_path / "spark.jsonl"
    assert run("reuse", EXAMPLES, "--out", local).exit_code == 0
    result = run("reuse", EXAMPLES, "--out", spark, "--engine", "spark", "--master", "local[1]")
    assert result.exit_code == 0, result.output
    assert spark.read_text() == local.read_text() != ""


def test_a_failed_clusters_write_leaves_the_earlier_files_whole(tmp_path: Path, monkeypatch):
    from propwatch.reuse import export

    pairs, clusters = tmp_path / "pairs.jsonl", tmp_path / "clusters.jsonl"
    for path in (pairs, clusters):
        path.write_text("earlier run\n", encoding="utf-8")

    def disk_full(items, handle):
        handle.write("{partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "write_clusters_jsonl", disk_full)
    result = run("reuse", str(EXAMPLES), "--out", str(pairs), "--clusters", str(clusters))
    assert result.exit_code == 2 and "E403" in result.stderr, result.output
    assert clusters.read_text(encoding="utf-8") == "earlier run\n"
    assert pairs.read_text(encoding="utf-8").startswith('{"a"')  # written whole before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clusters.jsonl", "pairs.jsonl"]


def test_db_runs_are_incremental_and_full_rebuilds(tmp_path: Path):
    from propwatch.bench.generate import generate_corpus

    corpus = generate_corpus(120, seed=2).articles
    rows = [{"id": a.id, "text": a.text, "outlet": a.outlet, "published": a.published}
            for a in corpus]
    first = records(tmp_path / "first.jsonl", rows[:100])
    second = records(tmp_path / "second.jsonl", rows[100:])
    db = tmp_path / "news.db"
    pairs_inc, pairs_full = tmp_path / "inc.jsonl", tmp_path / "full.jsonl"
    result = run("reuse", first, "--db", db, "--out", tmp_path / "p0.jsonl")
    assert result.exit_code == 0 and "note: no fingerprint index yet" in result.output
    result = run("reuse", second, "--db", db, "--out", pairs_inc)
    assert result.exit_code == 0, result.output
    assert "compared the 20 articles added since the last run" in result.output
    result = run("reuse", "--db", db, "--full", "--out", pairs_full)
    assert result.exit_code == 0 and "compared the" not in result.output
    assert pairs_inc.read_text() == pairs_full.read_text() != ""
    result = run("reuse", "--db", db, "--max-df", "50", "--out", pairs_full)
    assert "note: the fingerprint index was built with other settings (max_df 100 -> 50)" \
        in result.output
