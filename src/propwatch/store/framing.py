"""How outlets frame the news over time (mixed into ``Store``): the narratives their articles
serve and the actors they cast as heroes, villains and victims, from the stored
``narratives`` and ``roles`` layers (generic layer records: a narrative label's ``label`` is
the taxonomy label; an actor's is its main role, its name in the record's JSON)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ..doc import MAIN_ROLES, SUBNARRATIVE

__all__ = ["PERIODS", "FramingStats", "period_of"]

#: the periods of publication a row may cover, finest first
PERIODS = ("day", "week", "month", "year", "all")
NARRATIVES_LAYER, ROLES_LAYER = "narratives", "roles"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
_YEAR = re.compile(r"\d{4}")


def period_of(published: str | None, period: str) -> str | None:
    """The ``period`` ("day", "week", "month", "year" or "all") an ISO publication date falls
    in: "2024-02-05", "2024-W06" (ISO week), "2024-02", "2024" or "all"; None when undated
    (or dated too coarsely for the period)."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    if period == "all":
        return "all"
    value = (published or "").strip()
    if period == "year":
        return value[:4] if _YEAR.match(value) else None
    if period == "month":
        return value[:7] if _MONTH.match(value) else None
    if not _DAY.match(value):
        return None
    if period == "day":
        return value[:10]
    try:
        year, week, _ = date.fromisoformat(value[:10]).isocalendar()
    except ValueError:
        return None
    return f"{year}-W{week:02d}"


def _order(key: tuple[str | None, str | None]) -> tuple[bool, str, bool, str]:
    """Rows by outlet, then period; no outlet and no period last."""
    outlet, period = key
    return (outlet is None, outlet or "", period is None, period or "")


def _ranked(counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _actor_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class FramingStats:
    """The narratives and actors figures of ``Store``; they use its read connections."""

    if TYPE_CHECKING:  # provided by Store
        def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...

    def _articles_by_period(self, layer: str, period: str) -> dict[tuple[str | None, str | None],
                                                                    list[int]]:
        """(outlet, period) -> [articles with ``layer``, of them with no label but "Other"]."""
        rows = self._query(
            "SELECT a.outlet, substr(a.published, 1, 10), count(*),"
            " sum(NOT EXISTS (SELECT 1 FROM layer_records r WHERE r.article_id = l.article_id"
            "   AND r.layer = l.layer AND lower(trim(coalesce(r.label, ''))) <> 'other'))"
            " FROM layers l JOIN articles a ON a.id = l.article_id WHERE l.layer = ?"
            " GROUP BY a.outlet, substr(a.published, 1, 10)", (layer,))
        found: dict[tuple[str | None, str | None], list[int]] = defaultdict(lambda: [0, 0])
        for outlet, day, n, bare in rows:
            entry = found[(outlet, period_of(day, period))]
            entry[0] += n
            entry[1] += bare or 0
        return found

    def narrative_stats(self, *, period: str = "month",
                        subnarratives: bool = False) -> list[dict[str, Any]]:
        """The narratives each outlet's articles serve, per ``period`` of publication ("day",
        "week", "month", "year" or "all"), from the stored narratives layers: per outlet and
        period, the articles analysed, how many serve none ("other"), and articles per
        narrative, most frequent first (with ``subnarratives``, per subnarrative too).
        Undated articles count under period None."""
        period_of(None, period)  # a bad period fails before any query
        heads = self._articles_by_period(NARRATIVES_LAYER, period)
        labelled = self._query(
            "SELECT a.outlet, substr(a.published, 1, 10), r.label,"
            " json_extract(r.payload, '$.level') = ?, count(DISTINCT r.article_id)"
            " FROM layer_records r JOIN articles a ON a.id = r.article_id"
            " WHERE r.layer = ? AND r.label IS NOT NULL AND lower(trim(r.label)) <> 'other'"
            " GROUP BY a.outlet, substr(a.published, 1, 10), r.label,"
            " json_extract(r.payload, '$.level') = ?",
            (SUBNARRATIVE, NARRATIVES_LAYER, SUBNARRATIVE))
        counts: dict[tuple[str | None, str | None], tuple[Counter[str], Counter[str]]] = \
            defaultdict(lambda: (Counter(), Counter()))
        for outlet, day, label, is_sub, n in labelled:
            counts[(outlet, period_of(day, period))][1 if is_sub else 0][label] += n
        out = []
        for key in sorted(set(heads) | set(counts), key=_order):
            articles, other = heads.get(key, [0, 0])
            narratives, subs = counts.get(key, (Counter(), Counter()))
            row: dict[str, Any] = {"outlet": key[0], "period": key[1], "articles": articles,
                                   "other": other, "narratives": _ranked(narratives)}
            if subnarratives:
                row["subnarratives"] = _ranked(subs)
            out.append(row)
        return out

    def actor_stats(self, *, period: str = "month", top: int | None = 10) -> list[dict[str, Any]]:
        """The actors each outlet's articles cast, per ``period`` of publication ("day",
        "week", "month", "year" or "all"), from the stored roles layers: per outlet and
        period, the articles analysed, casts per main role over all actors, and the ``top``
        actors (all with None or 0) by articles, each with its casts as protagonist, antagonist
        and innocent and the role it is cast in most. Actors are told apart by name (case and
        spacing aside). Undated articles count under period None."""
        period_of(None, period)
        heads = self._articles_by_period(ROLES_LAYER, period)
        roles = ", ".join(f"sum(r.label = '{role}')" for role in MAIN_ROLES)
        rows = self._query(
            "SELECT a.outlet, substr(a.published, 1, 10), json_extract(r.payload, '$.name'),"
            f" min(json_extract(r.payload, '$.entity_type')), count(DISTINCT r.article_id),"
            f" count(*), {roles} FROM layer_records r JOIN articles a ON a.id = r.article_id"
            " WHERE r.layer = ? AND json_extract(r.payload, '$.name') IS NOT NULL"
            " GROUP BY a.outlet, substr(a.published, 1, 10), json_extract(r.payload, '$.name')",
            (ROLES_LAYER,))
        groups: dict[tuple[str | None, str | None], dict[str, dict[str, Any]]] = \
            defaultdict(dict)
        for outlet, day, name, kind, articles, casts, *by_role in rows:
            actors = groups[(outlet, period_of(day, period))]
            entry = actors.setdefault(_actor_key(str(name)), {
                "names": Counter(), "entity_type": kind, "articles": 0, "casts": 0,
                "roles": Counter()})
            entry["names"][str(name)] += casts
            entry["articles"] += articles
            entry["casts"] += casts
            for role, n in zip(MAIN_ROLES, by_role):
                entry["roles"][role] += n or 0
        out = []
        for key in sorted(set(heads) | set(groups), key=_order):
            actors = list(groups.get(key, {}).values())
            totals: Counter[str] = Counter()
            listed = []
            for entry in actors:
                totals.update(entry["roles"])
                counts = {role: entry["roles"][role] for role in MAIN_ROLES}
                main = max(MAIN_ROLES, key=lambda r: (counts[r], -MAIN_ROLES.index(r)))
                listed.append({"name": entry["names"].most_common(1)[0][0],
                               "entity_type": entry["entity_type"],
                               "articles": entry["articles"], "casts": entry["casts"],
                               "main_role": main if counts[main] else None, **counts})
            listed.sort(key=lambda a: (-a["articles"], -a["casts"], a["name"].casefold()))
            articles, _ = heads.get(key, [0, 0])
            out.append({"outlet": key[0], "period": key[1], "articles": articles,
                        "actors_total": len(listed),
                        "roles": {role: totals[role] for role in MAIN_ROLES},
                        "actors": listed[:top] if top else listed})
        return out
