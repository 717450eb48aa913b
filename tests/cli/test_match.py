"""Known claims from the command line: a knowledge base imported with its vectors, queries
ranked as a TREC run or JSONL (``propwatch match``), articles analysed with ``--kb``, and the
CheckThat! evaluation on its real data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from propwatch.cli import app
from propwatch.eval.matching import load_task, retrieval_scores, tweet_text

from ..conftest import FIXTURES

runner = CliRunner()
CLAIMS = str(FIXTURES / "kb" / "known-claims.jsonl")


def run(*args):
    return runner.invoke(app, list(args), terminal_width=200)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("kb") / "kb.db")
    result = run("kb", "import", "jsonl", CLAIMS, "--kb", "checks", "--db", path)
    assert result.exit_code == 0, result.output
    assert "encoded 10 for matching" in result.output
    return path


def test_match_writes_a_trec_run_best_first(db, tmp_path: Path):
    queries = tmp_path / "queries.tsv"
    queries.write_text("id\ttext\nq1\tWhite Helmets prepare a staged chemical attack in Idlib\n"
                       "q2\tThe harbour bridge is made of plastic and melts in the heat\n",
                       encoding="utf-8")
    out = tmp_path / "run.trec"
    result = run("match", str(queries), "--kb", "checks", "--db", db, "--top", "3",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 6 and {row[1] for row in lines} == {"Q0"}
    assert lines[0][:4] == ["q1", "Q0", "kc-01", "1"] and lines[3][:4] == ["q2", "Q0", "kc-04", "1"]
    scores = [float(row[4]) for row in lines[:3]]
    assert scores == sorted(scores, reverse=True) and lines[0][5] == "propwatch"


def test_match_reads_jsonl_queries_and_writes_jsonl(db, tmp_path: Path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"id": "a", "text": "Wind turbines give people headaches"}\n',
                       encoding="utf-8")
    result = run("match", str(queries), "--kb", "checks", "--db", db, "-f", "jsonl")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output.splitlines()[0])
    assert row["id"] == "a" and row["matches"][0]["claim_id"] == "kc-09"
    assert row["matches"][0]["kb"] == "checks"


def test_a_bad_query_file_is_one_line_naming_it(db, tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n', encoding="utf-8")
    result = run("match", str(bad), "--kb", "checks", "--db", db)
    assert result.exit_code == 2 and "E130" in result.output and "bad.jsonl" in result.output
    missing = run("match", str(tmp_path / "none.tsv"), "--kb", "checks", "--db", db)
    assert missing.exit_code == 2 and "E101" in missing.output
    unknown = run("match", str(bad), "--kb", "nope", "--db", db)
    assert unknown.exit_code == 2


def test_analyze_with_kb_adds_the_matches_layer(db, tmp_path: Path):
    article = tmp_path / "syria.txt"
    text = ("Militants plan a provocation, the ministry said.\n\nThe White Helmets are "
            "preparing to stage a chemical attack in Idlib so that the Syrian government can "
            "be blamed for it, according to the statement.\n")
    article.write_text(text, encoding="utf-8")
    result = run("analyze", str(article), "--kb", "checks", "--db", db, "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    doc = data[0] if isinstance(data, list) else data.get("documents", [data])[0]
    layer = doc["layers"]["matches"]
    first = layer["items"][0]
    assert first["claim_id"] == "kc-01" and first["kb"] == "checks"
    evidence = first["evidence"][0]
    assert text[evidence["start"]:evidence["end"]] == evidence["text"]
    assert evidence["text"].startswith("The White Helmets are preparing")
    assert layer["summary"]["kbs"] == ["checks"]
    shown = run("analyze", str(article), "--kb", "checks", "--db", db)
    assert "Known claims" in shown.output and "kc-01" in shown.output


def test_retrieval_scores_deduplicate_and_count_every_query():
    gold = {"q1": frozenset({"a"}), "q2": frozenset({"b", "c"})}
    run_ = {"q1": ["x", "a"], "q2": ["c", "y", "b"]}
    scores = retrieval_scores(run_, gold, ["q1", "q2", "q3"], ks=(1, 5))
    assert scores["queries"] == 3
    assert scores["map@1"] == round((0 + 0.5) / 3, 4)
    assert scores["map@5"] == round((0.5 + (1 + 2 / 3) / 2) / 3, 4)
    assert scores["mrr"] == round((0.5 + 1) / 3, 4)


def test_tweet_text_drops_the_signature_and_links():
    assert tweet_text("Big news pic.twitter.com/x1 — Jane Doe (@jd) January 6, 2020") == "Big news"


@pytest.mark.skipif(not os.environ.get("PROPWATCH_DATA"), reason="PROPWATCH_DATA is not set: "
                    "the CheckThat! data is not here")
def test_checkthat_tasks_load_with_their_gold():
    dev = load_task("2020-dev")
    assert len(dev.queries) == 197 and all(q in dev.gold for q, _ in dev.queries)
    assert dev.collection.name == "verified_claims.docs.tsv"
    train = load_task("2021-2a-train")
    assert len(train.queries) == 997


def test_matches_without_a_knowledge_base_says_how_to_name_one(tmp_path: Path):
    article = tmp_path / "a.txt"
    article.write_text("The ministry said the attack had been staged by militants.\n",
                       encoding="utf-8")
    result = run("analyze", str(article), "--with", "matches")
    assert result.exit_code == 2 and "E402" in result.output and "--kb NAME" in result.output


def test_corpus_claims_shows_outlets_periods_and_copied_or_rewritten(db, tmp_path: Path):
    from propwatch.cli.corpus import corpus_app
    from propwatch.doc import Article, Cluster, Passage
    from propwatch.store import Store

    copied = ("The White Helmets are preparing to stage a chemical attack in Idlib so that "
              "the Syrian government can be blamed, the ministry said on Monday.")
    rewritten = ("Militants of the White Helmets plan a staged chemical attack in Idlib to "
                 "blame the Syrian government, officials claimed.")
    with Store(db) as store:
        store.add_articles([
            Article(id="a1", text=copied, outlet="First Wire", published="2020-01-28T09:00Z"),
            Article(id="a2", text=copied, outlet="Second Blog", published="2020-01-29"),
            Article(id="a3", text=rewritten, outlet="Third Site", published="2020-02-03"),
            Article(id="a4", text="Rain is expected across the region on Saturday afternoon.",
                    outlet="Weather Desk", published="2020-02-04")])
        run_id = store.start_run("reuse", {})
        store.save_reuse(run_id, [], [Cluster("c1", (Passage("a1", 0, len(copied)),
                                                      Passage("a2", 0, len(copied))), "a1")])
        store.finish_run(run_id, {})
    corpus = typer.Typer()
    corpus.add_typer(corpus_app, name="corpus")
    analysed = runner.invoke(corpus, ["corpus", "analyze", "--db", db, "--kb", "checks",
                                      "--without", "techniques"])
    assert analysed.exit_code == 0, analysed.output
    result = runner.invoke(corpus, ["corpus", "claims", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    first = rows[0]
    assert (first["kb"], first["claim_id"], first["articles"]) == ("checks", "kc-01", 3)
    assert first["outlets"] == {"First Wire": 1, "Second Blog": 1, "Third Site": 1}
    assert first["by_period"] == {"2020-01": 2, "2020-02": 1}
    assert first["first_published"] == "2020-01-28T09:00Z"
    assert (first["copied"], first["rewritten"], first["clusters"]) == (2, 1, ["c1"])
    assert all(row["outlets"] != {"Weather Desk": 1} for row in rows)
    by_year = json.loads(runner.invoke(corpus, ["corpus", "claims", "--db", db, "--by", "year",
                                                "--json"]).output)
    assert by_year[0]["by_period"] == {"2020": 3}
    table = runner.invoke(corpus, ["corpus", "claims", "--db", db])
    assert table.exit_code == 0 and "known claims" in table.output
