"""The article search answers from indexes for every combination of filters: no full scan of
the spans, no sort of every full-text match. (With the spans of schema 1, ``q`` + ``technique``
scanned every span of the technique for each matching article: 33 s on 6,500 articles.)"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from propwatch.doc import Article, Span
from propwatch.store import Store

FILTERS = {"q": "government", "technique": "Loaded_Language", "outlet": "harbor daily"}


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "c.db") as s:
        s.add_articles([
            Article(id="a", text="The government lied. The government hid it. Government!",
                    outlet="Harbor Daily"),
            Article(id="b", text="A government spokesman said little.", outlet="Harbor Daily"),
            Article(id="c", text="The government met.", outlet="Lakeside Ledger"),
            Article(id="d", text="Nothing about it.", outlet="HARBOR DAILY"),
        ])
        for article_id in "abcd":
            s.replace_spans(article_id, [Span(0, 3, "Loaded_Language")], "t")
        s.replace_spans("b", [Span(0, 3, "Loaded_Language"), Span(2, 9, "Doubt")], "t")
        yield s


def plan(store: Store, filters: dict[str, str]) -> list[str]:
    sql, params = store._list_query(**{k: filters.get(k) for k in FILTERS})
    with sqlite3.connect(store.path) as db:
        return [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, [*params, 50, 0])]


@pytest.mark.parametrize("names", [c for n in range(1, 4) for c in itertools.combinations(FILTERS, n)])
def test_every_filter_combination_is_answered_from_indexes(store: Store, names):
    filters = {name: FILTERS[name] for name in names}
    steps = plan(store, filters)
    assert not [s for s in steps if s.startswith("SCAN") and "VIRTUAL TABLE" not in s
                and not (s.startswith("SCAN a USING") and "INDEX" in s)], steps
    assert not [s for s in steps if "layer_records" in s and "COVERING INDEX" not in s], steps
    if "q" in filters:
        assert steps[0].startswith("SCAN f VIRTUAL TABLE")  # the full-text index leads
        assert "USE TEMP B-TREE FOR ORDER BY" not in steps  # FTS5 ranks; no sort of all matches
    elif "outlet" in filters:
        assert any("articles_outlet_nocase" in s for s in steps), steps


def test_the_answers_are_right(store: Store):
    def ids(**filters):
        return [r["id"] for r in store.list_articles(**filters)]

    assert ids(q="government") == ["a", "c", "b"]  # most mentions (for the length) first
    assert ids(q="government", technique="Doubt") == ["b"]
    assert ids(q="government", outlet="harbor daily", technique="Loaded_Language") == ["a", "b"]
    assert ids(outlet="Harbor Daily") == ["a", "b", "d"]
    assert ids(outlet="harbor daily", limit=1, offset=1) == ["b"]
    assert ids(technique="Loaded_Language", limit=2, offset=1) == ["b", "c"]
    assert [r["n_spans"] for r in store.list_articles(q="government")] == [1, 1, 2]
