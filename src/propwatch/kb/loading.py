"""A knowledge base from the store as a searchable index: its claims, and their vectors from
the store (those missing are encoded now and, where the store may be written, kept)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .encoder import SentenceEncoder
from .index import ClaimIndex


def ensure_vectors(store, kb: str, encoder: SentenceEncoder, batch: int = 512) -> int:
    """Encode and store the vectors of ``kb``'s claims that have none for ``encoder``;
    return how many were added."""
    missing = list(store.claims_without_vectors(kb, encoder.version))
    for start in range(0, len(missing), batch):
        chunk = missing[start:start + batch]
        store.put_claim_vectors(kb, encoder.version, [c.id for c in chunk],
                                encoder.encode([c.text_for_matching() for c in chunk]))
    return len(missing)


def load_index(store, kbs: Sequence[str], encoder: SentenceEncoder) -> ClaimIndex:
    """One index over the claims of ``kbs`` (each claim tagged with its knowledge base)."""
    claims, names, matrices = [], [], []
    for kb in kbs:
        found = list(store.claims(kb))
        ids, matrix = store.claim_vectors(kb, encoder.version)
        rows = {claim_id: i for i, claim_id in enumerate(ids)}
        vectors = np.zeros((len(found), encoder.dim), dtype=np.float32)
        missing = [k for k, c in enumerate(found) if c.id not in rows]
        for k, claim in enumerate(found):
            if claim.id in rows:
                vectors[k] = matrix[rows[claim.id]]
        if missing:
            vectors[missing] = encoder.encode([found[k].text_for_matching() for k in missing])
        claims += found
        names += [kb] * len(found)
        matrices.append(vectors)
    matrix = np.vstack(matrices) if matrices else np.zeros((0, encoder.dim), np.float32)
    return ClaimIndex(claims, matrix, names)
