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


REPAIR_TEXT = (
    "Maria Zakharova, the Russian Foreign Ministry spokeswoman, said that Hayat Tahrir "
    "al-Sham and the White Helmets are preparing a provocation in Idlib. A spokesman for the Helmets denied it. "
    "Last year the US launched Tomahawk cruise missiles at a base near Homs, and the Syrian "
    "government protested. Syria called it aggression.")


def test_finder_reads_whole_names_and_leaves_out_places_and_weapons():
    article = Article(id="t", text=REPAIR_TEXT)
    tokens = TokenStates.of(get_detector("transformer").encode(article, tag=False))
    found = EntityFinder("states").find(article, tokens)
    names = [REPAIR_TEXT[m.start:m.end] for m in found]
    assert "Russian Foreign Ministry" in names and "Russian Foreign" not in names
    assert "Hayat Tahrir al-Sham" in names and "Hayat Tahrir" not in names
    assert "Tomahawk" not in names
    for m in found:
        assert REPAIR_TEXT[m.start].isalnum() and not REPAIR_TEXT[m.end:m.end + 1].isalnum()
    groups = {g.name: g for g in merge(REPAIR_TEXT, found, Aliases())}
    assert "Idlib" not in groups and "Homs" not in groups  # places, not actors
    assert "White Helmets" in groups and "Helmets" not in groups
    assert "Syria" in groups


def test_places_are_dropped_but_states_nationalities_and_capitals_stay():
    text = ("Fighting in Idlib went on. Idlib is quiet now, and the Syrian town of Douma too. "
            "Syrian officials and Moscow blamed Turkey. The President of Poland spoke.")
    mentions = [_mention(text, "Idlib", "country"), _mention(text, "Idlib", "country", 1),
                _mention(text, "Syrian", "group"), _mention(text, "Douma", "person"),
                _mention(text, "Syrian", "group", 1), _mention(text, "Moscow", "country"),
                _mention(text, "Turkey", "country"),
                _mention(text, "President of Poland", "country")]
    groups = {g.name: g for g in merge(text, mentions, Aliases())}
    assert set(groups) == {"Syrian", "Moscow", "Turkey", "President of Poland"}
    assert len(groups["Syrian"].mentions) == 2  # a nationality is kept, apart from Syria


def test_a_lone_last_word_joins_the_one_name_it_ends():
    text = "The White Helmets came. Later the Helmets left, and the Foreign Ministry spoke."
    mentions = [_mention(text, "White Helmets", "organisation"),
                _mention(text, "Helmets", "organisation", 1)]
    groups = merge(text, mentions, Aliases())
    assert len(groups) == 1 and len(groups[0].mentions) == 2


def test_aliases_know_a_name_behind_an_epithet():
    assert Aliases().lookup("Takfiri Hayat Tahrir al-Sham") == ("Hayat Tahrir al-Sham",
                                                               "organisation")
    assert Aliases().lookup("U.S")[0] == "United States"
