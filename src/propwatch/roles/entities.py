"""Who an article talks about: named-entity mentions merged into actors. Mentions come from
an entity head on the techniques transformer's states (``ner.py``, distilled from spaCy's
``en_core_web_sm`` 3.8 NER, nearly free), or from that spaCy NER pipe itself.

Merging is deterministic and simple: an alias table (``models/roles/aliases.tsv``: "US",
"America", "Washington" are the United States), a lone surname joins the one person of the
article whose full name ends with it ("Putin" -> "Vladimir Putin"), a nationality with a
group noun becomes a group ("Syrian army"), and "the army" later on joins the one group of the
article with that noun. Every mention is a half-open character range of the exact text, on
word boundaries, outside boilerplate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..detect.spacy_model import LazySpacy
from ..doc import Article
from ..errors import ModelError
from .features import TokenStates
from .ner import EntityHead, lower_elsewhere, sentence_start

METHODS = ("states", "spacy")
#: spaCy label -> entity type of an actor
ENTITY_TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "country", "NORP": "group",
                "LOC": "place"}
#: nouns that turn a nationality into an actor: "Syrian army", "Russian government"
GROUP_NOUNS = ("army", "military", "forces", "troops", "government", "regime", "authorities",
               "officials", "soldiers", "people", "leadership", "media", "side")
_GROUP_AFTER = re.compile(r"[ \t]+(" + "|".join(GROUP_NOUNS) + r")\b", re.IGNORECASE)
_THE_GROUP = re.compile(r"\b[Tt]he[ \t]+(" + "|".join(GROUP_NOUNS) + r")\b")
_WEST = re.compile(r"\b(?:[Tt]he[ \t]+)?(?:[Cc]ollective[ \t]+)?West\b(?![-\w])|\bWestern[ \t]+"
                   r"(?:countries|nations|powers|allies|governments|leaders|elites)\b")
_LEADING_THE = re.compile(r"^(?:the|The)\s+")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
_NOT_NAMES = {"the", "a", "an", "this", "that", "these", "those", "he", "she", "it", "they",
              "we", "i", "you", "his", "her", "its", "their", "our", "and", "or", "but", "in",
              "on", "of", "for", "to", "as", "at", "by", "with", "from", "mr", "mrs", "ms"}
#: a hyphen suffix that is not part of the name: "United States-led" is the United States
_HYPHEN_SUFFIX = re.compile(r"-(?:led|backed|based|funded|sponsored|allied|aligned|controlled|"
                            r"held|supported|linked|affiliated|friendly|occupied|made|style)$")
#: weapons and products the NER takes for actors: "Tomahawk", "Patriot", "Nord Stream"
_THINGS = {"tomahawk", "tomahawks", "javelin", "javelins", "himars", "atacms", "patriot",
           "patriots", "stinger", "stingers", "leopard", "leopards", "abrams", "bradley",
           "bradleys", "kalibr", "iskander", "kinzhal", "zircon", "sarmat", "storm shadow",
           "scalp", "taurus", "bayraktar", "bayraktars", "shahed", "shaheds", "lancet", "geran",
           "novichok", "sarin", "starlink", "nord stream", "nord stream 2", "gripen", "f-16",
           "f-16s", "f-35", "f-35s", "mig-29", "su-35", "s-300", "s-400", "sputnik v"}
_THING_AFTER = re.compile(r"[ \t]+(?:cruise[ \t]+|ballistic[ \t]+|anti-\w+[ \t]+)?(?:missiles?|"
                          r"rockets?|tanks?|jets?|drones?|fighters?|launchers?|howitzers?|"
                          r"helicopters?|pipelines?|vaccines?|rifles?|warheads?|shells?)\b",
                          re.IGNORECASE)
#: sentence adverbs and other common words spelt with a capital at a sentence start
_SENTENCE_WORDS = {"however", "meanwhile", "moreover", "furthermore", "nevertheless", "still",
                   "yet", "also", "indeed", "instead", "therefore", "thus", "hence", "today",
                   "yesterday", "tomorrow", "now", "then", "here", "there", "why", "what", "who",
                   "how", "when", "where", "chemical", "breaking", "update", "watch", "read"}
#: what says a name is a place, not an actor: "in Idlib", "the town of Douma", "Hama province"
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:[Ii]n|[Nn]ear|[Oo]utside|[Aa]round|[Aa]cross|[Ii]nto|[Nn]orth of|[Ss]outh of|"
    r"[Ee]ast of|[Ww]est of|(?:town|city|village|province|provinces|region|suburb|district|"
    r"districts|outskirts|countryside|governorate|oblast|port|capital)[ \t]+of)[ \t]+"
    r"(?:[A-Z][\w’'-]*(?:[ \t]+[A-Z][\w’'-]*)?[ \t]+(?:and|or)[ \t]+)?)$")
_PLACE_NOUNS = {"province", "region", "oblast", "governorate", "district", "city", "town",
                "village", "county", "valley", "river", "sea", "mountains", "airport"}
_PLACE_AFTER = re.compile(r"[ \t]+(?:[Pp]rovince|[Gg]overnorate|[Oo]blast|[Rr]egion|"
                          r"countryside|[Dd]istrict|city|town|suburbs?|outskirts)\b")
_TITLES = {"president", "prime", "minister", "mr", "mrs", "ms", "dr", "general", "gen",
           "senator", "sen", "chancellor", "king", "queen", "pope", "secretary", "leader",
           "mayor", "governor", "ambassador", "deputy", "spokesman", "spokeswoman", "major",
           "colonel", "lieutenant", "admiral", "commander"}


def default_aliases_path() -> Path:
    return Path(str(resources.files("propwatch") / "models" / "roles" / "aliases.tsv"))


@dataclass(frozen=True)
class Mention:
    """A named mention ``[start, end)`` and the kind of entity spaCy saw there."""

    start: int
    end: int
    entity_type: str


@dataclass
class ActorGroup:
    """Mentions found to be one actor, and the name it goes by (the fullest one used)."""

    name: str
    entity_type: str
    mentions: list[Mention] = field(default_factory=list)


class Aliases:
    """The alias table: normalised name -> (canonical name, entity type)."""

    def __init__(self, path: str | Path | None = None) -> None:
        path = Path(path) if path else default_aliases_path()
        self.table: dict[str, tuple[str, str]] = {}
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ModelError.make("E202", path=path) from exc
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            canonical, kind, others = (line.split("\t") + ["", ""])[:3]
            for name in (canonical, *others.split("|")):
                if name.strip():
                    self.table[normalise(name)] = (canonical.strip(), kind.strip())

    def lookup(self, name: str) -> tuple[str, str] | None:
        """The actor ``name`` stands for: the name itself, else the name without its first
        words while two are left ("Takfiri Hayat Tahrir al-Sham" is Hayat Tahrir al-Sham)."""
        words = normalise(name).split()
        for skip in range(max(1, len(words) - 1)):
            rest = " ".join(words[skip:])
            found = self.table.get(rest) or self.table.get(rest + ".")
            if found:
                return found
        return None


def normalise(name: str) -> str:
    """The form names are compared in: no leading "the", no possessive, one space, lower."""
    name = _POSSESSIVE.sub("", _LEADING_THE.sub("", name.strip()))
    return " ".join(name.split()).lower()


class EntityFinder:
    """Finds named mentions: by default with the entity head on the transformer's states
    (``ner.py``, distilled from spaCy), or with spaCy's NER itself (``method="spacy"``, 50-100
    ms an article slower; the pipeline loads on first use)."""

    def __init__(self, method: str = "states", head: str | Path | None = None) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown NER method {method!r} (known: {', '.join(METHODS)})")
        self.method = method
        self._head: EntityHead | None = None
        if method == "states":
            path = Path(head) if head else default_aliases_path().with_name("ner.npz")
            try:
                self._head = EntityHead(path)
            except (OSError, KeyError, ValueError) as exc:
                raise ModelError.make("E202", path=path) from exc
        # NER only (it has its own token-to-vector layer, so the shared one goes too): the
        # other pipes would triple the time
        self._spacy = LazySpacy("roles", "NER model", ["tok2vec", "parser", "lemmatizer",
                                                       "tagger", "attribute_ruler", "senter"])

    def find(self, article: Article, tokens: TokenStates | None = None) -> list[Mention]:
        """Named mentions of the article's content, in text order, none overlapping
        (``tokens``: the article's transformer states, which the default method reads)."""
        text = article.text
        found: list[Mention] = []
        for start, end, label in self.entities(article, tokens):
            kind = ENTITY_TYPES.get(label)
            if kind is None or article.is_boilerplate(start, end):
                continue
            if kind == "group":  # "Syrian" + "army": the actor is the army
                after = _GROUP_AFTER.match(text, end)
                if after:
                    end = after.end()
            found.append(Mention(start, end, kind))
        for match in _WEST.finditer(text):
            if not article.is_boilerplate(match.start(), match.end()):
                found.append(Mention(match.start(), match.end(), "group"))
        return _clean(text, found)


    def entities(self, article: Article, tokens: TokenStates | None = None
                 ) -> list[tuple[int, int, str]]:
        """Raw entities ``(start, end, spaCy label)`` of the article's content."""
        text = article.text
        if self._head is not None:
            if tokens is None:
                raise ValueError("the states method needs the article's transformer states")
            return self._head.entities(text, tokens)
        ranges = [(a, b) for a, b in article.content_ranges() if text[a:b].strip()]
        docs = self._spacy.pipe(text[a:b] for a, b in ranges)
        return [(offset + e.start_char, offset + e.end_char, e.label_)
                for (offset, _), doc in zip(ranges, docs) for e in doc.ents]


def _clean(text: str, found: Iterable[Mention]) -> list[Mention]:
    """Mentions trimmed of a trailing possessive and spaces, on word edges, longest first
    where two overlap."""
    out: list[Mention] = []
    for m in sorted(found, key=lambda m: (m.start, -(m.end - m.start))):
        start, end = m.start, m.end
        possessive = _POSSESSIVE.search(text, start, end)
        if possessive and possessive.start() > start:
            end = possessive.start()
        while end > start and not (text[end - 1].isalnum() or text[end - 1] in ".)"):
            end -= 1
        while start < end and not text[start].isalnum():
            start += 1
        suffix = _HYPHEN_SUFFIX.search(text, start, end)
        if suffix and suffix.start() > start:
            end = suffix.start()  # "United States-led": the United States
        name = text[start:end]
        if (end - start < 2 or _inside_word(text, start, end) or name.lower() in _NOT_NAMES
                or not any(c.isupper() for c in name)):
            continue  # "The", "he", a stray letter: the tagger's slips, not actors
        if _not_an_actor(text, start, end, m.entity_type):
            continue
        if out and start < out[-1].end:  # overlaps the previous one, which is longer
            continue
        out.append(Mention(start, end, m.entity_type))
    return out


def _not_an_actor(text: str, start: int, end: int, kind: str) -> bool:
    """A weapon or product ("Tomahawk", "Patriot missiles"), or one capitalised common word
    that starts a sentence ("However"; "Chemical", not a person, written in lower case
    elsewhere)."""
    name = text[start:end]
    lower = normalise(name)
    if lower in _THINGS or (kind in ("person", "organisation") and _THING_AFTER.match(text, end)):
        return True
    if " " in name or "-" in name or not sentence_start(text, start) or name.isupper():
        return False
    return lower in _SENTENCE_WORDS or (kind != "person" and lower_elsewhere(text, name))


def _inside_word(text: str, start: int, end: int) -> bool:
    return ((start > 0 and text[start - 1].isalnum() and text[start].isalnum())
            or (end < len(text) and text[end].isalnum() and text[end - 1].isalnum()))


def merge(text: str, mentions: Sequence[Mention], aliases: Aliases) -> list[ActorGroup]:
    """Mentions grouped into actors, in order of first mention. Places are no actors: a
    name the head calls a location, or a GPE that the alias table does not know as a state
    or an organisation (cities, provinces), or a name written as a place ("in Idlib", "the
    town of Douma", "Hama province") is left out, everywhere in the article."""
    mentions = _without_places(text, mentions, aliases)
    groups: dict[str, ActorGroup] = {}
    persons: dict[str, str] = {}  # surname -> key of the full-named person
    pending: list[tuple[str, Mention]] = []
    for m in mentions:
        name = text[m.start:m.end]
        known = aliases.lookup(name)
        if known:
            key, canonical, kind = "alias:" + known[0], known[0], known[1]
        else:
            words = [w for w in normalise(name).split() if w.strip(".") not in _TITLES]
            canonical, kind = _LEADING_THE.sub("", _POSSESSIVE.sub("", name)), m.entity_type
            key = " ".join(words) or normalise(name)
            if m.entity_type == "person" and len(words) == 1:
                pending.append((words[0], m))  # a lone surname: decided once all are seen
                continue
            if m.entity_type == "person" and len(words) > 1:
                persons.setdefault(words[-1], key)
        group = groups.setdefault(key, ActorGroup(canonical, kind))
        if not known and len(canonical) > len(group.name):
            group.name = canonical  # the fullest form: "Vladimir Putin", not "Putin"
        group.mentions.append(m)
    for word, m in pending:
        key = persons.get(word, word)
        name = _POSSESSIVE.sub("", text[m.start:m.end])
        groups.setdefault(key, ActorGroup(name, "person")).mentions.append(m)
    _join_last_words(groups)
    _add_group_nouns(text, mentions, groups)
    for key, group in groups.items():
        group.mentions.sort(key=lambda m: m.start)
        if key.startswith("alias:"):  # the canonical name when used, else the longest form
            used = [_POSSESSIVE.sub("", text[m.start:m.end]) for m in group.mentions]
            if normalise(group.name) not in {normalise(u) for u in used}:
                group.name = _LEADING_THE.sub("", max(used, key=len))
    return sorted(groups.values(), key=lambda g: g.mentions[0].start)


def _without_places(text: str, mentions: Sequence[Mention], aliases: Aliases
                    ) -> list[Mention]:
    """The mentions less those of names that are places in most of their mentions. A
    nationality ("Syrian", in "the Syrian town") is never a place, nor is a name with a known
    state or a title in it ("US Navy", "President of Poland")."""
    evidence: dict[str, list[bool]] = {}
    never = set()
    for m in mentions:
        name = text[m.start:m.end]
        key = normalise(name)
        words = key.split()
        if (m.entity_type == "group" or aliases.lookup(name)
                or (len(words) > 1 and any(w.strip(".") in _TITLES or aliases.lookup(w)
                                           for w in words))):
            never.add(key)
            continue
        evidence.setdefault(key, []).append(
            m.entity_type in ("place", "country") or words[-1] in _PLACE_NOUNS
            or bool(_PLACE_AFTER.match(text, m.end))
            or (bool(_PLACE_BEFORE.search(text[max(0, m.start - 60):m.start]))
                and not _POSSESSIVE.search(name)
                and not text.startswith(("'s", "’s"), m.end)))
    places = {key for key, seen in evidence.items()
              if key not in never and 2 * sum(seen) > len(seen)}
    return [m for m in mentions if normalise(text[m.start:m.end]) not in places]


def _join_last_words(groups: dict[str, ActorGroup]) -> None:
    """A one-word organisation or group joins the one actor of several words that ends with
    it: "Helmets" after "White Helmets" (none when two could)."""
    owners: dict[str, list[str]] = {}
    for key, group in groups.items():
        words = normalise(group.name).split()
        if group.entity_type != "person" and len(words) > 1:
            owners.setdefault(words[-1], []).append(key)
    for key in list(groups):
        group = groups[key]
        words = normalise(group.name).split()
        if key.startswith("alias:") or group.entity_type == "person" or len(words) != 1:
            continue
        found = owners.get(words[0], [])
        if len(found) == 1 and found[0] != key:
            groups[found[0]].mentions.extend(group.mentions)
            del groups[key]


def _add_group_nouns(text: str, mentions: Sequence[Mention], groups: dict[str, ActorGroup]
                     ) -> None:
    """"the army" joins the one group whose name ends with "army" (none when two could)."""
    taken = [(m.start, m.end) for m in mentions]
    by_noun: dict[str, list[ActorGroup]] = {}
    for group in groups.values():
        if group.entity_type == "group":
            by_noun.setdefault(group.name.split()[-1].lower(), []).append(group)
    for match in _THE_GROUP.finditer(text):
        owners = by_noun.get(match.group(1).lower(), [])
        start, end = match.start(1), match.end(1)
        if len(owners) != 1 or any(a < end and start < b for a, b in taken):
            continue
        if match.start() < owners[0].mentions[0].start:  # only after the actor was named
            continue
        owners[0].mentions.append(Mention(start, end, "group"))
