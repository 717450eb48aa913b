"""Narratives on the command line: the taxonomy listing, the task format, a user's taxonomy,
and what a bad taxonomy or missing data gets."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from propwatch.cli import app

from ..conftest import FIXTURES

runner = CliRunner()
SYRIA = Path(__file__).resolve().parents[2] / "examples" / "taxonomies" / "syria.toml"
ARTICLES = FIXTURES / "narratives"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_narratives_lists_the_default_and_a_user_taxonomy():
    result = run("narratives")
    assert result.exit_code == 0
    assert "21 narratives, 70 subnarratives" in result.output
    assert "URW: Discrediting Ukraine" in result.output
    result = run("narratives", "--taxonomy", SYRIA)
    assert result.exit_code == 0 and "Staged attacks" in result.output


def test_a_bad_taxonomy_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[label]]\nlabel = 'A: b'\nparent = 'A'\n", encoding="utf-8")
    for args in (("narratives", "--taxonomy", bad),
                 ("analyze", ARTICLES, "--taxonomy", bad)):
        result = run(*args)
        assert result.exit_code == 2
        assert "E411" in result.output and str(bad) in result.output


def test_semeval_narratives_format_one_line_per_file(tmp_path):
    out = tmp_path / "pred.txt"
    result = run("analyze", ARTICLES, "--format", "semeval-narratives", "--out", out)
    assert result.exit_code == 0, result.output
    lines = out.read_text("utf-8").splitlines()
    assert sorted(line.split("\t")[0] for line in lines) == ["harbour-festival.txt",
                                                             "staged-attack.txt"]
    for line in lines:
        _, coarse, fine = line.split("\t")
        assert coarse and fine  # "Other" when no narrative passes, never empty


def test_user_taxonomy_in_json_and_task_format(tmp_path):
    result = run("analyze", ARTICLES / "staged-attack.txt", "--taxonomy", SYRIA, "--format", "json")
    assert result.exit_code == 0, result.output
    layer = json.loads(result.output)["layers"]["narratives"]
    assert layer["summary"]["taxonomy"] == "syria-war"
    staged = next(x for x in layer["items"] if x["label"] == "Staged attacks")
    assert staged["evidence"] and all(e["text"] for e in staged["evidence"])
    out = tmp_path / "pred.txt"
    run("analyze", ARTICLES, "--taxonomy", SYRIA, "--format", "semeval-narratives", "--out", out)
    lines = dict(line.split("\t", 1) for line in out.read_text("utf-8").splitlines())
    assert lines["harbour-festival.txt"] == "Other\tOther"
    assert "Staged attacks" in lines["staged-attack.txt"].split("\t")[0].split(";")


def test_evaluate_narratives_without_data_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("PROPWATCH_DATA", raising=False)
    result = run("evaluate", "narratives", "--data", tmp_path)
    assert result.exit_code == 2 and "E306" in result.output


def test_corpus_analyze_with_a_taxonomy_then_narratives_per_outlet(tmp_path):
    db = tmp_path / "news.db"
    assert run("corpus", "add", ARTICLES, "--db", db).exit_code == 0
    result = run("corpus", "analyze", "--taxonomy", SYRIA, "--db", db)
    assert result.exit_code == 0, result.output
    rows = json.loads(run("corpus", "narratives", "--db", db, "--by", "all", "--json").output)
    counted = {label: n for row in rows for label, n in row["narratives"].items()}
    assert counted.get("Staged attacks") == 1
    assert sum(row["other"] for row in rows) == 1  # the harbour festival
