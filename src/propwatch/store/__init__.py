"""The corpus store: articles, layers of findings, runs and text reuse in one SQLite file.

This is the only module that speaks SQL. A ``Store`` may be shared between threads: each
thread reads through its own connection, so one slow query holds up no other thread, and
writes go one at a time through one connection, guarded by a lock. Many processes may read
while one writes (WAL journal; a writer waits up to ``timeout`` seconds for another, then
E609). ``Store.time_limit`` stops a thread's reads that run too long (E610).

Every write happens in a transaction. ``add_articles`` commits every ``batch_size``
articles, so a killed ``add`` keeps what it committed and running it again adds the rest.
The schema is versioned with ``PRAGMA user_version``; ``MIGRATIONS[n]`` (``store.schema``)
takes version ``n`` to ``n + 1`` inside one transaction. Findings of every layer live in two
generic tables (``layers``, ``layer_records``), so a new layer needs no migration.
Knowledge bases of known claims live beside them (``store.knowledge``, mixed into ``Store``);
``store.framing`` adds the narratives and actors figures per outlet and period;
``store.reuse_index`` the fingerprint index that makes reuse runs incremental (schema 6).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TextIO

from ..doc import (TECHNIQUES, Article, Cluster, Document, Layer, Passage, ReuseLink, Span,
                   parse_published, record_from_dict, technique_layer)
from ..errors import InputError, StoreError
from .common import CHUNK as _CHUNK
from .common import chunks as _chunks
from .common import clear_reuse_run, fts_query
from .common import marks as _marks
from .common import now as _now
from .framing import FramingStats
from .knowledge import ImportResult, KnowledgeBases
from .reuse_index import ReuseIndexStore
from .schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AddResult",
    "ImportResult",
    "Store",
    "content_hash",
    "fts_query",
]

#: ``PRAGMA application_id`` of a propwatch corpus ("pwDB"), so other SQLite files are told apart.
APPLICATION_ID = 0x70774442
_SQLITE_MAGIC = b"SQLite format 3\x00"
_PROGRESS_STEPS = 10_000  # SQLite instructions between two looks at a read's time limit

_ARTICLE_COLUMNS = "id, text, title, outlet, url, published, source, boilerplate, canonical_url"


def content_hash(text: str) -> str:
    """sha256 (hex) of the text's UTF-8 bytes: equal texts, equal hashes."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class AddResult:
    """What ``Store.add_articles`` did: counts, and ``(id, message)`` for each conflict."""

    added: int = 0
    unchanged: int = 0
    conflicts: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"added": self.added, "unchanged": self.unchanged,
                "conflicts": len(self.conflicts)}


class Store(KnowledgeBases, FramingStats, ReuseIndexStore):
    """A propwatch corpus in SQLite. ``Store(path)`` creates the file unless ``create=False``.

    Use as a context manager or call ``close()``. Raises ``StoreError`` E601 (not a
    propwatch database), E602 (newer schema), E603 (missing and ``create=False``) or E604.
    """

    def __init__(self, path: str | Path, *, create: bool = True, timeout: float = 30.0) -> None:
        self.path = str(path)
        self._timeout = timeout
        self._lock = threading.RLock()  # one writer at a time (and every use of :memory:)
        self._local = threading.local()  # this thread's read connection and time limit
        self._readers: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        # An in-memory database lives in its one connection, so there reads share it too.
        self._memory = self.path in (":memory:", "")
        if not self._memory:
            self._check_file(Path(self.path), create=create)
        self._db = self._connect()
        try:
            self._configure()
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    # ------------------------------------------------------------------ opening

    def _check_file(self, path: Path, *, create: bool) -> None:
        if path.is_dir():
            raise StoreError.make("E601", path=self.path, reason="it is a folder")
        if not path.exists():
            if not create:
                raise StoreError.make("E603", path=self.path)
            if not path.parent.is_dir():
                raise StoreError.make("E604", path=self.path,
                                      reason=f"the folder '{path.parent}' does not exist")
            return
        try:
            with open(path, "rb") as handle:
                head = handle.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise StoreError.make("E604", path=self.path, reason=exc.strerror or str(exc)) from None
        if head and head != _SQLITE_MAGIC:
            raise StoreError.make("E601", path=self.path, reason="not an SQLite file")

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None,
                                 check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError.make("E604", path=self.path, reason=str(exc)) from None
        db.set_progress_handler(self._past_deadline, _PROGRESS_STEPS)
        return db

    def _past_deadline(self) -> bool:
        """SQLite's progress handler: True stops the running statement ("interrupted")."""
        deadline = getattr(self._local, "deadline", None)
        return deadline is not None and time.monotonic() > deadline

    def _configure(self) -> None:
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> StoreError:
        message = str(exc)
        if "locked" in message or "busy" in message:
            return StoreError.make("E609", path=self.path)
        if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in message
                                                      or "malformed" in message):
            return StoreError.make("E601", path=self.path, reason=message)
        return StoreError.make("E604", path=self.path, reason=message)

    def _versions(self) -> tuple[int, int]:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        app = self._db.execute("PRAGMA application_id").fetchone()[0]
        return version, app

    def _migrate(self) -> None:
        try:
            version, app = self._versions()
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None
        if version > SCHEMA_VERSION:
            raise StoreError.make("E602", path=self.path, version=version, known=SCHEMA_VERSION)
        if version == SCHEMA_VERSION and app == APPLICATION_ID:
            return
        with self._write():
            version, app = self._versions()  # again, now that we hold the write lock
            if version > SCHEMA_VERSION:
                raise StoreError.make("E602", path=self.path, version=version,
                                      known=SCHEMA_VERSION)
            if version == 0:
                tables = self._db.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                ).fetchone()[0]
                if tables:
                    raise StoreError.make("E601", path=self.path,
                                          reason="it holds tables of another program")
            elif app != APPLICATION_ID:
                raise StoreError.make("E601", path=self.path,
                                      reason="another program wrote it")
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    self._db.execute(statement)
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so readers never deadlock it."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self._error(exc) from None
            try:
                yield self._db
                self._db.execute("COMMIT")
            except sqlite3.OperationalError as exc:  # disk full, I/O error, lock lost
                self._rollback()
                raise self._error(exc) from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        # SQLite may already have rolled back by itself (after SQLITE_FULL, for instance).
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """This thread's read connection, under the thread's time limit (see ``time_limit``)."""
        limit = getattr(self._local, "limit", None)
        outer = getattr(self._local, "deadline", None)
        if limit is not None:
            self._local.deadline = time.monotonic() + limit
        try:
            if self._memory:
                with self._lock:
                    yield self._db
            else:
                db = getattr(self._local, "db", None)
                yield db if db is not None else self._open_reader()
        except sqlite3.OperationalError as exc:
            if limit is not None and "interrupted" in str(exc):
                raise StoreError.make("E610", seconds=f"{limit:g}") from None
            raise
        finally:
            self._local.deadline = outer

    def _open_reader(self) -> sqlite3.Connection:
        with self._readers_lock:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            # Threads come and go (a server's pool): the connections of ended ones close here.
            alive = []
            for thread, db in self._readers:
                if thread.is_alive():
                    alive.append((thread, db))
                else:
                    db.close()
            db = self._connect()
            db.execute("PRAGMA query_only = ON")
            self._readers = [*alive, (threading.current_thread(), db)]
            self._local.db = db
            return db

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several queries see one snapshot."""
        with self._reader() as db:
            db.execute("BEGIN")
            try:
                yield db
            finally:
                if db.in_transaction:
                    db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._reader() as db:
            return db.execute(sql, params).fetchall()

    @contextmanager
    def time_limit(self, seconds: float | None) -> Iterator[None]:
        """Within the block, each read of this thread that runs longer than ``seconds`` is
        stopped and raises E610 (None: no limit). Writes are never stopped."""
        if seconds is not None and not seconds > 0:
            raise ValueError("the time limit must be a positive number of seconds")
        previous = getattr(self._local, "limit", None)
        self._local.limit = seconds
        try:
            yield
        finally:
            self._local.limit = previous

    def close(self) -> None:
        """Close every connection (idempotent)."""
        with self._readers_lock:
            self._closed = True
            readers, self._readers = self._readers, []
        for _thread, db in readers:
            db.close()
        with self._lock:
            self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    @property
    def schema_version(self) -> int:
        """The schema version of the open database."""
        return self._query("PRAGMA user_version")[0][0]

    # ------------------------------------------------------------------ articles

    def add_articles(self, articles: Iterable[Article], *, batch_size: int = 500,
                     on_article: Callable[[Article, str], None] | None = None) -> AddResult:
        """Store new articles, committing every ``batch_size``; never changes a stored one.

        Same id and same text: ``unchanged``. Same id, different text: a conflict (E605), not
        stored. ``on_article(article, status)`` is called once the article's batch is
        committed, with status ``added``, ``unchanged`` or ``conflict``.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        result = AddResult()
        batch: list[Article] = []
        for article in articles:
            if not isinstance(article, Article):
                raise TypeError(f"add_articles takes Article objects, got {type(article).__name__}")
            batch.append(article)
            if len(batch) >= batch_size:
                self._add_batch(batch, result, on_article)
                batch = []
        if batch:
            self._add_batch(batch, result, on_article)
        return result

    def _add_batch(self, batch: list[Article], result: AddResult,
                   on_article: Callable[[Article, str], None] | None) -> None:
        for article in batch:
            if article.published is not None and parse_published(article.published) is None:
                raise InputError.make("E109", path=article.source or article.id,
                                      value=article.published, field="published")
        statuses: list[str] = []
        conflicts: list[tuple[str, str]] = []
        added_at = _now()
        with self._write() as db:
            known: dict[str, str] = {}
            ids = list(dict.fromkeys(a.id for a in batch))
            for chunk in _chunks(ids):
                known.update(db.execute(
                    f"SELECT id, content_hash FROM articles WHERE id IN ({_marks(len(chunk))})",
                    chunk).fetchall())
            rows = []
            for article in batch:
                digest = content_hash(article.text)
                stored = known.get(article.id)
                if stored is None:
                    known[article.id] = digest
                    rows.append((article.id, digest, article.text, article.title, article.outlet,
                                 article.url, article.published, article.source,
                                 json.dumps([list(r) for r in article.boilerplate]), added_at,
                                 article.canonical_url))
                    statuses.append("added")
                elif stored == digest:
                    statuses.append("unchanged")
                else:
                    statuses.append("conflict")
                    conflicts.append((article.id, str(StoreError.make(
                        "E605", source=article.source or "input", id=article.id))))
            db.executemany(
                "INSERT INTO articles (id, content_hash, text, title, outlet, url, published,"
                " source, boilerplate, added_at, canonical_url) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows)
        result.added += statuses.count("added")
        result.unchanged += statuses.count("unchanged")
        result.conflicts.extend(conflicts)
        if on_article is not None:
            for article, status in zip(batch, statuses):
                on_article(article, status)

    def get_article(self, article_id: str) -> Article | None:
        """The stored article with this id, or None."""
        rows = self._query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        return _article(rows[0]) if rows else None

    def iter_articles(self, *, ids: Iterable[str] | None = None,
                      batch_size: int = 1000) -> Iterator[Article]:
        """Stored articles ordered by id, read ``batch_size`` at a time (unknown ids skipped)."""
        if ids is not None:
            wanted = sorted(set(ids))
            for chunk in _chunks(wanted, min(batch_size, _CHUNK)):
                rows = self._query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN "
                                   f"({_marks(len(chunk))}) ORDER BY id", chunk)
                yield from (_article(r) for r in rows)
            return
        last: str | None = None
        while True:
            # Keyset paging: no cursor stays open between batches, so writers are not held up.
            if last is None:
                rows = self._query(f"SELECT {_ARTICLE_COLUMNS} FROM articles ORDER BY id LIMIT ?",
                                   (batch_size,))
            else:
                rows = self._query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id > ? "
                                   "ORDER BY id LIMIT ?", (last, batch_size))
            if not rows:
                return
            yield from (_article(r) for r in rows)
            last = rows[-1][0]

    def count(self) -> int:
        """The number of stored articles."""
        return self._query("SELECT count(*) FROM articles")[0][0]

    def list_articles(self, *, limit: int = 50, offset: int = 0, outlet: str | None = None,
                      technique: str | None = None, q: str | None = None) -> list[dict[str, Any]]:
        """One page of ``{id, title, outlet, published, n_spans}``, by id (by relevance with ``q``).

        ``outlet`` matches case-insensitively; ``technique`` keeps articles with such a span;
        ``q`` is full-text search over title and text (see ``fts_query``).
        """
        if limit < 0 or offset < 0:
            raise ValueError("limit and offset must not be negative")
        query = self._list_query(outlet=outlet, technique=technique, q=q)
        if query is None:
            return []
        sql, params = query
        rows = self._query(sql, [*params, limit, offset])
        return [{"id": r[0], "title": r[1], "outlet": r[2], "published": r[3], "n_spans": r[4]}
                for r in rows]

    @staticmethod
    def _list_query(*, outlet: str | None, technique: str | None,
                    q: str | None) -> tuple[str, list[Any]] | None:
        """The SQL of ``list_articles`` (LIMIT and OFFSET still to bind); None: nothing to find.

        Each filter is an index lookup: the full-text index for ``q``, ``layer_records_label``
        for ``technique``, ``articles_outlet_nocase`` for ``outlet``."""
        where, params = [], []
        source = "articles a"
        order = "a.id"
        if q is not None and q.strip():
            match = fts_query(q)
            if match is None:
                return None
            source = "articles_fts f JOIN articles a ON a.seq = f.rowid"
            where.append("articles_fts MATCH ?")
            params.append(match)
            # Rank alone: FTS5 then sorts its matches itself, and the page's other columns
            # are computed for the page only. A tie-break here makes SQLite sort every match
            # with its count of spans (0.6 s for a word in each of 100k articles, not 0.25 s).
            order = "f.rank"
        if outlet is not None:
            where.append("a.outlet = ? COLLATE NOCASE")
            params.append(outlet)
        if technique is not None:
            where.append("EXISTS (SELECT 1 FROM layer_records r WHERE r.layer = 'techniques'"
                         " AND r.label = ? AND r.article_id = a.id)")
            params.append(technique)
        sql = ("SELECT a.id, a.title, a.outlet, a.published,"
               " (SELECT count(*) FROM layer_records r WHERE r.article_id = a.id"
               " AND r.layer = 'techniques')"
               f" FROM {source}" + (" WHERE " + " AND ".join(where) if where else "")
               + f" ORDER BY {order} LIMIT ? OFFSET ?")
        return sql, params

    def describe(self, article_id: str) -> dict[str, Any] | None:
        """Metadata of one article (no text): hash, sizes, when added, spans per technique."""
        with self._read() as db:
            row = db.execute(
                "SELECT id, title, outlet, url, canonical_url, published, source, added_at,"
                " content_hash, length(text), boilerplate FROM articles WHERE id = ?",
                (article_id,)).fetchone()
            if row is None:
                return None
            techniques = db.execute(
                "SELECT label, count(*) FROM layer_records WHERE article_id = ?"
                " AND layer = 'techniques' GROUP BY label ORDER BY count(*) DESC, label",
                (article_id,)).fetchall()
            layers = db.execute(
                "SELECT l.layer, l.component, l.version, (SELECT count(*) FROM layer_records r"
                " WHERE r.article_id = l.article_id AND r.layer = l.layer) FROM layers l"
                " WHERE l.article_id = ? ORDER BY l.rowid", (article_id,)).fetchall()
        keys = ("id", "title", "outlet", "url", "canonical_url", "published", "source",
                "added_at", "content_hash", "characters")
        info = dict(zip(keys, row[:10]))
        info["boilerplate_ranges"] = len(json.loads(row[10]))
        info["detector"] = next((v for name, _, v, _ in layers if name == TECHNIQUES), None)
        info["spans"] = sum(n for _, n in techniques)
        info["techniques"] = dict(techniques)
        info["layers"] = {name: {"component": component, "version": version, "records": n}
                          for name, component, version, n in layers}
        return info

    def stats(self) -> dict[str, Any]:
        """Corpus figures: articles, outlets, date range, spans per technique and outlet, runs."""
        with self._read() as db:
            articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            outlets = db.execute(
                "SELECT outlet, count(*) FROM articles WHERE outlet IS NOT NULL GROUP BY outlet"
                " ORDER BY count(*) DESC, outlet").fetchall()
            no_outlet = db.execute(
                "SELECT count(*) FROM articles WHERE outlet IS NULL").fetchone()[0]
            first, last, undated = db.execute(
                "SELECT min(published), max(published), sum(published IS NULL)"
                " FROM articles").fetchone()
            by_technique = db.execute(
                "SELECT label, count(*) FROM layer_records WHERE layer = 'techniques'"
                " GROUP BY label ORDER BY count(*) DESC, label").fetchall()
            by_outlet = db.execute(
                "SELECT a.outlet, r.label, count(*) FROM layer_records r JOIN articles a"
                " ON a.id = r.article_id WHERE r.layer = 'techniques' GROUP BY a.outlet, r.label"
                " ORDER BY a.outlet, count(*) DESC, r.label").fetchall()
            analysed = db.execute(
                "SELECT count(DISTINCT article_id) FROM layer_records"
                " WHERE layer = 'techniques'").fetchone()[0]
            layer_rows = db.execute(
                "SELECT l.layer, count(*), group_concat(DISTINCT l.version),"
                " (SELECT count(*) FROM layer_records r WHERE r.layer = l.layer)"
                " FROM layers l GROUP BY l.layer ORDER BY l.layer").fetchall()
            layer_labels = db.execute(
                "SELECT layer, label, count(*) FROM layer_records WHERE label IS NOT NULL"
                " GROUP BY layer, label ORDER BY layer, count(*) DESC, label").fetchall()
            runs = db.execute("SELECT kind, count(*) FROM runs GROUP BY kind"
                              " ORDER BY kind").fetchall()
            reuse_run = self._latest_run_id(db, "reuse")
            reuse = None
            if reuse_run is not None:
                links = db.execute("SELECT count(*) FROM reuse_links WHERE run_id = ?",
                                   (reuse_run,)).fetchone()[0]
                clusters = db.execute("SELECT count(*) FROM clusters WHERE run_id = ?",
                                      (reuse_run,)).fetchone()[0]
                reuse = {"run": reuse_run, "links": links, "clusters": clusters}
        per_outlet: dict[str, dict[str, int]] = defaultdict(dict)
        no_outlet_spans: dict[str, int] = {}
        for name, technique, n in by_outlet:
            (per_outlet[name] if name is not None else no_outlet_spans)[technique] = n
        return {
            "articles": articles,
            "outlets": dict(outlets),
            "no_outlet": no_outlet,
            "published": {"first": first, "last": last, "undated": undated or 0},
            "spans": {
                "total": sum(n for _, n in by_technique),
                "articles_with_spans": analysed,
                "by_technique": dict(by_technique),
                "by_outlet": dict(per_outlet),
                "no_outlet": no_outlet_spans,
            },
            "layers": {name: {"articles": n_articles, "records": n_records,
                              "versions": sorted((versions or "").split(",")),
                              "by_label": {label: n for layer, label, n in layer_labels
                                           if layer == name}}
                       for name, n_articles, versions, n_records in layer_rows},
            "runs": dict(runs),
            "reuse": reuse,
        }

    # ------------------------------------------------------------------ layers

    def replace_layers(self, article_id: str, layers: Sequence[Layer]) -> None:
        """Store ``layers`` for the article, each replacing the stored layer of its name
        (other layers stay). A layer with no items is stored too: analysed, nothing found."""
        self.save_layers([(article_id, layers)])

    def save_layers(self, documents: Iterable[tuple[str, Sequence[Layer]]]) -> None:
        """``replace_layers`` for many ``(article_id, layers)`` in one transaction: all or none."""
        with self._write() as db:
            updated = _now()
            for article_id, layers in documents:
                self._replace_layers(db, article_id, layers, updated)

    def _replace_layers(self, db: sqlite3.Connection, article_id: str, layers: Sequence[Layer],
                        updated: str) -> None:
        row = db.execute("SELECT length(text) FROM articles WHERE id = ?",
                         (article_id,)).fetchone()
        if row is None:
            raise StoreError.make("E606", id=article_id, path=self.path)
        for layer in layers:
            for span in layer.spans():
                if span.end > row[0]:
                    raise ValueError(f"span [{span.start}, {span.end}) of layer "
                                     f"'{layer.name}' lies outside article {article_id!r} "
                                     f"({row[0]} characters)")
        for layer in layers:
            db.execute("DELETE FROM layers WHERE article_id = ? AND layer = ?",
                       (article_id, layer.name))
            db.execute("INSERT INTO layers (article_id, layer, component, version, kind,"
                       " summary, updated_at) VALUES (?,?,?,?,?,?,?)",
                       (article_id, layer.name, layer.component, layer.version, layer.kind,
                        json.dumps(dict(layer.summary), ensure_ascii=False), updated))
            db.executemany(
                'INSERT INTO layer_records (article_id, layer, position, start, "end", label,'
                " score, payload) VALUES (?,?,?,?,?,?,?,?)",
                [(article_id, layer.name, position, *_indexed(item),
                  json.dumps(item.to_dict(), ensure_ascii=False))
                 for position, item in enumerate(layer.items)])

    def replace_spans(self, article_id: str, spans: Sequence[Span], detector: str) -> None:
        """Store ``spans`` (found by ``detector``) as the article's techniques layer."""
        article = self.get_article(article_id)
        if article is None:
            raise StoreError.make("E606", id=article_id, path=self.path)
        self.replace_layers(article_id, [technique_layer(article, spans, detector)])

    def layers(self, article_id: str) -> list[Layer]:
        """The article's stored layers, in the order they were first stored."""
        return self._layers_of([article_id]).get(article_id, [])

    def spans(self, article_id: str) -> list[Span]:
        """The article's stored technique spans, by position ([] when none or no article)."""
        for layer in self.layers(article_id):
            if layer.name == TECHNIQUES:
                return list(layer.items)
        return []

    # ------------------------------------------------------------------ runs

    def start_run(self, kind: str, params: dict[str, Any]) -> int:
        """Record the start of a run (``add``, ``analyze``, ``reuse``...) and return its id.

        Runs still ``running`` whose process is gone (killed) are marked ``interrupted`` first.
        """
        host, pid = socket.gethostname(), os.getpid()
        with self._write() as db:
            for run_id, run_host, run_pid in db.execute(
                    "SELECT id, host, pid FROM runs WHERE status = 'running'").fetchall():
                # A run of another machine cannot be checked from here; one with no process
                # was left by an older propwatch.
                if run_pid is None or (run_host == host and not _process_alive(run_pid)):
                    db.execute("UPDATE runs SET status = 'interrupted' WHERE id = ?", (run_id,))
            cursor = db.execute(
                "INSERT INTO runs (kind, params, started_at, status, host, pid)"
                " VALUES (?, ?, ?, 'running', ?, ?)",
                (kind, json.dumps(params, ensure_ascii=False, default=str), _now(), host, pid))
            return int(cursor.lastrowid)

    def finish_run(self, run_id: int, summary: dict[str, Any], *,
                   status: str = "finished") -> None:
        """Mark a run ended with its summary: ``finished``, or ``interrupted`` (stopped early)."""
        if status not in ("finished", "interrupted"):
            raise ValueError(f"unknown run status {status!r}; use 'finished' or 'interrupted'")
        with self._write() as db:
            cursor = db.execute(
                "UPDATE runs SET finished_at = ?, summary = ?, status = ? WHERE id = ?",
                (_now(), json.dumps(summary, ensure_ascii=False, default=str), status, run_id))
            if cursor.rowcount == 0:
                raise StoreError.make("E608", run_id=run_id, path=self.path)

    def latest_run(self, kind: str, *, finished: bool = True) -> dict[str, Any] | None:
        """The newest run of ``kind`` (only finished ones unless ``finished=False``), or None."""
        rows = self._query(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE kind = ?"
            + (" AND status = 'finished'" if finished else "") + " ORDER BY id DESC LIMIT 1",
            (kind,))
        return _run(rows[0]) if rows else None

    def runs(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Every run (of ``kind``), oldest first."""
        sql = f"SELECT {_RUN_COLUMNS} FROM runs"
        rows = (self._query(sql + " WHERE kind = ? ORDER BY id", (kind,)) if kind is not None
                else self._query(sql + " ORDER BY id"))
        return [_run(r) for r in rows]

    @staticmethod
    def _latest_run_id(db: sqlite3.Connection, kind: str) -> int | None:
        row = db.execute("SELECT max(id) FROM runs WHERE kind = ? AND status = 'finished'",
                         (kind,)).fetchone()
        return row[0]

    def layer_makers(self) -> dict[str, dict[tuple[str, str], int]]:
        """For each stored layer, how many articles each ``(component, version)`` made it for."""
        makers: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
        for layer, component, version, n in self._query(
                "SELECT layer, component, version, count(*) FROM layers"
                " GROUP BY layer, component, version ORDER BY layer, count(*) DESC"):
            makers[layer][(component, version)] = n
        return dict(makers)

    def ids_with_layers(self, makers: dict[str, tuple[str, str]]) -> set[str]:
        """Ids of the articles that hold every layer of ``makers`` ({layer: (component,
        version)}), each made by that component and version."""
        if not makers:
            return set()
        wanted = [value for layer, (component, version) in makers.items()
                  for value in (layer, component, version)]
        rows = self._query(
            "SELECT article_id FROM layers WHERE (layer, component, version) IN (VALUES "
            + ",".join(["(?,?,?)"] * len(makers)) + ") GROUP BY article_id HAVING count(*) = ?",
            [*wanted, len(makers)])
        return {r[0] for r in rows}

    # ------------------------------------------------------------------ reuse

    def save_reuse(self, run_id: int, links: Iterable[ReuseLink],
                   clusters: Iterable[Cluster]) -> None:
        """Store a reuse run's links and clusters in one transaction (replacing any it had).

        Every article they name must be stored (E607).
        """
        with self._write() as db:
            clear_reuse_run(db, run_id, self.path)
            batch: list[ReuseLink] = []
            for link in links:
                batch.append(link)
                if len(batch) >= _CHUNK:
                    self._insert_links(db, run_id, batch)
                    batch = []
            self._insert_links(db, run_id, batch)
            for position, cluster in enumerate(clusters):
                named = [m.article_id for m in cluster.members]
                if cluster.origin is not None:
                    named.append(cluster.origin)
                self._require_articles(db, named, where=f"cluster '{cluster.id}'")
                db.execute("INSERT INTO clusters (run_id, cluster_id, position, origin,"
                           " origin_note, origin_basis, origin_confidence)"
                           " VALUES (?,?,?,?,?,?,?)",
                           (run_id, cluster.id, position, cluster.origin, cluster.origin_note,
                            cluster.origin_basis, cluster.origin_confidence))
                db.executemany(
                    "INSERT INTO cluster_members (run_id, cluster_id, position, article_id,"
                    ' start, "end") VALUES (?,?,?,?,?,?)',
                    [(run_id, cluster.id, i, m.article_id, m.start, m.end)
                     for i, m in enumerate(cluster.members)])

    def _insert_links(self, db: sqlite3.Connection, run_id: int, links: list[ReuseLink]) -> None:
        if not links:
            return
        self._require_articles(db, [i for link in links for i in (link.a, link.b)],
                               where="a reuse link")
        db.executemany(
            "INSERT INTO reuse_links (run_id, a, a_start, a_end, b, b_start, b_end, score)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(run_id, x.a, x.a_start, x.a_end, x.b, x.b_start, x.b_end, float(x.score))
             for x in links])

    def _require_articles(self, db: sqlite3.Connection, ids: Iterable[str], *, where: str) -> None:
        wanted = list(dict.fromkeys(ids))
        for chunk in _chunks(wanted):
            found = {r[0] for r in db.execute(
                f"SELECT id FROM articles WHERE id IN ({_marks(len(chunk))})", chunk)}
            for article_id in chunk:
                if article_id not in found:
                    raise StoreError.make("E607", where=where, id=article_id, path=self.path)

    def _reuse_run(self, run_id: int | None) -> int | None:
        if run_id is not None:
            return run_id
        with self._reader() as db:
            return self._latest_run_id(db, "reuse")

    def reuse_links(self, *, run_id: int | None = None,
                    article_id: str | None = None) -> list[ReuseLink]:
        """Links of a run (default: the latest finished ``reuse`` run), optionally only those
        touching ``article_id``; ordered as ``ReuseLink`` sorts."""
        run = self._reuse_run(run_id)
        if run is None:
            return []
        sql = ("SELECT a, a_start, a_end, b, b_start, b_end, score FROM reuse_links"
               " WHERE run_id = ?")
        params: list[Any] = [run]
        if article_id is not None:
            sql += " AND (a = ? OR b = ?)"
            params += [article_id, article_id]
        rows = self._query(sql + " ORDER BY a, a_start, a_end, b, b_start, b_end, score", params)
        return [ReuseLink(*r) for r in rows]

    def clusters(self, *, run_id: int | None = None,
                 article_id: str | None = None) -> list[Cluster]:
        """Clusters of a run (default: the latest finished ``reuse`` run), in saved order;
        with ``article_id``, only those that hold a passage of it."""
        run = self._reuse_run(run_id)
        if run is None:
            return []
        with self._read() as db:
            heads = db.execute("SELECT cluster_id, origin, origin_note, origin_basis,"
                               " origin_confidence FROM clusters"
                               " WHERE run_id = ? ORDER BY position", (run,)).fetchall()
            members: dict[str, list[Passage]] = defaultdict(list)
            for cid, aid, start, end in db.execute(
                    'SELECT cluster_id, article_id, start, "end" FROM cluster_members'
                    " WHERE run_id = ? ORDER BY cluster_id, position", (run,)):
                members[cid].append(Passage(aid, start, end))
        found = [Cluster(id=cid, members=tuple(members[cid]), origin=origin, origin_note=note,
                         origin_basis=basis, origin_confidence=confidence)
                 for cid, origin, note, basis, confidence in heads]
        if article_id is not None:
            found = [c for c in found if any(m.article_id == article_id for m in c.members)]
        return found

    # ------------------------------------------------------------------ export

    def export(self, fmt: str, out: TextIO, *, with_spans: bool = True) -> int:
        """Write every article as one JSON line to ``out``; returns the number written.

        With layers, a line is the document as ``propwatch analyze --format json`` writes it
        (``schema_version`` 2, every stored layer; ``Document.from_dict`` reads it back, and
        ``Article.from_dict`` too) plus the technique fields of ``analyze --format jsonl``
        (``detector``, ``summary``, ``spans``). Without, it is ``Article.to_dict()``.
        """
        if fmt != "jsonl":
            raise ValueError(f"unknown export format {fmt!r}; use 'jsonl'")
        written = 0
        batch: list[Article] = []

        def flush() -> None:
            nonlocal written
            found = self._layers_of([a.id for a in batch]) if with_spans else {}
            for article in batch:
                if with_spans:
                    doc = Document(article, tuple(found.get(article.id, ())))
                    record = {**doc.to_dict(), **doc.technique_fields()}
                else:
                    record = article.to_dict()
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
            batch.clear()

        for article in self.iter_articles(batch_size=_CHUNK):
            batch.append(article)
            if len(batch) >= _CHUNK:
                flush()
        flush()
        return written

    def _layers_of(self, ids: Sequence[str]) -> dict[str, list[Layer]]:
        found: dict[str, list[Layer]] = {}
        for chunk in _chunks(list(ids)):
            with self._read() as db:
                heads = db.execute(
                    "SELECT article_id, layer, component, version, kind, summary FROM layers"
                    f" WHERE article_id IN ({_marks(len(chunk))}) ORDER BY rowid",
                    chunk).fetchall()
                items: dict[tuple[str, str], list[str]] = defaultdict(list)
                for aid, layer, payload in db.execute(
                        "SELECT article_id, layer, payload FROM layer_records"
                        f" WHERE article_id IN ({_marks(len(chunk))})"
                        " ORDER BY article_id, layer, position", chunk):
                    items[(aid, layer)].append(payload)
            for aid, name, component, version, kind, summary in heads:
                found.setdefault(aid, []).append(Layer(
                    name, component, version,
                    tuple(record_from_dict(kind, json.loads(p)) for p in items[(aid, name)]),
                    kind, json.loads(summary)))
        return found

    # ------------------------------------------------------------------ for the REST API

    def document(self, article_id: str) -> Document | None:
        """The stored article with every stored layer, or None."""
        article = self.get_article(article_id)
        if article is None:
            return None
        return Document(article, tuple(self.layers(article_id)))

    def technique_timeline(self) -> list[dict[str, Any]]:
        """Spans per technique per month of publication: ``[{month: 'YYYY-MM', technique,
        count}]`` by month, then technique. Undated articles are left out."""
        rows = self._query(
            "SELECT substr(a.published, 1, 7) AS month, r.label, count(*) FROM layer_records r"
            " JOIN articles a ON a.id = r.article_id"
            " WHERE r.layer = 'techniques' AND a.published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'"
            " GROUP BY month, r.label ORDER BY month, r.label")
        return [{"month": month, "technique": technique, "count": n}
                for month, technique, n in rows]

    def sourcing(self, *, period: str = "month") -> list[dict[str, Any]]:
        """How each outlet sources its articles, per ``period`` ("month", "year" or "all") of
        publication, from the stored attributions layers' profiles: articles, attributions,
        the mean share of text in attributed and in anonymous content, attributions by source
        type, and how many articles cite a state-affiliated outlet. Undated articles count
        under period ``None``."""
        width = _period_width(period)
        types = ("named_person", "named_organisation", "government", "outlet", "anonymous",
                 "none")
        by_type = ", ".join(f"sum(coalesce(json_extract(l.summary, '$.by_type.{t}'), 0))"
                            for t in types)
        when = (f"CASE WHEN a.published GLOB '[0-9][0-9][0-9][0-9]*' THEN "
                f"substr(a.published, 1, {width}) END" if width else "NULL")
        rows = self._query(
            f"SELECT a.outlet, {when} AS period, count(*),"
            " sum(coalesce(json_extract(l.summary, '$.attributions'), 0)),"
            " avg(coalesce(json_extract(l.summary, '$.attributed_share'), 0)),"
            " avg(coalesce(json_extract(l.summary, '$.anonymous_share'), 0)),"
            " sum(coalesce(json_array_length(l.summary, '$.state_affiliated_outlets'), 0) > 0),"
            f" {by_type} FROM layers l JOIN articles a ON a.id = l.article_id"
            " WHERE l.layer = 'attributions' GROUP BY a.outlet, period"
            " ORDER BY a.outlet IS NULL, a.outlet, period IS NULL, period")
        return [{"outlet": outlet, "period": when_, "articles": n, "attributions": attributions,
                 "attributed_share": round(attributed, 4), "anonymous_share": round(anonymous, 4),
                 "articles_citing_state_outlets": state,
                 "by_type": {t: c for t, c in zip(types, counts) if c}}
                for outlet, when_, n, attributions, attributed, anonymous, state, *counts in rows]


    def known_claims(self, *, period: str = "month") -> list[dict[str, Any]]:
        """Which outlets carry which known claims, over time, from the stored matches layers:
        per claim (best matched first), the articles and outlets carrying it, articles per
        ``period`` ("month", "year" or "all") of publication, first and last publication, and,
        joined with the latest reuse run, the reprint clusters those articles belong to:
        ``copied`` articles share a cluster with another article carrying the same claim (the
        claim travelled as copied text), ``rewritten`` ones do not."""
        width = _period_width(period)
        rows = self._query(
            "SELECT r.label, r.article_id, max(r.score), json_extract(min(r.payload), '$.kb'),"
            " json_extract(min(r.payload), '$.claim_id'), json_extract(min(r.payload), '$.claim'),"
            " a.outlet, a.published FROM layer_records r JOIN articles a ON a.id = r.article_id"
            " WHERE r.layer = 'matches' GROUP BY r.label, r.article_id")
        run = self.latest_run("reuse")
        cluster_of: dict[str, set[str]] = defaultdict(set)
        if run is not None:
            for cluster, article in self._query(
                    "SELECT DISTINCT cluster_id, article_id FROM cluster_members WHERE run_id = ?",
                    (run["id"],)):
                cluster_of[article].add(cluster)
        claims: dict[str, dict[str, Any]] = {}
        for label, article, score, kb, claim_id, claim, outlet, published in rows:
            entry = claims.setdefault(label, {
                "kb": kb, "claim_id": claim_id, "claim": claim, "articles": 0, "best_score": 0.0,
                "outlets": Counter(), "by_period": Counter(), "dated": [], "members": []})
            entry["articles"] += 1
            entry["best_score"] = max(entry["best_score"], float(score or 0.0))
            entry["outlets"][outlet or "(none)"] += 1
            dated = published if published and published[:4].isdigit() else None
            entry["by_period"][(dated[:width] if width else "all") if dated else "undated"] += 1
            if dated:
                entry["dated"].append(dated)
            entry["members"].append(article)
        out = []
        for entry in claims.values():
            members = entry.pop("members")
            dated = entry.pop("dated")
            clusters = Counter(c for a in members for c in cluster_of.get(a, ()))
            shared = {c for c, n in clusters.items() if n > 1}
            copied = sum(1 for a in members if cluster_of.get(a, set()) & shared)
            out.append({**entry, "best_score": round(entry["best_score"], 4),
                        "outlets": dict(entry["outlets"].most_common()),
                        "by_period": dict(sorted(entry["by_period"].items())),
                        "first_published": min(dated) if dated else None,
                        "last_published": max(dated) if dated else None,
                        "reuse_run": run["id"] if run else None,
                        "clusters": sorted(shared), "copied": copied,
                        "rewritten": len(members) - copied})
        out.sort(key=lambda e: (-e["articles"], -e["best_score"], e["kb"] or "", e["claim_id"] or ""))
        return out


def _period_width(period: str) -> int:
    """How many characters of an ISO date name a ``period``: month 7, year 4, all 0."""
    width = {"month": 7, "year": 4, "all": 0}.get(period)
    if width is None:
        raise ValueError(f"period must be month, year or all, not {period!r}")
    return width


def _indexed(item: Any) -> tuple[int | None, int | None, str | None, float | None]:
    """(start, end, label, score) of a layer item, for queries: a span's own; for a record,
    the extent of its spans and its ``label``/``score`` when it has them."""
    spans = item.spans()
    start = min((s.start for s in spans), default=None)
    end = max((s.end for s in spans), default=None)
    label = getattr(item, "label", None)
    score = getattr(item, "score", None)
    return start, end, label if isinstance(label, str) else None, \
        float(score) if isinstance(score, (int, float)) else None


def _article(row: tuple) -> Article:
    aid, text, title, outlet, url, published, source, boilerplate, canonical_url = row
    return Article(id=aid, text=text, title=title, outlet=outlet, url=url, published=published,
                   source=source, boilerplate=tuple(tuple(r) for r in json.loads(boilerplate)),
                   canonical_url=canonical_url)


_RUN_COLUMNS = "id, kind, params, started_at, finished_at, summary, status"


def _run(row: tuple) -> dict[str, Any]:
    rid, kind, params, started, finished, summary, status = row
    return {"id": rid, "kind": kind, "status": status, "params": json.loads(params),
            "started_at": started, "finished_at": finished,
            "summary": json.loads(summary) if summary else None}


def _process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (where that can be told)."""
    if sys.platform == "win32":  # os.kill would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True


Store._article_columns = _ARTICLE_COLUMNS
Store._to_article = staticmethod(_article)
