"""The reuse engine on small corpora built here, where the right answer is known exactly."""

import random

import numpy as np
import pytest

from propwatch.doc import Article
from propwatch.reuse import (ReuseOptions, align_pair, candidate_pairs, find_reuse, fingerprint,
                             likely_origin, outlet_graph, usable_mask)

WORDS = ("harbour council grain barge minister ferry tariff strike winter bridge railway "
         "district mayor inspector ledger auction quarry orchard tanner canal beacon pension "
         "warehouse timber salt copper lantern vineyard miller courier garrison chapel archive "
         "market cargo weaver meadow foundry signal reservoir convoy treaty").split()
FILLER = "the a of to and in on for with by from at".split()


def sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) if k % 2 == 0 else rng.choice(FILLER) for k in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def body(seed: int, paragraphs: int = 5) -> list[str]:
    rng = random.Random(seed)
    return [paragraph(rng) for _ in range(paragraphs)]


def article(id, paras, outlet=None, published=None):
    return Article(id=id, text="\n\n".join(paras) + "\n", outlet=outlet, published=published)


def covered(link, ids_text, side):
    aid, s, e = (link.a, link.a_start, link.a_end) if side == "a" else (link.b, link.b_start, link.b_end)
    return ids_text[aid][s:e]


def test_verbatim_copy_is_aligned_with_exact_offsets():
    source = body(1)
    copy = body(2, 2) + source[1:4] + body(3, 2)
    a, b = article("a", source), article("b", copy)
    links = find_reuse([a, b]).links
    assert len(links) == 1
    link = links[0]
    shared = "\n\n".join(source[1:4])
    assert a.text[link.a_start:link.a_end] == shared
    assert b.text[link.b_start:link.b_end] == shared
    assert link.score == 1.0


def test_light_edits_quotes_and_whitespace_do_not_break_a_passage():
    source = body(4)
    edited = [p.replace(" the ", " the  ").replace("harbour", "harbor") for p in source[1:4]]
    edited[1] = edited[1].replace(". ", ', "he said". ', 1)
    b_text = "\r\n\r\n".join(body(5, 1) + edited + body(6, 1))
    a, b = article("a", source), Article(id="b", text=b_text)
    links = find_reuse([a, b]).links
    assert links, "an edited copy must still be found"
    start = min(l.a_start for l in links)
    end = max(l.a_end for l in links)
    shared = "\n\n".join(source[1:4])
    s0 = a.text.index(shared)
    # the links cover the copied block, up to the first and last changed word
    assert start - s0 < 40 and (s0 + len(shared)) - end < 40
    assert all(l.score > 0.8 for l in links)


def test_short_excerpt_inside_a_long_article_is_found():
    long_source = body(7, 30)
    excerpt = long_source[12]  # about 400 characters of a 12,000-character article
    a = article("long", long_source)
    b = article("short", body(8, 1) + [excerpt] + body(9, 1))
    links = find_reuse([a, b]).links
    assert len(links) == 1 and b.text[links[0].b_start:links[0].b_end] == excerpt


def test_reordered_paragraphs_give_separate_passages_and_one_cluster():
    source = body(10, 4)
    copy = [source[2], source[3], source[0], source[1]]
    result = find_reuse([article("a", source), article("b", copy)])
    assert len(result.links) >= 2
    assert len(result.clusters) == 1


def test_inserted_sentence_is_left_out_and_the_text_around_it_is_found():
    rng = random.Random(11)
    source = body(12, 3)
    sentences = source[1].split(". ")
    inserted = sentence(rng, 24)[:-1]
    sentences.insert(2, inserted)
    copy = [source[0], ". ".join(sentences), source[2]]
    b = article("b", copy)
    links = find_reuse([article("a", source), b]).links
    assert len(links) == 2
    at = b.text.index(inserted)
    assert all(l.b_end <= at or l.b_start >= at + len(inserted) for l in links)
    assert links[0].b_start == 0 and links[-1].b_end == len(b.text.rstrip())


def test_footer_shared_by_many_articles_is_not_reuse():
    footer = ("Follow the Lantern Courier for more on the canal district every morning and "
              "evening, all rights to this story are reserved by the courier and its partners")
    articles = [article(f"x{i}", body(100 + i, 3) + [footer], outlet="Lantern Courier")
                for i in range(6)]
    result = find_reuse(articles, ReuseOptions(min_chars=100))
    assert result.links == []
    assert result.stats["boilerplate_fingerprints"] > 0


def test_a_paragraph_one_outlet_repeats_is_masked_in_that_outlet_only():
    """Three articles of the Herald repeat a stock paragraph (its boilerplate); the Ledger and
    the Beacon each copy it once: their copies still link to each other, and no link ends in
    the Herald's repeated text."""
    stock = paragraph(random.Random(77), 4)
    herald = [article(f"h{i}", body(400 + i, 2) + [stock], outlet="Herald") for i in range(3)]
    ledger = article("l0", body(410, 2) + [stock], outlet="Ledger")
    beacon = article("b0", [stock] + body(411, 2), outlet="Beacon")
    corpus = herald + [ledger, beacon]
    result = find_reuse(corpus, ReuseOptions(min_chars=100))
    assert {(x.a, x.b) for x in result.links} == {("b0", "l0")}
    link = result.links[0]
    assert stock in beacon.text[link.a_start:link.a_end + 1]
    assert stock in ledger.text[link.b_start:link.b_end + 1]
    # one article fewer at the Herald: under the rule, so every copy links
    fewer = find_reuse(herald[:2] + [ledger, beacon], ReuseOptions(min_chars=100))
    assert len({(x.a, x.b) for x in fewer.links}) == 4 * 3 // 2


def test_the_boilerplate_says_where_it_is_masked():
    stock = paragraph(random.Random(78), 3)
    corpus = [article(f"h{i}", body(420 + i, 2) + [stock], outlet="Herald") for i in range(3)]
    corpus.append(article("l0", body(430, 2) + [stock], outlet="Ledger"))
    prints = [fingerprint(a) for a in corpus]
    candidates = candidate_pairs(prints, [a.outlet for a in corpus])
    boiler = candidates.boilerplate
    assert len(boiler.common) == 0 and set(boiler.by_outlet) == {"Herald"}
    stock_prints = fingerprint(Article(id="s", text=stock)).prints
    assert np.isin(stock_prints, boiler.by_outlet["Herald"]).all()
    herald, ledger = prints[0], prints[3]
    at = corpus[0].text.index(stock)
    usable = usable_mask(herald, boiler, 6, "Herald")
    masked_words = herald.starts[:len(usable)][~usable]  # shingles start at words
    assert len(masked_words) and (masked_words >= at).all()
    assert usable_mask(ledger, boiler, 6, "Ledger").all()
    assert usable_mask(ledger, boiler, 6, None).all()
    assert len(boiler) == len(boiler.by_outlet["Herald"])


def test_text_common_across_outlets_beyond_max_df_is_boilerplate():
    disclaimer = paragraph(random.Random(99), 3)
    articles = [article(f"d{i}", body(200 + i, 2) + [disclaimer], outlet=f"outlet{i}")
                for i in range(12)]
    assert find_reuse(articles, ReuseOptions(max_df=10)).links == []
    assert len(find_reuse(articles, ReuseOptions(max_df=50)).links) == 12 * 11 // 2


def test_unrelated_articles_with_the_same_vocabulary_are_not_linked():
    articles = [article(f"u{i}", body(300 + i)) for i in range(20)]
    assert find_reuse(articles).links == []


def test_reprint_cluster_and_origin():
    story = body(20, 4)
    a = article("orig", story, outlet="Courier", published="2021-03-01")
    b = article("copy1", body(21, 1) + story[:3], outlet="Ledger", published="2021-03-02")
    c = article("copy2", story[1:] + body(22, 1), outlet="Beacon", published="2021-03-05")
    d = article("other", body(23, 4), outlet="Courier", published="2021-02-01")
    result = find_reuse([a, b, c, d])
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert {m.article_id for m in cluster.members} == {"orig", "copy1", "copy2"}
    assert cluster.origin == "orig"
    edges = outlet_graph(result.links, {x.id: x.outlet for x in (a, b, c)},
                         {x.id: x.published for x in (a, b, c)})
    pairs = {(e.source, e.target) for e in edges}
    assert ("Courier", "Ledger") in pairs and ("Courier", "Beacon") in pairs
    assert ("Ledger", "Beacon") in pairs


def test_origin_is_not_guessed_on_ties_or_without_dates():
    assert likely_origin(["a", "b"], {"a": "2020-01-01", "b": "2020-01-01"}).article is None
    origin, note, basis, confidence = likely_origin(["a", "b"], {})
    assert origin is None and "no member" in note and basis == "undated" and confidence == 0
    found = likely_origin(["a", "b", "c"], {"a": "2020-01-02", "b": "2020-01-01"})
    assert found.article == "b" and found.basis == "earliest dated; 1 undated"
    assert likely_origin(["a", "b"], {"a": "2020-01-02", "b": "2020-01-01"})[:3] == (
        "b", "published first, on 2020-01-01; the next dated member 12 h later", "earliest")


def test_boilerplate_ranges_of_the_article_are_ignored():
    shared = paragraph(random.Random(30), 4)
    a = Article(id="a", text=shared + "\n\n" + paragraph(random.Random(31)))
    b = Article(id="b", text=shared + "\n\n" + paragraph(random.Random(32)),
                boilerplate=((0, len(shared)),))
    assert find_reuse([a, b]).links == []


def test_fingerprints_are_deterministic_and_case_insensitive():
    one = fingerprint(Article(id="x", text="The Harbour COUNCIL met the mayor at the canal today"))
    two = fingerprint(Article(id="y", text="the harbour council met the Mayor at the canal today!"))
    assert np.array_equal(one.shingles, two.shingles)
    assert one.shingles.dtype == np.uint64


def test_align_pair_orders_ids():
    text = "\n\n".join(body(40, 3))
    links = align_pair(fingerprint(Article(id="zz", text=text)),
                       fingerprint(Article(id="aa", text=text)))
    assert links and all(l.a == "aa" for l in links)


@pytest.mark.parametrize("seed", range(3))
def test_random_excerpts_are_found_exactly(seed):
    rng = random.Random(seed)
    sources = [article(f"s{i}", body(1000 * seed + i, 6)) for i in range(8)]
    copies = []
    truth = {}
    for k in range(8):
        src = rng.choice(sources)
        paras = src.text.strip().split("\n\n")
        i = rng.randrange(0, len(paras) - 1)
        block = "\n\n".join(paras[i:i + 2])
        copies.append(article(f"c{k}", body(5000 + 100 * seed + k, 2) + [block]))
        truth[f"c{k}"] = (src.id, block)
    links = find_reuse(sources + copies).links
    for cid, (sid, block) in truth.items():
        found = [l for l in links if {l.a, l.b} == {cid, sid}]
        assert len(found) == 1, cid
        l = found[0]
        copy_side = (l.a_start, l.a_end) if l.a == cid else (l.b_start, l.b_end)
        text = next(c.text for c in copies if c.id == cid)
        found_text = text[copy_side[0]:copy_side[1]]
        # with this tiny vocabulary the word before a block can match by chance: allow one word
        assert block in found_text and len(found_text) - len(block) <= 15


def test_links_do_not_depend_on_input_order():
    rng = random.Random(77)
    repeated = sentence(rng, 16)
    source = body(60, 3)
    a = article("a", [source[0] + " " + repeated, source[1], repeated + " " + source[2]])
    b = article("b", [repeated + " " + source[1], source[0] + " " + repeated, source[2]])
    c = article("c", body(61, 2) + [source[2]])
    forward = find_reuse([a, b, c]).links
    assert forward and forward == find_reuse([c, b, a]).links


def _reference_seeds(a, b, usable_a, usable_b, max_repeat=3):
    """Every (i, j) with equal usable shingles, phrases repeated over max_repeat skipped."""
    from collections import Counter
    count_a = Counter(a.shingles[usable_a].tolist())
    count_b = Counter(b.shingles[usable_b].tolist())
    return sorted((i, j) for i in np.flatnonzero(usable_a).tolist()
                  for j in np.flatnonzero(usable_b).tolist()
                  if a.shingles[i] == b.shingles[j]
                  and count_a[int(a.shingles[i])] <= max_repeat
                  and count_b[int(b.shingles[j])] <= max_repeat)


def _random_masks(rng, fp, base):
    """``base`` with a few more phrases masked (each everywhere in the article) and, at times,
    a run of positions: what new boilerplate does to an article."""
    mask = base.copy()
    for _ in range(rng.randint(0, 4)):
        if len(fp.shingles):
            mask &= fp.shingles != fp.shingles[rng.randrange(len(fp.shingles))]
    if len(mask) and rng.random() < 0.3:
        at = rng.randrange(len(mask))
        mask[at:at + rng.randint(1, 12)] = False
    return mask


@pytest.fixture(scope="module")
def generated_pairs():
    from propwatch.bench.generate import generate_corpus

    articles = generate_corpus(700, seed=4, edit_level="heavy").articles
    prints = [fingerprint(a) for a in articles]
    candidates = candidate_pairs(prints, [a.outlet for a in articles])
    masks = [usable_mask(p, candidates.boilerplate, 6, a.outlet)
             for p, a in zip(prints, articles)]
    return articles, prints, masks, candidates.pairs.tolist()


def test_seeds_are_every_equal_shingle_pair_of_phrases_not_repeated_too_often(generated_pairs):
    from propwatch.reuse.engine import _seeds

    _, prints, masks, pairs = generated_pairs
    rng = random.Random(5)
    for i, j in rng.sample(pairs, 40):
        usable_i = _random_masks(rng, prints[i], masks[i])
        got = _seeds(prints[i], prints[j], usable_i, masks[j])
        assert [tuple(s) for s in got.tolist()] == _reference_seeds(prints[i], prints[j],
                                                                     usable_i, masks[j])


def test_same_alignment_says_same_only_when_the_links_are_the_same(generated_pairs):
    """Masking more of two articles (new boilerplate): ``same_alignment`` must never say
    "same" when ``align_pair`` gives other links, and should say it for most pairs whose
    links do not change (it is what spares an incremental run from aligning them again)."""
    from propwatch.reuse.engine import same_alignment

    articles, prints, masks, pairs = generated_pairs
    rng = random.Random(6)
    said = really = 0
    for i, j in rng.sample(pairs, 400):
        after = (_random_masks(rng, prints[i], masks[i]), _random_masks(rng, prints[j], masks[j]))
        texts = (articles[i].text, articles[j].text)
        same = align_pair(prints[i], prints[j], ReuseOptions(), (masks[i], masks[j]), texts) == \
            align_pair(prints[i], prints[j], ReuseOptions(), after, texts)
        says = same_alignment(prints[i], prints[j], ReuseOptions(), (masks[i], masks[j]), after)
        assert same or not says, (articles[i].id, articles[j].id)
        said += says
        really += same
    assert said >= 0.9 * really and really < 400  # tight, and some links did change
