"""The reuse fingerprint index in the store (schemas 6 and 7): what an incremental reuse run reads and
writes. Mixed into ``Store``; ``reuse.incremental`` holds the algorithm, this only the SQL.

Hashes are unsigned 64-bit in the engine and signed 64-bit integers in SQLite (the same bits).
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from ..doc import Article, Cluster, ReuseLink
from .common import chunks, clear_reuse_run, marks, now
from .schema import _MIGRATION_6

_LOOKUP_CHUNK = 20_000  # hashes per json_each lookup
_INSERT_CHUNK = 100_000  # fingerprint rows per executemany
_PRINTS_TABLE = next(s for s in _MIGRATION_6 if "TABLE reuse_prints" in s)


def _signed(hashes: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(hashes, dtype=np.uint64).view(np.int64)


class ReuseIndexStore:
    """Methods of ``Store`` for the reuse fingerprint index."""

    path: str
    _write: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _read: Callable[[], AbstractContextManager[sqlite3.Connection]]
    _query: Callable[..., list[tuple]]
    _insert_links: Callable[..., None]
    _require_articles: Callable[..., None]
    _article_columns: str  # set by Store: the columns ``_to_article`` reads
    _to_article: Callable[[tuple], Article]

    def reuse_index(self) -> dict[str, Any] | None:
        """The index's settings (engine version and options), the reuse run its links belong
        to, its article count and its boilerplate: the sorted fingerprints masked everywhere
        (``boilerplate``) and each outlet's own (``outlet_boilerplate``); None when never
        built."""
        rows = self._query("SELECT settings, run_id, boilerplate, articles FROM reuse_index")
        if not rows:
            return None
        settings, run_id, common, articles = rows[0]
        by_outlet = {outlet: np.frombuffer(blob, dtype=np.uint64).copy() for outlet, blob in
                     self._query("SELECT outlet, hashes FROM reuse_outlet_boilerplate")}
        return {"settings": json.loads(settings), "run_id": run_id, "articles": articles,
                "boilerplate": np.frombuffer(common, dtype=np.uint64).copy(),
                "outlet_boilerplate": by_outlet}

    def reuse_index_stale(self) -> int:
        """Indexed articles that are gone from the store or whose text changed since."""
        return self._query(
            "SELECT count(*) FROM reuse_fingerprints f LEFT JOIN articles a ON a.seq = f.seq"
            " WHERE a.seq IS NULL OR a.content_hash != f.content_hash")[0][0]

    def unindexed_articles(self) -> list[tuple[int, str, Article]]:
        """``(seq, content hash, article)`` of the stored articles not in the index, by id."""
        columns = ", ".join(f"a.{c.strip()}" for c in self._article_columns.split(","))
        rows = self._query(
            f"SELECT a.seq, a.content_hash, {columns} FROM articles a"
            " LEFT JOIN reuse_fingerprints f ON f.seq = a.seq WHERE f.seq IS NULL ORDER BY a.id")
        return [(r[0], r[1], self._to_article(r[2:])) for r in rows]

    def article_keys(self) -> list[tuple[str, int, str]]:
        """``(id, seq, content hash)`` of every stored article, by id."""
        return self._query("SELECT id, seq, content_hash FROM articles ORDER BY id")

    def articles_by_seq(self, seqs: Iterable[int]) -> dict[int, Article]:
        """Stored articles by ``seq`` (unknown ones left out)."""
        found: dict[int, Article] = {}
        wanted = sorted(set(int(s) for s in seqs))
        for chunk in chunks(wanted):
            for row in self._query(f"SELECT seq, {self._article_columns} FROM articles WHERE"
                                   f" seq IN ({marks(len(chunk))})", chunk):
                found[row[0]] = self._to_article(row[1:])
        return found

    def article_meta(self, *, seqs: Iterable[int] | None = None,
                     ids: Iterable[str] | None = None) -> list[tuple[int, str, str | None,
                                                                     str | None]]:
        """``(seq, id, outlet, published)`` of the articles named by seq or by id."""
        column, values = ("seq", sorted(set(int(s) for s in seqs or ()))) if ids is None else (
            "id", sorted(set(ids)))
        rows: list[tuple] = []
        for chunk in chunks(values):
            rows += self._query(f"SELECT seq, id, outlet, published FROM articles WHERE {column}"
                                f" IN ({marks(len(chunk))})", chunk)
        return rows

    def reuse_postings(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(hashes, seqs)`` of every indexed article holding one of ``hashes``."""
        found_h: list[np.ndarray] = []
        found_s: list[np.ndarray] = []
        wanted = np.unique(_signed(hashes))
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = json.dumps(wanted[start:start + _LOOKUP_CHUNK].tolist())
            rows = self._query("SELECT p.hash, p.seq FROM json_each(?) j"
                               " JOIN reuse_prints p ON p.hash = j.value", (chunk,))
            if rows:
                pairs = np.array(rows, dtype=np.int64)
                found_h.append(pairs[:, 0])
                found_s.append(pairs[:, 1])
        if not found_h:
            return np.zeros(0, np.uint64), np.zeros(0, np.int64)
        return np.concatenate(found_h).view(np.uint64), np.concatenate(found_s)

    def reuse_prints_of(self, seqs: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored fingerprints of indexed articles, sorted (for checks and tests)."""
        out: dict[int, list[int]] = {int(s): [] for s in seqs}
        for chunk in chunks(sorted(out)):
            for h, s in self._query(f"SELECT hash, seq FROM reuse_prints WHERE seq IN"
                                    f" ({marks(len(chunk))})", chunk):
                out[s].append(h)
        return {s: np.sort(np.array(v, dtype=np.int64).view(np.uint64)) for s, v in out.items()}

    def scan_reuse_blobs(self, batch_size: int = 5000
                         ) -> Iterator[tuple[np.ndarray, list[bytes]]]:
        """``(seqs, fingerprint blobs)`` of every indexed article, ``batch_size`` at a time
        (the blob's format is ``reuse.incremental``'s)."""
        last = -1
        while True:
            rows = self._query("SELECT seq, shingles FROM reuse_fingerprints WHERE seq > ?"
                               " ORDER BY seq LIMIT ?", (last, batch_size))
            if not rows:
                return
            yield np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows]
            last = rows[-1][0]

    def write_reuse_index(self, *, settings: dict[str, Any], run_id: int | None,
                          boilerplate: np.ndarray, outlet_boilerplate: Mapping[str, np.ndarray],
                          articles: Iterable[tuple[int, str, bytes, np.ndarray]],
                          replace: bool) -> int:
        """Write the index in one transaction: ``articles`` yields ``(seq, content hash,
        shingle blob, fingerprints)``. ``replace`` drops what was there; otherwise these
        articles are added. Returns the number of indexed articles."""
        with self._write() as db:
            if replace:
                db.execute("DELETE FROM reuse_index")
                db.execute("DELETE FROM reuse_outlet_boilerplate")
                db.execute("DELETE FROM reuse_fingerprints")
                db.execute("DROP TABLE reuse_prints")
                db.execute(_PRINTS_TABLE)
            seq_parts: list[np.ndarray] = []
            hash_parts: list[np.ndarray] = []
            meta: list[tuple[int, str, bytes]] = []
            for seq, digest, shingles, prints in articles:
                meta.append((int(seq), digest, shingles))
                hash_parts.append(_signed(prints))
                seq_parts.append(np.full(len(prints), int(seq), dtype=np.int64))
                if len(meta) >= 2000:
                    db.executemany("INSERT INTO reuse_fingerprints (seq, content_hash, shingles)"
                                   " VALUES (?,?,?)", meta)
                    meta = []
            db.executemany("INSERT INTO reuse_fingerprints (seq, content_hash, shingles)"
                           " VALUES (?,?,?)", meta)
            if hash_parts:
                hashes = np.concatenate(hash_parts)
                del hash_parts
                seqs = np.concatenate(seq_parts)
                del seq_parts
                order = np.lexsort((seqs, hashes))  # B-tree order: appends, no page splits
                hashes, seqs = hashes[order], seqs[order]
                del order
                for start in range(0, len(hashes), _INSERT_CHUNK):
                    db.executemany("INSERT OR IGNORE INTO reuse_prints (hash, seq) VALUES (?,?)",
                                   zip(hashes[start:start + _INSERT_CHUNK].tolist(),
                                       seqs[start:start + _INSERT_CHUNK].tolist()))
            return _mark_index_complete(db, settings=settings, run_id=run_id,
                                        boilerplate=boilerplate,
                                        outlet_boilerplate=outlet_boilerplate)

    def iter_articles_with_keys(self, batch_size: int = 1000
                                ) -> Iterator[tuple[int, str, Article]]:
        """``(seq, content hash, article)`` of every stored article, by id, read in pages."""
        columns = ", ".join(f"a.{c.strip()}" for c in self._article_columns.split(","))
        last: str | None = None
        while True:
            rows = self._query(
                f"SELECT a.seq, a.content_hash, {columns} FROM articles a"
                + (" WHERE a.id > ?" if last is not None else "") + " ORDER BY a.id LIMIT ?",
                ((last,) if last is not None else ()) + (batch_size,))
            if not rows:
                return
            for row in rows:
                yield row[0], row[1], self._to_article(row[2:])
            last = rows[-1][2]

    def clear_reuse_index(self) -> None:
        """Drop the index (a full run then writes it anew with the ``add_`` methods and
        ``set_reuse_index``; until then no run takes it for valid)."""
        with self._write() as db:
            db.execute("DELETE FROM reuse_index")
            db.execute("DELETE FROM reuse_outlet_boilerplate")
            db.execute("DELETE FROM reuse_fingerprints")
            db.execute("DELETE FROM reuse_pairs")
            db.execute("DROP TABLE reuse_prints")
            db.execute(_PRINTS_TABLE)

    def reuse_pairs_of(self, seqs: Iterable[int]) -> list[tuple[int, int, int]]:
        """``(a, b, shared)`` of the stored candidate pairs with an article among ``seqs``."""
        wanted = json.dumps(sorted({int(s) for s in seqs}))
        return self._query("SELECT a, b, shared FROM reuse_pairs WHERE a IN (SELECT value FROM"
                           " json_each(?)) UNION SELECT a, b, shared FROM reuse_pairs WHERE b IN"
                           " (SELECT value FROM json_each(?))", (wanted, wanted))

    def reuse_blobs_of(self, seqs: Iterable[int]) -> dict[int, bytes]:
        """The stored fingerprint blobs of indexed articles, by seq."""
        found: dict[int, bytes] = {}
        for chunk in chunks(sorted({int(s) for s in seqs})):
            for seq, blob in self._query("SELECT seq, shingles FROM reuse_fingerprints WHERE seq"
                                         f" IN ({marks(len(chunk))})", chunk):
                found[seq] = blob
        return found

    def set_reuse_pairs(self, *, add: Iterable[tuple[int, int, int]] = (),
                        drop: Iterable[tuple[int, int]] = ()) -> None:
        """Insert or replace candidate pairs ``(a, b, shared)`` (a < b) and delete others."""
        with self._write() as db:
            db.executemany("DELETE FROM reuse_pairs WHERE a = ? AND b = ?",
                           [(int(a), int(b)) for a, b in drop])
            db.executemany("INSERT OR REPLACE INTO reuse_pairs (a, b, shared) VALUES (?,?,?)",
                           [(int(a), int(b), int(n)) for a, b, n in add])

    def add_reuse_fingerprints(self, rows: Sequence[tuple[int, str, bytes]]) -> None:
        """Index rows ``(seq, content hash, shingle blob)``, in one transaction."""
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO reuse_fingerprints (seq, content_hash,"
                           " shingles) VALUES (?,?,?)", rows)

    def add_reuse_prints(self, seqs: Sequence[int], prints: Sequence[np.ndarray]) -> None:
        """The fingerprints of articles (``prints[k]`` belongs to ``seqs[k]``), inserted in key
        order one hash range at a time, so memory holds a sixteenth of them sorted."""
        lengths = np.array([len(p) for p in prints], dtype=np.int64)
        owners = np.repeat(np.asarray(seqs, dtype=np.int64), lengths)
        hashes = _signed(np.concatenate(list(prints)) if len(prints) else np.zeros(0, np.uint64))
        ranges = hashes >> np.int64(60)  # -8..7, ascending with the signed value
        with self._write() as db:
            for part in range(-8, 8):
                chosen = np.flatnonzero(ranges == part)
                h, o = hashes[chosen], owners[chosen]
                order = np.lexsort((o, h))
                h, o = h[order], o[order]
                for start in range(0, len(h), _INSERT_CHUNK):
                    db.executemany("INSERT OR IGNORE INTO reuse_prints (hash, seq) VALUES (?,?)",
                                   zip(h[start:start + _INSERT_CHUNK].tolist(),
                                       o[start:start + _INSERT_CHUNK].tolist()))

    def set_reuse_index(self, *, settings: dict[str, Any], run_id: int | None,
                        boilerplate: np.ndarray, outlet_boilerplate: Mapping[str, np.ndarray]
                        ) -> int:
        """Mark the index complete: its settings, run and boilerplate (as ``reuse_index``)."""
        with self._write() as db:
            return _mark_index_complete(db, settings=settings, run_id=run_id,
                                        boilerplate=boilerplate,
                                        outlet_boilerplate=outlet_boilerplate)

    def save_reuse_update(self, run_id: int, *, from_run: int, drop: Iterable[tuple[str, str]],
                          links: Iterable[ReuseLink], clusters: Iterable[Cluster]) -> None:
        """Store an incremental reuse run in one transaction: the links of run ``from_run``
        except those of the article pairs ``drop`` (``(a, b)`` ids, a < b), then ``links``
        (the recomputed ones) and every cluster of the run."""
        with self._write() as db:
            clear_reuse_run(db, run_id, self.path)
            db.execute("CREATE TEMP TABLE IF NOT EXISTS reuse_drop (a TEXT, b TEXT,"
                       " PRIMARY KEY (a, b))")
            db.execute("DELETE FROM temp.reuse_drop")
            db.executemany("INSERT OR IGNORE INTO temp.reuse_drop (a, b) VALUES (?, ?)",
                           list(drop))
            db.execute(
                "INSERT INTO reuse_links (run_id, a, a_start, a_end, b, b_start, b_end, score)"
                " SELECT ?, l.a, l.a_start, l.a_end, l.b, l.b_start, l.b_end, l.score"
                " FROM reuse_links l WHERE l.run_id = ? AND NOT EXISTS"
                " (SELECT 1 FROM temp.reuse_drop d WHERE d.a = l.a AND d.b = l.b)",
                (run_id, from_run))
            db.execute("DELETE FROM temp.reuse_drop")
            batch = list(links)
            for start in range(0, len(batch), 500):
                self._insert_links(db, run_id, batch[start:start + 500])
            cluster_rows, member_rows = [], []
            for position, cluster in enumerate(clusters):
                cluster_rows.append((run_id, cluster.id, position, cluster.origin,
                                     cluster.origin_note, cluster.origin_basis,
                                     cluster.origin_confidence))
                member_rows += [(run_id, cluster.id, i, m.article_id, m.start, m.end)
                                for i, m in enumerate(cluster.members)]
            db.executemany("INSERT INTO clusters (run_id, cluster_id, position, origin,"
                           " origin_note, origin_basis, origin_confidence)"
                           " VALUES (?,?,?,?,?,?,?)", cluster_rows)
            db.executemany("INSERT INTO cluster_members (run_id, cluster_id, position,"
                           ' article_id, start, "end") VALUES (?,?,?,?,?,?)', member_rows)


def _mark_index_complete(db, *, settings: dict[str, Any], run_id: int | None,
                         boilerplate: np.ndarray, outlet_boilerplate: Mapping[str, np.ndarray]
                         ) -> int:
    """Record the index's settings, run and boilerplate; return its articles."""
    count = db.execute("SELECT count(*) FROM reuse_fingerprints").fetchone()[0]
    db.execute("INSERT OR REPLACE INTO reuse_index (id, settings, run_id, boilerplate,"
               " articles, updated_at) VALUES (1, ?, ?, ?, ?, ?)",
               (json.dumps(settings, sort_keys=True), run_id,
                np.ascontiguousarray(boilerplate, dtype=np.uint64).tobytes(), count,
                now()))
    db.execute("DELETE FROM reuse_outlet_boilerplate")
    db.executemany("INSERT INTO reuse_outlet_boilerplate (outlet, hashes) VALUES (?, ?)",
                   [(outlet, np.ascontiguousarray(hashes, dtype=np.uint64).tobytes())
                    for outlet, hashes in sorted(outlet_boilerplate.items())])
    return count
