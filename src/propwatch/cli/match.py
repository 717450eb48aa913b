"""``propwatch match``: rank a knowledge base's claims for each query of a file, as a TREC
run or JSONL (the CheckThat! task's query mode)."""

from __future__ import annotations

import csv
import json
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import InputError, PropwatchError
from .common import err, fail, replaced_at_end

csv.field_size_limit(1 << 30)


class RunFormat(str, Enum):
    trec = "trec"
    jsonl = "jsonl"


def read_queries(path: Path) -> list[tuple[str, str]]:
    """(id, text) from a TSV with a header line (``id<TAB>text``) or JSONL ``{"id", "text"}``;
    E130 names the line that is neither."""
    queries: list[tuple[str, str]] = []
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            if path.suffix.lower() in (".jsonl", ".json"):
                for number, line in enumerate(handle, 1):
                    if not line.strip():
                        continue
                    try:
                        record = json.loads(line)
                        queries.append((str(record["id"]), str(record["text"])))
                    except (ValueError, KeyError, TypeError):
                        raise InputError.make("E130", path=path, line=number,
                                              expected='{"id": ..., "text": ...}') from None
            else:
                rows = csv.reader(handle, delimiter="\t")
                next(rows, None)  # the header
                for number, row in enumerate(rows, 2):
                    if len(row) < 2:
                        raise InputError.make("E130", path=path, line=number,
                                              expected="id<TAB>text")
                    queries.append((row[0], row[1]))
    except FileNotFoundError:
        raise InputError.make("E101", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.make("E105", path=path, reason=str(exc)) from None
    return queries


def match(
    queries: Path = typer.Argument(..., help="Queries: a TSV with a header line (id<TAB>text) or JSONL {\"id\", \"text\"}."),
    kb: List[str] = typer.Option(..., "--kb", help="Knowledge base to search; repeat for several."),
    db: str = typer.Option("propwatch.db", "--db", help="The store that holds the knowledge bases."),
    top: int = typer.Option(5, "--top", min=1, max=100, help="Claims per query."),
    format: RunFormat = typer.Option(RunFormat.trec, "--format", "-f", help="trec: qid Q0 docid rank score propwatch; jsonl: one object per query."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Run file (default: stdout)."),
) -> None:
    """Rank the claims of the knowledge bases for every query (BM25 and sentence embeddings,
    re-ranked); scores are probabilities of a match. Every query gets its top claims, whatever
    their score."""
    from ..kb.encoder import SentenceEncoder
    from ..kb.loading import load_index
    from ..kb.matcher import ClaimMatcher
    from ..kb.rerank import Reranker
    from ..store import Store

    try:
        items = read_queries(queries)
        encoder = SentenceEncoder()
        with Store(db, create=False) as store:
            index = load_index(store, kb, encoder)
        ranked = ClaimMatcher(index, encoder, Reranker()).rank([t for _, t in items], top=top)
    except PropwatchError as exc:
        fail(exc, 2)
    lines = []
    for (qid, _), rows in zip(items, ranked):
        if format is RunFormat.trec:
            lines += [f"{qid}\tQ0\t{index.claims[i].id}\t{rank}\t{p:.6f}\tpropwatch"
                      for rank, (i, p) in enumerate(rows, 1)]
        else:
            lines.append(json.dumps({"id": qid, "matches": [
                {"kb": index.kb_names[i], "claim_id": index.claims[i].id,
                 "claim": index.claims[i].claim, "score": round(p, 6)} for i, p in rows]},
                ensure_ascii=False))
    text = "".join(line + "\n" for line in lines)
    if out is None:
        typer.echo(text, nl=False)
        return
    with replaced_at_end(out) as temp:
        temp.write_text(text, encoding="utf-8")
    err.print(f"wrote {len(items)} queries' rankings to {out}", markup=False)
