"""Machine-readable outputs of the reuse analysis: JSON Lines of links and clusters, the outlet
graph as CSV and as GraphML (for Gephi, yEd, networkx, igraph).

Writers take an open text stream, so the caller chooses the file, stdout or a buffer. Open CSV
files with ``newline=""`` as the :mod:`csv` module asks; rows end in ``\\n``.
"""

from __future__ import annotations

import csv
import json
import re
from typing import Iterable, Sequence, TextIO
from xml.sax.saxutils import escape, quoteattr

from ..doc import Cluster, ReuseLink
from .engine import OutletEdge

__all__ = ["write_pairs_jsonl", "write_clusters_jsonl", "write_graph_csv", "write_graphml"]

GRAPH_CSV_HEADER = ("source", "target", "links", "characters")

# Characters XML 1.0 cannot carry at all (controls, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _jsonl(records: Iterable[dict], out: TextIO) -> int:
    n = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n")
        n += 1
    return n


def write_pairs_jsonl(links: Iterable[ReuseLink], out: TextIO) -> int:
    """One JSON object per link (``a, a_start, a_end, b, b_start, b_end, score``); returns
    the number of lines written."""
    return _jsonl((link.to_dict() for link in links), out)


def write_clusters_jsonl(clusters: Iterable[Cluster], out: TextIO) -> int:
    """One JSON object per cluster (``cluster, origin, members``, and ``origin_note``,
    ``origin_basis``, ``origin_confidence`` when known); returns the number of lines written."""
    return _jsonl((cluster.to_dict() for cluster in clusters), out)


def write_graph_csv(edges: Sequence[OutletEdge], out: TextIO) -> None:
    """The outlet graph as CSV: ``source,target,links,characters``, one row per edge. An
    outlet name that a spreadsheet would run as a formula gets a leading ``'``."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GRAPH_CSV_HEADER)
    for edge in edges:
        writer.writerow((_inert_cell(edge.source), _inert_cell(edge.target), int(edge.links),
                         int(edge.characters)))


def _inert_cell(value: str) -> str:
    """``value`` with a leading ``'`` when it starts like a spreadsheet formula (``=``, ``+``,
    ``-``, ``@``, tab or carriage return): outlet names come from the corpus, so an article
    scraped from a hostile site must not run code in the analyst's spreadsheet (OWASP CSV
    injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _xml_text(value: str) -> str:
    """``value`` with the characters XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def write_graphml(edges: Sequence[OutletEdge], out: TextIO) -> None:
    """The outlet graph as directed GraphML: one node per outlet (id = the outlet name, also
    its ``label``), one edge per ``OutletEdge`` with ``links`` and ``characters`` data."""
    ids: dict[str, str] = {}  # outlet -> node id, distinct even if cleaning made two names equal
    taken: set[str] = set()
    for edge in edges:
        for outlet in (edge.source, edge.target):
            if outlet in ids:
                continue
            node_id = base = _xml_text(outlet)
            n = 1
            while node_id in taken:
                n += 1
                node_id = f"{base}#{n}"
            ids[outlet] = node_id
            taken.add(node_id)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns'
        ' http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
        '  <key id="label" for="node" attr.name="label" attr.type="string"/>',
        '  <key id="links" for="edge" attr.name="links" attr.type="int"/>',
        '  <key id="characters" for="edge" attr.name="characters" attr.type="long"/>',
        '  <graph id="outlets" edgedefault="directed">',
    ]
    for outlet, node_id in ids.items():
        label = escape(_xml_text(outlet), {"\r": "&#13;"})  # a raw CR would read back as LF
        lines.append(f'    <node id={quoteattr(node_id)}><data key="label">{label}</data></node>')
    for n, edge in enumerate(edges):
        lines.append(
            f'    <edge id="e{n}" source={quoteattr(ids[edge.source])} '
            f'target={quoteattr(ids[edge.target])}>'
            f'<data key="links">{int(edge.links)}</data>'
            f'<data key="characters">{int(edge.characters)}</data></edge>'
        )
    lines += ["  </graph>", "</graphml>", ""]
    out.write("\n".join(lines))
