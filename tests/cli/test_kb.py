"""``propwatch kb`` through Typer's CliRunner: import, list, show, search, stats, export (a
round trip through the generic format) and delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from propwatch.cli.kb import kb_app
from propwatch.kb.readers import read_kb
from propwatch.store import Store

from ..conftest import FIXTURES

app = typer.Typer()
app.add_typer(kb_app, name="kb")  # as cli/__init__.py registers it
runner = CliRunner()

KB = FIXTURES / "kb"
NEWSROOM = str(KB / "newsroom.jsonl")
CASES = str(KB / "euvsdisinfo-cases.jsonl")


def run(*args):
    return runner.invoke(app, ["kb", *args], terminal_width=200)


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "kb.db")
    result = run("import", "euvsdisinfo", CASES, "--db", path)
    assert result.exit_code == 0, result.output
    return path


def test_import_prints_counts_and_time_and_is_idempotent(db):
    first = run("import", "jsonl", NEWSROOM, "--kb", "newsroom", "--db", db)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("'newsroom': 3 claims (version 1): added 3, changed 0,")
    assert "1 file in " in first.stdout and first.stdout.rstrip().endswith(" s")
    again = run("import", "jsonl", NEWSROOM, "--kb", "newsroom", "--db", db, "--json")
    assert again.exit_code == 0
    figures = json.loads(again.stdout)
    assert figures["version"] == figures["previous_version"] == 1
    assert (figures["added"], figures["unchanged"], figures["skipped"]) == (0, 3, 0)
    assert "unchanged, still version 1" in run("import", "jsonl", NEWSROOM, "--kb", "newsroom",
                                               "--db", db).stdout


def test_the_name_defaults_to_the_format_or_the_file(db):
    run("import", "csv", str(KB / "newsroom.csv"), "--db", db)
    names = [kb["name"] for kb in json.loads(run("list", "--db", db, "--json").stdout)]
    assert names == ["euvsdisinfo", "newsroom"]


def test_bad_records_are_named_and_counted_and_the_rest_imported(db, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"id": "a", "claim": "Fine."}\n{"id": "b"}\nnot json\n', encoding="utf-8")
    result = run("import", "jsonl", str(path), "--kb", "mixed", "--db", db)
    assert result.exit_code == 1
    assert "skipped 2 bad records" in result.stdout
    assert f"error: E120: '{path}' line 2: no 'claim'; skipped the record." in result.stderr
    assert "line 3: not valid JSON" in result.stderr
    with Store(db) as store:
        assert [c.id for c in store.claims("mixed")] == ["a"]


def test_a_file_that_cannot_be_read_stops_the_import_and_changes_nothing(db, tmp_path):
    result = run("import", "euvsdisinfo", str(KB / "euvsdisinfo-list.tsv"),
                 str(tmp_path / "missing.jsonl"), "--kb", "euvsdisinfo", "--db", db)
    assert result.exit_code == 1
    assert "E101" in result.stderr and "nothing imported into 'euvsdisinfo'" in result.stderr
    with Store(db) as store:
        assert store.knowledge_base("euvsdisinfo")["version"] == 1
        assert store.knowledge_base("euvsdisinfo")["claims"] == 4


def test_usage_errors_exit_2(tmp_path):
    result = run("import", "snopes", NEWSROOM, "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 2 and "E410: unknown knowledge-base format 'snopes'" in result.stderr
    assert not (tmp_path / "x.db").exists()
    result = run("import", "jsonl", NEWSROOM, "--kb", "bad name", "--db", str(tmp_path / "x.db"))
    assert result.exit_code == 1 and "E622" in result.stderr


def test_commands_on_a_missing_database_or_knowledge_base(tmp_path, db):
    missing = str(tmp_path / "none.db")
    for args in (("list",), ("show", "x"), ("stats", "x"), ("export", "x"), ("delete", "x")):
        result = run(*args, "--db", missing)
        assert result.exit_code == 1 and "E625: no database at" in result.stderr, args
    assert not Path(missing).exists()
    for args in (("show", "x"), ("stats", "x"), ("export", "x"), ("delete", "x")):
        result = run(*args, "--db", db)
        assert result.exit_code == 1 and "E620: no knowledge base 'x'" in result.stderr, args


def test_list(db):
    result = run("list", "--db", db)
    assert result.exit_code == 0 and "euvsdisinfo" in result.stdout and "4" in result.stdout
    (row,) = json.loads(run("list", "--db", db, "--json").stdout)
    assert row["name"] == "euvsdisinfo" and row["claims"] == 4 and row["sources"] == [CASES]


def test_show_versions_search_and_one_claim(db):
    result = run("show", "euvsdisinfo", "--db", db)
    assert result.exit_code == 0
    assert "version 1, 4 claims" in result.stdout and "versions" in result.stdout
    assert "the-harbour-canal-was-poisoned-by-foreign-agents" in result.stdout  # whole id
    info = json.loads(run("show", "euvsdisinfo", "--db", db, "--json", "--limit", "2").stdout)
    assert [v["version"] for v in info["versions"]] == [1] and len(info["first_claims"]) == 2
    found = json.loads(run("show", "euvsdisinfo", "--search", "gas attack", "--db", db,
                           "--json").stdout)
    assert [c["id"] for c in found] == ["rescue-volunteers-stage-a-fake-gas-attack"]
    assert found[0]["score"] > 0
    table = run("show", "euvsdisinfo", "--search", "gas attack", "--db", db)
    assert "rescue-volunteers-stage-a-fake-gas-attack" in table.stdout and "score" in table.stdout
    nothing = run("show", "euvsdisinfo", "--search", "unicorns", "--db", db)
    assert nothing.exit_code == 0 and "no claims match" in nothing.stderr
    one = run("show", "euvsdisinfo", "--id", "the-harbour-canal-was-poisoned-by-foreign-agents",
              "--db", db)
    assert one.exit_code == 0 and "verdict: No evidence supports the claim" in one.stdout
    assert "tags: Water; Conspiracy theory" in one.stdout
    as_json = json.loads(run("show", "euvsdisinfo", "--id",
                             "the-harbour-canal-was-poisoned-by-foreign-agents", "--db", db,
                             "--json").stdout)
    assert as_json["outlets"] == ["harbour-truth.example"]
    missing = run("show", "euvsdisinfo", "--id", "nope", "--db", db)
    assert missing.exit_code == 1 and "E624: no claim 'nope'" in missing.stderr


def test_stats(db):
    result = run("stats", "euvsdisinfo", "--db", db)
    assert result.exit_code == 0
    assert "4 claims" in result.stdout and "dated 2016-03-14 to 2020-05-19" in result.stdout
    assert "Freedonia" in result.stdout and "Radio Sylvania" in result.stdout
    figures = json.loads(run("stats", "euvsdisinfo", "--db", db, "--json", "--top", "3").stdout)
    assert figures["claims"] == 4 and figures["languages"] == {"en": 4}
    assert figures["tag_groups"]["country"] == {"Freedonia": 2, "Sylvania": 2}
    assert len(figures["tags"]) == 3


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_round_trips_through_the_generic_format(db, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    result = run("export", "euvsdisinfo", "--format", fmt, "--out", str(out), "--db", db)
    assert result.exit_code == 0 and "wrote 4 claims" in result.stderr
    again = run("import", fmt, str(out), "--kb", "copy", "--db", db)
    assert again.exit_code == 0, again.output
    with Store(db) as store:
        assert list(store.claims("copy")) == list(store.claims("euvsdisinfo"))
    # exporting to stdout gives the same text
    assert run("export", "euvsdisinfo", "--format", fmt, "--db", db).stdout.replace(
        "\r\n", "\n") == out.read_text(encoding="utf-8").replace("\r\n", "\n")


def test_export_refuses_other_formats(db):
    result = run("export", "euvsdisinfo", "--format", "xml", "--db", db)
    assert result.exit_code == 2 and "E402" in result.stderr


def test_import_append_and_delete(db):
    result = run("import", "euvsdisinfo", str(KB / "euvsdisinfo-list.tsv"), "--append",
                 "--db", db)
    assert result.exit_code == 0
    assert "'euvsdisinfo': 6 claims (version 2): added 2, changed 1, unchanged 0, removed 0" \
        in result.stdout
    shown = run("show", "euvsdisinfo", "--db", db, "--json")
    assert [v["version"] for v in json.loads(shown.stdout)["versions"]] == [1, 2]
    deleted = run("delete", "euvsdisinfo", "--db", db)
    assert deleted.exit_code == 0 and "deleted knowledge base 'euvsdisinfo' (6 claims)" in deleted.stdout
    assert json.loads(run("list", "--db", db, "--json").stdout) == []


def test_all_checkthat_collections_into_one_base(tmp_path):
    db = str(tmp_path / "ct.db")
    files = [str(KB / name) for name in ("checkthat2020-vclaims.tsv", "checkthat2021-snopes.jsonl",
                                         "checkthat2021-politifact.jsonl")]
    result = run("import", "checkthat", *files, "--db", db)
    assert result.exit_code == 0 and "'checkthat': 9 claims" in result.stdout
    assert "3 files" in result.stdout
    with Store(db) as store:
        expected = [c for f in files for c in read_kb("checkthat", f)]
        assert list(store.claims("checkthat")) == expected


def test_the_main_app_has_the_kb_group():
    from propwatch.cli import app as main_app

    result = runner.invoke(main_app, ["kb", "--help"])
    assert result.exit_code == 0 and "import" in result.stdout and "export" in result.stdout
