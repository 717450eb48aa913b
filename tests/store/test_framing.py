"""Narratives and actors per outlet and period, from the stored narratives and roles layers;
and the ``corpus narratives`` / ``corpus actors`` commands that show them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from propwatch.cli import app
from propwatch.doc import Actor, Article, Layer, NarrativeLabel, RoleMention, Span
from propwatch.store import Store
from propwatch.store.framing import period_of

TEXT = "Russia offered talks. Kyiv shelled Donetsk. Civilians hid. NATO armed [b]Kyiv[/b]."
DISCREDIT = "URW: Discrediting Ukraine"
PUPPET = "URW: Discrediting Ukraine: Ukraine is a puppet of the West"
PRAISE = "URW: Praise of Russia"


def at(piece: str) -> tuple[int, int]:
    start = TEXT.index(piece)
    return start, start + len(piece)


def narratives(*names: str) -> Layer:
    """A narratives layer: each name a narrative, or a subnarrative when it has three parts."""
    items = []
    for name in names:
        sub = name.count(": ") == 2
        items.append(NarrativeLabel(name, "subnarrative" if sub else "narrative", 0.7,
                                    (Span(*at("Kyiv shelled Donetsk."), "evidence", 0.7),),
                                    parent=name.rsplit(": ", 1)[0] if sub else None))
    return Layer("narratives", "narratives.v1", "test", tuple(items), kind="narrative",
                 summary={"taxonomy": "urw", "other": not items})


def roles(*actors: tuple[str, str, str]) -> Layer:
    """A roles layer of (name, main role, the words of its one mention)."""
    return Layer("roles", "roles.v1", "test", tuple(
        Actor(name, "country", role, 0.8, (RoleMention(*at(words), role, 0.8),))
        for name, role, words in actors), kind="actor")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "framing.db"
    with Store(path) as store:
        store.add_articles([
            Article("a", TEXT, outlet="Wire", published="2024-01-02"),
            Article("b", TEXT, outlet="Wire", published="2024-01-09T10:00:00+02:00"),
            Article("c", TEXT, outlet="Post"),
            Article("d", TEXT, outlet="Post", published="2024-02-01"),
            Article("e", TEXT, outlet="Post", published="2024-02-03")])  # not analysed
        store.replace_layers("a", [narratives(DISCREDIT, PUPPET), roles(
            ("Russia", "Protagonist", "Russia"), ("Kyiv", "Antagonist", "Kyiv shelled"))])
        store.replace_layers("b", [narratives(DISCREDIT, PRAISE), roles(
            ("russia", "Protagonist", "Russia"), ("[b]Kyiv[/b]", "Antagonist", "[b]Kyiv[/b]"),
            ("Civilians", "Innocent", "Civilians"))])
        store.replace_layers("c", [narratives(), roles()])
        store.replace_layers("d", [narratives("Other"), roles(("Kyiv", "Innocent", "Kyiv"))])
    return path


def test_period_of_every_granularity():
    assert [period_of("2024-01-09T10:00:00+02:00", p) for p in
            ("day", "week", "month", "year", "all")] == [
        "2024-01-09", "2024-W02", "2024-01", "2024", "all"]
    assert period_of("2024-12-30", "week") == "2025-W01"  # ISO week of the next year
    assert period_of(None, "month") is None and period_of("undated", "year") is None
    assert period_of(None, "all") == "all"
    with pytest.raises(ValueError):
        period_of("2024-01-01", "fortnight")


def test_narratives_per_outlet_and_month(db: Path):
    with Store(db) as store:
        rows = store.narrative_stats()
        assert [(r["outlet"], r["period"], r["articles"], r["other"]) for r in rows] == [
            ("Post", "2024-02", 1, 1), ("Post", None, 1, 1), ("Wire", "2024-01", 2, 0)]
        assert rows[-1]["narratives"] == {DISCREDIT: 2, PRAISE: 1}  # most frequent first
        assert "subnarratives" not in rows[-1] and rows[0]["narratives"] == {}
        subs = store.narrative_stats(period="week", subnarratives=True)
        wire = [r for r in subs if r["outlet"] == "Wire"]
        assert [(r["period"], r["narratives"], r["subnarratives"]) for r in wire] == [
            ("2024-W01", {DISCREDIT: 1}, {PUPPET: 1}),
            ("2024-W02", {DISCREDIT: 1, PRAISE: 1}, {})]
        assert [r["articles"] for r in store.narrative_stats(period="all")] == [2, 2]
        with pytest.raises(ValueError):
            store.narrative_stats(period="fortnight")


def test_actors_per_outlet_with_their_casts(db: Path):
    with Store(db) as store:
        rows = store.actor_stats(period="all")
        post, wire = rows
        assert (post["outlet"], post["articles"], post["actors_total"]) == ("Post", 2, 1)
        assert post["actors"] == [{"name": "Kyiv", "entity_type": "country", "articles": 1,
                                   "casts": 1, "main_role": "Innocent", "Protagonist": 0,
                                   "Antagonist": 0, "Innocent": 1}]
        assert wire["roles"] == {"Protagonist": 2, "Antagonist": 2, "Innocent": 1}
        # "Russia" and "russia" are one actor; the most mentioned first
        assert [(a["name"].casefold(), a["articles"], a["main_role"]) for a in wire["actors"]] \
            == [("russia", 2, "Protagonist"), ("[b]kyiv[/b]", 1, "Antagonist"),
                ("civilians", 1, "Innocent"), ("kyiv", 1, "Antagonist")]
        top = store.actor_stats(period="month", top=1)
        assert [(r["outlet"], r["period"], [a["name"].casefold() for a in r["actors"]],
                 r["actors_total"]) for r in top] == [
            ("Post", "2024-02", ["kyiv"], 1), ("Post", None, [], 0),
            ("Wire", "2024-01", ["russia"], 4)]


def run(*args: str):
    return CliRunner().invoke(app, ["corpus", *args], env={"COLUMNS": "200"})


def test_corpus_narratives_command(db: Path):
    result = run("narratives", "--db", str(db), "--by", "week", "--subnarratives", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["period"] for r in rows] == ["2024-W05", None, "2024-W01", "2024-W02"]
    assert rows[2]["subnarratives"] == {PUPPET: 1}
    result = run("narratives", "--db", str(db), "--subnarratives", "--top", "1")
    assert result.exit_code == 0, result.output
    assert "subnarratives" in result.stdout and f"{DISCREDIT} 2 (+1 more)" in result.stdout
    assert "undated" in result.stdout


def test_corpus_actors_command(db: Path):
    result = run("actors", "--db", str(db), "--by", "day", "--json")
    assert result.exit_code == 0, result.output
    assert [r["period"] for r in json.loads(result.stdout)] == [
        "2024-02-01", None, "2024-01-02", "2024-01-09"]
    result = run("actors", "--db", str(db), "--by", "all", "--top", "2")
    assert result.exit_code == 0, result.output
    shown = result.stdout
    assert "Russia (2)" in shown and "hero" in shown and "+2 more" in shown
    assert "[b]Kyiv[/b] (1)" in shown  # stored names are shown as they are, never as markup


@pytest.mark.parametrize("command", ["narratives", "actors"])
def test_bad_period_empty_and_missing_stores(tmp_path: Path, db: Path, command: str):
    result = run(command, "--db", str(db), "--by", "fortnight")
    assert result.exit_code == 2 and "E402" in result.output
    empty = tmp_path / "empty.db"
    Store(empty).close()
    result = run(command, "--db", str(empty))
    assert result.exit_code == 0 and "corpus analyze --with" in result.stdout
    assert json.loads(run(command, "--db", str(empty), "--json").stdout) == []
    missing = tmp_path / "missing.db"
    result = run(command, "--db", str(missing))
    assert result.exit_code == 1 and "E603" in result.output and not missing.exists()
