"""The matches component: known claims in a document, and a knowledge base re-imported while
the component lives (a server) is picked up."""

from __future__ import annotations

from pathlib import Path

import pytest

from propwatch.components import matches as component
from propwatch.doc import Article, Document
from propwatch.kb.readers import read_kb
from propwatch.pipeline.component import Shared
from propwatch.store import Store

from ..conftest import FIXTURES

CLAIMS = list(read_kb("jsonl", FIXTURES / "kb" / "known-claims.jsonl"))
TEXT = ("The White Helmets are preparing to stage a chemical attack in Idlib so that the Syrian "
        "government can be blamed, the ministry said.\n")


def test_a_reimported_knowledge_base_is_followed(tmp_path: Path, monkeypatch):
    db = tmp_path / "kb.db"
    with Store(db) as store:
        store.import_claims("checks", CLAIMS)
    made = component.SPEC.factory({"kb": ["checks"], "db": str(db)})
    doc = Document(Article(id="a", text=TEXT))
    first = made(doc, Shared())
    assert [m.claim_id for m in first.items][:1] == ["kc-01"]
    assert first.summary["kbs"] == ["checks"]
    monkeypatch.setattr(component, "RECHECK_SECONDS", 0.0)
    with Store(db) as store:
        store.import_claims("checks", [c for c in CLAIMS if c.id != "kc-01"])
    again = made(doc, Shared())
    assert "kc-01" not in [m.claim_id for m in again.items]


def test_an_unknown_knowledge_base_is_named(tmp_path: Path):
    db = tmp_path / "kb.db"
    with Store(db) as store:
        store.import_claims("checks", CLAIMS)
    with pytest.raises(Exception) as caught:
        component.SPEC.factory({"kb": ["nope"], "db": str(db)})
    assert "nope" in str(caught.value)
