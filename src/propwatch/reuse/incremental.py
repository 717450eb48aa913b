"""Reuse over a stored corpus, kept up to date: a fingerprint index in the store lets a run
compare only the articles added since the last run, with the result a full run would give.

Why it is exact. The engine's result depends on the corpus only through (1) each article's
fingerprints, (2) the boilerplate (document frequency per fingerprint: masked everywhere; per
outlet: masked in that outlet's articles), (3) the candidate pairs and (4) the alignment of
each pair, which reads the two articles and what each of them masks. Articles are only added,
so counts only grow and what an article masks only grows: by the fingerprints that became
boilerplate everywhere, or for its outlet (``H``, per article). A pair of old articles
neither of which holds a hash of its ``H`` keeps its candidacy, its usable masks and so its
links. So the run

* fingerprints the new articles N and counts their fingerprints with the index's postings,
  everywhere and per outlet, giving what became boilerplate;
* finds the old articles T whose shingles hold a hash of their ``H`` (the index keeps each
  article's shingles and word offsets) and rechecks their stored candidate pairs: a pair
  whose shared fingerprints (those neither side masks) fall below ``min_shared`` is dropped.
  When no shingle of one article near a new boilerplate hit of its own (``window`` before,
  ``window + max_gap`` after: the reach of a masked run and of one chaining step) is a
  shingle of the other, no seed, repeat count or chaining decision can change, so its links
  stay as they were. Otherwise ``engine.same_alignment`` chains again, from the stored
  shingles and offsets, only the runs of seeds the new masks reach, both ways; a pair is
  aligned again (with its texts) only when their passages differ;
* finds the candidate pairs of N through the index's postings and aligns them;
* recomputes clusters only in the connected components (articles joined by links) that hold
  an article whose links changed; other clusters are kept, then all are numbered as a full run
  numbers them (by first passage), so ids match too.

A removed or changed article, other options or another engine version, or an index that does
not belong to the latest reuse run makes the run a full one, with a note saying why.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable

import numpy as np

from ..doc import Article, Cluster, ReuseLink
from .engine import (ENGINE_VERSION, Boilerplate, Fingerprints, ReuseOptions, ReuseResult,
                     align_pair, build_clusters, find_reuse_streamed, fingerprint, in_sorted,
                     postings_boilerplate, same_alignment,
                     usable_mask)

_HEADER = np.dtype("<u4")  # blob header: word count, then shingle count


@dataclass
class StoredReuse:
    """A reuse run over a store: its result, run id, how it ran and notes for the user."""

    result: ReuseResult
    run_id: int | None
    mode: str  # "full", "incremental" or "unchanged"
    notes: list[str] = field(default_factory=list)


#: The layout of the index's per-article blob (``index_blob``); a store written with another
#: one is rebuilt by its next run.
INDEX_FORMAT = 2


def index_settings(options: ReuseOptions) -> dict:
    """What a fingerprint index must share with a run to be reused: engine version, blob
    layout, options."""
    return {"engine_version": ENGINE_VERSION, "index_format": INDEX_FORMAT, **asdict(options)}


def index_blob(fp: Fingerprints) -> bytes:
    """What the index keeps of an article to align it without its text: its word count and
    shingle count, its shingles (uint64, word order), then each word's character start and
    end (int32)."""
    head = np.array([len(fp.starts), len(fp.shingles)], dtype=_HEADER)
    return b"".join((head.tobytes(), fp.shingles.astype("<u8").tobytes(),
                     fp.starts.astype("<i4").tobytes(), fp.ends.astype("<i4").tobytes()))


def blob_shingles(blob: bytes) -> np.ndarray:
    """The shingles of an ``index_blob``, in word order."""
    words, count = np.frombuffer(blob, dtype=_HEADER, count=2).tolist()
    return np.frombuffer(blob, dtype="<u8", count=count, offset=8)


def blob_fingerprints(article_id: str, blob: bytes) -> Fingerprints:
    """The Fingerprints of an ``index_blob`` (without the winnowed fingerprints)."""
    words, count = np.frombuffer(blob, dtype=_HEADER, count=2).tolist()
    at = 8 + 8 * count
    return Fingerprints(article_id,
                        np.frombuffer(blob, dtype="<i4", count=words, offset=at).astype(np.int32),
                        np.frombuffer(blob, dtype="<i4", count=words,
                                      offset=at + 4 * words).astype(np.int32),
                        blob_shingles(blob).astype(np.uint64), np.zeros(0, np.uint64))


def why_full(store: Any, options: ReuseOptions) -> str | None:
    """Why the next reuse run over ``store`` must compare everything, or None."""
    state = store.reuse_index()
    if state is None:
        return "no fingerprint index yet: building it with a full run"
    wanted = index_settings(options)
    if state["settings"] != wanted:
        changed = ", ".join(f"{k} {state['settings'].get(k)!r} -> {v!r}"
                            for k, v in wanted.items() if state["settings"].get(k) != v)
        return f"the fingerprint index was built with other settings ({changed}): rebuilding it"
    latest = store.latest_run("reuse")
    if latest is None or latest["id"] != state["run_id"]:
        return ("the latest reuse run is not the one the fingerprint index belongs to (another "
                "engine, or a run that stopped): rebuilding it")
    stale = store.reuse_index_stale()
    if stale:
        return (f"{stale} indexed articles were removed or changed since the last run: "
                "rebuilding the fingerprint index")
    return None


def full_reuse(store: Any, options: ReuseOptions, *, note: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> StoredReuse:
    """Compare every stored article, save the run and rebuild the index.

    It reads the store twice (``find_reuse_streamed``): once in id order to fingerprint, then
    the articles of candidate pairs a group at a time; memory holds the fingerprints, not the
    texts. ``store`` is a ``propwatch.store.Store`` (reuse does not import the store)."""
    began = time.perf_counter()
    store.clear_reuse_index()
    seqs: list[int] = []
    pending: list[tuple[int, str, bytes]] = []

    def articles():
        for seq, digest, article in store.iter_articles_with_keys():
            seqs.append(seq)
            pending.append((seq, digest, b""))
            yield article

    def indexed(index: int, article: Article, fp: Fingerprints) -> None:
        seq, digest, _ = pending[-1]
        pending[-1] = (seq, digest, index_blob(fp))
        if len(pending) >= 2000:
            store.add_reuse_fingerprints(pending)
            pending.clear()

    def fetch(indices):
        found = store.articles_by_seq([seqs[i] for i in indices])
        return [found[seqs[i]] for i in indices]

    result, prints, boilerplate, candidates = find_reuse_streamed(articles(), fetch, options,
                                                                  progress, indexed)
    store.add_reuse_fingerprints(pending)
    order = np.asarray(seqs, dtype=np.int64)
    store.set_reuse_pairs(add=[(min(a, b), max(a, b), n) for a, b, n in zip(
        order[candidates.pairs[:, 0]].tolist(), order[candidates.pairs[:, 1]].tolist(),
        candidates.shared.tolist())])
    del candidates
    step = time.perf_counter()
    run_id = store.start_run("reuse", {"engine": "local", "mode": "full", **asdict(options)})
    store.save_reuse(run_id, result.links, result.clusters)
    save_s = time.perf_counter() - step
    step = time.perf_counter()
    store.add_reuse_prints(seqs, prints)
    del prints
    store.set_reuse_index(settings=index_settings(options), run_id=run_id,
                          boilerplate=boilerplate.common,
                          outlet_boilerplate=boilerplate.by_outlet)
    result.stats.update({"mode": "full", "engine": "local", "save_s": round(save_s, 3),
                         "index_s": round(time.perf_counter() - step, 3),
                         "seconds": round(time.perf_counter() - began, 3)})
    store.finish_run(run_id, result.stats)
    return StoredReuse(result, run_id, "full", [note] if note else [])


def update_reuse(store: Any, options: ReuseOptions, *, full: bool = False,
                 progress: Callable[[int, int], None] | None = None) -> StoredReuse:
    """Bring the store's reuse up to date: incrementally where the index allows, else (or
    with ``full``) a full run that rebuilds the index; ``notes`` say why it was full."""
    if full:
        return full_reuse(store, options, progress=progress)
    reason = why_full(store, options)
    if reason is not None:
        return full_reuse(store, options, note=reason, progress=progress)
    return incremental_reuse(store, options, progress=progress)


def _became_boilerplate(hashes: np.ndarray, codes: np.ndarray, names: list[str],
                        old: Boilerplate, options: ReuseOptions
                        ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """What became boilerplate, given every posting of the fingerprints it may concern
    (``hashes[k]`` held by an article of outlet ``names[codes[k]]``; -1: no outlet) and
    none masked everywhere before: the fingerprints now masked everywhere, and per outlet
    those now masked in its articles that it did not mask before."""
    found = postings_boilerplate(hashes, codes, names, options)
    own = {}
    for outlet, values in found.by_outlet.items():
        fresh = np.setdiff1d(values, old.by_outlet.get(outlet, np.zeros(0, np.uint64)))
        if len(fresh):
            own[outlet] = fresh
    return found.common, own


def _as_set(arrays: dict[str, np.ndarray], key: str, cache: dict[str, set[int]]) -> set[int]:
    """``arrays[key]`` as a set of ints (empty when absent), made once per key."""
    if key not in cache:
        cache[key] = set(arrays[key].tolist()) if key in arrays else set()
    return cache[key]


def _grown(old: Boilerplate, common: np.ndarray, own: dict[str, np.ndarray]) -> Boilerplate:
    """``old`` with what became boilerplate, in a full run's form (no outlet lists a common
    fingerprint; no empty list)."""
    everywhere = np.union1d(old.common, common)
    by_outlet = {}
    for outlet in sorted(set(old.by_outlet) | set(own)):
        values = np.union1d(old.by_outlet.get(outlet, np.zeros(0, np.uint64)),
                            own.get(outlet, np.zeros(0, np.uint64)))
        values = values[~np.isin(values, everywhere)]
        if len(values):
            by_outlet[outlet] = values
    return Boilerplate(everywhere, by_outlet)


def _near_hits(shingles: np.ndarray, low: np.ndarray, before: int, after: int) -> np.ndarray:
    """Shingle positions within ``before`` before or ``after`` after a position whose value
    is in ``low`` (sorted), as a boolean mask."""
    hits = np.flatnonzero(in_sorted(shingles, low))
    change = np.zeros(len(shingles) + 1, dtype=np.int64)
    np.add.at(change, np.maximum(hits - before, 0), 1)
    np.add.at(change, np.minimum(hits + after + 1, len(shingles)), -1)
    return np.cumsum(change[:-1]) > 0


def incremental_reuse(store: Any, options: ReuseOptions, *,
                      progress: Callable[[int, int], None] | None = None) -> StoredReuse:
    """Compare the articles added since the index was built (see the module's docstring)."""
    timings: dict[str, float] = {}
    began = step = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal step
        now = time.perf_counter()
        timings[name] = round(now - step, 3)
        step = now

    state = store.reuse_index()
    assert state is not None
    old_run = state["run_id"]
    fresh = store.unindexed_articles()
    if not fresh:
        result = ReuseResult(store.reuse_links(run_id=old_run), store.clusters(run_id=old_run),
                             {"articles": state["articles"], "new_articles": 0,
                              "candidate_pairs": 0, "mode": "unchanged"})
        result.stats.update(links=len(result.links), clusters=len(result.clusters))
        return StoredReuse(result, old_run, "unchanged",
                           ["no article was added since the last reuse run: nothing to compare"])
    old_boiler = Boilerplate(state["boilerplate"], state["outlet_boilerplate"])
    articles: dict[int, Article] = {seq: a for seq, _, a in fresh}
    fps: dict[int, Fingerprints] = {seq: fingerprint(a, options) for seq, a in articles.items()}
    new_seqs = np.array(sorted(fps), dtype=np.int64)
    lap("fingerprint_s")

    # 1. what the new articles make boilerplate: everywhere, or for an outlet
    new_h = np.concatenate([fps[s].prints for s in new_seqs.tolist()] or
                           [np.zeros(0, np.uint64)])
    new_s = np.repeat(new_seqs, [len(fps[s].prints) for s in new_seqs.tolist()])
    open_h = np.setdiff1d(np.unique(new_h), old_boiler.common)  # masked everywhere stays so
    old_h, old_s = store.reuse_postings(open_h)
    outlet_of: dict[int, str | None] = {
        seq: outlet or None for seq, _, outlet, _ in
        store.article_meta(seqs=np.concatenate((np.unique(old_s), new_seqs)).tolist())}
    names: dict[str, int] = {}

    def codes_of(seqs: np.ndarray) -> np.ndarray:
        return np.array([names.setdefault(outlet_of[s], len(names)) if outlet_of[s] else -1
                         for s in seqs.tolist()], dtype=np.int64)

    keep_new = np.isin(new_h, open_h)
    all_h = np.concatenate((old_h, new_h[keep_new]))
    all_s = np.concatenate((old_s, new_s[keep_new]))
    became_common, became_own = _became_boilerplate(all_h, codes_of(all_s), list(names),
                                                    old_boiler, options)
    boiler = _grown(old_boiler, became_common, became_own)
    lap("boilerplate_s")

    # 2. old articles whose shingles hold a hash they now mask, and their pairs
    masked_now = {outlet: np.union1d(became_common, hashes)
                  for outlet, hashes in became_own.items()}
    newly = np.unique(np.concatenate([became_common, *became_own.values()]))
    shingles: dict[int, np.ndarray] = {}
    blobs: dict[int, bytes] = {}
    if len(newly):
        for seqs, batch in store.scan_reuse_blobs():
            sets = [blob_shingles(b) for b in batch]
            if not sets:
                continue
            flat = np.concatenate(sets)
            owner = np.repeat(seqs, [len(x) for x in sets])
            for seq in np.unique(owner[in_sorted(flat, newly)]).tolist():
                k = int(np.searchsorted(seqs, seq))
                shingles[seq], blobs[seq] = sets[k], batch[k]
    outlet_of.update({seq: outlet or None for seq, _, outlet, _ in
                      store.article_meta(seqs=set(shingles) - set(outlet_of))})

    def masked_by(seq: int) -> np.ndarray:
        """The hashes article ``seq`` masks since this run, sorted."""
        return masked_now.get(outlet_of[seq], became_common) if outlet_of[seq] else \
            became_common

    touched = {seq for seq, values in shingles.items()
               if in_sorted(values, masked_by(seq)).any()}
    old_pairs = store.reuse_pairs_of(touched) if touched else []
    # A shared fingerprint leaves a pair's count when both sides counted it (neither masked
    # it) and one of them masks it now. ``counted``: the newly masked fingerprints an article
    # holds and did not mask before; ``gone``: those it masks now.
    chosen = np.isin(old_h, newly)
    counted: dict[int, set[int]] = defaultdict(set)
    gone: dict[int, set[int]] = defaultdict(set)
    sets_of_old: dict[str, set[int]] = {}
    sets_of_new: dict[str, set[int]] = {}
    common_now = set(became_common.tolist())
    for h, seq in zip(old_h[chosen].tolist(), old_s[chosen].tolist()):
        outlet = outlet_of[seq]
        if outlet and h in _as_set(old_boiler.by_outlet, outlet, sets_of_old):
            continue  # masked in this article already: it never counted for its pairs
        counted[seq].add(h)
        if h in common_now or (outlet and h in _as_set(became_own, outlet, sets_of_new)):
            gone[seq].add(h)
    dropped: list[tuple[int, int]] = []
    recount: list[tuple[int, int, int]] = []
    flagged: list[tuple[int, int]] = []
    partners = {b for a, b, _ in old_pairs} | {a for a, b, _ in old_pairs}
    blobs.update(store.reuse_blobs_of(partners - set(blobs)))
    shingles.update({seq: blob_shingles(blobs[seq]) for seq in partners - set(shingles)})
    windows: dict[int, np.ndarray] = {}
    pools: dict[int, np.ndarray] = {}

    def near(seq: int) -> np.ndarray:
        # shingles whose usable flag or chaining may change: a masked run reaches ``window``
        # shingles around a new boilerplate hit, and a chain step looks ``max_gap`` back
        if seq not in windows:
            values = shingles[seq]
            windows[seq] = np.unique(values[_near_hits(values, masked_by(seq), options.window,
                                                       options.window + options.max_gap)])
        return windows[seq]

    def meets(values: np.ndarray, seq: int) -> bool:
        """Whether any of ``values`` is a shingle of article ``seq``."""
        if seq not in pools:
            pools[seq] = np.unique(shingles[seq])
        return bool(in_sorted(values, pools[seq]).any())

    ids: dict[int, str] = {}
    for seq, aid, outlet, _ in store.article_meta(seqs=partners):
        ids[seq], outlet_of[seq] = aid, outlet or None
    stored: dict[int, tuple[Fingerprints, tuple[np.ndarray, np.ndarray]]] = {}

    def before_after(seq: int) -> tuple[Fingerprints, tuple[np.ndarray, np.ndarray]]:
        """The stored fingerprints of ``seq`` and its usable masks before and after."""
        if seq not in stored:
            fp = blob_fingerprints(ids[seq], blobs[seq])
            stored[seq] = fp, (usable_mask(fp, old_boiler, options.window, outlet_of[seq]),
                               usable_mask(fp, boiler, options.window, outlet_of[seq]))
        return stored[seq]

    checked = 0
    for a, b, shared in old_pairs:
        lost = len((gone[a] | gone[b]) & counted[a] & counted[b]) \
            if (a in gone or b in gone) else 0
        if shared - lost < options.min_shared:
            dropped.append((a, b))
            continue
        if lost:
            recount.append((a, b, shared - lost))
        if (a in touched and meets(near(a), b)) or (b in touched and meets(near(b), a)):
            checked += 1
            (fa, (was_a, now_a)), (fb, (was_b, now_b)) = before_after(a), before_after(b)
            if not same_alignment(fa, fb, options, (was_a, was_b), (now_a, now_b)):
                flagged.append((a, b))
    lap("touched_s")

    # 3. candidate pairs of the new articles: postings of their fingerprints that neither
    # everywhere nor the posting article's outlet masks
    wanted = np.setdiff1d(np.unique(new_h), boiler.common)
    keep_old = np.isin(old_h, wanted)
    keep_new = np.isin(new_h, wanted)
    post_h = np.concatenate((old_h[keep_old], new_h[keep_new]))
    post_s = np.concatenate((old_s[keep_old], new_s[keep_new]))
    post_outlets = np.array([outlet_of[s] or "" for s in post_s.tolist()], dtype=object)
    masked = np.zeros(len(post_h), dtype=bool)
    for outlet in set(post_outlets.tolist()) & set(boiler.by_outlet):
        mine = np.flatnonzero(post_outlets == outlet)
        masked[mine] = np.isin(post_h[mine], boiler.by_outlet[outlet])
    post_h, post_s = post_h[~masked], post_s[~masked]
    order = np.lexsort((post_s, post_h))
    post_h, post_s = post_h[order], post_s[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(post_h)) + 1)) if len(post_h) else \
        np.zeros(0, np.int64)
    group_sizes = np.diff(np.concatenate((starts, [len(post_h)])))
    pair_codes = []
    width = np.int64(1 << 32)
    for size in np.unique(group_sizes[group_sizes >= 2]).tolist():
        first = starts[group_sizes == size]
        members = post_s[first[:, None] + np.arange(size)[None, :]]
        left, right = np.triu_indices(size, k=1)
        a, b = members[:, left].ravel(), members[:, right].ravel()
        mine = np.isin(a, new_seqs) | np.isin(b, new_seqs)
        pair_codes.append(a[mine] * width + b[mine])
    new_pairs: list[tuple[int, int, int]] = []
    if pair_codes:
        found, shared_counts = np.unique(np.concatenate(pair_codes), return_counts=True)
        chosen = shared_counts >= options.min_shared
        new_pairs = list(zip((found[chosen] // width).tolist(), (found[chosen] % width).tolist(),
                             shared_counts[chosen].tolist()))
    to_align = [(a, b) for a, b, _ in new_pairs] + flagged
    missing = sorted({s for pair in to_align for s in pair} - set(fps))
    blobs.update(store.reuse_blobs_of(set(missing) - set(blobs)))
    for seq, article in store.articles_by_seq(missing).items():  # texts: for punctuation
        articles[seq], fps[seq] = article, blob_fingerprints(article.id, blobs[seq])
    lap("candidates_s")

    # 4. align those pairs
    usable: dict[int, np.ndarray] = {}

    def mask(seq: int) -> np.ndarray:
        if seq not in usable:
            usable[seq] = usable_mask(fps[seq], boiler, options.window, articles[seq].outlet)
        return usable[seq]

    aligned: list[ReuseLink] = []
    for n, (i, j) in enumerate(to_align):
        aligned += align_pair(fps[i], fps[j], options, (mask(i), mask(j)),
                              (articles[i].text, articles[j].text))
        if progress and n % 1000 == 0:
            progress(n, len(to_align))
    lap("align_s")

    # 5. links and clusters of the components that changed
    ids = {seq: aid for seq, aid, _, _ in store.article_meta(
        seqs={s for pair in (*dropped, *flagged) for s in pair})}
    redone = {tuple(sorted((ids[a], ids[b]))) for a, b in (*dropped, *flagged)}
    old_links = store.reuse_links(run_id=old_run)
    kept = [x for x in old_links if (x.a, x.b) not in redone]
    removed = [x for x in old_links if (x.a, x.b) in redone]
    links = sorted(kept + aligned)
    changed = {i for x in (*removed, *aligned) for i in (x.a, x.b)}
    neighbours: dict[str, set[str]] = defaultdict(set)
    for x in links:
        neighbours[x.a].add(x.b)
        neighbours[x.b].add(x.a)
    component, stack = set(changed), list(changed)
    while stack:
        for other in neighbours[stack.pop()]:
            if other not in component:
                component.add(other)
                stack.append(other)
    published = {aid: when for _, aid, _, when in store.article_meta(ids=component)}
    rebuilt = build_clusters([x for x in links if x.a in component], published, options)
    kept_clusters = [c for c in store.clusters(run_id=old_run)
                     if not any(m.article_id in component for m in c.members)]
    clusters = _numbered(kept_clusters + rebuilt)
    lap("cluster_s")

    stats = {"articles": state["articles"] + len(fresh), "mode": "incremental",
             "new_articles": len(fresh), "touched_articles": len(touched),
             "new_boilerplate_fingerprints": int(len(newly)),
             "boilerplate_fingerprints": int(len(boiler)),
             "candidate_pairs": len(new_pairs), "pairs_rechecked": len(old_pairs),
             "pairs_checked": checked,
             "pairs_realigned": len(flagged), "pairs_dropped": len(dropped),
             "links": len(links), "links_added": len(aligned), "links_dropped": len(removed),
             "clusters": len(clusters), "clusters_rebuilt": len(rebuilt), **timings}
    run_id = store.start_run("reuse", {"engine": "local", "mode": "incremental",
                                       "from_run": old_run, **asdict(options)})
    store.save_reuse_update(run_id, from_run=old_run, drop=redone, links=aligned,
                            clusters=clusters)
    store.set_reuse_pairs(add=[*new_pairs, *recount], drop=dropped)
    digests = {seq: digest for seq, digest, _ in fresh}
    store.write_reuse_index(
        settings=index_settings(options), run_id=run_id, boilerplate=boiler.common,
        outlet_boilerplate=boiler.by_outlet, replace=False,
        articles=((s, digests[s], index_blob(fps[s]), fps[s].prints)
                  for s in new_seqs.tolist()))
    lap("save_s")
    stats["seconds"] = round(time.perf_counter() - began, 3)
    result = ReuseResult(links, clusters, stats)
    store.finish_run(run_id, stats)
    return StoredReuse(result, run_id, "incremental")


def _numbered(clusters: list[Cluster]) -> list[Cluster]:
    """Clusters in the order a full run gives them (by first passage), numbered c000001..."""
    ordered = sorted(clusters, key=lambda c: (c.members[0].article_id, c.members[0].start))
    return [replace(c, id=f"c{n:06d}") for n, c in enumerate(ordered, 1)]
