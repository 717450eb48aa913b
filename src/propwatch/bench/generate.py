"""Synthetic reprint corpora with exact gold, for measuring text-reuse detection.

The text is news-like but made up here: sentences come from a small grammar over a Zipf-weighted
vocabulary, per-topic people, places, organisations and terms, and stock news phrases (so that
unrelated articles share short phrases, as real ones do). Some articles are reprinted, whole or
in part, by other outlets, with edits; every outlet wraps its articles in its own header and
footer lines, and platform debris (comment widgets, share buttons, a long disclaimer) recurs
across outlets. None of the boilerplate is reuse in the gold.

Corpus shape (defaults): 40-80 outlets, 48 topics over 14 domains. A *fresh* article (one not
copied from another) is an original that gets reprinted with probability ``reprint_share``
(0.3); it then gets 1-8 reprints (weights 34/25/16/9/6/4/3/3 %, mean 2.7) in other outlets, each
2-240 hours after the original (log-uniform: a direct copy comes within a day as often as not)
and at least half an hour after its parent. A reprint's parent is the original, or (25 %) an
earlier reprint of the same story (a chain). About half the reprints are *full* (all
paragraphs, often a new headline, sometimes truncated or with blocks of paragraphs reordered)
and half *partial* (1-3
contiguous blocks of >= 2 paragraphs and >= 200 characters, embedded in new text on the same
topic). With the defaults about 17 % of articles are originals, 44 % reprints, 39 % unrelated.

Edits per copied block (``edit_level``): "light" changes ~3 % of words (substitution by a word
of the same class, deletion, insertion, number changes), sometimes inserts or deletes a
sentence, merges or splits paragraphs, and re-renders quotes and whitespace in the copying
outlet's style (straight or curly quotes, LF or CRLF, single or double spaces between sentences,
trailing spaces); "heavy" does more of all that (~10 % of words); "none" copies sentences
character for character (only the whitespace between sentences follows the outlet).

Publication times are ISO 8601 date-times with the outlet's UTC offset (``2021-03-04T14:22:00
+02:00``, ``2021-03-04T14:22+02:00`` or ``2021-03-04T12:22:00Z``, one style per outlet) over
2021-2022 (reprints may run a few days into 2023), at a time of day drawn for the original. An
original is always dated; a reprint is undated with probability 0.1 (one in ten), an unrelated
article as its outlet goes (~8 % have none: some outlets never give dates). Times and dating
come from a random stream of their own (seeded from ``seed``).

Gold (``gold.jsonl``, one JSON object a line, ``type`` says which):

* ``{"type": "meta", "version": 1, "seed": .., "n_articles": .., "edit_level": ..,
  "words_per_article": .., "reprint_share": ..}``: the first line.
* ``{"type": "article", "id": .., "cluster": id|null, "role": "original"|"reprint"|"unrelated",
  "parent": id|null, "kind": "full"|"partial"|"", "units": [[start, end, key, pre, post], ..],
  "boilerplate": [[start, end], ..]}``: one per article. A *unit* is one body sentence that
  occurs in at least two articles of its cluster: ``text[start:end]`` is the sentence exactly
  (with its edits), ``key`` names where it was first written (``"<article id>:<n>"``, n
  numbering the sentences written for that article): the same key in two articles means one
  was copied from the other, directly or through a chain (a reprint of a reprint may carry the
  first reprint's own new sentences, keyed to it). ``pre``/``post`` count the whitespace
  characters right before and after it (scorers treat them as neutral). Titles are not units;
  sentences found in one article only (new text, inserted sentences) have no unit.
  ``boilerplate`` lists the outlet and platform lines (header, footer, debris, disclaimer) as
  character ranges.
* ``{"type": "cluster", "id": .., "members": [ids, original first], "original": id,
  "origin": id|null, "origin_note": ..}``: one per reprinted story. ``original`` is the article
  the story was first written in; ``origin`` is its id when the dates show it: the original is
  dated and strictly earlier than every other dated member (undated members are passed over:
  the earliest dated member is named). Otherwise null, with the note "original undated" or "tie
  on the earliest time": a detector should then say it cannot tell. So the rule a detector can
  follow exactly is: name the dated member with the strictly earliest time. (Gold version 1,
  with dates only, asked for every member to be dated.)

Everything is deterministic for a seed. ``iter_generate`` streams (a shuffle buffer of
``window`` articles mixes the members of a story with others), so 100,000 articles need only a
few tens of MB; ``generate_corpus`` collects the same stream in memory.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Union

import numpy as np

from ..doc import Article

Range = tuple[int, int]
GOLD_VERSION = 2
EDIT_LEVELS = ("none", "light", "heavy")


# ------------------------------------------------------------------------------------ gold


@dataclass(frozen=True, slots=True)
class GoldUnit:
    """One copied sentence of an article: ``[start, end)`` and the key of its source sentence;
    ``pre``/``post``: whitespace characters right before/after it."""

    start: int
    end: int
    key: str
    pre: int = 0
    post: int = 0


@dataclass(frozen=True, slots=True)
class GoldArticle:
    """What the gold says about one article besides its units."""

    id: str
    cluster: str | None = None
    role: str = "unrelated"  # original | reprint | unrelated
    parent: str | None = None
    kind: str = ""  # full | partial (reprints)
    boilerplate: tuple[Range, ...] = ()


@dataclass(frozen=True, slots=True)
class GoldCluster:
    """One reprinted story: its articles (original first) and its origin when it can be told."""

    id: str
    members: tuple[str, ...]
    original: str
    origin: str | None
    origin_note: str = ""


@dataclass
class Gold:
    """Units per article id (every article, ``()`` when nothing is reused), clusters by id,
    per-article metadata and the generation settings."""

    units: dict[str, tuple[GoldUnit, ...]]
    clusters: dict[str, GoldCluster]
    articles: dict[str, GoldArticle] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GeneratedArticle:
    """One generated article with its gold record and units (an item of ``iter_generate``)."""

    article: Article
    gold: GoldArticle
    units: tuple[GoldUnit, ...]


@dataclass
class GeneratedCorpus:
    articles: list[Article]
    gold: Gold


# ------------------------------------------------------------------------------ vocabulary

_NOUNS = """
government official report statement plan policy decision meeting agreement proposal law bill
budget program project investigation inquiry committee council court ruling case trial judge
lawyer police force army soldier attack operation mission campaign election vote ballot
candidate party leader coalition opposition parliament lawmaker senator president spokesperson
agency ministry department authority region province city town village border country state
nation capital district area community resident citizen family child worker farmer student
teacher doctor patient hospital clinic school university company firm bank market price cost
tax tariff trade export import economy inflation debt loan fund investment investor stock bond
currency deal contract sanction measure restriction rule regulation standard system network
service road bridge railway port airport pipeline plant factory facility site center station
grid supply shortage demand production output resource oil gas fuel power water food grain crop
harvest land forest river coast storm flood drought fire heatwave emission waste disease outbreak
virus vaccine treatment safety security threat risk crisis conflict war ceasefire negotiation
dispute protest rally demonstration crowd incident accident explosion damage victim survivor
witness document record figure rate level survey poll study analysis expert analyst scientist
researcher journalist newspaper broadcaster channel platform website account message video
image claim allegation accusation denial response reaction criticism concern warning pressure
aid assistance relief donation grant reform development effort initiative strategy goal target
deadline timeline phase round session hearing testimony summit visit delegation envoy diplomat
embassy ambassador treaty alliance partner ally rival neighbor zone corridor route convoy
shipment cargo vessel aircraft drone missile weapon vehicle device satellite signal license
permit fee wage pension insurance housing property building contractor union employer employee
job labor industry sector business customer consumer product retailer office headquarters
branch team group organization association foundation charity volunteer festival ceremony
anniversary memorial museum prison detention arrest suspect penalty verdict prosecutor
defendant audit review assessment forecast estimate scenario outcome impact consequence
deficit surplus revenue profit spending subsidy incentive scheme tender auction bid stake merger
takeover recovery recession slowdown commission panel board regulator watchdog inspector
mayor governor commander general officer unit brigade battalion militia checkpoint barrier
shelter camp refugee migrant asylum passport visa census registry database server archive
warehouse depot terminal dock highway tunnel dam reservoir canal well mine quarry refinery
reactor turbine battery charger sensor camera broadcast interview column editorial leak memo
letter petition lawsuit complaint inspection raid curfew lockdown quarantine mandate exemption
waiver quota ration stockpile reserve capacity backlog delay shortfall surge spike decline
"""

_ADJECTIVES = """
new former senior local regional national international foreign domestic public private federal
military civilian economic political financial social environmental legal official independent
joint major key main large small significant serious severe critical urgent sudden recent
previous latest final initial early long short brief rapid slow strong weak stable fragile
growing rising falling declining widespread limited controversial disputed alleged suspected
unprecedented historic annual monthly weekly temporary permanent emergency special additional
further broad detailed comprehensive formal informal preliminary partial full direct indirect
secret confidential sensitive strategic northern southern eastern western central coastal rural
urban remote nearby neighboring armed peaceful violent deadly costly expensive affordable modern
traditional digital renewable nuclear chemical medical clinical agricultural industrial
commercial residential diplomatic humanitarian judicial parliamentary presidential electoral
constitutional municipal provincial bilateral multilateral landmark sweeping modest ambitious
fresh renewed ongoing planned proposed expected unexpected unusual rare vital essential complex
uncertain transparent illegal unauthorized mandatory voluntary hidden visible contested
lengthy crucial dramatic steady sharp mixed tense quiet heavy light massive minimal outdated
"""

_ADVERBS = """
reportedly also still now already recently quickly sharply slightly largely publicly privately
formally officially repeatedly openly firmly strongly briefly initially eventually finally
immediately gradually effectively partially fully jointly separately quietly
"""

# base, past, past participle (blank = regular)
_VERBS = """
announce approve reject confirm deny launch suspend halt resume expand reduce raise cut:cut:cut
increase lower extend delay postpone cancel sign ratify adopt introduce propose criticize condemn
welcome support back oppose question investigate review examine assess warn urge demand request
accept refuse block challenge defend protect secure restore rebuild:rebuilt:rebuilt repair
build:built:built open close seize capture destroy damage target strike:struck:struck hit:hit:hit
injure evacuate deploy withdraw:withdrew:withdrawn send:sent:sent deliver receive provide offer
allocate spend:spent:spent invest borrow lend:lent:lent pay:paid:paid charge fine arrest detain
release free convict sentence acquit file publish reveal disclose leak track monitor inspect
test develop design produce export import supply transport transfer replace remove ban restrict
limit allow permit require impose lift ease tighten boost strengthen weaken undermine threaten
pressure push press prompt trigger spark fuel drive:drove:driven lead:led:led win:won:won
lose:lost:lost gain hold:held:held meet:met:met discuss negotiate settle resolve address tackle
handle manage coordinate organize host attend visit leave:left:left reach cross enter
flee:fled:fled face overcome:overcame:overcome resist accuse blame praise honor mark celebrate
predict forecast:forecast:forecast estimate measure record document verify dismiss downplay
acknowledge admit dispute outline detail unveil present submit finalize complete begin:began:begun
end stop scrap revive fund finance audit overhaul expand draft amend override veto endorse
"""

_SYNONYM_GROUPS = """
said stated noted added
officials authorities
however but yet
attack assault strike
government administration
killed left
about around nearly
announced unveiled
large big
show indicate
warned cautioned
after following
"""

_FIRST_NAMES = """
Anna Maria Elena Sofia Laura Clara Irene Nadia Leila Amira Yasmin Olga Irina Katya Marta Lucia
Ines Helena Petra Greta Ingrid Astrid Hanna Emilia Julia Rosa Teresa Alma Noor Farah Samira Dina
Mei Lin Aiko Yuki Priya Asha Kavya Zara Chloe Fiona Grace Ruth Esther Miriam Tamar David Daniel
Samuel Jonas Lukas Felix Anton Viktor Pavel Dmitri Andrei Mikhail Ivan Nikolai Tomas Marek Jan
Piotr Karel Stefan Milan Goran Emil Oskar Henrik Lars Erik Nils Arjun Rohan Vikram Omar Karim
Tariq Hassan Yusuf Ali Samir Rami Malik Kofi Kwame Tunde Chidi Juma Baraka Carlos Diego Mateo
Pablo Rafael Luis Jorge Marco Paolo Luca Pierre Louis Hugo Jean Michel Thomas James Robert
Michael William Richard Joseph Charles George Edward Henry Patrick Sean Liam Noah Ethan Adam
"""

_ONSETS = ("b br c ch d dr f g gr h j k kl kr l m n p pr r s sh st t tr v w z "
           "b d k l m n r s t v").split()
_NUCLEI = "a e i o u a e o ai ei ou ia".split()
_CODAS = ("n r l s k m t nd rk st ll ss rn ck ng th x v z "
          "n r l s").split()
_SURNAME_ENDS = ("son sen ov ova ski ska ez es is er man mann berg stein field ton ley ard ini "
                 "elli ado ura ani enko uk ic ovic ak ek holt wick more ford dale").split()
_PLACE_ENDS = ("ville burg grad abad pur stad ford port mouth field haven ton ham dorf by vik "
               "sk ovo ia an ar el ora ica ene ara isk ow").split()
_BODIES = ("Institute", "Council", "Forum", "Center", "Alliance")
_COMPANIES = ("Holdings", "Group", "Partners", "Industries", "Consulting")
_PLACE_FORMS = ("{}", "{}", "{}", "{}", "North {}", "South {}", "East {}", "West {}", "Upper {}",
                "Lower {}", "Port {}", "New {}", "{} Valley", "{} Heights", "{} Bay")

# domain -> (nouns, institution words, roles, field name)
_DOMAINS: dict[str, tuple[str, str, str, str]] = {
    "elections": ("ballot turnout recount candidate constituency precinct manifesto runoff "
                  "incumbent registration observer fraud primary referendum poll seat mandate "
                  "caucus rally debate endorsement", "Electoral Commission|Election Board|"
                  "Democratic Party|People's Party|Reform Party|Unity Party",
                  "candidate|campaign manager|party leader|election observer|lawmaker|senator",
                  "Elections"),
    "conflict": ("ceasefire offensive artillery frontline shelling convoy militia insurgent "
                 "garrison airstrike checkpoint battalion ammunition truce siege casualty "
                 "drone raid ambush outpost", "Defense Ministry|General Staff|Border Guard|"
                 "Liberation Front|National Guard|Peacekeeping Mission",
                 "commander|defense minister|military spokesperson|colonel|general|analyst",
                 "Defense"),
    "energy": ("pipeline refinery reactor turbine grid tariff barrel output blackout "
               "transmission substation drilling reserve megawatt generator outage subsidy "
               "license concession terminal", "Energy Authority|Power Company|Grid Operator|"
               "Petroleum Corporation|Atomic Agency|Energy Ministry",
               "energy minister|chief executive|grid operator|engineer|analyst|regulator",
               "Energy"),
    "health": ("vaccine outbreak clinic ward infection dose quarantine epidemic pathogen "
               "hospitalization mortality screening pharmacy prescription trial nurse "
               "surgeon diagnosis symptom", "Health Ministry|Medical Association|"
               "Public Health Institute|Hospital Trust|Drug Agency|Nurses' Union",
               "health minister|epidemiologist|hospital director|doctor|nurse|researcher",
               "Health"),
    "finance": ("inflation bond yield currency deficit lender mortgage dividend shareholder "
                "audit liquidity bailout stimulus default credit rating exchange portfolio "
                "earnings", "Central Bank|Finance Ministry|Stock Exchange|Savings Bank|"
                "Investment Fund|Audit Office", "finance minister|central bank governor|"
                "economist|banker|fund manager|auditor", "Finance"),
    "technology": ("software platform chip algorithm server breach encryption startup "
                   "broadband satellite robot database hacker patch outage upgrade network "
                   "app device", "Telecom Regulator|Digital Agency|Cyber Security Center|"
                   "Tech Institute|Software Group|Data Protection Office",
                   "chief technology officer|engineer|developer|security researcher|regulator",
                   "Technology"),
    "climate": ("emission drought wildfire glacier flood rainfall carbon heatwave coastline "
                "reforestation pollution biodiversity habitat erosion monsoon storm levee "
                "reservoir", "Environment Agency|Climate Council|Weather Service|"
                "Wildlife Trust|Water Authority|Green Party", "environment minister|"
                "climate scientist|meteorologist|activist|conservationist|hydrologist",
                "Environment"),
    "migration": ("asylum border refugee migrant camp deportation visa smuggler crossing "
                  "shelter resettlement detention permit quota passport arrival boat "
                  "registration", "Migration Office|Refugee Council|Border Agency|"
                  "Interior Ministry|Coast Guard|Aid Network", "interior minister|"
                  "border official|aid worker|lawyer|coast guard officer|caseworker",
                  "Migration"),
    "justice": ("verdict prosecutor defendant testimony appeal indictment sentence jury "
                "warrant bail acquittal conviction lawsuit hearing plaintiff evidence "
                "witness inquiry", "Supreme Court|Justice Ministry|Prosecutor's Office|"
                "Bar Association|Appeals Court|Police Directorate", "justice minister|"
                "prosecutor|judge|defense lawyer|police chief|legal scholar", "Justice"),
    "diplomacy": ("summit envoy treaty sanction embassy delegation accord communique "
                  "negotiation alliance consulate visit talks mediation protocol memorandum "
                  "ambassador partnership", "Foreign Ministry|Security Council|Regional Bloc|"
                  "Trade Commission|Embassy|Peace Institute", "foreign minister|ambassador|"
                  "envoy|diplomat|negotiator|spokesperson", "Foreign Affairs"),
    "agriculture": ("harvest grain fertilizer livestock irrigation crop drought farmland "
                    "wheat maize cattle export subsidy pesticide yield seed cooperative "
                    "orchard", "Agriculture Ministry|Farmers' Union|Grain Board|"
                    "Food Agency|Rural Bank|Livestock Council", "agriculture minister|"
                    "farmer|agronomist|trader|cooperative chairman|veterinarian",
                    "Agriculture"),
    "transport": ("railway highway airport port freight tunnel bridge fare ferry terminal "
                  "cargo congestion timetable runway corridor logistics shipment toll",
                  "Transport Ministry|Railway Company|Port Authority|Aviation Agency|"
                  "Road Fund|Shipping Line", "transport minister|rail operator|pilot|"
                  "port director|engineer|union leader", "Transport"),
    "media": ("broadcaster newspaper journalist censorship license outlet editor podcast "
              "disinformation fact-check channel footage interview column platform "
              "subscriber correspondent", "Press Council|Media Regulator|State Broadcaster|"
              "Journalists' Union|News Agency|Press Freedom Center", "editor|journalist|"
              "media regulator|correspondent|press secretary|broadcaster", "Media"),
    "education": ("school curriculum teacher exam tuition campus enrollment scholarship "
                  "textbook classroom literacy graduate lecture dormitory semester grant "
                  "principal", "Education Ministry|Teachers' Union|State University|"
                  "Exam Board|Student Council|School District", "education minister|"
                  "teacher|principal|professor|student leader|dean", "Education"),
}

_STOCK_OPENERS = """
On Monday|On Tuesday|On Wednesday|On Thursday|On Friday|On Saturday|On Sunday|According to
officials|According to local media|According to the ministry|In a statement on Monday|In a
statement on Thursday|Earlier this week|Earlier this month|Last week|Last month|Earlier this
year|Meanwhile|However|At the same time|In recent weeks|For now|Separately|In response|By
contrast|Since then|In the meantime|As a result|In addition|Despite this|Later that day
"""

_ATTRIBUTIONS = """
officials said|according to officials|a spokesperson said|according to a statement|sources
familiar with the matter said|the ministry said in a statement|local media reported|according
to local reports|people familiar with the plans said|according to the latest figures|witnesses
said|analysts said|the report said|according to state media|critics said
"""

_PERSON_ATTRIB = ("{p} said", "{p} said in a statement on {d}", "{p} told reporters",
                  "{p} said on {d}", "{p} told local media", "{p} wrote on social media",
                  "{p} said in an interview")

_FRAMES = """
It remains unclear whether|It was not immediately clear whether|The move comes as|This comes
after|Critics say|Analysts warn that|Observers noted that|The announcement came after|It is not
yet known whether|Officials insist that|Supporters argue that|Opponents fear that|The decision
follows reports that|Some experts believe that
"""

_CONNECTORS = ("while", "after", "as", "but", "although", "because", "even as", "since",
               "before", "and", "while", "as")
_PREPS = ("in", "near", "across", "against", "for", "with", "over", "under", "amid", "despite",
          "toward", "around", "beyond", "inside", "outside", "among", "about", "from", "into",
          "along")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_TIME = ("on {d}", "next week", "in {m}", "by the end of {y}", "earlier this month",
         "later this year", "in {y}", "within {n} days", "over the past {n} months",
         "last {d}", "by {m}", "before the end of {m}", "in the coming weeks", "this week")
_QUANT = ("at least {n}", "more than {n}", "nearly {n}", "about {n}", "{n}", "some {n}",
          "up to {n}", "fewer than {n}", "{n}")
_MODALS = ("don't", "won't", "can't", "will", "must", "shouldn't")
_INSERT_WORDS = ("also", "reportedly", "now", "still", "recently", "already", "officially",
                 "again")
_PUNCT = ".,:;\"'"
_DELETABLE = {"the", "also", "still", "now", "already", "very", "recently", "reportedly"}

_OUTLET_NAMES = ("Courier Herald Sentinel Daily Post Observer Gazette Times Tribune Chronicle "
                 "Dispatch Monitor Review Ledger Record Voice Report Insider Wire News Journal "
                 "Standard Telegraph Express Mirror Beacon Bulletin Examiner Independent Star "
                 "Globe Messenger Pioneer Press Register").split()
_BLOG_FORMS = ("The {a} {n} Blog", "{f}'s Notebook", "{p} Truth Network", "The {a} Eye",
               "{p} Watch", "Real {n} News", "{p} Free Press", "The {a} Front")
_SECTIONS = ("World", "Politics", "Opinion", "Region", "Business", "Analysis", "Latest",
             "Top Stories", "Investigations", "Society")
_TAGLINES = ("independent news since {y}", "news you can trust", "the stories that matter",
             "reporting without fear", "your daily briefing", "truth in every story",
             "local voices, global news", "facts first", "the other side of the story")

_PLATFORM_DEBRIS = {
    "blogger": ["No comments:", "Post a Comment", "Newer Post Older Post Home",
                "Subscribe to: Post Comments (Atom)"],
    "wordpress": ["Share this:", "Facebook Twitter Email", "Like this:", "Like Loading...",
                  "Related"],
    "cms": ["Share this: Facebook Twitter Email", "Print this page", "Report a typo"],
    "qr": ["QR codeQR code", "Share this: Facebook Twitter Email", "Print this page"],
    "none": [],
}
_PLATFORM_WEIGHTS = (("blogger", 0.18), ("wordpress", 0.22), ("cms", 0.22), ("qr", 0.08),
                     ("none", 0.30))

_DISCLAIMER = (
    "Disclaimer: The views and opinions expressed in this article are those of the authors and "
    "do not necessarily reflect the official policy or position of this website or its "
    "partners. Content is provided for general information only and may be republished with "
    "attribution under the terms listed on our reuse page."
)


def _words(block: str) -> list[str]:
    return list(dict.fromkeys(block.split()))


def _bar_list(block: str) -> list[str]:
    return [p.strip() for p in " ".join(block.split()).split("|") if p.strip()]


def _past(base: str) -> str:
    if base in _DOUBLE:
        return base + base[-1] + "ed"
    if base.endswith("e"):
        return base + "d"
    if base.endswith("y") and base[-2] not in "aeiou":
        return base[:-1] + "ied"
    return base + "ed"


_DOUBLE = {"ban", "plan", "stop", "ship", "permit", "admit", "scrap", "commit", "control"}


def _third(base: str) -> str:
    if base.endswith(("s", "sh", "ch", "x", "z", "o")):
        return base + "es"
    if base.endswith("y") and base[-2] not in "aeiou":
        return base[:-1] + "ies"
    return base + "s"


def _plural(noun: str) -> str:
    if noun.endswith("is"):
        return noun[:-2] + "es"
    if noun.endswith(("s", "sh", "ch", "x", "z")):
        return noun + "es"
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun in {"child"}:
        return "children"
    if noun.endswith("man") and noun not in {"german"}:
        return noun[:-3] + "men"
    return noun + "s"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Pick:
    """Zipf-like draws from a list (weight ~ 1 / (rank + q) ** s), buffered from numpy."""

    __slots__ = ("items", "cum", "rng", "buf", "i")

    def __init__(self, items: list[Any], rng: np.random.Generator, s: float = 1.0,
                 q: float = 2.7) -> None:
        weights = 1.0 / (np.arange(len(items), dtype=np.float64) + q) ** s
        cum = np.cumsum(weights)
        self.items, self.cum, self.rng = items, cum / cum[-1], rng
        self.buf: list[int] = []
        self.i = 0

    def __call__(self) -> Any:
        if self.i >= len(self.buf):
            draws = np.searchsorted(self.cum, self.rng.random(256), side="right")
            self.buf = np.minimum(draws, len(self.items) - 1).tolist()
            self.i = 0
        item = self.items[self.buf[self.i]]
        self.i += 1
        return item


@dataclass
class _Person:
    first: str
    last: str
    role: str
    org: str

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class _Topic:
    index: int
    domain: str
    region: str
    nouns: _Pick
    places: _Pick
    people: _Pick
    orgs: _Pick
    terms: _Pick
    place_list: list[str]


@dataclass
class _Outlet:
    name: str
    domain: str
    quote: str  # "straight" | "curly"
    nl: str
    para_sep: str
    joiner: str
    trailing: bool
    title_case: bool
    header: list[str]
    footer: list[str]
    debris: list[str]
    disclaimer: float
    byline: bool
    staff: list[str]
    dated: bool
    aggregator: bool


class _World:
    """Vocabulary, topics and outlets for one seed."""

    def __init__(self, rng: np.random.Generator, rnd: random.Random) -> None:
        self.rng, self.rnd = rng, rnd
        nouns = _words(_NOUNS)
        adjectives = _words(_ADJECTIVES)
        adverbs = _words(_ADVERBS)
        verbs = []
        for entry in _words(_VERBS):
            base, _, rest = entry.partition(":")
            past, _, pp = rest.partition(":")
            verbs.append((base, past or _past(base), pp or _past(base), _third(base)))
        for order in (nouns, adjectives, adverbs, verbs):
            rnd.shuffle(order)  # which words are frequent differs by seed
        self.noun = _Pick(nouns, rng, s=0.9, q=4.0)
        self.adj = _Pick(adjectives, rng, s=0.9, q=4.0)
        self.adv = _Pick(adverbs, rng, s=0.8)
        self.verb = _Pick(verbs, rng, s=0.9, q=4.0)
        self.opener = _Pick(_bar_list(_STOCK_OPENERS), rng, s=0.7)
        self.attrib = _Pick(_bar_list(_ATTRIBUTIONS), rng, s=0.7)
        self.frame = _Pick(_bar_list(_FRAMES), rng, s=0.7)
        self.first_names = _words(_FIRST_NAMES)
        self.past_verbs = frozenset(v[1] for v in verbs)
        # word -> words of the same class, for substitutions
        self.same_class: dict[str, list[str]] = {}
        for group in (nouns, adjectives, adverbs, [v[1] for v in verbs], [v[0] for v in verbs]):
            for word in group:
                self.same_class.setdefault(word, group)
        for line in _SYNONYM_GROUPS.strip().splitlines():
            group = line.split()
            for word in group:
                self.same_class[word] = group
        self._used: set[str] = set()
        self.topics = [self._topic(i, domain)
                       for i, domain in enumerate((list(_DOMAINS) * 4)[:48])]
        rnd.shuffle(self.topics)
        self.topic = _Pick(self.topics, rng, s=0.6, q=3.0)
        n_outlets = rnd.randint(40, 80)
        self.outlets = [self._outlet(i) for i in range(n_outlets)]
        self.outlet_pick = _Pick(list(range(n_outlets)), rng, s=0.7, q=5.0)
        reprint_weights = np.array([4.0 if o.aggregator else 1.0 for o in self.outlets])
        self.reprint_cum = np.cumsum(reprint_weights) / reprint_weights.sum()

    # names -------------------------------------------------------------------------
    def _syllables(self, n: int) -> str:
        rnd = self.rnd
        return "".join(rnd.choice(_ONSETS) + rnd.choice(_NUCLEI) for _ in range(n))

    def _unique(self, make) -> str:
        for _ in range(50):
            name = make()
            if name not in self._used:
                self._used.add(name)
                return name
        return name

    def surname(self) -> str:
        return self._unique(lambda: _cap(self._syllables(self.rnd.randint(1, 2))
                                         + self.rnd.choice(_SURNAME_ENDS)))

    def place(self) -> str:
        stem = lambda: _cap(self._syllables(self.rnd.randint(1, 2)) + self.rnd.choice(_PLACE_ENDS))
        return self._unique(lambda: self.rnd.choice(_PLACE_FORMS).format(stem()))

    def _topic(self, index: int, domain: str) -> _Topic:
        rnd = self.rnd
        dnouns, institutions, roles, _ = _DOMAINS[domain]
        region = self._unique(lambda: _cap(self._syllables(rnd.randint(1, 2))
                                           + rnd.choice(("ia", "land", "stan", "ova", "ar",
                                                         "ania", "eria", "ovia"))))
        places = [self.place() for _ in range(rnd.randint(6, 12))]
        orgs = [f"the {region} {inst}" for inst in institutions.split("|")]
        orgs += [f"the {rnd.choice(places)} {rnd.choice(_BODIES)}" for _ in range(2)]
        orgs += [f"{self.surname()} {rnd.choice(_COMPANIES)}" for _ in range(2)]
        orgs.append("the " + "".join(rnd.choice("ABCDEFGHKLMNPRSTU")
                                     for _ in range(rnd.randint(3, 4))))
        rnd.shuffle(orgs)
        role_list = roles.split("|")
        people = [_Person(rnd.choice(self.first_names), self.surname(), rnd.choice(role_list),
                          rnd.choice(orgs)) for _ in range(rnd.randint(14, 24))]
        special = [f"the {rnd.choice(places)} {rnd.choice(dnouns.split())}" for _ in range(3)]
        special += [f"Operation {_cap(self._syllables(2))}", f"the {people[0].last} plan",
                    f"the {region} {rnd.choice(('accord', 'initiative', 'program', 'law'))}"]
        topic_nouns = dnouns.split()
        rnd.shuffle(topic_nouns)
        return _Topic(index, domain, region, _Pick(topic_nouns, self.rng, s=0.8),
                      _Pick(places, self.rng, s=0.8), _Pick(people, self.rng, s=0.8),
                      _Pick(orgs, self.rng, s=0.8), _Pick(special, self.rng, s=0.5), places)

    def _outlet(self, index: int) -> _Outlet:
        rnd = self.rnd
        if rnd.random() < 0.2:
            name = rnd.choice(_BLOG_FORMS).format(a=_cap(self.adj()), n=_cap(self.noun()),
                                                  f=rnd.choice(self.first_names),
                                                  p=self.place().split()[-1])
        else:
            name = f"{self.place()} {rnd.choice(_OUTLET_NAMES)}"
        slug = re.sub(r"[^a-z0-9]+", "", name.lower().replace("the ", ""))
        domain = slug[:20] + rnd.choice((".com", ".net", ".org", ".news", ".info", ".co"))
        year = rnd.randint(1990, 2019)
        the = "the " if not name.endswith(("Blog", "Notebook", "Network", "Eye", "Watch", "News",
                                           "Press", "Front")) else ""
        headers = [f"{name} | {rnd.choice(_SECTIONS)}",
                   f"{name} — {rnd.choice(_TAGLINES).format(y=year)}",
                   f"Home » {rnd.choice(_SECTIONS)} » {rnd.choice(_SECTIONS)}",
                   f"Menu Search {name} Sign in"]
        footers = [f"Follow {the}{name} on social media",
                   f"© {rnd.randint(2019, 2022)} {name}. All rights reserved.",
                   "Subscribe to our newsletter",
                   f"Have a tip? Write to tips@{domain}",
                   f"Read more stories at {domain}",
                   f"{name} is supported by readers like you. Donate today.",
                   f"Copyright {name} {year}-2023"]
        rnd.shuffle(headers)
        rnd.shuffle(footers)
        platform = rnd.choices([p for p, _ in _PLATFORM_WEIGHTS],
                               [w for _, w in _PLATFORM_WEIGHTS])[0]
        crlf = rnd.random() < 0.12
        nl = "\r\n" if crlf else "\n"
        return _Outlet(
            name=name, domain=domain, quote="curly" if rnd.random() < 0.55 else "straight",
            nl=nl, para_sep=nl * 2 if rnd.random() < 0.5 else nl,
            joiner=rnd.choices(["  ", " ", " \u00a0"], [0.2, 0.75, 0.05])[0],
            trailing=rnd.random() < 0.15, title_case=rnd.random() < 0.4,
            header=headers[:rnd.randint(1, 3)], footer=footers[:rnd.randint(1, 4)],
            debris=list(_PLATFORM_DEBRIS[platform]),
            disclaimer=(rnd.choice((0.5, 0.7, 1.0)) if rnd.random() < 0.2 else 0.0),
            byline=rnd.random() < 0.45,
            staff=[f"{rnd.choice(self.first_names)} {self.surname()}"
                   for _ in range(rnd.randint(2, 6))],
            dated=index < 10 or rnd.random() > 0.05, aggregator=rnd.random() < 0.2)


# ------------------------------------------------------------------------------- writing


class _Writer:
    """Sentences, paragraphs and headlines on a topic."""

    def __init__(self, world: _World, rnd: random.Random) -> None:
        self.w, self.rnd = world, rnd
        self.tail = False  # the text so far ends in a stock phrase (time, attribution, name)

    def number(self) -> str:
        rnd = self.rnd
        r = rnd.random()
        if r < 0.45:
            return str(rnd.randint(2, 99))
        if r < 0.8:
            return f"{rnd.randint(100, 9999):,}"
        return f"{rnd.randint(10, 999):,}{rnd.choice(('', ',000', ',500'))}"

    def noun(self, t: _Topic) -> str:
        return t.nouns() if self.rnd.random() < 0.4 else self.w.noun()

    def person(self, t: _Topic) -> str:
        p = t.people()
        r = self.rnd.random()
        if r < 0.5:
            return p.full
        if r < 0.75:
            return p.last
        return f"{_cap(p.role)} {p.last}" if len(p.role.split()) < 3 else p.full

    def described(self, p: _Person) -> str:
        """A person's role, with the organisation only while the phrase stays short (so that
        unrelated sentences rarely share 10 words in a row)."""
        with_org = f"the {p.role} of {p.org}" if self.rnd.random() < 0.5 else f"{p.role} at {p.org}"
        if len(with_org.split()) <= 5 and self.rnd.random() < 0.6:
            return with_org
        return f"the {p.role}" if self.rnd.random() < 0.6 else f"a {self.w.adj()} {p.role}"

    def time(self) -> str:
        rnd = self.rnd
        self.tail = True
        return rnd.choice(_TIME).format(d=rnd.choice(_DAYS), m=rnd.choice(_MONTHS),
                                        y=rnd.randint(2012, 2022), n=rnd.randint(2, 30))

    def np_simple(self, t: _Topic) -> str:
        self.tail = False
        r = self.rnd.random()
        w = self.w
        if r < 0.28:
            return f"the {w.adj()} {self.noun(t)}"
        if r < 0.40:
            return f"the {self.noun(t)}"
        if r < 0.50:
            return t.orgs()
        if r < 0.60:
            return self.person(t)
        if r < 0.70:
            return (f"{self.rnd.choice(_QUANT).format(n=self.number())} "
                    f"{_plural(self.noun(t))}")
        if r < 0.78:
            return f"{t.places()}'s {self.noun(t)}"
        if r < 0.86:
            return f"the {self.noun(t)} of {t.places()}"
        if r < 0.93:
            return t.terms()
        return f"{w.adj()} {_plural(self.noun(t))}"

    def np(self, t: _Topic) -> str:
        head = self.np_simple(t)
        if self.rnd.random() < 0.3:
            return f"{head} {self.rnd.choice(_PREPS)} {self.np_simple(t)}"
        return head

    def vp(self, t: _Topic) -> str:
        r = self.rnd.random()
        base, past, pp, _ = self.w.verb()
        if r < 0.32:
            return f"{past} {self.np(t)}"
        if r < 0.48:
            return f"{past} {self.np_simple(t)} {self.rnd.choice(_PREPS)} {self.np_simple(t)}"
        if r < 0.58:
            return f"has {pp} {self.np(t)}"
        if r < 0.66:
            return f"would {base} {self.np_simple(t)} {self.time()}"
        if r < 0.74:
            return f"{past} that {self.np_simple(t)} had {self.w.verb()[2]} {self.np_simple(t)}"
        if r < 0.82:
            return f"was {pp} by {self.np(t)}"
        if r < 0.91:
            return f"{self.w.adv()} {past} {self.np(t)}"
        return f"{past} {self.np_simple(t)} {self.time()}"

    def clause(self, t: _Topic) -> str:
        return f"{self.np(t)} {self.vp(t)}"

    def attribution(self, t: _Topic) -> str:
        self.tail = True
        if self.rnd.random() < 0.5:
            return self.w.attrib()
        return self.rnd.choice(_PERSON_ATTRIB).format(p=self.person(t),
                                                      d=self.rnd.choice(_DAYS))

    def sentence(self, t: _Topic) -> str:
        rnd = self.rnd
        r = rnd.random()
        if self.tail and (0.28 <= r < 0.40 or r >= 0.80):
            # the last sentence ended in a stock phrase: do not start with one too, or two
            # unrelated articles would share 10 words in a row across the sentence boundary
            r = rnd.uniform(0.40, 0.80) if r >= 0.5 else rnd.uniform(0.0, 0.28)
        if r < 0.28:
            s = self.clause(t)
        elif r < 0.40:
            s = f"{self.w.opener()}, {self.clause(t)}"
        elif r < 0.54:
            s = self.clause(t)
            if not self.tail:  # no attribution right after a time phrase: two stock phrases
                s = f"{s}, {self.attribution(t)}"
        elif r < 0.66:
            p = t.people()
            q = rnd.random()
            if q < 0.35:
                s = f'"{_cap(self.clause(t))}," {rnd.choice((p.full, p.last))} said'
            elif q < 0.6:
                s = f'"{_cap(self.clause(t))}," said {p.full}, {self.described(p)}'
            elif q < 0.8:
                modal = rnd.choice(_MODALS)
                s = f'"We {modal} {self.w.verb()[0]} {self.np(t)}," {p.last} said'
            else:
                s = f'{p.full} said: "{_cap(self.clause(t))}."'
                return _cap(s)
            self.tail = True
        elif r < 0.80:
            s = f"{self.clause(t)}, {rnd.choice(_CONNECTORS)} {self.clause(t)}"
        elif r < 0.87:
            s = f"{self.w.frame()} {self.clause(t)}"
        elif r < 0.93:
            p = t.people()
            s = f"{p.full}, {self.described(p)}, said {self.clause(t)}"
        else:
            s = f"{_cap(self.time())}, {self.clause(t)}"
            if not self.tail:
                s = f"{s}, {self.attribution(t)}"
        return _cap(s) + "."

    def paragraph(self, t: _Topic) -> list[str]:
        r = self.rnd.random()
        n = 1 if r < 0.42 else 2 if r < 0.77 else 3 if r < 0.94 else 4
        return [self.sentence(t) for _ in range(n)]

    def title(self, t: _Topic, title_case: bool) -> str:
        rnd, w = self.rnd, self.w
        base, past, _, third = w.verb()
        r = rnd.random()
        if r < 0.2:
            org = _cap(t.orgs().removeprefix("the "))
            s = f"{org} {third} {w.adj()} {self.noun(t)} in {t.places()}"
        elif r < 0.4:
            s = f"{t.people().last} {third} {self.noun(t)} amid {w.adj()} {self.noun(t)}"
        elif r < 0.55:
            s = f"{t.places()}: {self.number()} {_plural(self.noun(t))} {past} after {self.noun(t)}"
        elif r < 0.65:
            s = f"What the {self.noun(t)} means for {t.region}"
        elif r < 0.8:
            s = (f"{_cap(w.adj())} {self.noun(t)} {third} {t.places()} as "
                 f"{_plural(self.noun(t))} {base}")
        else:
            s = f"{t.region} {third} {self.noun(t)}, {self.noun(t)} {_plural(self.noun(t))} {past}"
        s = _cap(s)
        if title_case:
            s = " ".join(x[:1].upper() + x[1:] if len(x) > 3 else x for x in s.split(" "))
        return s


# ------------------------------------------------------------------------------- stories

Sent = tuple[str, str, Union[str, None]]  # canonical text, provisional key, fixed quote style


@dataclass
class _Doc:
    gen: int  # generation index
    aid: str
    outlet: int
    topic: _Topic
    day: int
    title: str
    paras: list[list[Sent]]
    role: str = "unrelated"
    parent: int | None = None  # index into the story's docs
    kind: str = ""
    extra: list[str] = field(default_factory=list)  # novel lines after the body (attribution)
    dated: bool = True
    at: int = 0  # publication time: minutes since _EPOCH, UTC


_LEVELS = {  # word edit rate, insert, delete, reorder, merge/split, truncate (per block / doc)
    "none": (0.0, 0.0, 0.0, 0.0, 0.0, 0.15),
    "light": (0.03, 0.15, 0.12, 0.15, 0.10, 0.15),
    "heavy": (0.10, 0.45, 0.35, 0.35, 0.30, 0.25),
}
_N_REPRINTS = (1, 2, 3, 4, 5, 6, 7, 8)
_N_REPRINT_W = (0.34, 0.25, 0.16, 0.09, 0.06, 0.04, 0.03, 0.03)
_REPRINT_HOURS = (2.0, 240.0)  # a reprint appears this long after the original
_UNDATED_REPRINTS = 0.1  # the share of reprints without a date
# UTC offsets of outlets (minutes) and how they write a time: seconds or not, Z for UTC
_ZONE_MINUTES = (0, 0, 60, 60, 120, 120, 180, 180, -300, -240, -360, 330, 480, 540, -180, 600)
_TIME_STYLES = ("%Y-%m-%dT%H:%M:%S{zone}", "%Y-%m-%dT%H:%M{zone}", "utc")
_CURLY_DQ = re.compile(r'(^|[\s(\[—-])"')
_CURLY_SQ = re.compile(r"(^|[\s(\[—-])'")
_NUM = re.compile(r"^\d[\d,]*$")
_EPOCH = date(2021, 1, 1).toordinal()


def _curly(text: str) -> str:
    if '"' in text:
        text = _CURLY_DQ.sub("\\1\u201c", text).replace('"', "\u201d")
    if "'" in text:
        text = _CURLY_SQ.sub("\\1\u2018", text).replace("'", "\u2019")
    return text


class _Generator:
    def __init__(self, n_articles: int, seed: int, edit_level: str, words_per_article: int,
                 reprint_share: float) -> None:
        if edit_level not in EDIT_LEVELS:
            raise ValueError(f"edit_level must be one of {EDIT_LEVELS}, got {edit_level!r}")
        if n_articles < 0:
            raise ValueError("n_articles must be >= 0")
        self.n, self.level, self.words = n_articles, edit_level, max(40, int(words_per_article))
        self.reprint_share = reprint_share
        self.rng = np.random.default_rng(seed)
        self.rnd = random.Random(seed)
        self.world = _World(self.rng, self.rnd)
        # Times and which articles are dated come from a stream of their own: they never
        # change the text.
        self.clock = random.Random(seed ^ 0xC10C)
        self.zones = [(self.clock.choice(_ZONE_MINUTES), self.clock.choice(_TIME_STYLES))
                      for _ in self.world.outlets]
        self.writer = _Writer(self.world, self.rnd)
        self.rates = _LEVELS[edit_level]
        width = max(5, len(str(max(n_articles - 1, 0))))
        self.ids = [f"a{i:0{width}d}" for i in self.rng.permutation(n_articles).tolist()]
        self.cluster_width = width
        self.made = 0
        self.n_clusters = 0

    # fresh text -------------------------------------------------------------------
    def _fresh_paras(self, t: _Topic, aid: str, words: int, start_index: int = 0
                     ) -> list[list[Sent]]:
        paras: list[list[Sent]] = []
        count, index = 0, start_index
        while count < words:
            para = []
            for s in self.writer.paragraph(t):
                para.append((s, f"{aid}:{index}", None))
                index += 1
                count += s.count(" ") + 1
            paras.append(para)
        return paras

    def _target(self) -> int:
        return int(self.words * self.rnd.uniform(0.6, 1.4))

    def _new_doc(self, outlet: int, t: _Topic, day: int) -> _Doc:
        aid = self.ids[self.made]
        doc = _Doc(self.made, aid, outlet, t, day,
                   self.writer.title(t, self.world.outlets[outlet].title_case), [])
        self.made += 1
        return doc

    # edits --------------------------------------------------------------------------
    def _edit_words(self, text: str) -> str:
        """Change about ``rate`` of the words: a word of the same class, a nearby number, a
        dropped article or adverb, or an adverb inserted before a verb."""
        rate = self.rates[0]
        if not rate:
            return text
        rnd = self.rnd
        tokens = text.split(" ")
        n_edits = sum(rnd.random() < rate for _ in range(len(tokens)))
        if not n_edits:
            return text
        w = self.world
        editable = []
        for i in range(1, len(tokens)):
            core = tokens[i].strip(_PUNCT)
            if (core in w.same_class or core in w.past_verbs or _NUM.match(core)
                    or (core in _DELETABLE and core == tokens[i])):
                editable.append(i)
        if not editable:
            return text
        chosen = set(rnd.sample(editable, min(n_edits, len(editable))))
        out: list[str] = []
        for i, tok in enumerate(tokens):
            if i not in chosen:
                out.append(tok)
                continue
            core = tok.strip(_PUNCT)
            lead = tok[: len(tok) - len(tok.lstrip(_PUNCT))]
            trail = tok[len(lead) + len(core):]
            group = w.same_class.get(core)
            op = rnd.random()
            if core in w.past_verbs and op < 0.3:
                out.append(rnd.choice(_INSERT_WORDS))
                out.append(tok)
            elif group is not None:
                choice = rnd.choice(group)
                if choice == core:
                    choice = group[(group.index(core) + 1) % len(group)]
                out.append(lead + choice + trail)
            elif _NUM.match(core):
                value = int(core.replace(",", ""))
                value = max(1, value + rnd.choice((-2, -1, 1, 2, 3)) * max(1, value // 20))
                out.append(lead + (f"{value:,}" if "," in core else str(value)) + trail)
            elif core in _DELETABLE and core == tok:
                pass  # dropped
            else:
                out.append(tok)
        return " ".join(out)

    def _copy_block(self, paras: list[list[Sent]], src_style: str, t: _Topic, aid: str,
                    counter: list[int]) -> list[list[Sent]]:
        """Copy paragraphs with edits; ``counter`` numbers new sentences of ``aid``."""
        rnd = self.rnd
        _, p_ins, p_del, _, p_merge, _ = self.rates
        keep_style = self.level == "none"
        block = [[(self._edit_words(s), k, (q or src_style) if keep_style else None)
                  for s, k, q in para] for para in paras]
        n_sent = sum(len(p) for p in block)
        if p_del and n_sent >= 3 and rnd.random() < p_del:
            pi = rnd.randrange(len(block))
            del block[pi][rnd.randrange(len(block[pi]))]
            if not block[pi]:
                del block[pi]
        if p_ins and rnd.random() < p_ins:
            new = (self.writer.sentence(t), f"{aid}:{counter[0]}", None)
            counter[0] += 1
            pi = rnd.randrange(len(block))
            if rnd.random() < 0.3:
                block.insert(pi + 1, [new])
            else:
                block[pi].insert(rnd.randint(0, len(block[pi])), new)
        if p_merge and rnd.random() < p_merge:
            if len(block) >= 3 and rnd.random() < 0.5:
                pi = rnd.randrange(len(block) - 1)
                block[pi:pi + 2] = [block[pi] + block[pi + 1]]
            else:
                multi = [i for i, p in enumerate(block) if len(p) >= 2]
                if multi:
                    pi = rnd.choice(multi)
                    cut = rnd.randint(1, len(block[pi]) - 1)
                    block[pi:pi + 1] = [block[pi][:cut], block[pi][cut:]]
        return block

    def _blocks(self, n_paras: int, lengths: list[int], max_blocks: int) -> list[tuple[int, int]]:
        """Non-overlapping runs of >= 2 paragraphs and >= 200 characters."""
        rnd = self.rnd
        want = rnd.choices((1, 2, 3), (0.6, 0.3, 0.1))[0]
        want = min(want, max_blocks)
        chosen: list[tuple[int, int]] = []
        for _ in range(want * 6):
            if len(chosen) >= want:
                break
            size = rnd.randint(2, min(6, n_paras))
            start = rnd.randint(0, n_paras - size)
            end = start + size
            while sum(lengths[start:end]) < 200 and end < n_paras:
                end += 1
            if sum(lengths[start:end]) < 200:
                continue
            if any(start < e + 1 and s < end + 1 for s, e in chosen):
                continue  # overlapping or adjacent: would be one block
            chosen.append((start, end))
        return sorted(chosen)

    def _reprint(self, parent: _Doc, outlet: int, day: int) -> _Doc:
        rnd = self.rnd
        t = parent.topic
        doc = self._new_doc(outlet, t, day)
        doc.role = "reprint"
        src_style = self.world.outlets[parent.outlet].quote
        counter = [0]
        paras = parent.paras
        lengths = [sum(len(s) + 1 for s, _, _ in p) for p in paras]
        _, _, _, p_reorder, _, p_trunc = self.rates
        partial = rnd.random() < 0.5 and len(paras) >= 3
        blocks = self._blocks(len(paras), lengths, 3) if partial else []
        if not blocks:
            doc.kind = "full"
            end = len(paras)
            if len(paras) >= 5 and rnd.random() < p_trunc:
                end -= rnd.randint(1, min(3, len(paras) - 3))
            cuts = [0]
            while cuts[-1] < end:
                cuts.append(min(end, cuts[-1] + rnd.randint(2, 5)))
            if len(cuts) > 2 and end - cuts[-2] < 2:
                cuts.pop(-2)
            chunks = [self._copy_block(paras[a:b], src_style, t, doc.aid, counter)
                      for a, b in zip(cuts, cuts[1:])]
            if len(chunks) >= 3 and rnd.random() < p_reorder:
                i, j = rnd.sample(range(1, len(chunks)), 2)
                chunks[i], chunks[j] = chunks[j], chunks[i]
            doc.paras = [p for chunk in chunks for p in chunk]
            r = rnd.random()
            if r < 0.3:
                doc.title = parent.title
            elif r < 0.5:
                doc.title = self._edit_words(parent.title) if self.rates[0] else parent.title
            if rnd.random() < 0.3:
                src = self.world.outlets[parent.outlet]
                doc.extra.append(rnd.choice((f"This article originally appeared on {src.name}.",
                                             f"Source: {src.name}",
                                             f"Republished from {src.domain}")))
        else:
            doc.kind = "partial"
            copied = [self._copy_block(paras[a:b], src_style, t, doc.aid, counter)
                      for a, b in blocks]
            copied_words = sum(s.count(" ") + 1 for blk in copied for p in blk for s, _, _ in p)
            novel = max(60, self._target() - copied_words)
            slots = len(copied) + 1
            out: list[list[Sent]] = []
            for i in range(slots):
                share = novel // slots if i else novel - (novel // slots) * (slots - 1)
                if share > 0 and (i == 0 or i < len(copied) or rnd.random() < 0.7):
                    new = self._fresh_paras(t, doc.aid, max(15, share), counter[0])
                    counter[0] += sum(len(p) for p in new)
                    out.extend(new)
                if i < len(copied):
                    out.extend(copied[i])
            doc.paras = out
        return doc

    # stories ------------------------------------------------------------------------
    def story(self) -> tuple[list[_Doc], GoldCluster | None]:
        rnd, w = self.rnd, self.world
        t = w.topic()
        outlet = w.outlet_pick()
        day = rnd.randrange(730)
        doc = self._new_doc(outlet, t, day)
        doc.at = day * 1440 + self.clock.randrange(1440)
        doc.paras = self._fresh_paras(t, doc.aid, self._target())
        docs = [doc]
        left = self.n - self.made
        if left <= 0 or rnd.random() >= self.reprint_share:
            self._date(docs)
            return docs, None
        doc.role = "original"
        k = min(left, rnd.choices(_N_REPRINTS, _N_REPRINT_W)[0])
        used = {outlet}
        for _ in range(k):
            parent_i = 0 if len(docs) == 1 or rnd.random() < 0.75 else rnd.randrange(1, len(docs))
            parent = docs[parent_i]
            for _ in range(20):
                o = int(np.searchsorted(w.reprint_cum, self.rng.random(), side="right"))
                o = min(o, len(w.outlets) - 1)
                if o not in used:
                    break
            else:
                o = next((i for i in range(len(w.outlets)) if i not in used), o)
            used.add(o)
            at = self._reprint_time(doc.at, parent.at)
            if at is None:  # no room after this parent within the window: copy the original
                parent_i, parent = 0, doc
                at = self._reprint_time(doc.at, doc.at)
            assert at is not None
            child = self._reprint(parent, o, at // 1440)
            child.at = at
            child.parent = parent_i
            docs.append(child)
        cid = f"c{self.n_clusters:0{self.cluster_width}d}"
        self.n_clusters += 1
        return docs, self._cluster(cid, docs)

    def _reprint_time(self, original: int, parent: int) -> int | None:
        """When a copy appears: 2-240 h after the original (log-uniform), at least half an hour
        after its parent; None when the parent leaves no room."""
        low = max(_REPRINT_HOURS[0] * 60, parent - original + 30)
        high = _REPRINT_HOURS[1] * 60
        if low > high:
            return None
        return original + round(low * (high / low) ** self.clock.random())

    def _date(self, docs: list[_Doc]) -> None:
        for d in docs:
            if d.role == "original":
                d.dated = True
            elif d.role == "reprint":
                d.dated = self.clock.random() >= _UNDATED_REPRINTS
            else:
                d.dated = (self.world.outlets[d.outlet].dated
                           and self.clock.random() >= 0.035)

    def _cluster(self, cid: str, docs: list[_Doc]) -> GoldCluster:
        self._date(docs)
        original = docs[0]
        if not original.dated:
            origin, note = None, "original undated"
        elif any(d.dated and d.at <= original.at for d in docs[1:]):
            origin, note = None, "tie on the earliest time"
        else:  # undated members are passed over: the earliest dated member is the origin
            origin, note = original.aid, ""
        return GoldCluster(cid, tuple(d.aid for d in docs), original.aid, origin, note)

    def published(self, doc: _Doc) -> str:
        """The publication time as the outlet writes it: its own offset and style."""
        minutes, style = self.zones[doc.outlet]
        moment = datetime.fromordinal(_EPOCH) + timedelta(minutes=doc.at)
        if style == "utc":
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        local = moment + timedelta(minutes=minutes)
        sign = "-" if minutes < 0 else "+"
        zone = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        return local.strftime(style.format(zone=zone))

    # rendering ----------------------------------------------------------------------
    def render(self, doc: _Doc, cluster: str | None, shared: Mapping[str, int] | None,
               docs: list[_Doc]) -> GeneratedArticle:
        rnd = self.rnd
        o = self.world.outlets[doc.outlet]
        nl = o.nl
        pieces: list[str] = []
        pos = 0
        boiler: list[Range] = []
        sents: list[tuple[int, int, str]] = []

        def add(s: str) -> None:
            nonlocal pos
            pieces.append(s)
            pos += len(s)

        def line(s: str, is_boiler: bool) -> None:
            if is_boiler:
                boiler.append((pos, pos + len(s)))
            add(s)
            add(nl)

        line(doc.title, False)
        add(nl)
        for h in o.header:
            line(h, True)
        if o.byline:
            line(f"By {rnd.choice(o.staff)}", False)
        if o.header or o.byline:
            add(nl)
        for pi, para in enumerate(doc.paras):
            if pi:
                add(o.para_sep)
            for si, (text, key, qstyle) in enumerate(para):
                if si:
                    add(o.joiner)
                if (qstyle or o.quote) == "curly":
                    text = _curly(text)
                sents.append((pos, pos + len(text), key))
                add(text)
            if o.trailing and rnd.random() < 0.5:
                add(" ")
        add(o.para_sep)
        for extra in doc.extra:
            line(extra, False)
        if o.disclaimer and rnd.random() < o.disclaimer:
            line(_DISCLAIMER, True)
        for f in o.footer:
            line(f, True)
        for d in o.debris:
            line(d, True)
        text = "".join(pieces)
        units: list[GoldUnit] = []
        if shared:
            for start, end, key in sents:
                if shared.get(key, 0) >= 2:
                    pre = 0
                    while pre < start and text[start - pre - 1].isspace():
                        pre += 1
                    post = 0
                    while end + post < len(text) and text[end + post].isspace():
                        post += 1
                    units.append(GoldUnit(start, end, key, pre, post))
        published = self.published(doc) if doc.dated else None
        slug = "-".join(re.findall(r"[a-z0-9]+", doc.title.lower())[:8])
        url = (f"https://{o.domain}/{published[:4]}/{published[5:7]}/{slug}" if published
               else f"https://{o.domain}/news/{slug}-{rnd.randint(1000, 99999)}")
        article = Article(id=doc.aid, text=text, title=doc.title, outlet=o.name, url=url,
                          published=published)
        parent = docs[doc.parent].aid if doc.parent is not None else None
        gold = GoldArticle(doc.aid, cluster, doc.role, parent, doc.kind, tuple(boiler))
        return GeneratedArticle(article, gold, tuple(units))

    def __iter__(self) -> Iterator[GeneratedArticle | GoldCluster]:
        while self.made < self.n:
            docs, cluster = self.story()
            shared: dict[str, int] | None = None
            if cluster is not None:
                yield cluster
                shared = {}
                for d in docs:
                    for key in dict.fromkeys(k for p in d.paras for _, k, _ in p):
                        shared[key] = shared.get(key, 0) + 1
            cid = cluster.id if cluster else None
            for d in docs:
                yield self.render(d, cid, shared, docs)


def iter_generate(n_articles: int, *, seed: int = 0, edit_level: str = "light",
                  words_per_article: int = 500, reprint_share: float = 0.3,
                  window: int = 4096) -> Iterator[GeneratedArticle | GoldCluster]:
    """Stream a corpus: ``GeneratedArticle`` items in a shuffled order (a buffer of ``window``
    articles) and a ``GoldCluster`` item for each reprinted story, before its articles."""
    gen = _Generator(n_articles, seed, edit_level, words_per_article, reprint_share)
    shuffle = random.Random(seed ^ 0x5EED)
    buffer: list[GeneratedArticle] = []
    for item in gen:
        if isinstance(item, GoldCluster):
            yield item
            continue
        if len(buffer) < window:
            buffer.append(item)
            continue
        i = shuffle.randrange(window)
        yield buffer[i]
        buffer[i] = item
    shuffle.shuffle(buffer)
    yield from buffer


def generate_corpus(n_articles: int, *, seed: int = 0, edit_level: str = "light",
                    words_per_article: int = 500, reprint_share: float = 0.3) -> GeneratedCorpus:
    """A synthetic reprint corpus with its gold, in memory (the order of ``iter_generate``)."""
    articles: list[Article] = []
    units: dict[str, tuple[GoldUnit, ...]] = {}
    records: dict[str, GoldArticle] = {}
    clusters: dict[str, GoldCluster] = {}
    for item in iter_generate(n_articles, seed=seed, edit_level=edit_level,
                              words_per_article=words_per_article, reprint_share=reprint_share):
        if isinstance(item, GoldCluster):
            clusters[item.id] = item
        else:
            articles.append(item.article)
            units[item.article.id] = item.units
            records[item.article.id] = item.gold
    meta = _meta(n_articles, seed, edit_level, words_per_article, reprint_share)
    return GeneratedCorpus(articles, Gold(units, clusters, records, meta))


# ---------------------------------------------------------------------------------- files


def _meta(n: int, seed: int, edit_level: str, words: int, share: float) -> dict[str, Any]:
    return {"type": "meta", "version": GOLD_VERSION, "seed": seed, "n_articles": n,
            "edit_level": edit_level, "words_per_article": words, "reprint_share": share}


def _article_record(a: Article) -> str:
    return json.dumps({"id": a.id, "text": a.text, "title": a.title, "outlet": a.outlet,
                       "url": a.url, "published": a.published}, ensure_ascii=False)


def _gold_article_record(g: GoldArticle, units: Iterable[GoldUnit]) -> str:
    return json.dumps({"type": "article", "id": g.id, "cluster": g.cluster, "role": g.role,
                       "parent": g.parent, "kind": g.kind,
                       "units": [[u.start, u.end, u.key, u.pre, u.post] for u in units],
                       "boilerplate": [list(r) for r in g.boilerplate]}, ensure_ascii=False)


def _cluster_record(c: GoldCluster) -> str:
    return json.dumps({"type": "cluster", "id": c.id, "members": list(c.members),
                       "original": c.original, "origin": c.origin,
                       "origin_note": c.origin_note}, ensure_ascii=False)


def write_corpus(corpus: GeneratedCorpus | int, out_dir: Path | str, *, seed: int = 0,
                 edit_level: str = "light", words_per_article: int = 500,
                 reprint_share: float = 0.3) -> tuple[Path, Path]:
    """Write ``corpus.jsonl`` and ``gold.jsonl`` under ``out_dir``; pass a number of articles
    instead of a corpus to generate and write in one stream (little memory)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    corpus_path, gold_path = out / "corpus.jsonl", out / "gold.jsonl"
    with open(corpus_path, "w", encoding="utf-8", newline="") as cf, \
            open(gold_path, "w", encoding="utf-8", newline="") as gf:
        if isinstance(corpus, GeneratedCorpus):
            meta = dict(corpus.gold.meta) or _meta(len(corpus.articles), seed, edit_level,
                                                   words_per_article, reprint_share)
            gf.write(json.dumps(meta) + "\n")
            for a in corpus.articles:
                cf.write(_article_record(a) + "\n")
                g = corpus.gold.articles.get(a.id, GoldArticle(a.id))
                gf.write(_gold_article_record(g, corpus.gold.units.get(a.id, ())) + "\n")
            for c in corpus.gold.clusters.values():
                gf.write(_cluster_record(c) + "\n")
        else:
            n = int(corpus)
            gf.write(json.dumps(_meta(n, seed, edit_level, words_per_article, reprint_share))
                     + "\n")
            for item in iter_generate(n, seed=seed, edit_level=edit_level,
                                      words_per_article=words_per_article,
                                      reprint_share=reprint_share):
                if isinstance(item, GoldCluster):
                    gf.write(_cluster_record(item) + "\n")
                else:
                    cf.write(_article_record(item.article) + "\n")
                    gf.write(_gold_article_record(item.gold, item.units) + "\n")
    return corpus_path, gold_path


def read_gold(path: Path | str) -> Gold:
    """Read a ``gold.jsonl`` written by ``write_corpus``."""
    units: dict[str, tuple[GoldUnit, ...]] = {}
    articles: dict[str, GoldArticle] = {}
    clusters: dict[str, GoldCluster] = {}
    meta: dict[str, Any] = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            kind = rec.get("type")
            if kind == "article":
                aid = str(rec["id"])
                units[aid] = tuple(GoldUnit(int(s), int(e), str(k), int(p), int(q))
                                   for s, e, k, p, q in rec.get("units", ()))
                articles[aid] = GoldArticle(aid, rec.get("cluster"), rec.get("role", "unrelated"),
                                            rec.get("parent"), rec.get("kind", ""),
                                            tuple((int(s), int(e))
                                                  for s, e in rec.get("boilerplate", ())))
            elif kind == "cluster":
                clusters[str(rec["id"])] = GoldCluster(
                    str(rec["id"]), tuple(str(m) for m in rec["members"]), str(rec["original"]),
                    rec.get("origin"), str(rec.get("origin_note", "")))
            elif kind == "meta":
                meta = rec
            else:
                raise ValueError(f"{path} line {n}: unknown record type {kind!r}")
    return Gold(units, clusters, articles, meta)
