"""The synthetic reprint corpus: determinism, exact gold offsets, realistic copies, boilerplate
and dates."""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict

import pytest

from propwatch.bench.generate import (GeneratedCorpus, generate_corpus, iter_generate,
                                      read_gold, write_corpus)
from propwatch.doc import compare_published, parse_published, published_gap_hours
from propwatch.reuse import likely_origin

QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
WORD = re.compile(r"\w+")


def norm(text: str) -> str:
    """Quote marks and whitespace as one style: what the outlets' rendering changes."""
    return " ".join(text.translate(QUOTES).split())


@pytest.fixture(scope="module")
def corpus() -> GeneratedCorpus:
    return generate_corpus(1200, seed=3)


@pytest.fixture(scope="module")
def texts(corpus):
    return {a.id: a.text for a in corpus.articles}


def unit_texts(corpus, texts, article_id):
    return {u.key: texts[article_id][u.start:u.end] for u in corpus.gold.units[article_id]}


def longest_run(units):
    """Longest run of units joined across whitespace-only gaps (as the scorer does)."""
    best, run, end = [], [], -1
    for u in sorted(units, key=lambda u: u.start):
        if run and u.start > end:
            run = []
        run.append(u)
        end = u.end + u.post
        if not best or run[-1].end - run[0].start > best[-1].end - best[0].start:
            best = list(run)
    return best


# ------------------------------------------------------------------------- basics


def test_same_seed_gives_the_same_corpus_and_another_seed_does_not():
    one, two = generate_corpus(150, seed=9), generate_corpus(150, seed=9)
    assert [a.to_dict() for a in one.articles] == [a.to_dict() for a in two.articles]
    assert one.gold == two.gold
    other = generate_corpus(150, seed=10)
    assert [a.text for a in other.articles] != [a.text for a in one.articles]


def test_exact_count_unique_ids_and_record_fields(corpus):
    ids = [a.id for a in corpus.articles]
    assert len(ids) == 1200 and len(set(ids)) == 1200
    assert set(corpus.gold.units) == set(ids) == set(corpus.gold.articles)
    outlets = {a.outlet for a in corpus.articles}
    assert 30 <= len(outlets) <= 80
    for a in corpus.articles:
        assert a.title and a.outlet and a.url.startswith("https://")


def test_articles_have_a_title_line_a_blank_line_and_paragraphs(corpus):
    words = []
    for a in corpus.articles:
        first, rest = a.text.split("\n", 1)
        assert first.rstrip("\r") == a.title
        assert rest.startswith(("\n", "\r\n"))
        body = [line for line in a.text.splitlines()[2:] if line.strip()]
        assert len(body) >= 4
        words.append(len(WORD.findall(a.text)))
    words.sort()
    assert 250 < words[len(words) // 2] < 800  # ~500 words of body, plus boilerplate


def test_roles_shares_and_reprint_counts(corpus):
    roles = Counter(g.role for g in corpus.gold.articles.values())
    n = len(corpus.articles)
    assert 0.10 < roles["original"] / n < 0.25
    assert 0.30 < roles["reprint"] / n < 0.55
    assert 0.25 < roles["unrelated"] / n < 0.50
    sizes = Counter(len(c.members) - 1 for c in corpus.gold.clusters.values())
    assert set(sizes) <= set(range(1, 9))
    assert sizes[1] + sizes[2] + sizes[3] > 0.6 * sum(sizes.values())  # most get 1-3 reprints
    kinds = Counter(g.kind for g in corpus.gold.articles.values() if g.role == "reprint")
    assert kinds["full"] > 0.3 * roles["reprint"] and kinds["partial"] > 0.3 * roles["reprint"]
    chains = [g for g in corpus.gold.articles.values()
              if g.role == "reprint" and corpus.gold.articles[g.parent].role == "reprint"]
    assert chains  # reprints of reprints


# ------------------------------------------------------------------------ offsets


def test_units_are_exact_sentences_inside_their_article(corpus, texts):
    n_units = 0
    for article_id, units in corpus.gold.units.items():
        text = texts[article_id]
        previous_end = 0
        for u in sorted(units, key=lambda u: u.start):
            n_units += 1
            assert 0 <= u.start < u.end <= len(text)
            assert u.start >= previous_end  # units do not overlap
            previous_end = u.end
            sentence = text[u.start:u.end]
            assert sentence == sentence.strip() and "\n" not in sentence
            assert sentence[0].isupper() or sentence[0].isdigit() or sentence[0] in "\"\u201c"
            assert sentence[-1] in ".\"\u201d"
            assert text[u.start - u.pre:u.start].isspace() or u.pre == 0
            assert u.start - u.pre == 0 or not text[u.start - u.pre - 1].isspace()
            assert text[u.end:u.end + u.post].isspace() or u.post == 0
            assert u.end + u.post == len(text) or not text[u.end + u.post].isspace()
    assert n_units > 10_000


def test_boilerplate_and_titles_are_never_units(corpus, texts):
    for article_id, units in corpus.gold.units.items():
        text = texts[article_id]
        title_end = text.index("\n")
        for s, e in corpus.gold.articles[article_id].boilerplate:
            assert all(u.end <= s or e <= u.start for u in units)
        assert all(u.start > title_end for u in units)


def test_every_key_is_shared_within_one_cluster_and_a_unit_is_its_copied_sentence(corpus, texts):
    holders = defaultdict(list)
    for article_id, units in corpus.gold.units.items():
        for u in units:
            holders[u.key].append(article_id)
    similarities = []
    for key, articles in holders.items():
        assert len(articles) >= 2 and len(set(articles)) == len(articles)
        assert len({corpus.gold.articles[a].cluster for a in articles}) == 1
        source_id = key.rsplit(":", 1)[0]
        assert source_id in articles  # the article that wrote it still holds it
        source = norm(unit_texts(corpus, texts, source_id)[key])
        for a in articles:
            if a != source_id:
                copy = norm(unit_texts(corpus, texts, a)[key])
                similarities.append(difflib.SequenceMatcher(None, source, copy).ratio())
    similarities.sort()
    assert similarities[len(similarities) // 2] > 0.97  # light edits: most copies are close
    assert similarities[len(similarities) // 100] > 0.75  # even after chains of edits


def test_each_reprint_shares_a_long_lightly_edited_block_with_its_parent(corpus, texts):
    checked = short = 0
    for article_id, g in corpus.gold.articles.items():
        if g.role != "reprint":
            continue
        parent = g.parent
        parent_keys = {u.key: u for u in corpus.gold.units[parent]}
        mine = [u for u in corpus.gold.units[article_id] if u.key in parent_keys]
        assert mine, f"{article_id} shares nothing with its parent {parent}"
        run = longest_run(mine)
        theirs = [parent_keys[u.key] for u in run]
        copy = texts[article_id][run[0].start:run[-1].end]
        source = " ".join(texts[parent][u.start:u.end] for u in theirs)
        short += len(copy) < 200 or len(source) < 200  # an inserted sentence can split a block
        same = 0  # characters kept, sentence by sentence (difflib on whole runs is slow)
        for mine_u, their_u in zip(run, theirs):
            a = norm(texts[parent][their_u.start:their_u.end])
            b = norm(texts[article_id][mine_u.start:mine_u.end])
            same += sum(m.size for m in difflib.SequenceMatcher(None, a, b).get_matching_blocks())
        assert same / len(norm(source)) > 0.85
        checked += 1
    assert checked > 300 and short < 0.03 * checked


def test_copies_share_200_character_stretches_by_plain_difflib(corpus, texts):
    """Without the gold: a few reprints against their parents, whole texts."""
    samples = [g for g in corpus.gold.articles.values() if g.role == "reprint"][:8]
    for g in samples:
        a, b = norm(texts[g.parent]), norm(texts[g.id])
        blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
        long_matches = sum(m.size for m in blocks if m.size >= 20)
        assert long_matches >= 200, (g.id, long_matches)


# --------------------------------------------------------------------- boilerplate


def test_outlet_boilerplate_repeats_in_all_its_articles(corpus, texts):
    lines_by_outlet = defaultdict(list)
    for a in corpus.articles:
        bp = {texts[a.id][s:e] for s, e in corpus.gold.articles[a.id].boilerplate}
        lines_by_outlet[a.outlet].append(bp)
    checked = 0
    for outlet, sets in lines_by_outlet.items():
        if len(sets) < 2:
            continue
        common = set.intersection(*sets)
        assert common, f"{outlet}: no boilerplate line in all its articles"
        for a in corpus.articles:
            if a.outlet == outlet:
                assert all(line in a.text for line in common)
        checked += 1
    assert checked >= 20


def test_platform_debris_and_disclaimer_span_many_outlets(corpus):
    outlets_with = defaultdict(set)
    disclaimed = 0
    for a in corpus.articles:
        for line in ("Share this: Facebook Twitter Email", "Post a Comment", "No comments:"):
            if line in a.text:
                outlets_with[line].add(a.outlet)
        disclaimed += "Disclaimer: The views" in a.text
    assert all(len(v) >= 3 for v in outlets_with.values()) and len(outlets_with) == 3
    assert 0.05 < disclaimed / len(corpus.articles) < 0.30


def test_outlets_differ_in_quotes_and_line_endings(corpus):
    assert any("\r\n" in a.text for a in corpus.articles)
    assert any("\u201c" in a.text for a in corpus.articles)
    assert any('"' in a.text for a in corpus.articles)
    assert any("  " in a.text.split("\n", 3)[-1] for a in corpus.articles)


# --------------------------------------------------------------------------- dates


def test_times_have_zones_and_reprints_come_2_to_240_hours_after_the_original(corpus):
    published = {a.id: a.published for a in corpus.articles}
    styles = set()
    for d in published.values():
        if d is None:
            continue
        match = re.fullmatch(r"202[1-3]-\d\d-\d\dT\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:\d\d)", d)
        assert match and parse_published(d) is not None, d
        styles.add((match.group(1) is not None, match.group(2) == "Z"))
    assert len(styles) >= 3  # outlets write times their own way
    assert len({d[-6:] for d in published.values() if d and d[-6] in "+-"}) >= 4  # zones vary
    roles = Counter((g.role, published[g.id] is None) for g in corpus.gold.articles.values())
    assert roles[("original", True)] == 0  # an original is always dated
    undated_reprints = roles[("reprint", True)] / (roles[("reprint", True)]
                                                   + roles[("reprint", False)])
    assert 0.06 < undated_reprints < 0.14  # one reprint in ten
    undated = sum(d is None for d in published.values()) / len(published)
    assert 0.02 < undated < 0.16
    gaps, same_day = [], 0
    for c in corpus.gold.clusters.values():
        original = published[c.original]
        for m in c.members[1:]:
            if published[m] is None:
                continue
            gap = published_gap_hours(original, published[m])
            assert 2 <= gap <= 240, (original, published[m])
            gaps.append(gap)
            same_day += published[m][:10] == original[:10]
    for g in corpus.gold.articles.values():
        if g.role == "reprint" and published[g.id] and published[g.parent]:
            assert compare_published(published[g.parent], published[g.id]) < 0
    gaps.sort()
    assert gaps[len(gaps) // 2] < 72  # most copies come within a few days
    assert same_day > 0  # same-day reprints happen: only the time tells them apart


def test_cluster_origin_follows_the_documented_rule(corpus):
    published = {a.id: a.published for a in corpus.articles}
    notes = Counter()
    for c in corpus.gold.clusters.values():
        assert c.members[0] == c.original
        first = published[c.original]
        others = [published[m] for m in c.members[1:]]
        if first is None:
            assert c.origin is None and c.origin_note == "original undated"
        elif any(d is not None and compare_published(d, first) <= 0 for d in others):
            assert c.origin is None and c.origin_note == "tie on the earliest time"
        else:
            assert c.origin == c.original and c.origin_note == ""
            # the rule a detector can use: the earliest dated member
            assert likely_origin(c.members, published).article == c.original
        notes[c.origin_note] += 1
    assert notes[""] == len(corpus.gold.clusters)  # every original dated and 2 h ahead
    undated_members = sum(any(published[m] is None for m in c.members)
                          for c in corpus.gold.clusters.values())
    assert undated_members > 0.1 * len(corpus.gold.clusters)


# ------------------------------------------------------------------ edit levels, noise


def _change_rate(corpus) -> float:
    texts = {a.id: a.text for a in corpus.articles}
    changed = total = 0
    for g in corpus.gold.articles.values():
        if g.role != "reprint":
            continue
        parent = unit_texts(corpus, texts, g.parent)
        for key, sentence in unit_texts(corpus, texts, g.id).items():
            if key in parent:
                a, b = norm(parent[key]).split(), norm(sentence).split()
                blocks = difflib.SequenceMatcher(None, a, b).get_matching_blocks()
                same = sum(m.size for m in blocks)
                changed += len(a) - same
                total += len(a)
    return changed / total


def test_edit_levels_none_light_heavy():
    none = generate_corpus(200, seed=4, edit_level="none")
    texts = {a.id: a.text for a in none.articles}
    for article_id, units in none.gold.units.items():
        for u in units:
            source = u.key.rsplit(":", 1)[0]
            assert texts[article_id][u.start:u.end] == unit_texts(none, texts, source)[u.key]
    light = _change_rate(generate_corpus(300, seed=4, edit_level="light"))
    heavy = _change_rate(generate_corpus(300, seed=4, edit_level="heavy"))
    assert 0.015 < light < 0.05 and 0.06 < heavy < 0.15
    with pytest.raises(ValueError):
        generate_corpus(5, edit_level="medium")


def test_unrelated_articles_share_short_phrases_but_rarely_ten_words(corpus, texts):
    def grams(article_id, n):
        text = texts[article_id]
        for s, e in corpus.gold.articles[article_id].boilerplate:
            text = text[:s] + " " * (e - s) + text[e:]
        words = WORD.findall(text[text.index("\n"):].lower())
        return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}

    def cross_story_pairs(n):
        index = defaultdict(list)
        for a in corpus.articles:
            for gram in grams(a.id, n):
                index[gram].append(a.id)
        count = 0
        for ids in index.values():
            for i, x in enumerate(ids):
                cx = corpus.gold.articles[x].cluster
                count += sum(cx is None or cx != corpus.gold.articles[y].cluster
                             for y in ids[i + 1:])
        return count

    n = len(corpus.articles)
    assert cross_story_pairs(5) > 10 * n  # stock phrases, names and terms recur
    assert cross_story_pairs(10) < 0.1 * n  # but sentences almost never coincide


# ------------------------------------------------------------------------- files


def test_write_and_read_back_streamed_and_in_memory_alike(tmp_path):
    corpus = generate_corpus(300, seed=2, edit_level="heavy")
    c1, g1 = write_corpus(corpus, tmp_path / "mem")
    c2, g2 = write_corpus(300, tmp_path / "stream", seed=2, edit_level="heavy")
    assert c1.read_bytes() == c2.read_bytes()
    gold1, gold2 = read_gold(g1), read_gold(g2)
    assert gold1 == gold2 == corpus.gold
    first = json.loads(c1.read_text(encoding="utf-8").splitlines()[0])
    assert set(first) == {"id", "text", "title", "outlet", "url", "published"}
    assert json.loads(g1.read_text(encoding="utf-8").splitlines()[0])["type"] == "meta"


def test_stream_yields_clusters_and_articles():
    items = list(iter_generate(80, seed=1))
    articles = [i for i in items if hasattr(i, "article")]
    clusters = [i for i in items if not hasattr(i, "article")]
    assert len(articles) == 80 and clusters
    members = {m for c in clusters for m in c.members}
    assert members <= {i.article.id for i in articles}


def test_2000_articles_with_gold_clusters_that_name_only_generated_articles():
    corpus = generate_corpus(2000, seed=0)
    ids = {a.id for a in corpus.articles}
    assert len(corpus.articles) == len(ids) == 2000
    assert sum(len(a.text.split()) for a in corpus.articles) > 2000 * 100
    assert corpus.gold.clusters
    for cluster in corpus.gold.clusters.values():
        assert cluster.original == cluster.members[0] and set(cluster.members) <= ids
