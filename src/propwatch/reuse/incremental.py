"""Reuse over a stored corpus, kept up to date: a fingerprint index in the store lets a run
compare only the articles added since the last run, with the result a full run would give.

Why it is exact. The engine's result depends on the corpus only through (1) each article's
fingerprints, (2) the boilerplate set (document frequency per fingerprint, per outlet), (3) the
candidate pairs and (4) the alignment of each pair, which reads the two articles and the
boilerplate set. Articles are only added, so counts only grow and the boilerplate set only
grows: ``B_new = B_old + H``. A pair of old articles whose shingles hold no hash of ``H`` keeps
its candidacy, its usable masks and so its links. So the run

* fingerprints the new articles N and counts their fingerprints with the index's postings,
  giving ``H`` (fingerprints that became boilerplate);
* finds the old articles T whose shingles may hold a hash of ``H`` (the stored shingles, low
  32 bits in word order: a superset) and rechecks their stored candidate pairs: a pair whose
  shared fingerprints fall below ``min_shared`` is dropped; a pair is aligned again only when
  a shingle of one article near a new boilerplate hit of the other (``window`` before,
  ``window + max_gap`` after: the reach of a masked run and of one chaining step) is also a
  shingle of that other article. Otherwise no seed, repeat count or chaining decision can
  change, so its links stay as they were;
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
from .engine import (ENGINE_VERSION, Fingerprints, ReuseOptions, ReuseResult, align_pair,
                     build_clusters, find_reuse_streamed, fingerprint, is_boilerplate,
                     usable_mask)

_LOW32 = np.uint64(0xFFFFFFFF)


@dataclass
class StoredReuse:
    """A reuse run over a store: its result, run id, how it ran and notes for the user."""

    result: ReuseResult
    run_id: int | None
    mode: str  # "full", "incremental" or "unchanged"
    notes: list[str] = field(default_factory=list)


def index_settings(options: ReuseOptions) -> dict:
    """What a fingerprint index must share with a run to be reused: engine version, options."""
    return {"engine_version": ENGINE_VERSION, **asdict(options)}


def shingle_blob(fp: Fingerprints) -> bytes:
    """The stored shingles of an article: the low 32 bits of each, in word order."""
    return (fp.shingles & _LOW32).astype(np.uint32).tobytes()


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
        pending[-1] = (seq, digest, shingle_blob(fp))
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
                          boilerplate=boilerplate)
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


def _outlet_max(hashes: np.ndarray, codes: np.ndarray) -> dict[int, int]:
    """The most articles of one outlet per hash (codes < 0: no outlet)."""
    keep = codes >= 0
    hashes, codes = hashes[keep], codes[keep]
    if not len(hashes):
        return {}
    pairs, counts = np.unique(np.column_stack((hashes.view(np.int64), codes)), axis=0,
                              return_counts=True)
    best: dict[int, int] = {}
    for h, n in zip(pairs[:, 0].view(np.uint64).tolist(), counts.tolist()):
        if n > best.get(h, 0):
            best[h] = n
    return best


def _near_hits(shingles: np.ndarray, low: np.ndarray, before: int, after: int) -> np.ndarray:
    """Shingle positions within ``before`` before or ``after`` after a position whose value
    is in ``low`` (sorted uint32), as a boolean mask."""
    where = np.minimum(np.searchsorted(low, shingles), len(low) - 1)
    hits = np.flatnonzero(low[where] == shingles)
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
    old_boiler = state["boilerplate"]
    articles: dict[int, Article] = {seq: a for seq, _, a in fresh}
    fps: dict[int, Fingerprints] = {seq: fingerprint(a, options) for seq, a in articles.items()}
    new_seqs = np.array(sorted(fps), dtype=np.int64)
    lap("fingerprint_s")

    # 1. which fingerprints the new articles make boilerplate (H)
    new_h = np.concatenate([fps[s].prints for s in new_seqs.tolist()] or
                           [np.zeros(0, np.uint64)])
    new_s = np.repeat(new_seqs, [len(fps[s].prints) for s in new_seqs.tolist()])
    open_h = np.setdiff1d(np.unique(new_h), old_boiler)  # boilerplate stays boilerplate
    old_h, old_s = store.reuse_postings(open_h)
    meta = {seq: outlet for seq, _, outlet, _ in
            store.article_meta(seqs=np.concatenate((np.unique(old_s), new_seqs)).tolist())}
    outlet_table: dict[str, int] = {}
    keep_new = np.isin(new_h, open_h)
    all_h = np.concatenate((old_h, new_h[keep_new]))
    all_s = np.concatenate((old_s, new_s[keep_new]))
    codes = np.array([outlet_table.setdefault(meta[s], len(outlet_table)) if meta[s] else -1
                      for s in all_s.tolist()], dtype=np.int64)
    hashes, sizes = np.unique(all_h, return_counts=True)
    most = _outlet_max(all_h, codes)
    became = np.array([h for h, n in zip(hashes.tolist(), sizes.tolist())
                       if is_boilerplate(n, most.get(h, 0), options)], dtype=np.uint64)
    boiler = np.union1d(old_boiler, became)
    lap("boilerplate_s")

    # 2. old articles whose shingles may hold a hash of H (32 bits: a superset), their pairs
    low = np.unique((became & _LOW32).astype(np.uint32))
    shingles: dict[int, np.ndarray] = {}
    if len(low):
        for seqs, blobs in store.scan_reuse_shingles():
            sets = [np.frombuffer(b, dtype=np.uint32) for b in blobs]
            if not sets:
                continue
            flat = np.concatenate(sets)
            owner = np.repeat(seqs, [len(x) for x in sets])
            where = np.minimum(np.searchsorted(low, flat), len(low) - 1)
            for seq in np.unique(owner[low[where] == flat]).tolist():
                shingles[seq] = sets[int(np.searchsorted(seqs, seq))]
    touched = set(shingles)
    old_pairs = store.reuse_pairs_of(touched) if touched else []
    # shared fingerprints that became boilerplate leave a pair's count
    in_h: dict[int, set[int]] = defaultdict(set)
    for h, seq in zip(old_h[np.isin(old_h, became)].tolist(),
                      old_s[np.isin(old_h, became)].tolist()):
        in_h[seq].add(h)
    dropped: list[tuple[int, int]] = []
    recount: list[tuple[int, int, int]] = []
    flagged: list[tuple[int, int]] = []
    partners = {b for a, b, _ in old_pairs} | {a for a, b, _ in old_pairs}
    shingles.update(store.reuse_shingles_of(partners - set(shingles)))
    windows: dict[int, np.ndarray] = {}
    sets: dict[int, np.ndarray] = {}

    def near(seq: int) -> np.ndarray:
        # shingles whose usable flag or chaining may change: a masked run reaches ``window``
        # shingles around a new boilerplate hit, and a chain step looks ``max_gap`` back
        if seq not in windows:
            values = shingles[seq]
            windows[seq] = np.unique(values[_near_hits(values, low, options.window,
                                                       options.window + options.max_gap)])
        return windows[seq]

    def meets(values: np.ndarray, seq: int) -> bool:
        """Whether any of ``values`` is a shingle of article ``seq``."""
        if seq not in sets:
            sets[seq] = np.unique(shingles[seq])
        pool = sets[seq]
        if not len(values) or not len(pool):
            return False
        where = np.minimum(np.searchsorted(pool, values), len(pool) - 1)
        return bool((pool[where] == values).any())

    for a, b, shared in old_pairs:
        lost = len(in_h[a] & in_h[b]) if a in in_h and b in in_h else 0
        if shared - lost < options.min_shared:
            dropped.append((a, b))
            continue
        if lost:
            recount.append((a, b, shared - lost))
        if (a in touched and meets(near(a), b)) or (b in touched and meets(near(b), a)):
            flagged.append((a, b))
    lap("touched_s")

    # 3. candidate pairs of the new articles
    wanted = np.setdiff1d(np.unique(new_h), boiler)
    keep_old = np.isin(old_h, wanted)
    keep_new = np.isin(new_h, wanted)
    post_h = np.concatenate((old_h[keep_old], new_h[keep_new]))
    post_s = np.concatenate((old_s[keep_old], new_s[keep_new]))
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
    for seq, article in store.articles_by_seq(missing).items():
        articles[seq], fps[seq] = article, fingerprint(article, options)
    lap("candidates_s")

    # 4. align those pairs
    usable: dict[int, np.ndarray] = {}

    def mask(seq: int) -> np.ndarray:
        if seq not in usable:
            usable[seq] = usable_mask(fps[seq], boiler, options.window)
        return usable[seq]

    aligned: list[ReuseLink] = []
    for n, (i, j) in enumerate(to_align):
        aligned += align_pair(fps[i], fps[j], options, boiler, (mask(i), mask(j)),
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
             "new_boilerplate_fingerprints": int(len(became)),
             "boilerplate_fingerprints": int(len(boiler)),
             "candidate_pairs": len(new_pairs), "pairs_rechecked": len(old_pairs),
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
        settings=index_settings(options), run_id=run_id, boilerplate=boiler, replace=False,
        articles=((s, digests[s], shingle_blob(fps[s]), fps[s].prints)
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
