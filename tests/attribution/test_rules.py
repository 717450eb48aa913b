"""The rule parts of attribution: quotation states, tags from gold, grouping, source types,
speaker resolution, the sourcing profile and the hand-marked gold reader."""

from pathlib import Path

import pytest

from propwatch.attribution.profile import sourcing_profile, unattributed_claims
from propwatch.attribution.sources import antecedent, load_outlets, read_source, resolve_speakers
from propwatch.attribution.tagger import fragments, gold_tags, group, paragraphs
from propwatch.doc import Article, Attribution, Span
from propwatch.errors import UsageError
from propwatch.eval.attributions import read_marked

from ..conftest import FIXTURES

GOLD = FIXTURES / "attributions" / "gold.txt"
OUTLETS = load_outlets()


def test_quotation_marks_are_paired_per_paragraph():
    text = 'He said "we will win" today.\n“Never,” she said.'
    first, second = paragraphs(text)
    assert [t.text for t in first.tokens][:4] == ["He", "said", '"', "we"]
    assert first.quotes == ("OUT", "OUT", "QO", "IN", "IN", "IN", "QC", "OUT", "OUT")
    assert second.quotes[:3] == ("QO", "IN", "IN") and second.quotes[3] == "QC"


def test_gold_tags_and_fragments_round_trip_a_split_quote():
    article = read_marked(GOLD)[2]  # "We have warned ...," Vladimir Orlov said. "Nobody ..."
    paragraph = paragraphs(article.text)[0]
    tags = gold_tags(paragraph, article.attributions)
    found = fragments(paragraph.tokens, tags)
    assert [(role, article.text[s:e]) for role, s, e, _ in found] == [
        ("content", '"We have warned the council for weeks,"'), ("source", "Vladimir Orlov"),
        ("cue", "said"), ("content", '"Nobody wanted to listen."')]
    (grouped,) = group(found)
    assert grouped.content == article.attributions[0].content
    assert grouped.source == article.attributions[0].source


def test_a_cue_without_content_makes_no_attribution():
    assert group([("source", 0, 4, 0.9), ("cue", 5, 9, 0.9)]) == []


@pytest.mark.parametrize("source, kind, speaker", [
    ("Syria's official news agency SANA", "outlet", "SANA"),
    ("a military source", "anonymous", None),
    ("Russia's Defence Ministry", "government", "Russia's Defence Ministry"),
    ("Maria Kovacs, the Foreign Ministry spokeswoman", "named_person", "Maria Kovacs"),
    ("Syrian President Bashar al-Assad", "named_person", "Bashar al-Assad"),
    ("Syrian authorities", "government", "Syrian authorities"),
    ("the OPCW", "named_organisation", "OPCW"),
    ("The White Helmets", "named_organisation", "White Helmets"),
    ("officials", "anonymous", None),
    ("Kremlin spokesman Dmitry Volkov", "named_person", "Dmitry Volkov"),
])
def test_source_types(source, kind, speaker):
    reading = read_source(source, OUTLETS)
    assert (reading.source_type, reading.speaker) == (kind, speaker)


def test_outlets_say_which_are_state_affiliated_and_a_user_file_extends_them(tmp_path: Path):
    assert OUTLETS["SANA"].state_affiliated and not OUTLETS["Reuters"].state_affiliated
    extra = tmp_path / "outlets.toml"
    extra.write_text('[[outlet]]\nnames = ["Harbor Daily"]\nstate_affiliated = true\n',
                     encoding="utf-8")
    assert read_source("the Harbor Daily", load_outlets(extra)).outlet.state_affiliated
    extra.write_text("[[outlet]]\nnames = 3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="E401"):
        load_outlets(extra)


def test_pronouns_surnames_and_bodies_resolve_to_earlier_speakers():
    readings = [read_source(t, OUTLETS) for t in (
        "Vladimir Orlov", "he", "Russia's Defence Ministry", "the ministry", "Orlov", "they")]
    assert [r.speaker for r in resolve_speakers(readings)] == [
        "Vladimir Orlov", "Vladimir Orlov", "Russia's Defence Ministry",
        "Russia's Defence Ministry", "Vladimir Orlov", "Russia's Defence Ministry"]


def test_marked_gold_has_the_cases_news_like_the_examples_needs():
    articles = read_marked(GOLD)
    assert len(articles) >= 30
    every = [a for article in articles for a in article.attributions]
    kinds = {a.source_type for a in every}
    assert kinds == {"named_person", "named_organisation", "government", "outlet", "anonymous",
                     "none"}
    assert any(len(a.content) > 1 for a in every)  # quotes split by "he said"
    assert any(a.cites is not None for a in every)  # an agency citing a source
    for article in articles:
        for a in article.attributions:
            for span in a.spans():  # evidence reads whole
                assert article.text[span.start:span.end] == article.text[
                    span.start:span.end].strip()


def test_marked_gold_errors_name_the_line(tmp_path: Path):
    bad = tmp_path / "bad.txt"
    bad.write_text("# one\n[S1 He] [C1 said [Q1 no]]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt:2: marks do not nest"):
        read_marked(bad)


def test_profile_counts_types_shares_and_unattributed_claims():
    text = ('Officials said the bridge was closed. The bridge opened in 1998 and carries 40,000 '
            'cars a day. We should all be worried.')
    article = Article(id="p", text=text)
    said = text.index("said")
    item = Attribution(cue=(Span(said, said + 4, "cue"),),
                       content=(Span(said + 5, text.index("."), "content"),),
                       source=(Span(0, 9, "source"),), source_type="anonymous")
    profile = sourcing_profile(article, [item], [read_source("Officials", OUTLETS)])
    assert profile["by_type"] == {"anonymous": 1}
    share = round(len("the bridge was closed") / len(text), 4)
    assert profile["anonymous_share"] == profile["attributed_share"] == share
    (claim,) = profile["unattributed_claims"]
    assert text[claim["start"]:claim["end"]].startswith("The bridge opened in 1998")
    assert unattributed_claims(article, [(0, len(text))]) == []


def test_a_citing_cue_becomes_a_chain_of_two_sources():
    from propwatch.attribution.tagger import link_citations

    text = "SANA, citing a military source, said rebels staged the attack."
    def at(piece, role):
        start = text.index(piece)
        return Span(start, start + len(piece), role)

    tagged = [Attribution(cue=(at("citing", "cue"),), content=(at("a military source", "c"),),
                          source=(at("SANA", "source"),)),
              Attribution(cue=(at("said", "cue"),), content=(at("rebels staged the attack", "c"),))]
    cited, main = link_citations(text, tagged)
    assert [text[s.start:s.end] for s in cited.source] == ["a military source"]
    assert cited.content == main.content and main.cites == 0
    assert [text[s.start:s.end] for s in main.source] == ["SANA"]


def test_states_titles_and_relative_pronouns_read_as_speakers():
    assert read_source("Damascus", OUTLETS).source_type == "government"
    assert read_source("Russia", OUTLETS).speaker == "Russia"
    reading = read_source("Russia’s Deputy UN Ambassador Vladimir Safronkov", OUTLETS)
    assert (reading.source_type, reading.speaker) == ("named_person", "Vladimir Safronkov")
    assert reading.role == "Russia’s Deputy UN Ambassador"
    washington_post = read_source("the Washington Post", OUTLETS)
    assert washington_post.outlet.name == "The Washington Post"  # one outlet per entry
    text = "Western countries blamed the attack on Damascus, which rejected the accusation."
    assert antecedent(text, text.index("which")) == "Damascus"
    text = "The Syrian Arab News Agency (SANA), which is state-run, said so."
    assert antecedent(text, text.index("which")) == "SANA"
    text = "the group, which said so"
    assert antecedent(text, text.index("which")) is None


def test_the_official_after_a_named_person_is_that_person():
    readings = [read_source("Safronkov", OUTLETS), read_source("The Russian official", OUTLETS),
                read_source("a military source", OUTLETS)]
    resolved = resolve_speakers(readings, "Deputy UN Ambassador Vladimir Safronkov said.")
    assert [(r.source_type, r.speaker) for r in resolved] == [
        ("named_person", "Vladimir Safronkov"), ("named_person", "Vladimir Safronkov"),
        ("anonymous", None)]
