"""A fast named-entity tagger read off the techniques transformer's token states: a softmax
over BIO tags of five entity types per subword, distilled from spaCy's ``en_core_web_sm`` NER
(``propwatch train roles`` labels news articles with spaCy and fits this head on the states).

The encoder is uncased, so each subword also gets the shape of its word (capitalised, all
capitals, first of its sentence...). Costs about a millisecond per article on top of the pass
the pipeline already made, where spaCy's NER would take 50-100 ms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from .features import CHUNK_ROWS, SpilledRows, TokenStates

#: spaCy labels the head tags, and the actor type each becomes
LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC")
TAGS = ("O", *(f"{p}-{label}" for label in LABELS for p in ("B", "I")))
N_SHAPE = 8
_WORD = re.compile(r"\w+(?:[’'.\-&]\w+)*\.?")


def word_spans(text: str, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """The start and end of the word each subword lies in (a word: letters, digits and inner
    apostrophes, dots, hyphens)."""
    w_start = starts.copy()
    w_end = ends.copy()
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        while a > 0 and (text[a - 1].isalnum() or (text[a - 1] in "'’.-&" and a > 1
                                                    and text[a - 2].isalnum())):
            a -= 1
        while b < len(text) and (text[b].isalnum() or (text[b] in "'’.-&" and b + 1 < len(text)
                                                        and text[b + 1].isalnum())):
            b += 1
        w_start[i], w_end[i] = a, b
    return w_start, w_end


def shape_features(text: str, tokens: TokenStates) -> np.ndarray:
    """Per subword: its word is capitalised, all capitals, has a digit; it starts its word;
    its word starts a sentence or line; the previous and the next word are capitalised; it is
    punctuation."""
    n = len(tokens.starts)
    out = np.zeros((n, N_SHAPE), np.float32)
    if not n:
        return out
    w_start, w_end = word_spans(text, tokens.starts, tokens.ends)
    for i in range(n):
        word = text[w_start[i]:w_end[i]]
        before = text[max(0, w_start[i] - 3):w_start[i]]
        prev_word = _neighbour(text, int(w_start[i]), -1)
        next_word = _neighbour(text, int(w_end[i]), 1)
        out[i] = (word[:1].isupper(), len(word) > 1 and word.isupper(),
                  any(c.isdigit() for c in word), tokens.starts[i] == w_start[i],
                  w_start[i] == 0 or "\n" in before or bool(re.search(r"[.!?][\"”’')]*\s+$",
                                                                        before)),
                  prev_word[:1].isupper(), next_word[:1].isupper(),
                  not any(c.isalnum() for c in word))
    return out


def _neighbour(text: str, at: int, step: int) -> str:
    """The word before ``at`` (step -1) or after it (step 1) on the same line."""
    if step < 0:
        line = text[max(0, at - 40):at].rsplit("\n", 1)[-1]
        words = _WORD.findall(line)
        return words[-1] if words else ""
    line = text[at:at + 40].split("\n", 1)[0]
    found = _WORD.search(line)
    return found.group() if found else ""


def features(text: str, tokens: TokenStates) -> np.ndarray:
    """The head's input per subword: its state, its neighbours' states (where a name begins
    and ends), its word's shape and its neighbours' shapes."""
    shape = shape_features(text, tokens)
    return np.hstack([tokens.states, _shifted(tokens.states, 1), _shifted(tokens.states, -1),
                      shape, _shifted(shape, 1), _shifted(shape, -1)])


def _around(rows: np.ndarray, at: int, count: int, _by: int, first: bool, last: bool
            ) -> np.ndarray:
    """For rows ``at .. at+count`` of ``rows``: each row, the one before it and the one after
    it (zeros before the article's first row and after its last), as :func:`features`
    stacks them."""
    own = rows[at:at + count]
    before = np.zeros_like(own)
    after = np.zeros_like(own)
    if count:
        before[1:] = own[:-1]
        if not first:
            before[0] = rows[at - 1]
        after[:-1] = own[1:]
        if not last:
            after[-1] = rows[at + count]
    return np.hstack([own, before, after])


def _shifted(rows: np.ndarray, by: int) -> np.ndarray:
    """``rows`` moved down by ``by`` (up when negative), zeros where nothing moved in."""
    out = np.zeros_like(rows)
    if by > 0:
        out[by:] = rows[:-by]
    elif by < 0:
        out[:by] = rows[-by:]
    return out


def gold_tags(tokens: TokenStates, entities: Sequence[tuple[int, int, str]]) -> np.ndarray:
    """Tag indices per subword for entities ``(start, end, label)`` (B on the first subword)."""
    tags = np.zeros(len(tokens.starts), np.int64)
    for start, end, label in entities:
        if label not in LABELS:
            continue
        lo, hi = tokens.between(start, end)
        if hi <= lo:
            continue
        tags[lo] = TAGS.index(f"B-{label}")
        tags[lo + 1:hi] = TAGS.index(f"I-{label}")
    return tags


def decode(text: str, tokens: TokenStates, probs: np.ndarray) -> list[tuple[int, int, str]]:
    """Entities ``(start, end, label)`` from per-subword tag probabilities: runs of non-O
    subwords (a B starts a new one), widened to whole words, labelled by their summed
    probabilities."""
    if not len(probs):
        return []
    best = probs.argmax(1)
    w_start, w_end = word_spans(text, tokens.starts, tokens.ends)
    runs: list[list[int]] = []
    for i, tag in enumerate(best.tolist()):
        if tag == 0:
            continue
        begins = TAGS[tag].startswith("B-")
        joined = (runs and runs[-1][-1] == i - 1
                  and (not begins or w_start[i] == w_start[i - 1]))
        if joined:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for run in runs:
        mass = probs[run][:, 1:].sum(0).reshape(len(LABELS), 2).sum(1)
        out.append((int(w_start[run[0]]), int(w_end[run[-1]]), LABELS[int(mass.argmax())]))
    return out


#: a capitalised word of a name ("Helmets", "Al-Sham", "U.S.", "McConnell")
_CAP_WORD = re.compile(r"[A-Z][\w’'.&]*(?:-\w[\w’'.&]*)*")
#: a lower-case name particle glued to a capitalised part: "al-Sham", "bin-Salman"
_GLUED = re.compile(r"(?:al|el|ad|ash|as|an|ar|at|az|ibn|bin|bint|abu|abd|ul)-[A-Z][\w’'.&]*"
                    r"(?:-\w[\w’'.&]*)*")
#: lower-case words inside a name, between two capitalised parts: "Ministry of Defence",
#: "Organization for the Prohibition...", "bin Salman", "von der Leyen", "de Gaulle"
_PARTICLES = ("of the", "for the", "of", "for", "bin", "ibn", "al", "el", "von der", "von",
              "van der", "van den", "van", "der", "de la", "de", "del", "da", "di", "du", "la",
              "le")
_GAP = re.compile(r"[ \t]+(?:(?:" + "|".join(p.replace(" ", r"[ \t]+") for p in _PARTICLES)
                  + r")[ \t]+)?")
_GAP_BACK = re.compile(r"(?:[ \t]+(?:" + "|".join(p.replace(" ", r"[ \t]+")
                                                  for p in _PARTICLES) + r"))?[ \t]+$")
#: capitalised words that never continue a name: function words, days
_NOT_NAME_WORDS = frozenset(
    ["The", "A", "An", "This", "That", "These", "Those", "He", "She", "It", "They", "We", "I", "You", "His", "Her", "Its", "Their", "Our", "And", "Or", "But", "In", "On", "Of", "For", "To", "As", "At", "By", "With", "From", "Mr", "Mrs", "Ms", "If", "When", "While", "After", "Before", "However", "Then", "So", "Yet", "Also", "Meanwhile", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
#: titles no name is widened over: not a person's back ("Deputy UN Ambassador Vladimir
#: Safronkov" stays "Vladimir Safronkov"), nor any forward ("Russian" + "President")
_TITLE_WORDS = frozenset(
    ["President", "Vice", "Prime", "Minister", "Deputy", "Ambassador", "General", "Gen", "Major", "Maj", "Colonel", "Col", "Mayor", "Governor", "Senator", "Sen", "Chancellor", "Secretary", "Spokesman", "Spokeswoman", "Mr", "Mrs", "Ms", "Dr", "King", "Queen", "Pope", "Lieutenant", "Lt", "Admiral", "Commander", "Sir", "Lord", "Rep", "Representative", "Judge", "Justice", "Chief", "Director", "Professor", "Prof"])
_TITLE_LINE_SHARE = 0.7
_TITLE_LINE_CHARS = 160


def repair(text: str, entities: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Entities widened so none starts or ends inside a capitalised multi-word name: over
    adjacent capitalised words, glued particles ("al-Sham") and particles between two
    capitalised parts ("Ministry of Defence"), never across punctuation, quotes or a line
    break, never past a possessive, and not on title-case lines (headlines) where every word
    is capitalised. Entities that then overlap become one, labelled as the longer one was."""
    out: list[tuple[int, int, str, int]] = []
    for start, end, label in sorted(entities):
        if end <= start:
            continue
        size = end - start
        if not _title_line(text, start):
            start, end = _widen(text, start, end)
        label = "ORG" if label == "NORP" and " " in text[start:end].strip() else label
        if out and start < out[-1][1]:
            a, b, kept, kept_size = out[-1]
            out[-1] = (a, max(b, end), kept if kept_size >= size else label,
                       max(kept_size, size))
            continue
        out.append((start, end, label, size))
    return [(a, b, label) for a, b, label, _ in out]


def _name_word(word: str) -> bool:
    return bool(word) and word.rstrip(".") not in _NOT_NAME_WORDS


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    while not text[start:end].endswith(("'s", "’s", "'", "’", ".")):
        gap = _GAP.match(text, end)
        if not gap:
            break
        word = _CAP_WORD.match(text, gap.end()) or _GLUED.match(text, gap.end())
        if (not word or not _name_word(word.group()) or _inside(text, word.end())
                or word.group() in _TITLE_WORDS):
            break  # "Russian" + "President Vladimir Putin": a title starts another name
        end = word.end()
        if text[end - 1] == "." and "." not in text[word.start():end - 1]:
            end -= 1  # "Ministry." ends its sentence: the full stop is not the name's
    while start > 0:
        gap = _GAP_BACK.search(text, max(0, start - 40), start)
        if not gap or gap.end() != start:
            break
        before = text[max(0, gap.start() - 60):gap.start()]
        word = re.search(r"(?:^|(?<=[\s(\[\"“]))([A-Z][\w’'.&]*(?:-\w[\w’'.&]*)*)$", before)
        if (not word or not _name_word(word.group(1))
                or word.group(1).endswith(("'s", "’s", "."))
                or word.group(1) in _TITLE_WORDS
                or _sentence_start(text, gap.start() - len(word.group(1)))):
            break  # "Accusing Damascus": a capital at a sentence start says nothing
        start = gap.start() - len(word.group(1))
    return start, end


def sentence_start(text: str, at: int) -> bool:
    """Whether the word at ``at`` starts its sentence or line."""
    before = text[max(0, at - 4):at]
    return at == 0 or "\n" in before or bool(re.search(r"[.!?:][\"”’')]*\s+[\"“‘(]?$", before))


_sentence_start = sentence_start


def lower_elsewhere(text: str, word: str) -> bool:
    """Whether ``word`` is written in lower case within a sentence of ``text`` (a common
    word; a lower-case form in a link or a hashtag does not count)."""
    lower = word.lower()
    return lower != word and re.search(r"[a-z,;][ \t]+" + re.escape(lower) + r"(?![\w/-])",
                                       text) is not None



def _inside(text: str, at: int) -> bool:
    return at < len(text) and (text[at].isalnum() or text[at] == "-")


def _title_line(text: str, at: int) -> bool:
    """Whether the line around ``at`` is set in title case (a headline)."""
    lo = text.rfind("\n", 0, at) + 1
    hi = text.find("\n", at)
    line = text[lo:hi if hi >= 0 else len(text)]
    words = [w for w in line.split() if len(w) > 3]
    caps = sum(w[:1].isupper() for w in words)
    return len(line) <= _TITLE_LINE_CHARS and len(words) >= 4 and caps >= _TITLE_LINE_SHARE * len(words)


class EntityHead:
    """The trained head (``ner.npz``: scaler, weights, bias) and its decoding."""

    def __init__(self, path) -> None:
        with np.load(path) as data:
            self.mean = data["mean"].astype(np.float32)
            self.scale = data["scale"].astype(np.float32)
            self.weight = data["weight"].astype(np.float32)
            self.bias = data["bias"].astype(np.float32)

    def entities(self, text: str, tokens: TokenStates) -> list[tuple[int, int, str]]:
        """Entities ``(start, end, label)`` of the subwords in ``tokens``."""
        if not len(tokens.starts):
            return []
        if isinstance(tokens.states, SpilledRows):
            logits = self._spilled_logits(text, tokens)
        else:
            logits = ((features(text, tokens) - self.mean) / self.scale) @ self.weight.T \
                + self.bias
        logits -= logits.max(1, keepdims=True)
        probs = np.exp(logits)
        return repair(text, decode(text, tokens, probs / probs.sum(1, keepdims=True)))

    def _spilled_logits(self, text: str, tokens: TokenStates, chunk: int = CHUNK_ROWS
                        ) -> np.ndarray:
        """The logits of :meth:`entities` for states spilled to disk: the features of
        ``chunk`` subwords at a time (with one row either side for the shifted parts)."""
        shape = shape_features(text, tokens)
        n = len(shape)
        out = None
        for lo in range(0, n, chunk):
            hi = min(n, lo + chunk)
            a, b = max(0, lo - 1), min(n, hi + 1)
            states, shapes = tokens.states[a:b], shape[a:b]
            at = lo - a  # rows lo..hi of the article are rows at..at+hi-lo here
            rows = np.hstack([_around(states, at, hi - lo, 1, lo == 0, hi == n),
                              _around(shapes, at, hi - lo, 1, lo == 0, hi == n)])
            logits = ((rows - self.mean) / self.scale) @ self.weight.T + self.bias
            if out is None:
                out = np.zeros((n, logits.shape[1]), logits.dtype)
            out[lo:hi] = logits
        return out


def fit_head(rows: np.ndarray, tags: np.ndarray, kept_o: float, l2: float = 1e-3,
             steps: int = 300) -> dict[str, np.ndarray]:
    """Fit the head on feature ``rows`` and tag indices, where only a share ``kept_o`` of the
    O subwords was kept (the O bias is moved back by log(kept_o)); returns the arrays of
    ``ner.npz``."""
    from .model import fit_softmax

    mean = rows.mean(0)
    scale = rows.std(0) + 1e-3
    weight, bias = fit_softmax((rows - mean) / scale, np.eye(len(TAGS))[tags], l2, steps)
    bias = bias.copy()
    bias[0] -= np.log(kept_o)
    return {"mean": mean.astype(np.float32), "scale": scale.astype(np.float32),
            "weight": weight.astype(np.float16), "bias": bias.astype(np.float32)}
