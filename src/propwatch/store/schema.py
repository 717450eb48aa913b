"""The corpus schema as ordered migrations: ``MIGRATIONS[n]`` takes a database from version n
to n + 1 inside one transaction (``Store`` applies them on open)."""

# Articles carry an INTEGER PRIMARY KEY ``seq`` besides the text id because the full-text
# index refers to rows by rowid, and VACUUM may renumber the rowids of a table without one.
_MIGRATION_1 = (
    """CREATE TABLE articles (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        content_hash TEXT NOT NULL,
        text TEXT NOT NULL,
        title TEXT,
        outlet TEXT,
        url TEXT,
        published TEXT,
        source TEXT,
        boilerplate TEXT NOT NULL DEFAULT '[]',
        added_at TEXT NOT NULL
    )""",
    "CREATE INDEX articles_outlet ON articles(outlet)",
    "CREATE INDEX articles_published ON articles(published)",
    """CREATE TABLE spans (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        technique TEXT NOT NULL,
        score REAL NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        detector TEXT NOT NULL,
        CHECK (start >= 0 AND "end" > start)
    )""",
    "CREATE INDEX spans_article ON spans(article_id)",
    "CREATE INDEX spans_technique ON spans(technique)",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        params TEXT NOT NULL DEFAULT '{}',
        started_at TEXT NOT NULL,
        finished_at TEXT,
        summary TEXT
    )""",
    "CREATE INDEX runs_kind ON runs(kind, id)",
    """CREATE TABLE reuse_links (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        a TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        a_start INTEGER NOT NULL,
        a_end INTEGER NOT NULL,
        b TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        b_start INTEGER NOT NULL,
        b_end INTEGER NOT NULL,
        score REAL NOT NULL
    )""",
    "CREATE INDEX reuse_links_run ON reuse_links(run_id)",
    "CREATE INDEX reuse_links_a ON reuse_links(a, run_id)",
    "CREATE INDEX reuse_links_b ON reuse_links(b, run_id)",
    """CREATE TABLE clusters (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        cluster_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        origin TEXT REFERENCES articles(id) ON DELETE SET NULL,
        origin_note TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (run_id, cluster_id)
    )""",
    """CREATE TABLE cluster_members (
        run_id INTEGER NOT NULL,
        cluster_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        FOREIGN KEY (run_id, cluster_id) REFERENCES clusters(run_id, cluster_id) ON DELETE CASCADE
    )""",
    "CREATE INDEX cluster_members_run ON cluster_members(run_id, cluster_id)",
    "CREATE INDEX cluster_members_article ON cluster_members(article_id, run_id)",
    # Full-text search over title and text; the index holds no copy of the text.
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, content='articles', content_rowid='seq',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text);
    END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, text)
        VALUES ('delete', old.seq, old.title, old.text);
        INSERT INTO articles_fts(rowid, title, text) VALUES (new.seq, new.title, new.text);
    END""",
)

# Version 2: findings of every layer in two generic tables, so a new layer needs no migration.
# ``layers`` says which component (and version) wrote a layer for an article, even when it
# found nothing; ``layer_records`` holds its items: offsets, label and score for queries, and
# the item's JSON. The technique spans of version 1 move in (their per-article summary is
# recomputed on reading) and the old table goes.
_MIGRATION_2 = (
    """CREATE TABLE layers (
        article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        layer TEXT NOT NULL,
        component TEXT NOT NULL,
        version TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'span',
        summary TEXT NOT NULL DEFAULT '{}',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (article_id, layer)
    )""",
    "CREATE INDEX layers_layer ON layers(layer, version)",
    """CREATE TABLE layer_records (
        article_id TEXT NOT NULL,
        layer TEXT NOT NULL,
        position INTEGER NOT NULL,
        start INTEGER,
        "end" INTEGER,
        label TEXT,
        score REAL,
        payload TEXT NOT NULL,
        FOREIGN KEY (article_id, layer) REFERENCES layers(article_id, layer) ON DELETE CASCADE
    )""",
    "CREATE INDEX layer_records_article ON layer_records(article_id, layer, position)",
    "CREATE INDEX layer_records_label ON layer_records(layer, label, article_id)",
    """INSERT INTO layers (article_id, layer, component, version, kind, summary, updated_at)
        SELECT article_id, 'techniques', 'techniques.v1', min(detector), 'span', '{}',
               strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')
        FROM spans GROUP BY article_id""",
    """INSERT INTO layer_records (article_id, layer, position, start, "end", label, score, payload)
        SELECT article_id, 'techniques',
               row_number() OVER (PARTITION BY article_id ORDER BY start, "end", technique),
               start, "end", technique, score,
               json_object('start', start, 'end', "end", 'label', technique, 'score', score,
                           'reason', reason)
        FROM spans""",
    "DROP TABLE spans",
)

# Version 3: a run's status (running, finished or interrupted) and the host and process that
# run it, so that the next run can tell a killed run (its process is gone) from a live one.
# Runs of older versions left unfinished were killed long ago: they start as 'running' with no
# process, and the next run marks them interrupted. And an index for the outlet filter, which
# matches in any case (the BINARY index cannot serve it), in id order as pages are listed.
_MIGRATION_3 = (
    "CREATE INDEX articles_outlet_nocase ON articles(outlet COLLATE NOCASE, id)",
    "ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'running'",
    "ALTER TABLE runs ADD COLUMN host TEXT",
    "ALTER TABLE runs ADD COLUMN pid INTEGER",
    "UPDATE runs SET status = 'finished' WHERE finished_at IS NOT NULL",
)

# Version 4: how a cluster's origin was found and how sure it is (issue 14). A stored run keeps
# what it found then: a named origin of an older run had every member dated and one strictly
# earliest ('earliest'), a null one a tie on the earliest day ('tie') or no date at all
# ('undated'); a null origin for undated members, which runs now name, gets '' (not known).
# Its confidence stays NULL.
_MIGRATION_4 = (
    "ALTER TABLE clusters ADD COLUMN origin_basis TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE clusters ADD COLUMN origin_confidence REAL",
    """UPDATE clusters SET origin_basis = CASE
        WHEN origin IS NOT NULL THEN 'earliest'
        WHEN origin_note LIKE '%: a tie' THEN 'tie'
        WHEN origin_note = 'no member has a publication date' THEN 'undated'
        ELSE '' END""",
)

# Version 5: knowledge bases of known claims (issue 12). ``knowledge_bases`` names each and
# its current version; ``kb_versions`` records every import that changed it (when, from which
# files, what changed, a hash of the whole content). ``kb_claims`` holds the current claims:
# the KnownClaim as JSON, the columns searched and counted, a hash of the claim (what an
# import compares) and of the text retrieval reads (its vectors stay valid while that is the
# same). ``kb_claims_fts`` indexes the claim text like ``articles_fts`` (no copy of the text);
# ``kb_claim_vectors`` holds one float32 vector per claim and encoder.
_MIGRATION_5 = (
    """CREATE TABLE knowledge_bases (
        name TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        format TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE kb_versions (
        kb TEXT NOT NULL REFERENCES knowledge_bases(name) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        imported_at TEXT NOT NULL,
        format TEXT,
        sources TEXT NOT NULL DEFAULT '[]',
        claims INTEGER NOT NULL,
        added INTEGER NOT NULL,
        changed INTEGER NOT NULL,
        removed INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        PRIMARY KEY (kb, version)
    )""",
    """CREATE TABLE kb_claims (
        seq INTEGER PRIMARY KEY,
        kb TEXT NOT NULL REFERENCES knowledge_bases(name) ON DELETE CASCADE,
        claim_id TEXT NOT NULL,
        claim TEXT NOT NULL,
        title TEXT,
        summary TEXT,
        tags TEXT NOT NULL DEFAULT '',
        language TEXT,
        date TEXT,
        payload TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        text_hash TEXT NOT NULL,
        version INTEGER NOT NULL,
        UNIQUE (kb, claim_id)
    )""",
    "CREATE INDEX kb_claims_language ON kb_claims(kb, language)",
    "CREATE INDEX kb_claims_date ON kb_claims(kb, date)",
    """CREATE VIRTUAL TABLE kb_claims_fts USING fts5(
        claim, title, summary, tags, content='kb_claims', content_rowid='seq',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER kb_claims_fts_insert AFTER INSERT ON kb_claims BEGIN
        INSERT INTO kb_claims_fts(rowid, claim, title, summary, tags)
        VALUES (new.seq, new.claim, new.title, new.summary, new.tags);
    END""",
    """CREATE TRIGGER kb_claims_fts_delete AFTER DELETE ON kb_claims BEGIN
        INSERT INTO kb_claims_fts(kb_claims_fts, rowid, claim, title, summary, tags)
        VALUES ('delete', old.seq, old.claim, old.title, old.summary, old.tags);
    END""",
    """CREATE TRIGGER kb_claims_fts_update AFTER UPDATE OF claim, title, summary, tags
        ON kb_claims BEGIN
        INSERT INTO kb_claims_fts(kb_claims_fts, rowid, claim, title, summary, tags)
        VALUES ('delete', old.seq, old.claim, old.title, old.summary, old.tags);
        INSERT INTO kb_claims_fts(rowid, claim, title, summary, tags)
        VALUES (new.seq, new.claim, new.title, new.summary, new.tags);
    END""",
    """CREATE TABLE kb_claim_vectors (
        kb TEXT NOT NULL,
        encoder TEXT NOT NULL,
        claim_id TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (kb, encoder, claim_id),
        FOREIGN KEY (kb, claim_id) REFERENCES kb_claims(kb, claim_id) ON DELETE CASCADE
    )""",
)

# Version 6: the reuse fingerprint index (issue 14), so a reuse run compares only the articles
# added since the last one. ``reuse_index`` (one row) names the engine version and options the
# index was built with, the reuse run its links belong to and the boilerplate fingerprints
# (sorted uint64, as a blob). ``reuse_fingerprints`` holds, per indexed article (by ``seq``),
# the content hash it was indexed with and its shingle hashes in word order (low 32 bits: which
# articles a fingerprint that became boilerplate touches, and where). ``reuse_prints`` holds
# the winnowed fingerprints, keyed by hash (as a signed 64-bit integer) then article;
# ``reuse_pairs`` the candidate pairs (a < b by seq) with the fingerprints they share. Stores
# of older versions start without an index: their next reuse run builds it.
_MIGRATION_6 = (
    """CREATE TABLE reuse_index (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        settings TEXT NOT NULL,
        run_id INTEGER,
        boilerplate BLOB NOT NULL,
        articles INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE reuse_fingerprints (
        seq INTEGER PRIMARY KEY,
        content_hash TEXT NOT NULL,
        shingles BLOB NOT NULL
    )""",
    """CREATE TABLE reuse_prints (
        hash INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (hash, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE reuse_pairs (
        a INTEGER NOT NULL,
        b INTEGER NOT NULL,
        shared INTEGER NOT NULL,
        PRIMARY KEY (a, b)
    ) WITHOUT ROWID""",
    "CREATE INDEX reuse_pairs_b ON reuse_pairs(b)",
)

# Version 7: outlet boilerplate (reuse engine v2). A fingerprint found in ``outlet_repeats``
# articles of one outlet is masked in that outlet's articles only; ``reuse_index.boilerplate``
# keeps the fingerprints masked everywhere, this table each outlet's own (sorted uint64, as a
# blob). From engine v2, ``reuse_fingerprints.shingles`` holds the whole 64-bit shingles and
# the words' character offsets (``reuse.incremental.index_blob``), so a pair can be checked
# without its texts. An index of engine v1 is rebuilt by the next reuse run (its settings
# differ).
_MIGRATION_7 = (
    """CREATE TABLE reuse_outlet_boilerplate (
        outlet TEXT PRIMARY KEY,
        hashes BLOB NOT NULL
    ) WITHOUT ROWID""",
)

# Version 8: each article's canonical URL (the one its page names as its own), beside ``url``
# (where it was fetched from). Older articles have none.
_MIGRATION_8 = ("ALTER TABLE articles ADD COLUMN canonical_url TEXT",)

#: Ordered schema migrations; ``MIGRATIONS[n]`` takes a database from version n to n + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (_MIGRATION_1, _MIGRATION_2, _MIGRATION_3,
                                           _MIGRATION_4, _MIGRATION_5, _MIGRATION_6,
                                           _MIGRATION_7, _MIGRATION_8)
SCHEMA_VERSION = len(MIGRATIONS)

