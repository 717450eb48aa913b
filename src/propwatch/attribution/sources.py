"""Who a source is: its type from a small taxonomy, and the speaker it resolves to.

Types (``doc.SOURCE_TYPES``):
- ``named_person``: a person the text names ("Vladimir Safronkov", "Zakharova"), or a pronoun
  that resolves to one; the role is kept when the text states it ("the Russian Foreign
  Ministry spokeswoman").
- ``named_organisation``: a named organisation that is not a state body or an outlet ("the
  White Helmets", "the OPCW").
- ``government``: a government or military body ("Russia's Defense Ministry", "the Kremlin",
  "Syrian authorities"), or a state named by its country or capital ("Russia warns",
  "Damascus rejected the accusation").
- ``outlet``: a news outlet or agency ("SANA", "Reuters"), state-affiliated when the outlet
  list says so (``outlets.toml``, extendable by a user file).
- ``anonymous``: a source the reader cannot identify ("a military source", "officials",
  "sources said", "experts"), or a pronoun that resolves to nothing named.
- ``none``: the attribution names no source ("it is reported that ...").

Rules, not a model: the tagger finds the source span; these read it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

from ..errors import UsageError

PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person",
            "they": "group", "it": "group", "we": "group", "i": "self", "you": "self"}
GOVERNMENT_WORDS = {
    "ministry", "ministries", "minister", "government", "kremlin", "pentagon", "department",
    "military", "army", "navy", "forces", "defense", "defence", "embassy", "authorities",
    "administration", "police", "parliament", "duma", "senate", "congress", "cabinet",
    "presidency", "state", "regime", "command", "headquarters", "agency", "office",
    "white house", "foreign office", "prosecutor", "prosecutors", "committee", "countries",
    "nations", "states", "governments", "powers", "allies"}
OUTLET_WORDS = {"newspaper", "daily", "broadcaster", "channel", "television", "tv", "radio",
                "tabloid", "outlet", "magazine", "website", "news", "agency", "media", "press"}
ANONYMOUS_HEADS = {
    "source", "sources", "official", "officials", "diplomat", "diplomats", "expert", "experts",
    "analyst", "analysts", "observer", "observers", "witness", "witnesses", "resident",
    "residents", "activist", "activists", "critic", "critics", "people", "some", "many",
    "others", "insider", "insiders", "report", "reports", "spokesman", "spokeswoman",
    "spokesperson", "representative", "representatives", "aide", "aides", "person", "someone",
    "informant", "investigators", "locals", "commentators", "reporters"}
ORGANISATION_WORDS = {
    "organisation", "organization", "committee", "council", "party", "group", "helmets",
    "foundation", "institute", "union", "association", "campaign", "corporation", "company",
    "inc", "ltd", "university", "coalition", "movement", "front", "network", "watch",
    "observatory", "society", "federation", "league", "alliance", "nato", "un", "opcw", "who",
    "eu", "nations", "red", "crescent", "amnesty", "bank", "fund", "energy", "holdings",
    "airlines", "motors", "technologies", "systems", "industries", "pharmaceuticals", "oil",
    "gas", "petroleum", "communications", "partners", "capital", "trust"}
# A country or its capital speaking is its government ("Damascus rejected the accusation")
STATES = {
    "afghanistan", "kabul", "albania", "algeria", "algiers", "argentina", "armenia", "yerevan",
    "australia", "canberra", "austria", "vienna", "azerbaijan", "baku", "bahrain", "belarus",
    "minsk", "belgium", "bolivia", "bosnia", "brazil", "brasilia", "bulgaria", "sofia",
    "canada", "ottawa", "chile", "china", "beijing", "colombia", "bogota", "croatia", "cuba",
    "havana", "cyprus", "czechia", "prague", "denmark", "copenhagen", "egypt", "cairo",
    "estonia", "tallinn", "ethiopia", "finland", "helsinki", "france", "paris", "georgia",
    "tbilisi", "germany", "berlin", "greece", "athens", "hungary", "budapest", "india",
    "delhi", "new delhi", "indonesia", "jakarta", "iran", "tehran", "iraq", "baghdad",
    "ireland", "dublin", "israel", "jerusalem", "italy", "rome", "japan", "tokyo", "jordan",
    "amman", "kazakhstan", "kenya", "nairobi", "kuwait", "latvia", "riga", "lebanon", "beirut",
    "libya", "tripoli", "lithuania", "vilnius", "mexico", "moldova", "chisinau", "morocco",
    "rabat", "netherlands", "the hague", "amsterdam", "nigeria", "abuja", "north korea",
    "pyongyang", "norway", "oslo", "pakistan", "islamabad", "poland", "warsaw", "portugal",
    "lisbon", "qatar", "doha", "romania", "bucharest", "russia", "moscow", "saudi arabia",
    "riyadh", "serbia", "belgrade", "slovakia", "bratislava", "south africa", "pretoria",
    "south korea", "seoul", "spain", "madrid", "sweden", "stockholm", "switzerland", "bern",
    "syria", "damascus", "taiwan", "taipei", "tunisia", "tunis", "turkey", "türkiye", "ankara",
    "ukraine", "kiev", "kyiv", "united arab emirates", "uae", "abu dhabi",
    "united kingdom", "uk", "britain", "great britain", "london", "united states", "us", "u.s.",
    "usa", "america", "washington", "venezuela", "caracas", "vietnam", "hanoi", "yemen",
    "sanaa", "sana'a", "brussels", "the west"}
# Capitalised only because they start the phrase: never a name on their own
NOT_NAMES = {"the", "a", "an", "his", "her", "its", "their", "this", "that", "these", "those",
             "one", "two", "three", "four", "five", "six", "several", "some", "many", "most",
             "both", "all", "other", "others", "local", "senior", "top", "unnamed", "western"}
# "the group" -> the last named organisation; "the agency" -> the last outlet or state body
_ORG, _BODY, _PERSON = {"named_organisation"}, {"government"}, {"named_person"}
DEFINITE_HEADS = {
    "group": _ORG, "organisation": _ORG, "organization": _ORG, "company": _ORG, "firm": _ORG,
    "network": _ORG, "charity": _ORG, "party": _ORG, "campaign": _ORG, "movement": _ORG,
    "agency": {"outlet", "government"}, "newspaper": {"outlet"}, "broadcaster": {"outlet"},
    "channel": {"outlet"}, "ministry": _BODY, "army": _BODY, "military": _BODY,
    "government": _BODY, "council": _BODY | _ORG, "commission": _BODY, "committee": _BODY | _ORG,
    "department": _BODY, "police": _BODY, "embassy": _BODY, "kremlin": _BODY,
    # "the Russian official" after "Vladimir Safronkov said": the same person
    "official": _PERSON, "diplomat": _PERSON, "envoy": _PERSON, "ambassador": _PERSON,
    "minister": _PERSON, "spokesman": _PERSON, "spokeswoman": _PERSON, "president": _PERSON}
_NAME_WORD = re.compile(r"(?:[a-z]{1,3}-)?[A-Z][\w'’.-]*")  # "Safronkov", "al-Assad"
TITLES = {"president", "prime", "minister", "foreign", "defense", "defence", "deputy", "senator",
          "sen.", "rep.", "gov.", "governor", "general", "gen.", "ambassador", "secretary",
          "spokesman", "spokeswoman", "spokesperson", "envoy", "chancellor", "king", "queen",
          "prince", "mayor", "judge", "dr.", "mr.", "mrs.", "ms.", "colonel", "col.", "major",
          "maj.", "lieutenant", "lt.", "commander", "chief", "director", "chairman", "leader",
          "candidate", "former", "acting", "permanent", "representative", "sheikh", "pope"}
_WORD = re.compile(r"[\w'’.-]+")
_LOWER_JOINERS = {"of", "the", "for", "and", "al", "de", "von", "van", "bin", "-"}


@dataclass(frozen=True)
class Outlet:
    name: str  # the first name listed: how the outlet is shown
    country: str
    state_affiliated: bool


def load_outlets(path: str | Path | None = None) -> dict[str, Outlet]:
    """Every name of every outlet: the packaged list, overlaid by ``path`` (same shape) when
    given. A bad file is E401 naming it."""
    text = resources.files(__package__).joinpath("outlets.toml").read_text(encoding="utf-8")
    names = _outlets(tomllib.loads(text), "outlets.toml")
    if path is not None:
        try:
            names.update(_outlets(tomllib.loads(Path(path).read_text(encoding="utf-8")),
                                  str(path)))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError.make("E401", path=path, reason=str(exc)) from None
    return names


def _outlets(data: dict, where: str) -> dict[str, Outlet]:
    out: dict[str, Outlet] = {}
    for entry in data.get("outlet", []):
        names = entry.get("names")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise UsageError.make("E401", path=where, reason="each [[outlet]] needs names = "
                                  "[\"Name\", ...]")
        outlet = Outlet(names[0], str(entry.get("country", "")),
                        bool(entry.get("state_affiliated", False)))
        out.update({name: outlet for name in names})
    return out


@dataclass(frozen=True)
class SourceReading:
    """What one source span says about its speaker."""

    source_type: str
    speaker: str | None  # the name, when the span holds one
    role: str | None = None  # "spokeswoman", "the Russian Foreign Ministry spokeswoman"
    outlet: Outlet | None = None
    pronoun: str | None = None  # "person" or "group" when the source is a pronoun


def read_source(text: str, outlets: dict[str, Outlet]) -> SourceReading:
    """Type and name of one source span's text (``text`` as in the article). The part before
    a comma names the source and the part after it is its role ("Maria Zakharova, the Russian
    Foreign Ministry spokeswoman"); the head word of the name part decides between a body
    ("Syrian authorities"), an unnamed source ("a military source") and a named one."""
    stripped = text.strip().strip(",").strip()
    main, _, after = stripped.partition(",")
    role = after.strip() or None
    if role and _longest_name(main) is None and _longest_name(role) is not None:
        main, role = role, main  # "The ambassador, Pavel Sorin": the name comes second
    words = [w.lower() for w in _WORD.findall(main)]
    if not words:
        return SourceReading("none", None)
    if len(words) == 1 and words[0] in PRONOUNS:
        return SourceReading("anonymous", None, pronoun=PRONOUNS[words[0]])
    for name in sorted(outlets, key=len, reverse=True):
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", stripped):
            return SourceReading("outlet", name, role=role, outlet=outlets[name])
    head = re.sub(r"['’]s$", "", words[-1])
    state = re.sub(r"^the\s+", "", " ".join(words))
    if state in STATES:
        return SourceReading("government", _definite(main), role=role)
    name = _longest_name(main)
    named = _definite(main) if name else None
    if head in ANONYMOUS_HEADS:
        return SourceReading("anonymous", None, role=stripped)
    if head in GOVERNMENT_WORDS or any(" " in g and main.lower().endswith(g)
                                       for g in GOVERNMENT_WORDS):
        return SourceReading("government", named, role=role or (None if named else stripped))
    if head in OUTLET_WORDS:
        return SourceReading("outlet", named, role=role or (None if named else stripped))
    if name is None:
        return SourceReading("anonymous", None, role=stripped)
    person, title = _without_title(name)
    if title and not {w.lower() for w in person.split()} & ORGANISATION_WORDS:
        # "Russia's Deputy UN Ambassador Vladimir Safronkov": a title, then a person
        return SourceReading("named_person", person, role=role or title)
    if head in ORGANISATION_WORDS or name.isupper() or {
            w.lower() for w in name.split()} & ORGANISATION_WORDS:
        return SourceReading("named_organisation", named, role=role)
    name = person
    rest = main.replace(name, " ").strip(" ,'’s") or None  # "Kremlin spokesman"
    return SourceReading("named_person", name, role=role or rest or title)


def _without_title(name: str) -> tuple[str, str | None]:
    """("Bashar al-Assad", "Syrian President") from "Syrian President Bashar al-Assad": leading
    titles, with a nationality word before them, are the role, not the name."""
    words = name.split()
    cut = 0
    while cut < len(words) - 1 and (words[cut].lower() in TITLES or (
            cut + 1 < len(words) - 1 and words[cut + 1].lower() in TITLES)):
        cut += 1
    return " ".join(words[cut:]), " ".join(words[:cut]) or None


def _definite(name: str) -> str:
    """A body's name as shown: without a leading "the"/"a"."""
    return re.sub(r"^(the|The|a|A|an|An)\s+", "", name.strip())


def _longest_name(text: str) -> str | None:
    """The longest run of capitalised words (joined by "of", "al-", ...) that is not only the
    capitalised first word of a sentence-like phrase ("The ministry")."""
    tokens = list(re.finditer(r"[\w'’.-]+", text))
    best: tuple[int, int] | None = None
    i = 0
    while i < len(tokens):
        if not _NAME_WORD.fullmatch(tokens[i].group()):
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and (_NAME_WORD.fullmatch(tokens[j + 1].group()) or (
                tokens[j + 1].group().lower() in _LOWER_JOINERS and j + 2 < len(tokens)
                and _NAME_WORD.fullmatch(tokens[j + 2].group()))):
            j += 1
        run = (tokens[i].start(), tokens[j].end())
        only_article = i == j and tokens[i].group().lower() in NOT_NAMES
        if not only_article and (best is None or run[1] - run[0] > best[1] - best[0]):
            best = run
        i = j + 1
    if best is None:
        return None
    name = text[best[0]:best[1]]
    words = name.split()
    while len(words) > 1 and words[0].lower() in NOT_NAMES:
        words = words[1:]
    name = " ".join(words)
    return re.sub(r"['’]s$", "", name) or None


RELATIVE_PRONOUNS = {"who", "which", "that", "whom"}


def antecedent(text: str, start: int) -> str | None:
    """For a relative pronoun source at ``start`` ("…on Damascus, which rejected…"), the name
    it stands for: the run of capitalised words that ends just before it, when there is one."""
    before = text[max(0, start - 160):start].rstrip()
    before = before[:-1].rstrip() if before.endswith(",") else before
    found = re.search(r"[(]?([A-Z][\w'’.-]*(?:\s+(?:(?:of|the|for|al|de)\s+)?[A-Z][\w'’.-]*)*)[)]?$",
                      before)
    if not found:
        return None
    words = found.group(1).split()
    while words and words[0].lower() in NOT_NAMES | _LOWER_JOINERS:
        words = words[1:]
    return " ".join(words) or None


def full_name(text: str, surname: str) -> str | None:
    """The first fuller name the text gives for ``surname`` ("Vladimir Safronkov" for
    "Safronkov" in "Deputy UN Ambassador Vladimir Safronkov said"), titles left out."""
    for match in re.finditer(rf"((?:[A-Z][\w’'-]*\s+){{1,4}}){re.escape(surname)}\b", text):
        words = match.group(0).split()
        while words[:-1] and words[0].lower().endswith("ing"):  # "Accusing Damascus"
            words = words[1:]
        name, _ = _without_title(" ".join(words))
        if name != surname:
            return name
    return None


def resolve_speakers(readings: Sequence[SourceReading], text: str = "") -> list[SourceReading]:
    """Readings with pronouns and short forms resolved against the sources before them: "he"
    to the last named person, "they"/"it" to the last organisation, body or outlet, a surname
    ("Safronkov") to the full name given earlier (by a source, or anywhere in ``text``), "the
    ministry" to the last source whose name holds "Ministry"."""
    resolved: list[SourceReading] = []
    for reading in readings:
        if reading.pronoun in {"person", "group"}:
            wanted = {"named_person"} if reading.pronoun == "person" else {
                "named_organisation", "government", "outlet"}
            earlier = next((r for r in reversed(resolved) if r.source_type in wanted
                            and r.speaker), None)
            if earlier is not None:
                reading = SourceReading(earlier.source_type, earlier.speaker, earlier.role,
                                        earlier.outlet)
        elif reading.speaker and reading.source_type == "named_person" and " " not in reading.speaker:
            full = next((r.speaker for r in reversed(resolved) if r.source_type == "named_person"
                         and r.speaker and r.speaker.split()[-1] == reading.speaker), None)
            full = full or full_name(text, reading.speaker)
            if full:
                reading = SourceReading(reading.source_type, full, reading.role)
        elif reading.speaker is None and reading.role and reading.role.lower().startswith(
                ("the ", "this ", "that ")):
            head = reading.role.split()[-1].lower()
            earlier = next((r for r in reversed(resolved) if r.speaker
                            and head in r.speaker.lower()), None)
            kinds = DEFINITE_HEADS.get(head)
            if earlier is None and kinds:
                earlier = next((r for r in reversed(resolved) if r.speaker
                                and r.source_type in kinds), None)
            if earlier is not None:
                reading = SourceReading(earlier.source_type, earlier.speaker, reading.role,
                                        earlier.outlet)
            elif kinds and reading.source_type != "anonymous":  # "the army": a body, unnamed
                reading = SourceReading(reading.source_type, _definite(reading.role),
                                        reading.role)
        resolved.append(reading)
    return resolved
