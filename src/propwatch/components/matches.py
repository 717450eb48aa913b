"""The ``matches`` component: the known claims an article repeats, from the knowledge bases
named in its settings (``kb``, in the store ``db``), each with the sentences that carry it. It
reads the ``attributions`` layer when an earlier component wrote it (attributed contents are
matched as units of their own), and works without it."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any, Mapping

from ..detect.tokens import split_sentences
from ..doc import ClaimMatch, Document, Layer
from ..errors import UsageError
from ..kb.encoder import SentenceEncoder
from ..kb.loading import load_index
from ..kb.matcher import ClaimMatcher, Unit
from ..kb.rerank import Reranker
from ..pipeline.component import ComponentSpec, Shared
from . import check_settings

LAYER = "matches"
RECHECK_SECONDS = 5.0  # how often an article's analysis looks for a newer knowledge base


class MatchesComponent:
    """Finds known claims in each article."""

    name = "matches.v1"
    layer = LAYER
    reads: tuple[str, ...] = ()

    def __init__(self, *, kb: list[str], db: str, threshold: float | None = None,
                 top: int = 10) -> None:
        self.encoder = SentenceEncoder()
        self.reranker = Reranker()
        self.db, self.kbs, self.top, self.threshold = db, tuple(kb), top, threshold
        self.version = f"{self.reranker.version}+{self.encoder.version}"
        self._lock = threading.Lock()
        self._checked = 0.0
        self._versions, self.matcher = self._load()

    def _load(self) -> tuple[dict[str, int], ClaimMatcher]:
        from ..store import Store

        with Store(self.db, create=False) as store:
            versions = _versions(store, self.kbs)
            index = load_index(store, self.kbs, self.encoder)
        return versions, ClaimMatcher(index, self.encoder, self.reranker, self.threshold)

    def _fresh(self) -> ClaimMatcher:
        """The matcher, reloaded when a knowledge base got a new version since it was loaded
        (checked at most every ``RECHECK_SECONDS``): a long-running server follows imports."""
        from ..store import Store

        with self._lock:
            now = time.monotonic()
            if now - self._checked >= RECHECK_SECONDS:
                self._checked = now
                with Store(self.db, create=False) as store:
                    changed = _versions(store, self.kbs) != self._versions
                if changed:
                    self._versions, self.matcher = self._load()
            return self.matcher

    def __call__(self, doc: Document, shared: Shared) -> Layer:
        matcher = self._fresh()
        article = doc.article
        units = [Unit(s.start, s.end, article.text[s.start:s.end])
                 for s in split_sentences(article.text, article.content_ranges())]
        attributions = doc.layer("attributions")
        if attributions is not None:
            seen = {(u.start, u.end) for u in units}
            for item in attributions.items:
                content = getattr(item, "content", ())
                if content and (content[0].start, content[-1].end) not in seen:
                    start, end = content[0].start, content[-1].end
                    units.append(Unit(start, end, article.text[start:end]))
        found = matcher.match(units, top=self.top)
        by_tag = Counter(tag for m in found for tag in m.tags if ":" not in tag)
        summary = {"kbs": list(self.kbs), "matches": len(found),
                   "narratives": [{"tag": t, "matches": n} for t, n in by_tag.most_common(10)],
                   "threshold": matcher.threshold}
        return Layer(LAYER, self.name, self.version, tuple(found), kind=ClaimMatch.kind,
                     summary=summary)


def _versions(store, kbs) -> dict[str, int]:
    """Each knowledge base's current version (E620 names one the store does not hold)."""
    out = {}
    for kb in kbs:
        found = store.knowledge_base(kb)
        out[kb] = found["version"] if found else -1
    return out


def _build(config: Mapping[str, Any]) -> MatchesComponent:
    check_settings("matches", config, ("kb", "db", "threshold", "top"))
    kb, db = config.get("kb"), config.get("db")
    if not kb or not db:
        raise UsageError.make("E402", value=kb or db or "(none)", option="[component.matches]",
                              reason="name the knowledge bases and their store: --kb NAME "
                                     "--db FILE (build one with 'propwatch kb import')")
    return MatchesComponent(kb=[kb] if isinstance(kb, str) else list(kb), db=str(db),
                            threshold=config.get("threshold"), top=int(config.get("top", 10)))


SPEC = ComponentSpec(
    name="matches", version=1, layer=LAYER, factory=_build,
    defaults={"kb": None, "db": None, "threshold": None, "top": 10},
    description="Known claims: the fact-checked claims and catalogued narratives of a "
                "knowledge base that the article repeats, with the sentences that carry them.",
    renderer="propwatch.render.matches:RENDERER")
