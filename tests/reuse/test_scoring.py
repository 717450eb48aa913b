"""Reuse scorers on hand-made golds whose figures are worked out by hand, the adjusted Rand
index against its known properties, and a perfect prediction on a generated corpus."""

from __future__ import annotations

import random
from collections import defaultdict
from fractions import Fraction

import pytest

from propwatch.doc import Cluster, Passage, ReuseLink
from propwatch.eval.scores import adjusted_rand_index, score_reuse_clusters, score_reuse_passages
from propwatch.bench.generate import Gold, GoldCluster, GoldUnit, generate_corpus


def U(start, end, key, pre=0, post=0):
    return GoldUnit(start, end, key, pre, post)


def hand_gold() -> Gold:
    """x and y share two sentences (k1, k2) with whitespace between them; x has a sentence of
    its own (kx, in no other article); p and q share one 150-character sentence."""
    units = {
        "x": (U(0, 100, "k1", 0, 2), U(102, 250, "k2", 2, 1), U(251, 300, "kx", 1, 0)),
        "y": (U(10, 110, "k1", 3, 1), U(111, 260, "k2", 1, 0)),
        "z": (),
        "p": (U(0, 150, "m1"),),
        "q": (U(20, 170, "m1"),),
    }
    clusters = {"c1": GoldCluster("c1", ("x", "y"), "x", "x"),
                "c2": GoldCluster("c2", ("p", "q"), "p", None, "tie on the earliest day")}
    return Gold(units, clusters)


def link(a, a0, a1, b, b0, b1, score=1.0):
    return ReuseLink(a, a0, a1, b, b0, b1, score)


# ---------------------------------------------------------------------- passages


def test_one_link_over_two_shared_sentences():
    # x side [0, 250): 250 chars, 2 of them neutral whitespace ([100, 102)), 248 on gold.
    # y side [5, 200): 195 chars, 4 neutral ([7, 10) and [110, 111)), gold 100 + 89 = 189.
    # Gold: x 100 + 148 = 248, y 100 + 149 = 249; p-q (150 chars) is under min_chars.
    result = score_reuse_passages(predicted=[link("x", 0, 250, "y", 5, 200)], gold=hand_gold())
    assert result.precision == pytest.approx((248 + 189) / (248 + 191))
    assert result.recall == pytest.approx((248 + 189) / (248 + 249))
    assert result.support == 1


def test_a_link_between_articles_with_nothing_shared_counts_wholly_against_precision():
    predicted = [link("x", 0, 250, "y", 5, 200), link("x", 0, 50, "z", 0, 50)]
    result = score_reuse_passages(predicted=predicted, gold=hand_gold())
    assert result.precision == pytest.approx(437 / (439 + 100))
    assert result.recall == pytest.approx(437 / 497)


def test_overlapping_links_are_unioned_per_article_and_partner():
    predicted = [link("x", 0, 150, "y", 10, 160), link("x", 100, 250, "y", 110, 260)]
    result = score_reuse_passages(predicted=predicted, gold=hand_gold())
    # x: [0, 250) less 2 neutral = 248, all gold; y: [10, 260) less 1 neutral = 249, all gold
    assert (result.precision, result.recall) == (1.0, 1.0)


def test_whitespace_at_the_edges_is_neutral_but_other_text_counts():
    # from the line break before k1 in y ([7, 10)) to the space after k2 in x ([250, 251))
    edges = score_reuse_passages(predicted=[link("x", 0, 251, "y", 7, 260)], gold=hand_gold())
    assert (edges.precision, edges.recall) == (1.0, 1.0)
    # running on into x's own sentence kx (49 chars) is an error
    over = score_reuse_passages(predicted=[link("x", 0, 300, "y", 7, 260)], gold=hand_gold())
    assert over.precision == pytest.approx((248 + 249) / (248 + 49 + 249))
    assert over.recall == 1.0


def test_the_same_characters_count_per_partner():
    # a second partner for the same stretch of x gets no credit from the first pair's gold
    gold = hand_gold()
    gold.units["z"] = ()
    predicted = [link("x", 0, 250, "y", 10, 260), link("x", 0, 250, "z", 0, 250)]
    result = score_reuse_passages(predicted=predicted, gold=gold)
    assert result.precision == pytest.approx((248 + 249) / (248 + 249 + 250 + 250))


def test_min_chars_decides_which_pairs_recall_needs():
    predicted = [link("x", 0, 250, "y", 5, 200), link("p", 0, 150, "q", 20, 170)]
    default = score_reuse_passages(predicted=predicted, gold=hand_gold())
    # p-q is right (precision) though its 150 characters are not required (recall)
    assert default.precision == pytest.approx((437 + 300) / (439 + 300))
    assert default.recall == pytest.approx(437 / 497)
    assert default.support == 1
    lower = score_reuse_passages(predicted=predicted, gold=hand_gold(), min_chars=100)
    assert lower.recall == pytest.approx((437 + 300) / (497 + 300))
    assert lower.support == 2


def test_runs_join_across_whitespace_only():
    # two 120- and 110-char sentences: adjacent in y, separated by other text in x
    gold = Gold({"x": (U(0, 120, "r1", 0, 1), U(150, 260, "r2", 1, 0)),
                 "y": (U(0, 120, "r1", 0, 1), U(121, 231, "r2", 1, 0))}, {})
    assert score_reuse_passages(predicted=[], gold=gold).support == 0  # x's runs are 120, 110
    gold.units["x"] = (U(0, 120, "r1", 0, 3), U(123, 233, "r2", 3, 0))
    result = score_reuse_passages(predicted=[link("x", 0, 233, "y", 0, 231)], gold=gold)
    assert (result.precision, result.recall, result.support) == (1.0, 1.0, 1)


def test_no_predictions_and_no_gold():
    result = score_reuse_passages(predicted=[], gold=hand_gold())
    assert (result.precision, result.recall, result.f1) == (0.0, 0.0, 0.0)
    empty = score_reuse_passages(predicted=[link("a", 0, 10, "b", 0, 10)], gold=Gold({}, {}))
    assert (empty.precision, empty.recall, empty.support) == (0.0, 0.0, 0)


def test_scorers_take_keyword_arguments_only():
    with pytest.raises(TypeError):
        score_reuse_passages([], hand_gold())  # type: ignore[misc]
    with pytest.raises(TypeError):
        score_reuse_clusters([], hand_gold())  # type: ignore[misc]


# ----------------------------------------------------------------- adjusted Rand


def test_ari_hand_computed():
    # contingency (0,0)=2 (0,1)=1 (1,1)=1 (1,2)=2: index = 1 + 1 = 2; rows 3,3 -> 6; columns
    # 2,2,2 -> 3; pairs 15; expected 6 * 3 / 15 = 1.2; max 4.5; ARI = 0.8 / 3.3 = 8/33
    assert adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(8 / 33)
    # index 0; rows 2 -> 2, columns 2 -> 2; expected 4/6; max 2: (0 - 2/3) / (4/3) = -1/2
    assert adjusted_rand_index(["a", "a", "b", "b"], ["x", "y", "x", "y"]) == pytest.approx(-0.5)
    # one group against all singletons: index 0, expected 0, max 3
    assert adjusted_rand_index([0, 0, 0, 0], [0, 1, 2, 3]) == 0.0


def test_ari_properties():
    rng = random.Random(1)
    labels = [rng.randrange(5) for _ in range(60)]
    other = [rng.randrange(4) for _ in range(60)]
    assert adjusted_rand_index(labels, labels) == 1.0
    renamed = [f"cluster-{(x * 3 + 1) % 5}" for x in labels]  # a permutation of the names
    assert adjusted_rand_index(labels, renamed) == 1.0
    assert adjusted_rand_index(labels, other) == pytest.approx(adjusted_rand_index(other, labels))
    assert abs(adjusted_rand_index(labels, other)) < 0.2  # unrelated labelings: near chance
    order = list(range(60))
    rng.shuffle(order)  # the order of items does not matter either
    assert adjusted_rand_index([labels[i] for i in order], [other[i] for i in order]) == \
        pytest.approx(adjusted_rand_index(labels, other))
    assert adjusted_rand_index([], []) == 1.0 and adjusted_rand_index([3], [7]) == 1.0
    with pytest.raises(ValueError):
        adjusted_rand_index([0, 1], [0])


def test_ari_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(7)
    for n, k in ((10, 2), (50, 6), (200, 30)):
        a = [rng.randrange(k) for _ in range(n)]
        b = [rng.randrange(k) for _ in range(n)]
        assert adjusted_rand_index(a, b) == pytest.approx(metrics.adjusted_rand_score(a, b))


# ---------------------------------------------------------------------- clusters


def cluster_gold() -> Gold:
    units = {"x": (U(0, 100, "k1"), U(102, 250, "k2")), "y": (U(10, 110, "k1"), U(111, 260, "k2")),
             "z": (U(0, 100, "k3"),), "w": (U(50, 150, "k3"),), "v": ()}
    clusters = {"c1": GoldCluster("c1", ("x", "y"), "x", "x"),
                "c2": GoldCluster("c2", ("z", "w"), "z", None, "original undated")}
    return Gold(units, clusters)


def test_clusters_hand_computed():
    predicted = [Cluster("p0", (Passage("x", 0, 250), Passage("y", 10, 260)), origin="x"),
                 Cluster("p1", (Passage("z", 0, 100), Passage("v", 0, 80)), origin="z")]
    result = score_reuse_clusters(predicted=predicted, gold=cluster_gold())
    # units: true c1 c1 c1 c1 c2 c2, predicted p0 p0 p0 p0 p1 (w: unmatched, own label)
    # index C(4,2) = 6; rows 6 + 1 = 7; columns 6; pairs 15; expected 2.8; max 6.5
    assert result["ari"] == pytest.approx(float(Fraction(32, 37)))
    assert result["origin_accuracy"] == 1.0  # c1 -> p0, which names x
    assert result["origin_abstain_ok"] == 0.0  # c2 -> p1, which guesses z instead of None
    assert (result["units"], result["units_covered"]) == (6, 5)
    assert (result["clusters"], result["clusters_found"]) == (2, 2)
    assert (result["clusters_known_origin"], result["clusters_unknown_origin"]) == (1, 1)
    assert result["predicted_clusters"] == 2


def test_abstaining_and_wrong_origins():
    predicted = [Cluster("p0", (Passage("x", 0, 250), Passage("y", 10, 260)), origin="y"),
                 Cluster("p1", (Passage("z", 0, 100), Passage("w", 50, 150)), origin=None)]
    result = score_reuse_clusters(predicted=predicted, gold=cluster_gold())
    assert result["ari"] == 1.0
    assert result["origin_accuracy"] == 0.0 and result["origin_abstain_ok"] == 1.0


def test_the_covering_member_with_most_overlap_labels_a_unit():
    # unit k1 of x is [0, 100), midpoint 50: p0's [0, 60) overlaps 60, p1's [30, 300) 70
    predicted = [Cluster("p0", (Passage("x", 0, 60),), origin="x"),
                 Cluster("p1", (Passage("x", 30, 300), Passage("y", 0, 300)), origin="x")]
    result = score_reuse_clusters(predicted=predicted, gold=cluster_gold())
    assert result["units_covered"] == 4  # x's and y's units, all labelled p1
    assert result["origin_accuracy"] == 1.0
    nothing = score_reuse_clusters(predicted=[], gold=cluster_gold())
    assert nothing["clusters_found"] == 0 and nothing["origin_accuracy"] == 0.0
    assert nothing["ari"] == 0.0  # every unit alone against two gold clusters


# ------------------------------------------------------------ generated corpus


def test_a_perfect_prediction_scores_one_on_a_generated_corpus():
    corpus = generate_corpus(300, seed=5)
    gold = corpus.gold
    holders = defaultdict(list)
    for article_id, units in gold.units.items():
        for u in units:
            holders[u.key].append((article_id, u))
    links = []
    for pairs in holders.values():
        for i, (x, ux) in enumerate(pairs):
            for y, uy in pairs[i + 1:]:
                (a, ua), (b, ub) = sorted([(x, ux), (y, uy)], key=lambda t: t[0])
                links.append(ReuseLink(a, ua.start, ua.end, b, ub.start, ub.end, 1.0))
    result = score_reuse_passages(predicted=links, gold=gold)
    assert (result.precision, result.recall) == (1.0, 1.0)
    assert result.support > 100
    clusters = [Cluster(c.id, tuple(Passage(m, u.start, u.end)
                                    for m in c.members for u in gold.units[m]), c.origin)
                for c in gold.clusters.values()]
    scores = score_reuse_clusters(predicted=clusters, gold=gold)
    assert scores["ari"] == 1.0
    assert scores["origin_accuracy"] == 1.0
    # every original is dated and at least 2 h ahead: each origin can be told (gold version 2)
    assert scores["clusters_unknown_origin"] == 0 and scores["origin_abstain_ok"] == 0.0
    assert scores["origin_named_correctly"] == scores["origin_named"] == 1.0
    wrong = [Cluster(c.id, c.members, c.members[-1].article_id) for c in clusters]
    assert score_reuse_clusters(predicted=wrong, gold=gold)["origin_named_correctly"] == 0.0
    assert scores["clusters_found"] == scores["clusters"] == len(gold.clusters)
    # one cluster for everything keeps the units together but mixes the stories
    lumped = [Cluster("all", tuple(p for c in clusters for p in c.members), None)]
    assert score_reuse_clusters(predicted=lumped, gold=gold)["ari"] == 0.0
