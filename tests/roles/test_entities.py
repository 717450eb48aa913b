"""Merging named mentions into actors, and the NER finder on a short text of our own."""

import pytest

from propwatch.detect import get_detector
from propwatch.doc import Article
from propwatch.roles.entities import Aliases, EntityFinder, Mention, merge, normalise
from propwatch.roles.features import TokenStates

TEXT = ("Vladimir Putin met the US envoy. Putin's aides said America and Washington lied. "
        "The Syrian army advanced; later the army withdrew. Joe Biden and Hunter Biden spoke.")


def _mention(text: str, word: str, kind: str, nth: int = 0) -> Mention:
    at = -1
    for _ in range(nth + 1):
        at = text.index(word, at + 1)
    return Mention(at, at + len(word), kind)


def test_normalise_drops_the_article_and_possessive():
    assert normalise("the  Kremlin's") == "kremlin"
    assert normalise("Putin’s") == "putin"


def test_aliases_surnames_and_group_nouns_merge():
    mentions = [_mention(TEXT, "Vladimir Putin", "person"), _mention(TEXT, "US", "country"),
                _mention(TEXT, "Putin", "person", 1), _mention(TEXT, "America", "country"),
                _mention(TEXT, "Washington", "country"), _mention(TEXT, "Syrian army", "group"),
                _mention(TEXT, "Joe Biden", "person"), _mention(TEXT, "Hunter Biden", "person")]
    groups = {g.name: g for g in merge(TEXT, mentions, Aliases())}
    assert [TEXT[m.start:m.end] for m in groups["Vladimir Putin"].mentions] == [
        "Vladimir Putin", "Putin"]
    us = [g for g in groups.values() if g.entity_type == "country"]
    assert len(us) == 1 and {TEXT[m.start:m.end] for m in us[0].mentions} == {
        "US", "America", "Washington"}
    assert [TEXT[m.start:m.end] for m in groups["Syrian army"].mentions] == ["Syrian army",
                                                                            "army"]
    assert "Joe Biden" in groups and "Hunter Biden" in groups  # same surname, two people


def test_a_lone_surname_shared_by_two_people_stays_apart():
    text = "Joe Biden and Hunter Biden spoke. Biden left."
    mentions = [_mention(text, "Joe Biden", "person"), _mention(text, "Hunter Biden", "person"),
                _mention(text, "Biden", "person", 2)]
    groups = merge(text, mentions, Aliases())
    assert sum(len(g.mentions) for g in groups) == 3


@pytest.mark.parametrize("method", ["states", "spacy"])
def test_finder_mentions_index_the_text_on_word_edges_outside_boilerplate(method):
    text = ("Vladimir Putin's army entered Ukraine. NATO and the West condemned Russia.\n"
            "Subscribe to our newsletter about France.")
    cut = text.index("Subscribe")
    article = Article(id="t", text=text, boilerplate=((cut, len(text)),))
    tokens = TokenStates.of(get_detector("transformer").encode(article, tag=False))
    found = EntityFinder(method).find(article, tokens)
    names = [text[m.start:m.end] for m in found]
    assert "Vladimir Putin" in names and "Ukraine" in names and "NATO" in names
    assert "France" not in names
    assert any(n in ("the West", "West") for n in names)
    for m in found:
        assert text[m.start].isalnum() and (m.end == len(text) or not text[m.end].isalnum())
        assert m.start == 0 or not text[m.start - 1].isalnum()
