"""Text reuse across articles: fingerprints, candidate pairs, aligned passages, clusters, origin.

1. *Fingerprints.* Each article's words (lower-cased ``\\w+`` runs outside its boilerplate
   ranges, so quote marks, punctuation and whitespace never matter) form overlapping word
   n-grams, hashed deterministically to 64 bits. Winnowing keeps the minimum hash of every
   window of ``window`` n-grams, so any shared run of ``window + ngram - 1`` words is
   guaranteed to share a fingerprint.
2. *Candidates.* An inverted index from fingerprint to articles. Fingerprints found in more than
   ``max_df`` articles are boilerplate everywhere (stock phrases, wire credits); those found in
   ``outlet_repeats`` or more articles of one outlet are that outlet's boilerplate (its footer,
   disclaimers, comment widgets, its own stock paragraphs) and are dropped from its articles
   only, so an outlet repeating a paragraph never hides it where other outlets copy it. Pairs
   sharing at least ``min_shared`` fingerprints that neither side drops are candidates. The
   work grows with the number of shared fingerprints, not with the square of the corpus.
3. *Alignment.* For a candidate pair, every shared n-gram is a seed. Seeds are chained in order
   when both gaps are short (changed words) or one side skips an inserted or deleted sentence.
   Chains, not diagonals, so reordered paragraphs give separate passages. A chain of at least
   ``min_chars`` characters on both sides becomes a ``ReuseLink`` with character offsets.
4. *Clusters.* Linked passages, with passages of one article merged when they overlap or lie
   close together, form connected components: reprint clusters. The likely origin is the
   member published first, compared at the finest precision both sides have (``doc.
   compare_published``: a time of day counts where both give one). Undated members do not
   stop it: the earliest dated member is named, with basis ``earliest dated; N undated``. Only
   a true tie among the earliest (or no date at all) gives no origin; ``likely_origin`` says
   how its confidence is computed.
"""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict, defaultdict, deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from ..doc import (
    Article,
    Cluster,
    Passage,
    Published,
    ReuseLink,
    compare_published,
    parse_published,
    published_gap_hours,
    published_sort_key,
)

_WORD = re.compile(r"\w+")
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant for mixing word hashes


@dataclass(frozen=True)
class ReuseOptions:
    ngram: int = 5  # words per shingle
    window: int = 6  # winnowing window (shingles); any shared run of window+ngram-1 words is seen
    min_chars: int = 200  # shortest passage reported, in characters on both sides
    min_shared: int = 2  # fingerprints a pair must share to be aligned
    max_df: int = 100  # fingerprints in more articles than this are boilerplate
    outlet_repeats: int = 3  # ... and so are those found in this many articles of one outlet
    max_gap: int = 40  # words one side may skip inside a passage (an inserted sentence)
    small_gap: int = 12  # words both sides may skip at once (changed words)
    cluster_gap: int = 200  # passages of one article closer than this (characters) join


@dataclass(frozen=True, eq=False)
class Fingerprints:
    """What reuse detection keeps of one article."""

    article_id: str
    starts: np.ndarray  # int32, character offset of each word
    ends: np.ndarray  # int32
    shingles: np.ndarray  # uint64, hash of the n-gram starting at each word (len = words - n + 1)
    prints: np.ndarray  # uint64, the winnowed fingerprints (unique)


#: Names the fingerprint, candidate and alignment rules. A stored fingerprint index (see
#: ``reuse.incremental``) records it with the options; change it whenever a change here would
#: give other fingerprints, candidates or passages, so that stored indexes are rebuilt.
ENGINE_VERSION = "winnow-crc64-v2"  # v2: outlet boilerplate masked in that outlet only

_WORD_HASHES: dict[str, int] = {}
_WORD_HASHES_MAX = 1_000_000  # words remembered; news vocabularies are far smaller


def _word_hash(word: str) -> int:
    found = _WORD_HASHES.get(word)
    if found is None:
        data = word.encode("utf-8")
        found = (zlib.crc32(data) << 32) | zlib.crc32(data, 0x5BD1E995)
        if len(_WORD_HASHES) >= _WORD_HASHES_MAX:
            _WORD_HASHES.clear()
        _WORD_HASHES[word] = found
    return found


def fingerprint(article: Article, options: ReuseOptions = ReuseOptions()) -> Fingerprints:
    """Words, shingle hashes and winnowed fingerprints of an article's non-boilerplate text."""
    starts, ends, hashes = [], [], []
    for range_start, range_end in article.content_ranges():
        for match in _WORD.finditer(article.text, range_start, range_end):
            starts.append(match.start())
            ends.append(match.end())
            hashes.append(_word_hash(match.group().casefold()))
    words = np.array(hashes, dtype=np.uint64)
    n = options.ngram
    if len(words) < n:
        empty = np.zeros(0, dtype=np.uint64)
        return Fingerprints(article.id, np.array(starts, np.int32), np.array(ends, np.int32),
                            empty, empty)
    count = len(words) - n + 1
    shingles = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            shingles = shingles * _MULT + words[k:k + count]
        shingles ^= shingles >> np.uint64(29)
    if count >= options.window:
        windows = np.lib.stride_tricks.sliding_window_view(shingles, options.window)
        prints = np.unique(windows.min(axis=1))
    else:
        prints = np.unique(shingles.min(keepdims=True))
    return Fingerprints(article.id, np.array(starts, np.int32), np.array(ends, np.int32),
                        shingles, prints)


# ---------------------------------------------------------------- candidates


@dataclass(eq=False)
class Boilerplate:
    """The fingerprints a run masks. ``common`` ones (in more than ``max_df`` articles) are
    masked in every article; each outlet's own (in ``outlet_repeats`` or more of its articles)
    only in that outlet's articles. Arrays are sorted uint64; ``by_outlet`` holds no common
    fingerprint, and no empty array."""

    common: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    by_outlet: dict[str, np.ndarray] = field(default_factory=dict)

    def masked(self, shingles: np.ndarray, outlet: str | None) -> np.ndarray:
        """Positions of ``shingles`` masked in an article of ``outlet``, ascending."""
        found = in_sorted(shingles, self.common)
        own = self.by_outlet.get(outlet) if outlet else None
        if own is not None:
            found |= in_sorted(shingles, own)
        return np.flatnonzero(found)

    def __len__(self) -> int:
        """Distinct fingerprints masked in some article."""
        return len(np.unique(np.concatenate([self.common, *self.by_outlet.values()])))


def in_sorted(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """``np.isin(values, pool)`` for a sorted ``pool``: a binary search per value."""
    if not len(pool) or not len(values):
        return np.zeros(len(values), dtype=bool)
    where = np.minimum(np.searchsorted(pool, values), len(pool) - 1)
    return pool[where] == values


@dataclass
class Candidates:
    pairs: np.ndarray  # (n, 2) int64 article indices, i < j
    shared: np.ndarray  # (n,) shared fingerprints
    boilerplate: Boilerplate
    postings: int = 0  # fingerprint occurrences indexed
    pair_postings: int = 0  # (fingerprint, pair) occurrences counted


def candidate_pairs(prints: Sequence[Fingerprints], outlets: Sequence[str | None],
                    options: ReuseOptions = ReuseOptions()) -> Candidates:
    """Article pairs that share at least ``min_shared`` fingerprints that neither article
    masks as boilerplate, and the boilerplate."""
    lengths = np.array([len(p.prints) for p in prints], dtype=np.int64)
    if lengths.sum() == 0:
        empty = np.zeros((0, 2), np.int64)
        return Candidates(empty, np.zeros(0, np.int64), Boilerplate())
    all_hashes = np.concatenate([p.prints for p in prints])
    all_docs = np.repeat(np.arange(len(prints), dtype=np.int32 if len(prints) < 2**31
                                   else np.int64), lengths)
    outlet_codes, outlet_names = _outlet_codes(outlets)
    # Fingerprints are grouped one hash range at a time (a sixteenth of the postings sorted
    # at once, for bounded memory); pairs found in several ranges are summed at the end.
    ranges = (all_hashes >> np.uint64(60)).astype(np.int8)
    common_parts, own_hash_parts, own_code_parts, code_parts, count_parts = [], [], [], [], []
    pair_postings = 0
    for part in range(16):
        chosen = np.flatnonzero(ranges == part)
        if not len(chosen):
            continue
        hashes, docs = all_hashes[chosen], all_docs[chosen]
        del chosen
        # docs ascend as built, so a stable sort by hash orders by (hash, doc)
        order = np.argsort(hashes, kind="stable")
        hashes, docs = hashes[order], docs[order]
        del order
        group_starts = np.concatenate(([0], np.flatnonzero(np.diff(hashes)) + 1))
        group_sizes = np.diff(np.concatenate((group_starts, [len(hashes)])))
        group_of = np.repeat(np.arange(len(group_sizes)), group_sizes)
        common = group_sizes > options.max_df  # is_boilerplate, vectorised
        common_parts.append(hashes[group_starts[common]])
        drop = common[group_of]
        own_hashes, own_codes, own = _outlet_boilerplate(hashes, group_of, outlet_codes[docs],
                                                         drop, options)
        own_hash_parts.append(own_hashes)
        own_code_parts.append(own_codes)
        keep = ~(drop | own)
        hashes, docs = hashes[keep], docs[keep]
        del keep, drop, own, group_of
        if not len(hashes):
            continue
        group_starts = np.concatenate(([0], np.flatnonzero(np.diff(hashes)) + 1))
        group_sizes = np.diff(np.concatenate((group_starts, [len(hashes)])))
        pair_codes = []
        for size in np.unique(group_sizes[group_sizes >= 2]):
            starts = group_starts[group_sizes == size]
            members = docs[starts[:, None] + np.arange(size)[None, :]].astype(np.int64)
            left, right = np.triu_indices(size, k=1)
            a, b = members[:, left].ravel(), members[:, right].ravel()
            pair_codes.append(a * len(prints) + b)
            pair_postings += len(a)
        if pair_codes:
            found, counts = np.unique(np.concatenate(pair_codes), return_counts=True)
            code_parts.append(found)
            count_parts.append(counts)
    del all_hashes, all_docs, ranges
    boilerplate = Boilerplate(np.concatenate(common_parts),  # ranges ascend: sorted
                              _by_outlet(np.concatenate(own_hash_parts),
                                         np.concatenate(own_code_parts), outlet_names))
    postings = int(lengths.sum())
    if not code_parts:
        empty = np.zeros((0, 2), np.int64)
        return Candidates(empty, np.zeros(0, np.int64), boilerplate, postings, 0)
    codes = np.concatenate(code_parts)
    counts = np.concatenate(count_parts)
    del code_parts, count_parts
    order = np.argsort(codes, kind="stable")
    codes, counts = codes[order], counts[order]
    del order
    starts = np.concatenate(([0], np.flatnonzero(np.diff(codes)) + 1))
    codes, shared = codes[starts], np.add.reduceat(counts, starts)
    chosen = shared >= options.min_shared
    codes, shared = codes[chosen], shared[chosen]
    pairs = np.column_stack((codes // len(prints), codes % len(prints)))
    return Candidates(pairs, shared, boilerplate, postings, pair_postings)


def _outlet_boilerplate(hashes: np.ndarray, group_of: np.ndarray, codes: np.ndarray,
                        common: np.ndarray, options: ReuseOptions
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The outlet rule over postings sorted by hash (``group_of`` numbers the hashes, ``codes``
    the postings' outlets, -1 for none; ``common`` marks postings of common fingerprints):
    the ``(hash, outlet code)`` entries found in ``outlet_repeats`` or more articles of one
    outlet, and a mask of the postings they drop."""
    chosen = np.flatnonzero(~common & (codes >= 0))
    chosen = chosen[np.lexsort((codes[chosen], group_of[chosen]))]
    g, c = group_of[chosen], codes[chosen]
    first = np.ones(len(chosen), dtype=bool)
    first[1:] = (np.diff(g) != 0) | (np.diff(c) != 0)
    run = np.cumsum(first) - 1
    # is_outlet_boilerplate, vectorised: runs of one (hash, outlet) long enough
    repeated = (np.bincount(run) >= options.outlet_repeats)[run] if len(run) else first
    dropped = np.zeros(len(hashes), dtype=bool)
    dropped[chosen[repeated]] = True
    entries = chosen[first & repeated]
    return hashes[entries], codes[entries], dropped


def _by_outlet(hashes: np.ndarray, codes: np.ndarray, names: Sequence[str]
               ) -> dict[str, np.ndarray]:
    """``{outlet: sorted fingerprints}`` from ``(hash, outlet code)`` entries."""
    return {names[code]: np.unique(hashes[codes == code]) for code in np.unique(codes).tolist()}


def postings_boilerplate(hashes: np.ndarray, codes: np.ndarray, names: Sequence[str],
                         options: ReuseOptions) -> Boilerplate:
    """The boilerplate among postings (``hashes[k]`` held by an article of outlet
    ``names[codes[k]]``; -1: no outlet), given every posting of each of their fingerprints:
    the rules ``candidate_pairs`` applies, for a set of fingerprints."""
    order = np.argsort(hashes, kind="stable")
    hashes, codes = hashes[order], codes[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(hashes)) + 1)) if len(hashes) else \
        np.zeros(0, np.int64)
    sizes = np.diff(np.concatenate((starts, [len(hashes)])))
    group_of = np.repeat(np.arange(len(sizes)), sizes)
    common = sizes > options.max_df  # is_boilerplate, vectorised
    own_hashes, own_codes, _ = _outlet_boilerplate(hashes, group_of, codes, common[group_of],
                                                   options)
    return Boilerplate(hashes[starts[common]], _by_outlet(own_hashes, own_codes, names))


def is_boilerplate(articles: int, options: ReuseOptions) -> bool:
    """Whether a fingerprint found in this many articles is boilerplate everywhere (more than
    ``max_df``). Every engine applies this rule and ``is_outlet_boilerplate``."""
    return articles > options.max_df


def is_outlet_boilerplate(articles_of_outlet: int, options: ReuseOptions) -> bool:
    """Whether a fingerprint found in this many articles of one outlet is its boilerplate."""
    return articles_of_outlet >= options.outlet_repeats


def _outlet_codes(outlets: Sequence[str | None]) -> tuple[np.ndarray, list[str]]:
    """A code per article's outlet (-1 for none: ``None`` or ``""``) and the outlet names."""
    table: dict[str, int] = {}
    codes = np.array([table.setdefault(o, len(table)) if o else -1 for o in outlets], np.int64)
    return codes, list(table)


# ---------------------------------------------------------------- alignment


def usable_mask(fp: Fingerprints, boilerplate: Boilerplate, window: int,
                outlet: str | None = None) -> np.ndarray:
    """Shingle positions of an article of ``outlet`` that may seed an alignment. A boilerplate
    shingle is never a seed. In a boilerplate line (a footer, a disclaimer) winnowing puts a
    boilerplate fingerprint in every window, so everything between two hits at most ``window``
    apart is masked as well. An isolated stock phrase inside copied text masks only itself."""
    usable = np.ones(len(fp.shingles), dtype=bool)
    hits = boilerplate.masked(fp.shingles, outlet)
    if not len(hits):
        return usable
    usable[hits] = False
    dense = np.flatnonzero(np.diff(hits) <= window)
    if len(dense):
        # mark [hits[k], hits[k+1]) for every dense neighbour pair with a difference array
        change = np.zeros(len(fp.shingles) + 1, dtype=np.int64)
        np.add.at(change, hits[dense], 1)
        np.add.at(change, hits[dense + 1], -1)
        usable &= np.cumsum(change[:-1]) == 0
    return usable


def _seeds(a: Fingerprints, b: Fingerprints, usable_a: np.ndarray, usable_b: np.ndarray,
           max_repeat: int = 3) -> np.ndarray:
    """(i, j) positions of equal shingles in a and b, sorted; phrases repeated more than
    ``max_repeat`` times in either article are skipped as uninformative."""
    ha, hb = a.shingles[usable_a], b.shingles[usable_b]
    ia, ib = np.flatnonzero(usable_a), np.flatnonzero(usable_b)
    if not len(ha) or not len(hb):
        return np.zeros((0, 2), np.int64)
    order_b = np.argsort(hb, kind="stable")
    hb, ib = hb[order_b], ib[order_b]
    first = np.searchsorted(hb, ha, side="left")
    in_b = np.searchsorted(hb, ha, side="right") - first  # occurrences in b of each a shingle
    _, where, counts = np.unique(ha, return_inverse=True, return_counts=True)
    keep = (in_b > 0) & (in_b <= max_repeat) & (counts[where] <= max_repeat)
    pos_a, first, in_b = ia[keep], first[keep], in_b[keep]
    if not len(pos_a):
        return np.zeros((0, 2), np.int64)
    # every (a position, b occurrence) pair: b occurrences k = first .. first + in_b - 1
    step = np.arange(int(in_b.sum())) - np.repeat(np.cumsum(in_b) - in_b, in_b)
    seeds = np.column_stack((np.repeat(pos_a, in_b),
                             ib[np.repeat(first, in_b) + step])).astype(np.int64)
    return seeds[np.lexsort((seeds[:, 1], seeds[:, 0]))]


def _chain(seeds: np.ndarray, options: ReuseOptions, blocked_a: np.ndarray,
           blocked_b: np.ndarray) -> list[list[tuple[int, int]]]:
    """Greedy chaining of seeds sorted by position in a: each seed extends the open chain whose
    last seed it follows most closely, or starts a new one. ``blocked_*`` are running counts
    of boilerplate positions: a chain never crosses a boilerplate region."""
    chains: list[list[tuple[int, int]]] = []
    open_chains: list[int] = []
    for i, j in seeds.tolist():
        best, best_cost = -1, None
        still_open = []
        for c in open_chains:
            li, lj = chains[c][-1]
            if i - li > options.max_gap:
                continue  # this chain can no longer be extended
            still_open.append(c)
            gi, gj = i - li, j - lj
            if gi <= 0 or gj <= 0 or gj > options.max_gap:
                continue
            if min(gi, gj) > options.small_gap:
                continue
            if (blocked_a[i] - blocked_a[li] > options.window
                    or blocked_b[j] - blocked_b[lj] > options.window):
                continue  # a boilerplate region (a footer), not an isolated stock phrase
            cost = abs(gi - gj) + min(gi, gj)
            if best_cost is None or cost < best_cost:
                best, best_cost = c, cost
        open_chains = still_open
        if best >= 0:
            chains[best].append((i, j))
        else:
            chains.append([(i, j)])
            open_chains.append(len(chains) - 1)
    return chains


_OPENING = "\"'“‘«([¿¡"
_CLOSING = "\"'”’».,;:!?)]…"


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in the punctuation that touches the passage: opening quotes before it, closing
    punctuation and quotes after it, so a copied sentence ends with its full stop."""
    while start > 0 and text[start - 1] in _OPENING:
        start -= 1
    while end < len(text) and text[end] in _CLOSING:
        end += 1
    return start, end


def align_pair(a: Fingerprints, b: Fingerprints, options: ReuseOptions = ReuseOptions(),
               usable: tuple[np.ndarray, np.ndarray] | None = None,
               texts: tuple[str, str] | None = None) -> list[ReuseLink]:
    """Aligned passages of two articles as ReuseLinks (ids ordered a < b in the result).
    ``usable`` are the two articles' ``usable_mask`` (default: nothing masked); with ``texts``
    (the two articles' texts) passages take in touching punctuation."""
    a_text, b_text = texts or ("", "")
    if b.article_id < a.article_id:  # align in id order, so the result never depends on input order
        a, b, a_text, b_text = b, a, b_text, a_text
        if usable is not None:
            usable = (usable[1], usable[0])
    usable_a, usable_b = usable or (np.ones(len(a.shingles), dtype=bool),
                                   np.ones(len(b.shingles), dtype=bool))
    seeds = _seeds(a, b, usable_a, usable_b)
    if not len(seeds):
        return []
    links = []
    for a_start, a_end, b_start, b_end, score in _passages(a, b, seeds, usable_a, usable_b,
                                                           options):
        a_start, a_end = _widen(a_text, a_start, a_end)
        b_start, b_end = _widen(b_text, b_start, b_end)
        links.append(ReuseLink(a.article_id, a_start, a_end, b.article_id, b_start, b_end, score))
    return links


def _passages(a: Fingerprints, b: Fingerprints, seeds: np.ndarray, usable_a: np.ndarray,
              usable_b: np.ndarray, options: ReuseOptions
              ) -> list[tuple[int, int, int, int, float]]:
    """The passages ``(a_start, a_end, b_start, b_end, score)`` that ``seeds`` chain into,
    before punctuation is taken in: every chain of ``min_chars`` on both sides, cut where one
    side skips a sentence."""
    n = options.ngram
    blocked_a = np.concatenate(([0], np.cumsum(~usable_a)))
    blocked_b = np.concatenate(([0], np.cumsum(~usable_b)))
    passages = []
    for chain in _chain(seeds, options, blocked_a, blocked_b):
        a_span = int(a.ends[chain[-1][0] + n - 1]) - int(a.starts[chain[0][0]])
        b_span = int(b.ends[chain[-1][1] + n - 1]) - int(b.starts[chain[0][1]])
        if a_span < options.min_chars or b_span < options.min_chars:
            continue
        for part in _segments(chain, options):
            i0, j0 = part[0]
            i1, j1 = part[-1]
            covered_a = _covered([i for i, _ in part], n)
            covered_b = _covered([j for _, j in part], n)
            score = (covered_a / (i1 + n - i0) + covered_b / (j1 + n - j0)) / 2
            passages.append((int(a.starts[i0]), int(a.ends[i1 + n - 1]), int(b.starts[j0]),
                             int(b.ends[j1 + n - 1]), round(score, 4)))
    return passages


def _covered(positions: list[int], n: int) -> int:
    """Words covered by the n-grams starting at ``positions`` (ascending: a chain's seeds
    advance on both sides)."""
    return n + sum(min(n, later - earlier) for earlier, later in zip(positions, positions[1:]))


def same_alignment(a: Fingerprints, b: Fingerprints, options: ReuseOptions,
                   before: tuple[np.ndarray, np.ndarray],
                   after: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether ``align_pair`` gives ``a`` and ``b`` the same passages with the usable masks
    ``after`` as with ``before``, where ``after`` masks the same positions and more (new
    boilerplate). Needs the word offsets and shingles, not the texts.

    Seeds only go (those at newly masked positions) unless a phrase repeated too often to
    seed now falls under the limit: then the answer is no. Chaining never joins seeds more
    than ``max_gap`` words apart in ``a``, so the seeds split at such gaps into independent
    runs; a run that loses no seed and spans no newly masked position (on either side)
    chains as before. The other runs are chained both ways and their passages compared."""
    if b.article_id < a.article_id:  # as align_pair does
        a, b, before, after = b, a, before[::-1], after[::-1]
    newly_a, newly_b = before[0] & ~after[0], before[1] & ~after[1]
    if _repeats_unmasked(a, before[0], newly_a) or _repeats_unmasked(b, before[1], newly_b):
        return False
    seeds = _seeds(a, b, *before)
    if not len(seeds):
        return True
    lost = newly_a[seeds[:, 0]] | newly_b[seeds[:, 1]]
    run = np.concatenate(([0], np.cumsum(np.diff(seeds[:, 0]) > options.max_gap)))
    touched = np.zeros(run[-1] + 1, dtype=bool)
    touched[run[lost]] = True
    masked_a, masked_b = np.cumsum(newly_a), np.cumsum(newly_b)  # newly masked up to here
    for side, masked in ((0, masked_a), (1, masked_b)):
        low = np.full(len(touched), np.iinfo(np.int64).max)
        high = np.full(len(touched), -1)
        np.minimum.at(low, run, seeds[:, side])
        np.maximum.at(high, run, seeds[:, side])
        touched |= masked[high] - np.where(low > 0, masked[low - 1], 0) > 0
    if not touched.any():
        return True
    chosen = touched[run]
    old = _passages(a, b, seeds[chosen], *before, options)
    new = _passages(a, b, seeds[chosen & ~lost], *after, options)
    return sorted(old) == sorted(new)


def _repeats_unmasked(fp: Fingerprints, usable: np.ndarray, newly: np.ndarray,
                      max_repeat: int = 3) -> bool:
    """Whether masking ``newly`` brings a shingle repeated more than ``max_repeat`` times in
    the article under that limit, while some of it stays: a phrase that could not seed now
    can."""
    if not newly.any():
        return False
    values = np.unique(fp.shingles[newly])
    before = _occurrences(values, fp.shingles[usable])
    after = _occurrences(values, fp.shingles[usable & ~newly])
    return bool(((before > max_repeat) & (after > 0) & (after <= max_repeat)).any())


def _occurrences(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """How often each of ``values`` occurs in ``pool``."""
    pool = np.sort(pool)
    return np.searchsorted(pool, values, side="right") - np.searchsorted(pool, values, side="left")


def _segments(chain: list[tuple[int, int]], options: ReuseOptions) -> list[list[tuple[int, int]]]:
    """A qualifying chain cut where one side skips more than ``small_gap`` words (a sentence
    inserted or deleted): the skipped text was not copied, so no passage covers it."""
    parts = [[chain[0]]]
    for (li, lj), (i, j) in zip(chain, chain[1:]):
        if i - li > options.small_gap or j - lj > options.small_gap:
            parts.append([])
        parts[-1].append((i, j))
    return parts


# ---------------------------------------------------------------- clusters and origin


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, x, y) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


def build_clusters(links: Iterable[ReuseLink], published: Mapping[str, str | None],
                   options: ReuseOptions = ReuseOptions()) -> list[Cluster]:
    """Reprint clusters from links, each with its likely origin."""
    links = list(links)
    ranges: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for link in links:
        for p in link.passages:
            ranges[p.article_id].append((p.start, p.end))
    # Merge the passages of each article that overlap or lie within cluster_gap characters.
    nodes: dict[str, list[list[int]]] = {}
    for article_id, spans in ranges.items():
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1] + options.cluster_gap:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        nodes[article_id] = merged

    def node_of(p: Passage) -> tuple[str, int]:
        for index, (start, end) in enumerate(nodes[p.article_id]):
            if start <= p.start and p.end <= end:
                return p.article_id, index
        raise AssertionError("every passage lies in a merged node")

    uf = _UnionFind()
    for article_id, merged in nodes.items():
        for index in range(len(merged)):
            uf.find((article_id, index))
    for link in links:
        pa, pb = link.passages
        uf.union(node_of(pa), node_of(pb))
    components: dict = defaultdict(list)
    for node in uf.parent:
        components[uf.find(node)].append(node)
    clusters = []
    for members in components.values():
        passages = tuple(sorted(Passage(aid, *nodes[aid][index]) for aid, index in members))
        clusters.append((passages, likely_origin({p.article_id for p in passages}, published)))
    clusters.sort(key=lambda c: (c[0][0].article_id, c[0][0].start))
    return [Cluster(id=f"c{n:06d}", members=passages, origin=found.article,
                    origin_note=found.note, origin_basis=found.basis,
                    origin_confidence=found.confidence)
            for n, (passages, found) in enumerate(clusters, 1)]


class Origin(NamedTuple):
    """The likely origin of a cluster: the article (None for a tie or no dates), a note in
    words, the basis (``doc.ORIGIN_BASES``) and a confidence in [0, 1]."""

    article: str | None
    note: str
    basis: str
    confidence: float


#: the gap (hours) at which the timing term of the confidence reaches one half
GAP_HALF_HOURS = 1.0
#: how likely an undated member is to be the origin, next to a dated one
UNDATED_WEIGHT = 0.5


def likely_origin(article_ids: Iterable[str], published: Mapping[str, str | None]) -> Origin:
    """The member published first, compared at the finest precision both sides have.

    Members without a valid date are left out of the comparison: the earliest dated member is
    named (basis ``earliest``, or ``earliest dated; N undated``). The origin is None only when
    the earliest members tie (basis ``tie``: the same day for dates, the same minute or second
    for times) or no member is dated (``undated``).

    Confidence = timing x dating. Timing = g / (g + GAP_HALF_HOURS), g the hours from the origin
    to the next dated member (``doc.published_gap_hours``: exact between two times; where only
    days compare, 24 h per day apart less 12 h for the unknown time of day), or 1 when no
    other member is dated: 0.67 at 2 h, 0.92 a day apart by dates alone, 0.96 at 24 h.
    Dating = d / (d + UNDATED_WEIGHT x u) for d dated and u undated members: any undated member
    might have come first, though reprints lose their date more often than originals do (1
    when all are dated, 0.8 for two dated and one undated). A tie or no date: 0.
    """
    ids = sorted(set(article_ids))
    dated: dict[str, Published] = {}
    for article_id in ids:
        parsed = parse_published(published.get(article_id))
        if parsed is not None:
            dated[article_id] = parsed
    undated = len(ids) - len(dated)
    if not dated:
        return Origin(None, "no member has a publication date", "undated", 0.0)
    order = sorted(dated, key=lambda i: (published_sort_key(dated[i].text), i))
    # The earliest: members no other dated member precedes. Times of different precision
    # need not form a chain (a date ties two times of its day that differ), so every pair that
    # matters is compared; in time order a later member fails at once.
    first = [i for i in order
             if all(compare_published(dated[i], dated[j]) <= 0 for j in order if j != i)]
    if not first:
        return Origin(None, "the members' dates contradict each other (times with and without "
                      "zones): no member is earliest", "tie", 0.0)
    tied = sorted(first if len(first) > 1 else
                  first + [j for j in order if j != first[0]
                           and compare_published(dated[first[0]], dated[j]) == 0])
    if len(tied) > 1:
        named = ", ".join(tied[:5]) + (", ..." if len(tied) > 5 else "")
        coarsest = min((dated[i] for i in tied), key=lambda p: p.precision)
        return Origin(None, f"{len(tied)} members were published first ({named}), "
                      f"{_when(coarsest.text)}: a tie", "tie", 0.0)
    origin = first[0]
    others = [j for j in order if j != origin]
    gap = min((published_gap_hours(dated[origin], dated[j]) for j in others), default=None)
    timing = 1.0 if gap is None else gap / (gap + GAP_HALF_HOURS)
    dating = len(dated) / (len(dated) + UNDATED_WEIGHT * undated)
    confidence = round(timing * dating, 3)
    after = f"; the next dated member {_hours(gap)} later" if gap is not None else ""
    if undated:
        return Origin(origin, f"published first of the {len(dated)} dated members, "
                      f"{_when(dated[origin].text)}{after}; {undated} undated",
                      f"earliest dated; {undated} undated", confidence)
    return Origin(origin, f"published first, {_when(dated[origin].text)}{after}", "earliest",
                  confidence)


def _when(text: str) -> str:
    return f"at {text}" if "T" in text else f"on {text}"


def _hours(gap: float) -> str:
    if gap >= 48:
        return f"{gap / 24:.1f} days"
    return f"{gap:.1f} h" if gap < 10 else f"{gap:.0f} h"


# ---------------------------------------------------------------- outlet graph


@dataclass(frozen=True)
class OutletEdge:
    source: str  # the outlet that published first
    target: str  # the outlet that published the same text later
    links: int
    characters: int  # characters of the later outlet's passages


def outlet_graph(links: Iterable[ReuseLink], outlets: Mapping[str, str | None],
                 published: Mapping[str, str | None]) -> list[OutletEdge]:
    """Who copies from whom: for each link between articles of two known outlets, one dated
    strictly earlier than the other (at the finest precision both have), an edge from the
    earlier outlet to the later one."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    parsed: dict[str, Published | None] = {}

    def when(article_id: str) -> Published | None:
        if article_id not in parsed:
            parsed[article_id] = parse_published(published.get(article_id))
        return parsed[article_id]

    for link in links:
        oa, ob = outlets.get(link.a), outlets.get(link.b)
        if not (oa and ob) or oa == ob:
            continue
        da, db = when(link.a), when(link.b)
        if da is None or db is None:
            continue
        order = compare_published(da, db)
        if order == 0:
            continue
        if order < 0:
            key, chars = (oa, ob), link.b_end - link.b_start
        else:
            key, chars = (ob, oa), link.a_end - link.a_start
        counts[key][0] += 1
        counts[key][1] += chars
    return [OutletEdge(s, t, n, c) for (s, t), (n, c) in
            sorted(counts.items(), key=lambda kv: (-kv[1][1], kv[0]))]


# ---------------------------------------------------------------- the whole run


@dataclass
class ReuseResult:
    links: list[ReuseLink]
    clusters: list[Cluster]
    stats: dict = field(default_factory=dict)


def find_reuse(articles: Sequence[Article], options: ReuseOptions = ReuseOptions(),
               progress=None) -> ReuseResult:
    """All reuse links and reprint clusters among ``articles`` (ids must be unique)."""
    return find_reuse_streamed(articles, lambda indices: [articles[i] for i in indices],
                               options, progress)[0]


def find_reuse_with_prints(articles: Sequence[Article], options: ReuseOptions = ReuseOptions(),
                           progress=None) -> tuple[ReuseResult, list[np.ndarray], Boilerplate]:
    """``find_reuse``, and what a fingerprint index keeps of the run: each article's
    fingerprints (in input order) and the boilerplate."""
    return find_reuse_streamed(articles, lambda indices: [articles[i] for i in indices],
                               options, progress)[:3]


#: articles whose full fingerprints (word offsets, shingles) are held at once while aligning
ALIGN_BATCH = 4000


def find_reuse_streamed(articles: Iterable[Article],
                        fetch: Callable[[Sequence[int]], Sequence[Article]],
                        options: ReuseOptions = ReuseOptions(), progress=None,
                        on_fingerprint: Callable[[int, Article, Fingerprints], None] | None = None,
                        ) -> tuple[ReuseResult, list[np.ndarray], Boilerplate, Candidates]:
    """``find_reuse`` in bounded memory: ``articles`` is read once, in order (ids unique);
    only each article's winnowed fingerprints are kept. Candidate pairs are then aligned a
    group of connected articles at a time, ``fetch(indices)`` giving those articles again
    (from a list, or from a store), so word offsets and shingles are held for at most about
    ``ALIGN_BATCH`` articles. ``on_fingerprint(index, article, fingerprints)`` sees each
    article once (a store writes its index rows there). Returns the result, each article's
    fingerprints, the boilerplate and the candidate pairs."""
    import time

    timings = {}
    began = time.perf_counter()
    light: list[Fingerprints] = []
    outlets: list[str | None] = []
    published: dict[str, str | None] = {}
    empty32 = np.zeros(0, np.int32)
    empty64 = np.zeros(0, np.uint64)
    for index, article in enumerate(articles):
        fp = fingerprint(article, options)
        if on_fingerprint is not None:
            on_fingerprint(index, article, fp)
        light.append(Fingerprints(article.id, empty32, empty32, empty64, fp.prints))
        outlets.append(article.outlet)
        published[article.id] = article.published
    timings["fingerprint_s"] = time.perf_counter() - began
    began = time.perf_counter()
    candidates = candidate_pairs(light, outlets, options)
    del outlets
    timings["candidates_s"] = time.perf_counter() - began
    began = time.perf_counter()
    links: list[ReuseLink] = []
    # Pairs in an order that keeps neighbours together (breadth first over the pair graph);
    # each article's full fingerprints are made when a pair first needs them and dropped
    # once ``ALIGN_BATCH`` others were used since (least recently used).
    cache: OrderedDict[int, tuple[Article, Fingerprints, np.ndarray]] = OrderedDict()
    ordered = candidates.pairs[_pair_order(candidates.pairs, len(light))]
    for begin in range(0, len(ordered), _PAIR_CHUNK):
        chunk = ordered[begin:begin + _PAIR_CHUNK]
        needed = np.unique(chunk).tolist()
        missing = [i for i in needed if i not in cache]
        for i, article in zip(missing, fetch(missing) if missing else ()):
            fp = fingerprint(article, options)
            cache[i] = (article, fp, usable_mask(fp, candidates.boilerplate, options.window,
                                                 article.outlet))
        for i in needed:
            cache.move_to_end(i)
        for i, j in chunk.tolist():
            (text_i, fp_i, use_i), (text_j, fp_j, use_j) = cache[i], cache[j]
            links += align_pair(fp_i, fp_j, options, (use_i, use_j),
                                (text_i.text, text_j.text))
        while len(cache) > max(ALIGN_BATCH, len(needed)):
            cache.popitem(last=False)
        if progress:
            progress(begin + len(chunk), len(ordered))
    del cache
    links.sort()
    timings["align_s"] = time.perf_counter() - began
    began = time.perf_counter()
    clusters = build_clusters(links, published, options)
    timings["cluster_s"] = time.perf_counter() - began
    stats = {"articles": len(light), "fingerprints": candidates.postings,
             "boilerplate_fingerprints": int(len(candidates.boilerplate)),
             "pair_postings": candidates.pair_postings,
             "candidate_pairs": int(len(candidates.pairs)), "links": len(links),
             "clusters": len(clusters), **{k: round(v, 3) for k, v in timings.items()}}
    return (ReuseResult(links, clusters, stats), [fp.prints for fp in light],
            candidates.boilerplate, candidates)


_PAIR_CHUNK = 1000  # pairs whose missing articles are fetched together


def _pair_order(pairs: np.ndarray, count: int) -> np.ndarray:
    """An order of ``pairs`` (rows of article indices) that visits the pair graph breadth
    first, so the pairs of one neighbourhood come together (bounded cache misses)."""
    if not len(pairs):
        return np.zeros(0, np.int64)
    src = np.concatenate((pairs[:, 0], pairs[:, 1]))
    dst = np.concatenate((pairs[:, 1], pairs[:, 0]))
    by_src = np.argsort(src, kind="stable")
    src, dst = src[by_src], dst[by_src]
    offsets = np.searchsorted(src, np.arange(count + 1)).tolist()
    neighbours = dst.tolist()
    rank = [-1] * count
    position = 0
    for start in np.unique(pairs).tolist():
        if rank[start] >= 0:
            continue
        rank[start] = position
        position += 1
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for other in neighbours[offsets[node]:offsets[node + 1]]:
                if rank[other] < 0:
                    rank[other] = position
                    position += 1
                    queue.append(other)
    ranks = np.array(rank, dtype=np.int64)
    ra, rb = ranks[pairs[:, 0]], ranks[pairs[:, 1]]
    return np.lexsort((np.minimum(ra, rb), np.maximum(ra, rb)))
