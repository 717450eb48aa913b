"""Machine outputs of the reuse analysis: JSON Lines, CSV and GraphML that other tools parse."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from propwatch.doc import Article, Cluster, Passage, ReuseLink
from propwatch.reuse import OutletEdge, find_reuse, outlet_graph
from propwatch.reuse.export import (write_clusters_jsonl, write_graph_csv, write_graphml,
                                    write_pairs_jsonl)

NS = {"g": "http://graphml.graphdrawing.org/xmlns"}
PAIR_KEYS = {"a", "a_start", "a_end", "b", "b_start", "b_end", "score"}

LINKS = [
    ReuseLink("a/1", 0, 250, "b\"2", 10, 262, 0.91234),
    ReuseLink("b\"2", 300, 600, "é<script>", 0, 300, 1.0),
]
CLUSTERS = [
    Cluster("c000001", (Passage("a/1", 0, 250), Passage("b\"2", 10, 262)), origin="a/1",
            origin_note="published first, on 2024-01-02"),
    Cluster("c000002", (Passage("b\"2", 300, 600), Passage("é<script>", 0, 300))),
]
EDGES = [
    OutletEdge("Wire, Inc.", 'The "Daily"', 3, 1200),
    OutletEdge('The "Daily"', "Line\nbreak & <co>", 1, 250),
    OutletEdge("Wire, Inc.", "Line\nbreak & <co>", 2, 900),
]


def _lines(text: str) -> list[dict]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_pairs_jsonl_has_exactly_the_link_keys() -> None:
    out = io.StringIO()
    assert write_pairs_jsonl(LINKS, out) == 2
    records = _lines(out.getvalue())
    assert [set(r) for r in records] == [PAIR_KEYS, PAIR_KEYS]
    assert records[0] == {"a": "a/1", "a_start": 0, "a_end": 250, "b": 'b"2', "b_start": 10,
                          "b_end": 262, "score": 0.9123}
    assert [ReuseLink.from_dict(r) for r in records][1] == LINKS[1]
    assert "é<script>" in out.getvalue()  # UTF-8 kept as is, one record per line


def test_clusters_jsonl_keys_members_and_note() -> None:
    out = io.StringIO()
    assert write_clusters_jsonl(iter(CLUSTERS), out) == 2
    first, second = _lines(out.getvalue())
    assert set(first) == {"cluster", "origin", "members", "origin_note"}
    assert set(second) == {"cluster", "origin", "members"}  # no note, no key
    assert first["origin"] == "a/1" and second["origin"] is None
    assert first["members"] == [{"id": "a/1", "start": 0, "end": 250},
                                {"id": 'b"2', "start": 10, "end": 262}]
    assert all(set(m) == {"id", "start", "end"} for r in (first, second) for m in r["members"])
    assert [Cluster.from_dict(r) for r in (first, second)] == CLUSTERS


def test_graph_csv_defuses_outlet_names_a_spreadsheet_would_run() -> None:
    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2", "@SUM(A1)", "\tTab"]
    out = io.StringIO()
    write_graph_csv([OutletEdge(name, "Plain - Outlet", 1, 10) for name in hostile], out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))[1:]
    assert [row[0] for row in rows] == ["'" + name for name in hostile]
    # a name that only contains such characters later is left as it is
    assert {row[1] for row in rows} == {"Plain - Outlet"}


def test_empty_inputs_write_nothing() -> None:
    out = io.StringIO()
    assert write_pairs_jsonl([], out) == 0 and write_clusters_jsonl([], out) == 0
    assert out.getvalue() == ""


def test_graph_csv_header_quoting_and_rows() -> None:
    out = io.StringIO()
    write_graph_csv(EDGES, out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == ["source", "target", "links", "characters"]
    assert rows[1:] == [[e.source, e.target, str(e.links), str(e.characters)] for e in EDGES]
    assert '"Wire, Inc."' in out.getvalue() and '"The ""Daily"""' in out.getvalue()
    empty = io.StringIO()
    write_graph_csv([], empty)
    assert empty.getvalue() == "source,target,links,characters\n"


def _graph(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "{http://graphml.graphdrawing.org/xmlns}graphml"
    return root


def test_graphml_parses_directed_with_counts_and_data() -> None:
    out = io.StringIO()
    write_graphml(EDGES, out)
    root = _graph(out.getvalue())
    keys = {k.get("id"): (k.get("for"), k.get("attr.name"), k.get("attr.type"))
            for k in root.findall("g:key", NS)}
    assert keys["links"] == ("edge", "links", "int")
    assert keys["characters"] == ("edge", "characters", "long")
    graph = root.find("g:graph", NS)
    assert graph.get("edgedefault") == "directed"
    nodes = graph.findall("g:node", NS)
    edges = graph.findall("g:edge", NS)
    outlets = {"Wire, Inc.", 'The "Daily"', "Line\nbreak & <co>"}
    assert len(nodes) == 3 and len(edges) == 3
    assert {n.get("id") for n in nodes} == outlets  # ids are the names, escaped and read back
    labels = {n.find("g:data[@key='label']", NS).text for n in nodes}
    assert labels == outlets
    assert len({e.get("id") for e in edges}) == 3
    for element, edge in zip(edges, EDGES):
        assert (element.get("source"), element.get("target")) == (edge.source, edge.target)
        data = {d.get("key"): d.text for d in element.findall("g:data", NS)}
        assert data == {"links": str(edge.links), "characters": str(edge.characters)}


def test_graphml_survives_characters_xml_cannot_hold() -> None:
    out = io.StringIO()
    write_graphml([OutletEdge("bell\x07", "ok\r", 1, 10), OutletEdge("bell\x08", "ok\r", 1, 5)],
                  out)
    graph = _graph(out.getvalue()).find("g:graph", NS)
    ids = [n.get("id") for n in graph.findall("g:node", NS)]
    assert len(ids) == len(set(ids)) == 3  # two names cleaned to the same text stay two nodes
    assert "ok\r" in ids  # a CR in an attribute is written as a reference, so it survives
    labels = [n.find("g:data", NS).text for n in graph.findall("g:node", NS)]
    assert "ok\r" in labels
    targets = {e.get("target") for e in graph.findall("g:edge", NS)}
    assert targets == {"ok\r"}
    empty = io.StringIO()
    write_graphml([], empty)
    graph = _graph(empty.getvalue()).find("g:graph", NS)
    assert graph.findall("g:node", NS) == [] and graph.findall("g:edge", NS) == []


def test_exports_of_a_real_run_agree() -> None:
    shared = ("The harbour council voted on Tuesday to sell the old grain barge to a private "
              "ferry company, a decision the mayor called the end of an era for the district. "
              "Inspectors had warned for years that the barge was unsafe in winter storms and "
              "that repairs would cost more than the vessel was worth to anyone.")
    articles = [
        Article("w1", shared + " More at eleven.", outlet="Wire", published="2024-01-01"),
        Article("d1", "From the wire: " + shared, outlet="Daily", published="2024-01-02"),
        Article("p1", shared.replace("Tuesday", "Wednesday"), outlet="Post",
                published="2024-01-03"),
    ]
    result = find_reuse(articles)
    assert len(result.links) == 3 and len(result.clusters) == 1
    edges = outlet_graph(result.links, {a.id: a.outlet for a in articles},
                         {a.id: a.published for a in articles})
    pairs, clusters, table, graphml = (io.StringIO() for _ in range(4))
    assert write_pairs_jsonl(result.links, pairs) == 3
    assert write_clusters_jsonl(result.clusters, clusters) == 1
    write_graph_csv(edges, table)
    write_graphml(edges, graphml)
    texts = {a.id: a.text for a in articles}
    for record in _lines(pairs.getvalue()):
        assert texts[record["a"]][record["a_start"]:record["a_end"]].startswith("The harbour")
    assert _lines(clusters.getvalue())[0]["origin"] == "w1"
    rows = list(csv.DictReader(io.StringIO(table.getvalue())))
    assert {(r["source"], r["target"]) for r in rows} == {("Wire", "Daily"), ("Wire", "Post"),
                                                          ("Daily", "Post")}
    graph = _graph(graphml.getvalue()).find("g:graph", NS)
    assert len(graph.findall("g:node", NS)) == 3 and len(graph.findall("g:edge", NS)) == 3
