"""Known claims through the REST API: the knowledge bases of the server's store (/api/kb...),
and /api/analyze and /api/report with ``kb=`` (the matches layer, its evidence exact)."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from ._extra import TestClient  # skips this module without the [server] extra

from propwatch.kb.encoder import SentenceEncoder
from propwatch.kb.loading import ensure_vectors
from propwatch.kb.readers import read_kb
from propwatch.server import ServerSettings, create_app
from propwatch.server.models import (
    AnalysisOut,
    ClaimOut,
    KbStatsOut,
    KnowledgeBaseDetail,
    KnowledgeBaseOut,
)
from propwatch.store import Store

from ..conftest import FIXTURES

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2")

CLAIMS = list(read_kb("jsonl", FIXTURES / "kb" / "known-claims.jsonl"))
TEXT = ("Syria says militants plan a provocation.\n\nThe White Helmets are preparing to stage a "
        "chemical attack in Idlib so that the Syrian government can be blamed, the ministry "
        "said. The weather in Idlib was mild on Monday afternoon.")
EVIDENCE = ("The White Helmets are preparing to stage a chemical attack in Idlib so that the "
            "Syrian government can be blamed, the ministry said.")


def error_of(response, status: int, code: str, field: str | None = None) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    if field is not None:
        assert error["field"] == field, error
    assert "Traceback" not in response.text
    return error["message"]


@pytest.fixture(scope="module")
def kb_db(tmp_path_factory) -> str:
    """A store holding the fixture's ten known claims as 'checks', with their vectors, and an
    empty corpus."""
    db = str(tmp_path_factory.mktemp("kb") / "kb.db")
    with Store(db) as store:
        store.import_claims("checks", CLAIMS, source="known-claims.jsonl", format="jsonl")
        assert ensure_vectors(store, "checks", SentenceEncoder()) == len(CLAIMS)
    return db


@pytest.fixture(scope="module")
def client(kb_db):
    # The default process isolation: the knowledge bases travel to the worker with the job.
    with TestClient(create_app(ServerSettings(db=kb_db)), raise_server_exceptions=False) as c:
        yield c


# ------------------------------------------------------------------ /api/kb


def test_list_and_show_a_knowledge_base(client):
    response = client.get("/api/kb")
    assert response.status_code == 200, response.text
    (kb,) = response.json()
    KnowledgeBaseOut.model_validate(kb)
    assert kb["name"] == "checks" and kb["claims"] == 10 and kb["version"] == 1
    assert kb["format"] == "jsonl" and kb["sources"] == ["known-claims.jsonl"]

    detail = client.get("/api/kb/checks").json()
    KnowledgeBaseDetail.model_validate(detail)
    assert [v["version"] for v in detail["versions"]] == [1]
    assert detail["versions"][0]["added"] == 10
    (encoder, vectors), = detail["vectors"].items()
    assert encoder == SentenceEncoder().version and vectors == {"dim": 384, "claims": 10}


def test_claims_are_searched_listed_and_shown(client):
    found = client.get("/api/kb/checks/claims", params={"search": "white helmets"})
    assert found.status_code == 200, found.text
    claims = found.json()
    assert claims[0]["id"] == "kc-01" and claims[0]["score"] > 0
    assert "X-Total-Count" not in found.headers
    for claim in claims:
        ClaimOut.model_validate(claim)

    listed = client.get("/api/kb/checks/claims", params={"limit": 3, "offset": 2})
    assert listed.headers["X-Total-Count"] == "10"
    assert [c["id"] for c in listed.json()] == ["kc-03", "kc-04", "kc-05"]
    assert "score" not in listed.json()[0]
    assert client.get("/api/kb/checks/claims", params={"search": "zeppelin"}).json() == []

    claim = client.get("/api/kb/checks/claims/kc-05").json()
    assert claim == CLAIMS[4].to_json()  # keys without a value are left out, as stored
    assert "url" not in claim and claim["verdict"].startswith("False")


def test_kb_stats(client):
    stats = client.get("/api/kb/checks/stats", params={"top": 3})
    assert stats.status_code == 200, stats.text
    body = stats.json()
    KbStatsOut.model_validate(body)
    assert body["claims"] == 10 and body["languages"] == {"en": 10}
    assert body["tags"] == {"Syrian War": 4, "Chemical weapons": 2, "false flag": 2}
    assert body["dates"] == {"first": "2017-11-20", "last": "2024-02-01", "undated": 0}
    assert body["with_url"] == 4 and body["with_verdict"] == 10


@pytest.mark.parametrize("url, field", [
    ("/api/kb/nope", "name"), ("/api/kb/nope/stats", "name"), ("/api/kb/nope/claims", "name"),
    ("/api/kb/nope/claims/kc-01", "name"), ("/api/kb/%20x%00", "name"),
    ("/api/kb/checks/claims/kc-99", "id"), ("/api/kb/checks/claims/a/b", "id"),
])
def test_unknown_names_are_404_naming_them(client, url, field):
    message = error_of(client.get(url), 404, "not_found", field)
    assert ("'kc-99'" in message or "'a/b'" in message) if field == "id" else (
        "knowledge base" in message and "GET /api/kb" in message)


def test_bad_parameters_are_422(client):
    error_of(client.get("/api/kb/checks/claims", params={"limit": 0}), 422,
             "validation_error", "limit")
    error_of(client.get("/api/kb/checks/claims", params={"search": "x" * 501}), 422,
             "validation_error", "search")
    error_of(client.get("/api/kb/checks/stats", params={"top": 1000}), 422,
             "validation_error", "top")


def test_without_a_store_the_kb_routes_say_so():
    with TestClient(create_app(ServerSettings(isolation="thread")),
                    raise_server_exceptions=False) as c:
        for url in ("/api/kb", "/api/kb/checks", "/api/kb/checks/claims/kc-01"):
            error_of(c.get(url), 404, "no_store")
        message = error_of(c.post("/api/analyze", params={"kb": "checks"}, json={"text": TEXT}),
                           404, "no_store", "kb")
        assert "--db" in message


# ------------------------------------------------------------------ kb= on analyze and report


def test_analyze_with_kb_finds_the_known_claim_with_exact_evidence(client):
    response = client.post("/api/analyze", params={"kb": "checks"}, json={"text": TEXT})
    assert response.status_code == 200, response.text
    body = response.json()
    AnalysisOut.model_validate(body)
    assert set(body["layers"]) == {"techniques", "matches"}
    layer = body["layers"]["matches"]
    assert layer["component"] == "matches.v1" and layer["kind"] == "claim_match"
    first = layer["items"][0]
    assert first["kb"] == "checks" and first["claim_id"] == "kc-01"
    start = TEXT.index(EVIDENCE)
    assert first["evidence"][0] == {"start": start, "end": start + len(EVIDENCE),
                                    "text": EVIDENCE}
    assert first["score"] >= layer["summary"]["threshold"]
    assert first["url"] == "https://checks.example/white-helmets-staged"
    assert "White Helmets" in first["tags"] and first["verdict"].startswith("No evidence")
    for match in layer["items"]:  # every evidence span is exactly text[start:end]
        for span in match["evidence"]:
            assert span["text"] == TEXT[span["start"]:span["end"]]
    summary = layer["summary"]
    assert summary["kbs"] == ["checks"] and summary["matches"] == len(layer["items"])
    assert {"tag": "White Helmets", "matches": 1} in summary["narratives"]

    plain = client.post("/api/analyze", json={"text": TEXT}).json()
    assert "matches" not in plain["layers"]
    both = client.post("/api/analyze", params={"kb": ["checks", " checks "], "with":
                                               "attributions"}, json={"text": TEXT}).json()
    assert set(both["layers"]) == {"techniques", "attributions", "matches"}
    assert both["layers"]["matches"]["items"][0]["evidence"] == first["evidence"]


def test_an_unknown_kb_is_a_422_naming_it(client):
    message = error_of(client.post("/api/analyze", params={"kb": ["checks", "nope"]},
                                   json={"text": TEXT}), 422, "validation_error", "kb")
    assert "'nope'" in message and "checks" in message and "GET /api/kb" in message
    message = error_of(client.post("/api/report", params={"kb": "x" * 500},
                                   json={"text": TEXT}), 422, "validation_error", "kb")
    assert "x" * 79 + "\u2026" in message and "x" * 100 not in message  # echoed cut short
    error_of(client.post("/api/analyze", params={"kb": "checks", "without": "matches"},
                         json={"text": TEXT}), 422, "validation_error", "kb")
    error_of(client.post("/api/analyze", params={"kb": [f"k{n}" for n in range(11)]},
                         json={"text": TEXT}), 422, "validation_error", "kb")
    # a blank name is no name: the analysis goes on without matches
    blank = client.post("/api/analyze", params={"kb": " "}, json={"text": TEXT})
    assert blank.status_code == 200 and "matches" not in blank.json()["layers"]


def test_report_with_kb_has_the_known_claims_panel_pointing_at_the_evidence(client):
    page = client.post("/api/report", params={"kb": "checks"}, json={"text": TEXT})
    assert page.status_code == 200, page.text
    html = page.text
    assert "Known claims" in html
    panel = html[html.index('data-layer="matches"'):]
    button = re.search(r'<button type="button" class="pointer claim" aria-pressed="false" '
                       r'data-hl="([^"]*)"><b>([^<]*)</b>', panel)
    assert button, panel[:2000]
    start = TEXT.index(EVIDENCE)
    assert json.loads(htmllib.unescape(button.group(1))) == {"claim": [[start,
                                                                        start + len(EVIDENCE)]]}
    assert htmllib.unescape(button.group(2)) == CLAIMS[0].claim
    # the report's text is cut at the evidence: the pointed range is among its points
    data = json.loads(re.search(r'id="pw-data">(.*?)</script>', html).group(1))
    assert ["matches", start, start + len(EVIDENCE)] in data["points"]
