"""Who says what through the REST API: /api/analyze and /api/report with the attributions
component, and /api/stats/sourcing over a store's attributions layers."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from ._extra import TestClient  # skips this module without the [server] extra

from propwatch.doc import Article, Attribution, Layer, Span
from propwatch.server import ServerSettings, create_app
from propwatch.server.models import AnalysisOut, SourcingRow
from propwatch.store import Store

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2")

TEXT = ("Grain prices rose 40% in May, the agriculture ministry said on Tuesday. "
        "\"The blockade is strangling us,\" a port official told reporters. "
        "The port of Odesa shipped 2 million tonnes in April.")


def client_for(settings: ServerSettings) -> TestClient:
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client():
    with client_for(ServerSettings()) as c:
        yield c


def test_analyze_with_attributions_returns_the_layer_and_its_sourcing_profile(client):
    plain = client.post("/api/analyze", json={"text": TEXT})
    assert plain.status_code == 200 and "attributions" not in plain.json()["layers"]

    response = client.post("/api/analyze", params={"with": "attributions"}, json={"text": TEXT})
    assert response.status_code == 200, response.text
    body = response.json()
    AnalysisOut.model_validate(body)
    assert set(body["layers"]) == {"techniques", "attributions"}
    layer = body["layers"]["attributions"]
    assert layer["component"] == "attributions.v1" and layer["kind"] == "attribution"
    items = layer["items"]
    assert items, "the official (and the ministry) are quoted"
    for item in items:
        assert set(item) >= {"source", "cue", "content", "speaker", "source_type", "score"}
        for role in ("source", "cue", "content"):
            for fragment in item[role]:  # every fragment's text is exactly text[start:end]
                assert fragment["text"] == TEXT[fragment["start"]:fragment["end"]]
    sources = {" ".join(f["text"] for f in item["source"]): item["source_type"] for item in items}
    assert sources.get("a port official") == "anonymous", sources
    summary = layer["summary"]
    assert summary["attributions"] == len(items)
    assert 0 < summary["attributed_share"] <= 1 and summary["anonymous_share"] > 0
    assert sum(summary["by_type"].values()) == len(items)
    claims = [(c["start"], c["end"]) for c in summary["unattributed_claims"]]
    assert "The port of Odesa shipped 2 million tonnes in April." in [TEXT[a:b] for a, b in claims]
    fragments = [(f["start"], f["end"]) for item in items
                 for role in ("source", "cue", "content") for f in item[role]]
    assert not [(c, f) for c in claims for f in fragments if c[0] < f[1] and f[0] < c[1]]


def test_report_with_attributions_points_at_the_same_offsets(client):
    analysis = client.post("/api/analyze", params={"with": "attributions"},
                           json={"text": TEXT}).json()
    page = client.post("/api/report", params={"with": "attributions"}, json={"text": TEXT})
    assert page.status_code == 200
    html = page.text
    assert "Who says what" in html and 'data-layer="attributions"' in html
    data = json.loads(re.search(r'id="pw-data">(.*?)</script>', html).group(1))
    layer = analysis["layers"]["attributions"]
    expected = {(f["start"], f["end"]) for item in layer["items"]
                for role in ("source", "cue", "content") for f in item[role]}
    expected |= {(c["start"], c["end"]) for c in layer["summary"]["unattributed_claims"]}
    assert {(start, end) for _, start, end in data["points"]} == expected
    pressed = [json.loads(htmllib.unescape(hl)) for hl in re.findall(r'data-hl="([^"]*)"', html)]
    assert {tuple(r) for hl in pressed for ranges in hl.values() for r in ranges} == expected


# --------------------------------------------------------------------------- sourcing


def profile(anonymous: float, by_type: dict, state: list[str]) -> Layer:
    item = Attribution(cue=(Span(0, 4, "cue"),), content=(Span(5, 9, "content"),))
    summary = {"attributions": sum(by_type.values()), "by_type": by_type,
               "attributed_share": 0.5, "anonymous_share": anonymous,
               "state_affiliated_outlets": state, "unattributed_claims": []}
    return Layer("attributions", "attributions.v1", "test", (item,), kind="attribution",
                 summary=summary)


@pytest.fixture(scope="module")
def sourcing_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("sourcing") / "c.db")
    with Store(db) as store:
        store.add_articles([
            Article("a", "said that it was", outlet="Wire", published="2020-01-05"),
            Article("b", "said this as well", outlet="Wire", published="2020-01-20"),
            Article("c", "told them so there", outlet="Post", published="2020-02-01"),
            Article("d", "said nothing more", outlet="Post"),
            Article("e", "nothing analysed here", outlet="Mute", published="2020-03-01")])
        store.replace_layers("a", [profile(0.2, {"anonymous": 2, "outlet": 1}, ["SANA"])])
        store.replace_layers("b", [profile(0.4, {"anonymous": 1}, [])])
        store.replace_layers("c", [profile(0.0, {"government": 3}, [])])
        store.replace_layers("d", [profile(0.1, {"named_person": 1}, [])])
    return db


@pytest.fixture(scope="module")
def corpus(sourcing_db):
    with client_for(ServerSettings(db=sourcing_db)) as c:
        yield c


def test_sourcing_is_the_stores_per_outlet_and_period(corpus, sourcing_db):
    with Store(sourcing_db) as store:
        expected = {by: store.sourcing(period=by) for by in ("month", "year", "all")}
    response = corpus.get("/api/stats/sourcing")
    assert response.status_code == 200
    rows = response.json()
    assert rows == expected["month"]
    for row in rows:
        SourcingRow.model_validate(row)
    assert [(r["outlet"], r["period"], r["articles"]) for r in rows] == [
        ("Post", "2020-02", 1), ("Post", None, 1), ("Wire", "2020-01", 2)]
    wire = rows[-1]
    assert wire["anonymous_share"] == 0.3 and wire["by_type"] == {"outlet": 1, "anonymous": 3}
    assert wire["articles_citing_state_outlets"] == 1
    for by in ("year", "all"):
        assert corpus.get("/api/stats/sourcing", params={"by": by}).json() == expected[by]
    assert [r["period"] for r in expected["year"]] == ["2020", None, "2020"]


def test_sourcing_outlet_filter_and_errors(corpus):
    rows = corpus.get("/api/stats/sourcing", params={"outlet": "wire", "by": "all"}).json()
    assert [(r["outlet"], r["articles"], r["attributions"]) for r in rows] == [("Wire", 2, 4)]
    assert corpus.get("/api/stats/sourcing", params={"outlet": "Mute"}).json() == []
    assert corpus.get("/api/stats/sourcing", params={"outlet": " "}).json() == \
        corpus.get("/api/stats/sourcing").json()
    bad = corpus.get("/api/stats/sourcing", params={"by": "week"})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "validation_error"
    assert bad.json()["error"]["field"] == "by"


def test_sourcing_needs_a_store_and_is_in_the_schema(client):
    response = client.get("/api/stats/sourcing")
    assert response.status_code == 404 and response.json()["error"]["code"] == "no_store"
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/stats/sourcing"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"by", "outlet"}
    assert "SourcingRow" in schema["components"]["schemas"]
