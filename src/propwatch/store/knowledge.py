"""Knowledge bases of known claims in the corpus store (mixed into ``Store``).

A knowledge base is a named set of ``KnownClaim``s with a version. ``import_claims`` makes the
stored set equal to what it is given (or, with ``replace=False``, adds to it): an import that
changes nothing keeps the version, one that adds, changes or removes a claim bumps it and is
recorded in ``kb_versions``. Claims are kept as their JSON, a full-text index serves
``search_claims`` (FTS5 bm25), and claim vectors of any encoder are kept beside them
(``put_claim_vectors``); a vector is dropped when the text it was computed from changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from ..errors import StoreError
from ..kb.claims import KnownClaim
from .common import CHUNK, chunks, fts_query, marks, now

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ImportResult", "KnowledgeBases"]

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# bm25 weights of the indexed columns: the claim counts most, then title and tags
_BM25 = "bm25(kb_claims_fts, 4.0, 2.0, 1.0, 2.0)"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class ImportResult:
    """What ``Store.import_claims`` did to knowledge base ``kb``: claims added, changed,
    unchanged and removed, the version before and after (equal when nothing changed), the
    claims it holds now, and ids given twice with different content (the first one kept)."""

    kb: str
    version: int = 0
    previous_version: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    claims: int = 0
    duplicates: list[str] = field(default_factory=list)

    @property
    def new_version(self) -> bool:
        """Whether the import changed the knowledge base (and made a new version)."""
        return self.version != self.previous_version

    def to_dict(self) -> dict[str, Any]:
        return {"kb": self.kb, "version": self.version,
                "previous_version": self.previous_version, "added": self.added,
                "changed": self.changed, "unchanged": self.unchanged, "removed": self.removed,
                "claims": self.claims, "duplicates": len(self.duplicates)}


class KnowledgeBases:
    """The knowledge-base methods of ``Store``; they use its connections and transactions."""

    path: str

    if TYPE_CHECKING:  # provided by Store
        def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...

    # ------------------------------------------------------------------ import

    def import_claims(self, kb: str, claims: Iterable[KnownClaim], *,
                      source: str | Sequence[str] | None = None, format: str | None = None,
                      replace: bool = True, batch_size: int = 1000) -> ImportResult:
        """Make knowledge base ``kb`` hold ``claims``, in one transaction; returns what changed.

        With ``replace`` (the default) claims not given are removed, so importing the same
        file again changes nothing; with ``replace=False`` they stay (adding to the base).
        An import that adds, changes or removes a claim makes a new version, recorded with
        ``source`` (the files) and ``format``. Raises E622 for a bad name, E623 when
        ``claims`` is empty.
        """
        _check_name(kb)
        sources = [source] if isinstance(source, str) else [str(s) for s in source or ()]
        result = ImportResult(kb=kb)
        stamp = now()
        with self._write() as db:
            row = db.execute("SELECT version FROM knowledge_bases WHERE name = ?",
                             (kb,)).fetchone()
            result.previous_version = row[0] if row else 0
            version = result.previous_version + 1
            if row is None:
                db.execute("INSERT INTO knowledge_bases (name, version, format, created_at,"
                           " updated_at) VALUES (?, 0, ?, ?, ?)", (kb, format, stamp, stamp))
            known = {cid: (h, th) for cid, h, th in db.execute(
                "SELECT claim_id, content_hash, text_hash FROM kb_claims WHERE kb = ?", (kb,))}
            seen: dict[str, str] = {}
            inserts: list[tuple] = []
            updates: list[tuple] = []
            stale: list[str] = []  # claims whose vectors no longer fit their text

            def flush() -> None:
                db.executemany(
                    "INSERT INTO kb_claims (kb, claim_id, claim, title, summary, tags, language,"
                    " date, payload, content_hash, text_hash, version)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", inserts)
                db.executemany(
                    "UPDATE kb_claims SET claim = ?, title = ?, summary = ?, tags = ?,"
                    " language = ?, date = ?, payload = ?, content_hash = ?, text_hash = ?,"
                    " version = ? WHERE kb = ? AND claim_id = ?", updates)
                for chunk in chunks(stale):
                    db.execute(f"DELETE FROM kb_claim_vectors WHERE kb = ? AND claim_id IN"
                               f" ({marks(len(chunk))})", [kb, *chunk])
                inserts.clear()
                updates.clear()
                stale.clear()

            for claim in claims:
                if not isinstance(claim, KnownClaim):
                    raise TypeError(f"import_claims takes KnownClaim objects, got "
                                    f"{type(claim).__name__}")
                payload = json.dumps(claim.to_json(), ensure_ascii=False, sort_keys=True)
                digest = _digest(payload)
                if claim.id in seen:
                    if seen[claim.id] != digest:
                        result.duplicates.append(claim.id)
                    continue
                seen[claim.id] = digest
                stored = known.get(claim.id)
                text_digest = _digest(claim.text_for_matching())
                values = (claim.claim, claim.title, claim.summary, "; ".join(claim.tags),
                          claim.language, claim.date, payload, digest, text_digest, version)
                if stored is None:
                    inserts.append((kb, claim.id, *values))
                    result.added += 1
                elif stored[0] == digest:
                    result.unchanged += 1
                else:
                    updates.append((*values, kb, claim.id))
                    result.changed += 1
                    if stored[1] != text_digest:
                        stale.append(claim.id)
                if len(inserts) + len(updates) >= batch_size:
                    flush()
            flush()
            if not seen:
                raise StoreError.make("E623", name=kb)
            if replace:
                gone = [cid for cid in known if cid not in seen]
                for chunk in chunks(gone):
                    db.execute(f"DELETE FROM kb_claims WHERE kb = ? AND claim_id IN"
                               f" ({marks(len(chunk))})", [kb, *chunk])
                result.removed = len(gone)
            result.claims = db.execute("SELECT count(*) FROM kb_claims WHERE kb = ?",
                                       (kb,)).fetchone()[0]
            if row is not None and not (result.added or result.changed or result.removed):
                result.version = result.previous_version
                return result
            result.version = version
            whole = hashlib.sha256()
            for cid, digest in db.execute("SELECT claim_id, content_hash FROM kb_claims"
                                          " WHERE kb = ? ORDER BY claim_id", (kb,)):
                whole.update(f"{cid}\t{digest}\n".encode("utf-8", "surrogatepass"))
            db.execute("UPDATE knowledge_bases SET version = ?, format = coalesce(?, format),"
                       " updated_at = ? WHERE name = ?", (version, format, stamp, kb))
            db.execute("INSERT INTO kb_versions (kb, version, imported_at, format, sources,"
                       " claims, added, changed, removed, content_hash)"
                       " VALUES (?,?,?,?,?,?,?,?,?,?)",
                       (kb, version, stamp, format, json.dumps(sources, ensure_ascii=False),
                        result.claims, result.added, result.changed, result.removed,
                        whole.hexdigest()))
        return result

    def delete_kb(self, kb: str) -> int:
        """Remove knowledge base ``kb`` with its claims, versions and vectors; returns how
        many claims it held. E620 when there is none of that name."""
        with self._write() as db:
            row = db.execute("SELECT count(*) FROM kb_claims WHERE kb = ?", (kb,)).fetchone()
            if db.execute("DELETE FROM knowledge_bases WHERE name = ?", (kb,)).rowcount == 0:
                raise StoreError.make("E620", name=kb, path=self.path)
            return row[0]

    # ------------------------------------------------------------------ reading

    def knowledge_bases(self) -> list[dict[str, Any]]:
        """Every knowledge base by name: version, format, claims, created and updated (UTC),
        the source files of its latest version."""
        rows = self._query(
            "SELECT k.name, k.version, k.format, k.created_at, k.updated_at,"
            " (SELECT count(*) FROM kb_claims c WHERE c.kb = k.name),"
            " (SELECT v.sources FROM kb_versions v WHERE v.kb = k.name"
            "  ORDER BY v.version DESC LIMIT 1)"
            " FROM knowledge_bases k ORDER BY k.name")
        return [{"name": name, "version": version, "format": fmt, "claims": n,
                 "created_at": created, "updated_at": updated,
                 "sources": json.loads(sources) if sources else []}
                for name, version, fmt, created, updated, n, sources in rows]

    def knowledge_base(self, kb: str) -> dict[str, Any] | None:
        """One knowledge base as ``knowledge_bases`` lists it, with ``versions`` (oldest
        first: when, from which files, claims added, changed and removed) and ``vectors``
        ({encoder: {dim, claims}}); None when there is none of that name."""
        with self._read() as db:
            head = db.execute(
                "SELECT name, version, format, created_at, updated_at,"
                " (SELECT count(*) FROM kb_claims c WHERE c.kb = k.name)"
                " FROM knowledge_bases k WHERE name = ?", (kb,)).fetchone()
            if head is None:
                return None
            versions = db.execute(
                "SELECT version, imported_at, format, sources, claims, added, changed, removed,"
                " content_hash FROM kb_versions WHERE kb = ? ORDER BY version", (kb,)).fetchall()
            vectors = db.execute(
                "SELECT encoder, dim, count(*) FROM kb_claim_vectors WHERE kb = ?"
                " GROUP BY encoder, dim ORDER BY encoder", (kb,)).fetchall()
        name, version, fmt, created, updated, n = head
        keys = ("version", "imported_at", "format", "sources", "claims", "added", "changed",
                "removed", "content_hash")
        history = [dict(zip(keys, v)) for v in versions]
        for entry in history:
            entry["sources"] = json.loads(entry["sources"])
        return {"name": name, "version": version, "format": fmt, "claims": n,
                "created_at": created, "updated_at": updated,
                "sources": history[-1]["sources"] if history else [],
                "versions": history,
                "vectors": {enc: {"dim": dim, "claims": count} for enc, dim, count in vectors}}

    def _require_kb(self, db: sqlite3.Connection, kb: str) -> None:
        if db.execute("SELECT 1 FROM knowledge_bases WHERE name = ?", (kb,)).fetchone() is None:
            raise StoreError.make("E620", name=kb, path=self.path)

    def claims(self, kb: str, *, batch_size: int = 1000) -> Iterator[KnownClaim]:
        """The claims of ``kb`` in the order they were first imported, read ``batch_size``
        at a time. E620 (at once) when there is no knowledge base of that name."""
        with self._read() as db:
            self._require_kb(db, kb)
        return self._iter_claims(kb, batch_size)

    def _iter_claims(self, kb: str, batch_size: int) -> Iterator[KnownClaim]:
        last = -1
        while True:
            # Keyset paging: no cursor stays open between batches, so writers are not held up.
            rows = self._query("SELECT seq, payload FROM kb_claims WHERE kb = ? AND seq > ?"
                               " ORDER BY seq LIMIT ?", (kb, last, batch_size))
            if not rows:
                return
            yield from (KnownClaim.from_json(json.loads(payload)) for _, payload in rows)
            last = rows[-1][0]

    def claim(self, kb: str, claim_id: str) -> KnownClaim | None:
        """The claim ``claim_id`` of ``kb``, or None."""
        rows = self._query("SELECT payload FROM kb_claims WHERE kb = ? AND claim_id = ?",
                           (kb, claim_id))
        return KnownClaim.from_json(json.loads(rows[0][0])) if rows else None

    def search_claims(self, kb: str, query: str, *, limit: int = 20
                      ) -> list[tuple[KnownClaim, float]]:
        """Claims of ``kb`` that hold every word of ``query`` (in the claim, title, summary or
        tags; ``word*`` for a prefix), best first by FTS5 bm25, with the score (higher is
        better). E620 when there is no knowledge base of that name."""
        if limit < 0:
            raise ValueError("limit must not be negative")
        match = fts_query(query)
        with self._read() as db:
            self._require_kb(db, kb)
            if match is None:
                return []
            rows = db.execute(
                f"SELECT c.payload, {_BM25} AS rank FROM kb_claims_fts"
                " JOIN kb_claims c ON c.seq = kb_claims_fts.rowid"
                " WHERE kb_claims_fts MATCH ? AND c.kb = ? ORDER BY rank LIMIT ?",
                (match, kb, limit)).fetchall()
        return [(KnownClaim.from_json(json.loads(payload)), -rank) for payload, rank in rows]

    def kb_stats(self, kb: str, *, top: int = 10) -> dict[str, Any]:
        """Figures of ``kb``: claims, claims per language, the ``top`` tags (tags such as
        ``country:X`` counted apart, per prefix), outlets, date range, how many claims have a
        verdict, a URL and a summary, stored vectors. E620 when there is none of that name."""
        with self._read() as db:
            self._require_kb(db, kb)
            version, fmt = db.execute("SELECT version, format FROM knowledge_bases"
                                      " WHERE name = ?", (kb,)).fetchone()
            n, first, last, undated = db.execute(
                "SELECT count(*), min(date), max(date), sum(date IS NULL) FROM kb_claims"
                " WHERE kb = ?", (kb,)).fetchone()
            languages = db.execute(
                "SELECT language, count(*) FROM kb_claims WHERE kb = ? GROUP BY language"
                " ORDER BY count(*) DESC, language", (kb,)).fetchall()
            tags = db.execute(
                "SELECT j.value, count(*) FROM kb_claims c, json_each(c.payload, '$.tags') j"
                " WHERE c.kb = ? GROUP BY j.value ORDER BY count(*) DESC, j.value",
                (kb,)).fetchall()
            outlets = db.execute(
                "SELECT j.value, count(*) FROM kb_claims c, json_each(c.payload, '$.outlets') j"
                " WHERE c.kb = ? GROUP BY j.value ORDER BY count(*) DESC, j.value LIMIT ?",
                (kb, top)).fetchall()
            with_verdict, with_url, with_summary, tagged = db.execute(
                "SELECT sum(json_extract(payload, '$.verdict') IS NOT NULL),"
                " sum(json_extract(payload, '$.url') IS NOT NULL),"
                " sum(summary IS NOT NULL), sum(tags != '') FROM kb_claims WHERE kb = ?",
                (kb,)).fetchone()
            vectors = db.execute(
                "SELECT encoder, dim, count(*) FROM kb_claim_vectors WHERE kb = ?"
                " GROUP BY encoder, dim ORDER BY encoder", (kb,)).fetchall()
        plain: dict[str, int] = {}
        grouped: dict[str, dict[str, int]] = {}
        for tag, count in tags:
            prefix, sep, rest = tag.partition(":")
            if sep and rest and " " not in prefix:
                group = grouped.setdefault(prefix, {})
                if len(group) < top:
                    group[rest] = count
            elif len(plain) < top:
                plain[tag] = count
        return {"name": kb, "version": version, "format": fmt, "claims": n,
                "languages": {lang or "": count for lang, count in languages},
                "dates": {"first": first, "last": last, "undated": undated or 0},
                "tags": plain, "distinct_tags": len(tags), "tagged_claims": tagged or 0,
                "tag_groups": grouped, "outlets": dict(outlets),
                "with_verdict": with_verdict or 0, "with_url": with_url or 0,
                "with_summary": with_summary or 0,
                "vectors": {enc: {"dim": dim, "claims": count} for enc, dim, count in vectors}}

    # ------------------------------------------------------------------ vectors

    def put_claim_vectors(self, kb: str, encoder_name: str, ids: Sequence[str],
                          matrix: Any) -> int:
        """Store one vector per claim (row ``i`` of ``matrix`` for ``ids[i]``) as float32 under
        ``encoder_name``, replacing any it had; returns how many were stored.

        Every id must be a claim of ``kb``; all vectors of one encoder have one dimension
        (E621; name another model's vectors by another encoder name). E620: no such ``kb``.
        """
        import numpy as np

        array = np.asarray(matrix, dtype=np.float32)
        ids = [str(i) for i in ids]

        def bad(reason: str, hint: str) -> StoreError:
            return StoreError.make("E621", name=kb, encoder=encoder_name, reason=reason,
                                   hint=hint)

        if not encoder_name:
            raise bad("no encoder name", "Name the encoder and its version, e.g. 'minilm-v1'.")
        if array.ndim != 2 or array.shape[0] != len(ids):
            raise bad(f"{len(ids)} ids but a matrix of shape {array.shape}",
                      "Give one row per id.")
        if len(set(ids)) != len(ids):
            raise bad("an id is given twice", "Give each claim once.")
        if not np.isfinite(array).all():
            raise bad("the matrix holds NaN or infinite values", "Check the encoder's output.")
        dim = int(array.shape[1])
        with self._write() as db:
            self._require_kb(db, kb)
            row = db.execute("SELECT dim FROM kb_claim_vectors WHERE kb = ? AND encoder = ?"
                             " LIMIT 1", (kb, encoder_name)).fetchone()
            if row is not None and row[0] != dim:
                raise bad(f"these have {dim} dimensions, the stored ones {row[0]}",
                          "Use another encoder name for another model, or delete the stored "
                          "vectors first (Store.delete_claim_vectors).")
            for chunk in chunks(ids):
                found = {r[0] for r in db.execute(
                    f"SELECT claim_id FROM kb_claims WHERE kb = ? AND claim_id IN"
                    f" ({marks(len(chunk))})", [kb, *chunk])}
                missing = next((i for i in chunk if i not in found), None)
                if missing is not None:
                    raise bad(f"claim '{missing}' is not in the knowledge base",
                              "Compute vectors for its stored claims (Store.claims).")
            little = array.astype("<f4", copy=False)
            for start in range(0, len(ids), CHUNK):
                db.executemany(
                    "INSERT OR REPLACE INTO kb_claim_vectors (kb, encoder, claim_id, dim, vector)"
                    " VALUES (?,?,?,?,?)",
                    [(kb, encoder_name, cid, dim, little[start + i].tobytes())
                     for i, cid in enumerate(ids[start:start + CHUNK])])
        return len(ids)

    def claim_vectors(self, kb: str, encoder_name: str) -> tuple[list[str], np.ndarray]:
        """``(ids, matrix)``: the stored vectors of ``encoder_name`` for claims of ``kb``, in
        the order of ``claims``, as a float32 matrix (one row per id; shape (0, 0) when
        none). E620 when there is no knowledge base of that name."""
        import numpy as np

        with self._read() as db:
            self._require_kb(db, kb)
            rows = db.execute(
                "SELECT v.claim_id, v.dim, v.vector FROM kb_claim_vectors v"
                " JOIN kb_claims c ON c.kb = v.kb AND c.claim_id = v.claim_id"
                " WHERE v.kb = ? AND v.encoder = ? ORDER BY c.seq",
                (kb, encoder_name)).fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4")
        return [r[0] for r in rows], matrix.reshape(len(rows), rows[0][1]).astype(
            np.float32, copy=True)

    def claims_without_vectors(self, kb: str, encoder_name: str) -> list[KnownClaim]:
        """The claims of ``kb`` that have no vector of ``encoder_name`` (new, or whose text
        changed since), in the order of ``claims``: what an encoder still has to compute."""
        with self._read() as db:
            self._require_kb(db, kb)
            rows = db.execute(
                "SELECT c.payload FROM kb_claims c WHERE c.kb = ? AND NOT EXISTS"
                " (SELECT 1 FROM kb_claim_vectors v WHERE v.kb = c.kb AND v.encoder = ?"
                " AND v.claim_id = c.claim_id) ORDER BY c.seq", (kb, encoder_name)).fetchall()
        return [KnownClaim.from_json(json.loads(payload)) for (payload,) in rows]

    def delete_claim_vectors(self, kb: str, encoder_name: str | None = None) -> int:
        """Remove the stored vectors of ``kb`` (only those of ``encoder_name`` when given);
        returns how many were removed."""
        with self._write() as db:
            self._require_kb(db, kb)
            if encoder_name is None:
                cursor = db.execute("DELETE FROM kb_claim_vectors WHERE kb = ?", (kb,))
            else:
                cursor = db.execute("DELETE FROM kb_claim_vectors WHERE kb = ? AND encoder = ?",
                                    (kb, encoder_name))
            return cursor.rowcount


def _check_name(kb: str) -> None:
    if not isinstance(kb, str) or not kb:
        raise StoreError.make("E622", name=kb, reason="it is empty")
    if not _NAME.fullmatch(kb):
        raise StoreError.make("E622", name=kb, reason="it holds other characters or is longer "
                              "than 64, or does not start with a letter or digit")
