"""The REST API (propwatch serve): every route's answer and errors, through TestClient."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ._extra import TestClient  # skips this module without the [server] extra

from propwatch import corpus as corpus_jobs  # noqa
from propwatch import pipeline
from propwatch.config import Settings, load_settings  # noqa
from propwatch.detect.transformer import VERSION as DEFAULT_VERSION  # noqa: E402
from propwatch.doc import Article, Layer, Span  # noqa: E402
from propwatch.errors import StoreError  # noqa: E402
from propwatch.server import ServerSettings, create_app  # noqa: E402
from propwatch.server.middleware import UI_CSP  # noqa: E402
from propwatch.store import Store  # noqa: E402
from propwatch.techniques import TECHNIQUES  # noqa: E402

from ..conftest import EXAMPLES  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2")

HARBOR = EXAMPLES / "harbor-daily-2023-05-04-grain-blockade.txt"
REPOST = "patriot-wire-repost-grain-blockade"
HOSTILE = "<script>alert(1)</script>"
SHORT = "They are traitors who will destroy everything we love. Stand up now or lose it all."


def client_for(settings: ServerSettings, **kwargs) -> TestClient:
    return TestClient(create_app(settings, **kwargs), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory) -> str:
    """The repository's examples/ in a store, with spans and a reuse run, plus one article
    whose title and text are hostile HTML."""
    db = str(tmp_path_factory.mktemp("corpus") / "corpus.db")
    with Store(db) as store:
        store.add_articles([Article(id="hostile", text=f"{HOSTILE}\n\nThese traitors lie. "
                                    f"{HOSTILE}", title=HOSTILE, outlet="Evil <b>Wire</b>",
                                    published="2023-06-01")])
    run = corpus_jobs.reuse_corpus([str(EXAMPLES)], db=db)
    assert not run.failures and run.result.links
    corpus_jobs.analyze_corpus(db)
    return db


@pytest.fixture(scope="module")
def client():
    with client_for(ServerSettings()) as c:
        yield c


@pytest.fixture(scope="module")
def corpus(corpus_db):
    with client_for(ServerSettings(db=corpus_db)) as c:
        yield c


def spans_of(document: dict) -> list[dict]:
    """The technique spans of a document as the API answers it (schema_version 2)."""
    return document["layers"]["techniques"]["items"]


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field is not None:
        assert error["field"] == field
        assert f"'{field}'" in error["message"] or field in ("file", "published", "id")
    assert "Traceback" not in response.text
    return error


# ------------------------------------------------------------------ health, techniques, docs


def test_health_without_and_with_store(client, corpus, corpus_db):
    from propwatch import __version__

    body = client.get("/api/health").json()
    assert body == {"status": "ok", "version": __version__, "detector": DEFAULT_VERSION,
                    "components": {"techniques": DEFAULT_VERSION}, "db": None, "articles": None}
    body = corpus.get("/api/health").json()
    assert body["db"] == corpus_db and body["articles"] == 3


def test_techniques_lists_all_fourteen(client):
    body = client.get("/api/techniques").json()
    assert len(body) == 14
    assert body[0] == {"label": TECHNIQUES[0].label, "name": TECHNIQUES[0].name,
                       "definition": TECHNIQUES[0].definition, "color": TECHNIQUES[0].color}


def test_openapi_and_docs(client):
    schema = client.get("/openapi.json").json()
    for path in ("/api/analyze", "/api/report", "/api/techniques", "/api/articles",
                 "/api/articles/{id}", "/api/articles/{id}/report.html", "/api/stats",
                 "/api/reuse/pairs", "/api/reuse/clusters", "/api/health"):
        assert path in schema["paths"], path
    body = schema["paths"]["/api/analyze"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    assert client.get("/docs").status_code == 200


def test_security_headers_on_every_answer(client):
    for response in (client.get("/api/health"), client.get("/api/nope"),
                     client.post("/api/analyze", json={"text": ""})):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


# ------------------------------------------------------------------ analyze


def test_analyze_equals_the_library(client):
    response = client.post("/api/analyze", json={"text": SHORT})
    assert response.status_code == 200
    assert response.json() == pipeline.analyze(SHORT).to_dict()


def test_analyze_reads_metadata_from_the_text_as_the_cli_does(client):
    text = HARBOR.read_text(encoding="utf-8")
    body = client.post("/api/analyze", json={"text": text}).json()
    assert body == pipeline.analyze(text).to_dict()
    assert body["title"].startswith("Foreign saboteurs")
    assert body["published"] == "2023-05-04T09:15"  # the dateline's time, no zone stated
    for span in spans_of(body):
        assert text[span["start"]:span["end"]] == span["text"]


def test_analyze_given_metadata_wins_and_blank_counts_as_missing(client):
    text = HARBOR.read_text(encoding="utf-8")
    body = client.post("/api/analyze", json={
        "text": text, "title": "Mine", "outlet": "", "published": "4 June 2023",
        "url": "https://example.org/a", "id": "a1"}).json()
    assert (body["id"], body["title"], body["published"], body["url"]) == (
        "a1", "Mine", "2023-06-04", "https://example.org/a")
    assert body["outlet"] == "Harbor Daily News Service (HDNS)"  # "" = not given: from the text


@pytest.mark.parametrize("payload, field, phrase", [
    ({"text": ""}, "text", "field 'text': must not be empty"),
    ({"text": "  \n "}, "text", "field 'text': must not be empty"),
    ({}, "text", "field 'text': is required"),
    ({"text": 42}, "text", "field 'text': must be a string"),
    ({"text": SHORT, "title": ["x"]}, "title", "field 'title': must be a string"),
    ([1, 2], "body", "field 'body': must be a JSON object"),
])
def test_analyze_422_names_the_field(client, payload, field, phrase):
    error = assert_error(client.post("/api/analyze", json=payload), 422, "validation_error",
                         field)
    assert error["message"].startswith(phrase)


def test_analyze_bad_json_bad_date_bad_media_type(client):
    assert_error(client.post("/api/analyze", content=b"{not json",
                             headers={"content-type": "application/json"}),
                 422, "validation_error", "body")
    error = assert_error(client.post("/api/analyze", json={"text": SHORT, "published": "soon"}),
                         422, "invalid_input", "published")
    assert "E109" in error["message"]
    assert_error(client.post("/api/analyze", content=SHORT.encode(),
                             headers={"content-type": "text/plain"}),
                 415, "unsupported_media_type")


def test_hostile_text_raw_in_json_escaped_in_report(client):
    text = f"{HOSTILE}\n\nThese traitors will destroy us. {HOSTILE} <img src=x onerror=alert(2)>"
    body = client.post("/api/analyze", json={"text": text, "title": HOSTILE}).json()
    assert body["text"] == text and body["title"] == HOSTILE
    response = client.post("/api/report", json={"text": text, "title": HOSTILE})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].startswith("attachment")
    page = response.text
    assert HOSTILE not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


def test_report_is_the_library_page(client):
    from propwatch.render.report import render_html

    page = client.post("/api/report", json={"text": SHORT}).text
    assert page == render_html(pipeline.analyze(SHORT))


def test_lone_surrogates_are_refused_in_every_field(client):
    raw = b'{"text": "They are traitors \\ud800 who will destroy us."}'
    error = assert_error(client.post("/api/analyze", content=raw,
                                     headers={"content-type": "application/json"}),
                         422, "validation_error", "text")
    assert "lone surrogate at offset 18" in error["message"]
    line = b'{"id": "s", "text": "bad \\udc00 text"}'
    assert_error(client.post("/api/analyze", files={"file": ("s.jsonl", line)}),
                 422, "invalid_input", "file")
    # ingest's one rule (as for a JSONL record): metadata is refused too, never stored
    raw = b'{"text": "They are traitors who will destroy us.", "title": "t\\ud800"}'
    for route in ("/api/analyze", "/api/report"):
        error = assert_error(client.post(route, content=raw,
                                         headers={"content-type": "application/json"}),
                             422, "validation_error", "title")
        assert "lone surrogate at offset 1" in error["message"]


def test_concurrent_analyses_share_one_model_and_agree(client):
    texts = [SHORT, HARBOR.read_text(encoding="utf-8"), "Only a calm sentence here.",
             "The corrupt elites want you afraid. Wake up, patriots!"] * 4
    expected = [pipeline.analyze(t).to_dict() for t in texts]
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda t: client.post("/api/analyze", json={"text": t}).json(),
                            texts))
    assert got == expected


# ------------------------------------------------------------------ uploads


def _expected_from_file(path: Path) -> dict:
    batch = pipeline.analyze_files([str(path)])
    assert not batch.failures
    return batch.analyses[0].to_dict()


def _without_source(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "source"}


def test_upload_txt_equals_analyze_of_the_file(client):
    response = client.post("/api/analyze", files={"file": (HARBOR.name, HARBOR.read_bytes(),
                                                           "text/plain")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == HARBOR.name
    assert _without_source(body) == _without_source(_expected_from_file(HARBOR))


def test_upload_html(client, tmp_path):
    html = ("<!doctype html><html><head><title>Grain plot &amp; traitors</title></head><body>"
            "<article><h1>Grain plot</h1><p>" + " ".join([SHORT] * 3) + "</p><p>"
            + HARBOR.read_text(encoding="utf-8").split("\n\n", 2)[-1].replace("\n", " ")
            + "</p></article><footer>Share this</footer></body></html>")
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    response = client.post("/api/analyze", files={"file": ("page.html", html.encode(),
                                                           "text/html")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert _without_source(body) == _without_source(_expected_from_file(path))
    assert body["id"] == "page" and spans_of(body)
    for span in spans_of(body):
        assert body["text"][span["start"]:span["end"]] == span["text"]


def test_upload_jsonl_analyses_the_first_record(client):
    lines = [json.dumps({"id": "one", "text": SHORT, "outlet": "Wire", "published": "2021-03-02"}),
             json.dumps({"id": "two", "text": "Another article entirely."})]
    response = client.post("/api/analyze", files={
        "file": ("feed.jsonl", "\n".join(lines).encode(), "application/x-ndjson")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["id"], body["outlet"], body["published"]) == ("one", "Wire", "2021-03-02")
    assert response.headers["x-propwatch-records"] == "2"
    assert spans_of(body) == spans_of(pipeline.analyze(SHORT).to_dict())


def test_upload_with_metadata_fields_and_report(client):
    response = client.post("/api/report", files={"file": ("a.txt", SHORT.encode())},
                           data={"title": HOSTILE, "published": "2020-01-28"})
    assert response.status_code == 200
    assert HOSTILE not in response.text and "&lt;script&gt;" in response.text
    body = client.post("/api/analyze", files={"file": ("a.txt", SHORT.encode())},
                       data={"title": "T", "published": "28 Jan 2020", "id": "x"}).json()
    assert (body["id"], body["title"], body["published"]) == ("x", "T", "2020-01-28")


def test_upload_errors_name_the_file_field(client):
    error = assert_error(client.post("/api/analyze", files={
        "file": ("photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png")}),
        422, "invalid_input", "file")
    assert "E103" in error["message"] and "photo.txt" in error["message"]
    assert_error(client.post("/api/analyze", files={"file": ("empty.txt", b"")}),
                 422, "invalid_input", "file")
    assert_error(client.post("/api/analyze", data={"text": SHORT},
                             files={"other": ("a.txt", b"x")}),
                 422, "validation_error", "file")
    error = assert_error(client.post("/api/analyze", files={"file": ("bad.jsonl", b"[1]\n")}),
                         422, "invalid_input", "file")
    assert "E108" in error["message"]


def test_upload_file_names_never_reach_the_file_system(client, monkeypatch):
    import builtins
    import os
    import tempfile

    opened: list[str] = []
    real_open = builtins.open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def no_rollover(self):
        raise AssertionError("an upload was spooled to disk")

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(os, "stat", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError(f"stat {a}")))
    monkeypatch.setattr(tempfile.SpooledTemporaryFile, "rollover", no_rollover)
    big = b"\x00" * 1_500_000  # over starlette's 1 MB spool threshold; binary: fails fast
    for name in ("../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "x\x00.txt"):
        response = client.post("/api/analyze", files={"file": (name, big)})
        assert response.status_code == 422
        assert "/etc" not in response.json()["error"]["message"]
    response = client.post("/api/analyze", files={"file": ("/etc/passwd", SHORT.encode())})
    monkeypatch.undo()
    assert response.status_code == 200 and response.json()["id"] == "passwd"
    assert response.json()["text"] == SHORT
    assert not any("passwd" in f or "win.ini" in f for f in opened)


# ------------------------------------------------------------------ limits, auth, timeout


def test_413_when_content_length_is_over_the_limit():
    with client_for(ServerSettings(max_body_bytes=1000)) as c:
        error = assert_error(c.post("/api/analyze", json={"text": "x" * 2000}), 413, "too_large")
        assert "1000-byte limit" in error["message"]
        assert c.post("/api/analyze", json={"text": SHORT}).status_code == 200
        assert_error(c.post("/api/analyze", files={"file": ("a.txt", b"y" * 5000)}),
                     413, "too_large")


def test_article_text_limit_applies_to_json_text_and_uploaded_records():
    """Issue 15: the per-article limit (max_article_chars) holds for the API as for files."""
    from propwatch.config import Settings

    with client_for(ServerSettings(pipeline=Settings(max_article_chars=40))) as c:
        error = assert_error(c.post("/api/analyze", json={"text": "w" * 41}), 422,
                             "invalid_input", "text")
        assert "E114" in error["message"] and "40-character limit" in error["message"]
        assert c.post("/api/analyze", json={"text": SHORT[:40]}).status_code == 200
        records = (json.dumps({"id": "big", "text": "b" * 60}) + "\n"
                   + json.dumps({"id": "ok", "text": "A calm sentence."}) + "\n")
        response = c.post("/api/analyze", files={"file": ("r.jsonl", records.encode())})
        assert response.status_code == 200 and response.json()["id"] == "ok"


def test_413_when_streamed_without_content_length():
    def chunks():
        yield b'{"text": "'
        for _ in range(50):
            yield b"z" * 100
        yield b'"}'

    with client_for(ServerSettings(max_body_bytes=1000)) as c:
        response = c.post("/api/analyze", content=chunks(),
                          headers={"content-type": "application/json"})
        assert "content-length" not in {k.lower() for k in response.request.headers}
        assert_error(response, 413, "too_large")


@pytest.mark.parametrize("declared", [b"10", None])
def test_413_when_content_length_lies(declared):
    """At the ASGI level: the body outgrows a (lying or missing) Content-Length."""
    import anyio

    app = create_app(ServerSettings(max_body_bytes=1000))
    chunks = [b'{"text": "' + b"q" * 400, b"q" * 400, b"q" * 400 + b'"}']
    sent: list[dict] = []

    async def receive():
        body = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": body, "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    headers = [(b"content-type", b"application/json")]
    if declared:
        headers.append((b"content-length", declared))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/api/analyze", "raw_path":
             b"/api/analyze", "query_string": b"", "headers": headers, "client": ("t", 1),
             "server": ("t", 80), "root_path": "", "app": app}
    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert start["status"] == 413, body
    assert json.loads(body)["error"]["code"] == "too_large"


def test_token_required_on_api_routes_but_not_health_or_ui(tmp_path, corpus_db):
    (tmp_path / "index.html").write_text("<!doctype html><title>ui</title>", encoding="utf-8")
    (tmp_path / "app.js").write_text("console.log(1)", encoding="utf-8")
    with client_for(ServerSettings(db=corpus_db, token="s3cret-tøken"), ui_dir=tmp_path) as c:
        for method, url, kwargs in (("post", "/api/analyze", {"json": {"text": SHORT}}),
                                    ("post", "/api/report", {"json": {"text": SHORT}}),
                                    ("get", "/api/techniques", {}), ("get", "/api/articles", {}),
                                    ("get", "/api/articles/hostile", {}), ("get", "/api/stats", {}),
                                    ("get", "/api/reuse/pairs", {}),
                                    ("get", "/api/reuse/clusters", {})):
            response = getattr(c, method)(url, **kwargs)
            assert_error(response, 401, "unauthorized")
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert_error(getattr(c, method)(url, headers={"Authorization": "Bearer wrong"},
                                            **kwargs), 401, "unauthorized")
            assert_error(getattr(c, method)(url, headers={"X-API-Token": "s3cret-t"},
                                            **kwargs), 401, "unauthorized")
            ok = getattr(c, method)(url, headers={"Authorization": "Bearer s3cret-tøken"
                                                  .encode("utf-8")}, **kwargs)
            assert ok.status_code == 200, (url, ok.text)
            ok = getattr(c, method)(url, headers={"X-API-Token": "s3cret-tøken"
                                                  .encode("utf-8")}, **kwargs)
            assert ok.status_code == 200, (url, ok.text)
        assert c.get("/api/health").status_code == 200
        assert c.get("/").status_code == 200
        assert c.get("/ui/app.js").status_code == 200


def test_ui_static_files_and_csp(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>propwatch</title>",
                                         encoding="utf-8")
    (tmp_path / "app.js").write_text("console.log(1)", encoding="utf-8")
    with client_for(ServerSettings(), ui_dir=tmp_path) as c:
        index = c.get("/")
        assert index.status_code == 200 and "<title>propwatch</title>" in index.text
        assert index.headers["content-security-policy"] == UI_CSP
        asset = c.get("/ui/app.js")
        assert asset.status_code == 200 and asset.text == "console.log(1)"
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert asset.headers["content-security-policy"] == UI_CSP
        assert c.get("/ui/../../etc/passwd").status_code == 404
    with client_for(ServerSettings(), ui_dir=tmp_path / "missing") as c:
        response = c.get("/", follow_redirects=False)
        assert response.status_code in (302, 307) and response.headers["location"] == "/docs"


class _SlowComponent:
    name, version, layer, reads = "slow.v1", "slow-v1", "slow", ()

    def __call__(self, doc, shared):
        time.sleep(0.6)
        return Layer(self.layer, self.name, self.version)


def test_503_when_the_analysis_takes_too_long_in_thread_mode():
    # isolation="thread" sees components registered in this process (a worker process would
    # not); the process mode's timeout is tested in test_capacity.py
    pipeline.register(pipeline.ComponentSpec(name="slow", version=1, layer="slow",
                                             factory=lambda config: _SlowComponent()))
    try:
        app = create_app(ServerSettings(analysis_timeout_s=0.1, isolation="thread",
                                        pipeline=Settings(components=("slow",))))
        with TestClient(app, raise_server_exceptions=False) as c:
            began = time.perf_counter()
            response = c.post("/api/analyze", json={"text": SHORT})
            assert time.perf_counter() - began < 0.5  # answered at the limit, not at the end
            error = assert_error(response, 503, "timeout")
            assert "0.1-second limit" in error["message"] and "--timeout" in error["message"]
            assert response.headers["retry-after"]
    finally:
        pipeline.unregister("slow")


def test_500_is_json_without_a_traceback(corpus_db, monkeypatch, caplog):
    with client_for(ServerSettings(db=corpus_db)) as c:
        store = c.app.state.runtime.store
        monkeypatch.setattr(store, "stats", lambda: 1 / 0)
        response = c.get("/api/stats")
        assert_error(response, 500, "internal")
        assert "ZeroDivision" not in response.text
        assert "ZeroDivisionError" in caplog.text  # logged on the server side
        monkeypatch.setattr(store, "count", lambda: (_ for _ in ()).throw(
            StoreError.make("E609", path="x.db")))
        assert_error(c.get("/api/health"), 503, "store_error")


# ------------------------------------------------------------------ corpus routes


@pytest.mark.parametrize("url", ["/api/articles", "/api/articles/x", "/api/articles/x/report.html",
                                 "/api/stats", "/api/reuse/pairs", "/api/reuse/clusters"])
def test_corpus_routes_without_store_answer_no_store(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "no_store", "message":
                                         "no corpus store: start propwatch serve with --db FILE"}}


def test_articles_list_pages_and_filters(corpus):
    body = corpus.get("/api/articles").json()
    assert body["page"] == 1 and body["page_size"] == 20 and body["has_more"] is False
    assert [a["id"] for a in body["items"]] == [
        "harbor-daily-2023-05-04-grain-blockade", "hostile", REPOST]
    assert set(body["items"][0]) == {"id", "title", "outlet", "published", "n_spans"}
    first = corpus.get("/api/articles", params={"page_size": 1}).json()
    second = corpus.get("/api/articles", params={"page_size": 1, "page": 2}).json()
    last = corpus.get("/api/articles", params={"page_size": 1, "page": 3}).json()
    assert first["has_more"] and second["has_more"] and not last["has_more"]
    assert [first["items"][0]["id"], second["items"][0]["id"], last["items"][0]["id"]] == \
        [a["id"] for a in body["items"]]
    found = corpus.get("/api/articles", params={"q": "grain blockade"}).json()["items"]
    assert {a["id"] for a in found} == {"harbor-daily-2023-05-04-grain-blockade", REPOST}
    assert corpus.get("/api/articles", params={"q": "\"\"*"}).json()["items"] == []
    by_outlet = corpus.get("/api/articles", params={"outlet": "harbor daily news service (hdns)"})
    assert [a["id"] for a in by_outlet.json()["items"]] == [
        "harbor-daily-2023-05-04-grain-blockade"]
    ids = [a["id"] for a in body["items"]]
    techniques_of = {i: {s["label"] for s in spans_of(corpus.get(f"/api/articles/{i}").json())}
                     for i in ids}
    assert techniques_of[REPOST], "the repost has spans to filter by"
    for technique in sorted(set().union(*techniques_of.values())):
        by_technique = corpus.get("/api/articles", params={"technique": technique}).json()
        assert [a["id"] for a in by_technique["items"]] == \
            [i for i in ids if technique in techniques_of[i]]


@pytest.mark.parametrize("params, field", [({"page_size": 101}, "page_size"),
                                           ({"page_size": 0}, "page_size"),
                                           ({"page": 0}, "page"), ({"page": "x"}, "page"),
                                           ({"technique": "Lies"}, "technique")])
def test_articles_list_422(corpus, params, field):
    assert_error(corpus.get("/api/articles", params=params), 422, "validation_error", field)


def test_article_is_its_stored_analysis(corpus, corpus_db):
    with Store(corpus_db) as store:
        expected = store.document(REPOST).to_dict()
    body = corpus.get(f"/api/articles/{REPOST}").json()
    assert body == expected and spans_of(body)
    assert body["layers"]["techniques"]["version"] == DEFAULT_VERSION
    assert_error(corpus.get("/api/articles/nope"), 404, "not_found")
    assert_error(corpus.get("/api/articles/nope/report.html"), 404, "not_found")


def test_article_ids_with_slashes(tmp_path):
    db = str(tmp_path / "s.db")
    with Store(db) as store:
        store.add_articles([Article(id="feed/2021/a b", text=SHORT)])
        store.replace_spans("feed/2021/a b", [Span(0, 8, "Loaded_Language")], "test")
    with client_for(ServerSettings(db=db)) as c:
        assert c.get("/api/articles/feed/2021/a%20b").json()["layers"]["techniques"]["items"][0]["text"] == "They are"
        assert c.get("/api/articles/feed%2F2021%2Fa%20b/report.html").status_code == 200


def test_stored_article_report_is_escaped(corpus):
    response = corpus.get("/api/articles/hostile/report.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"].startswith("inline")
    assert "frame-ancestors" in response.headers["content-security-policy"]
    assert HOSTILE not in response.text and "<b>Wire" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert corpus.get(f"/api/articles/{REPOST}/report.html").status_code == 200


def test_stats_with_timeline(corpus, corpus_db):
    body = corpus.get("/api/stats").json()
    with Store(corpus_db) as store:
        assert {k: v for k, v in body.items() if k != "timeline"} == store.stats()
        assert body["timeline"] == store.technique_timeline()
    assert body["articles"] == 3 and body["reuse"]["links"] == 1
    months = {row["month"] for row in body["timeline"]}
    assert "2023-05" in months
    assert all(set(row) == {"month", "technique", "count"} for row in body["timeline"])


def test_reuse_pairs_and_clusters(corpus, corpus_db):
    with Store(corpus_db) as store:
        links = [link.to_dict() for link in store.reuse_links()]
        clusters = [cluster.to_dict() for cluster in store.clusters()]
    assert links and clusters
    response = corpus.get("/api/reuse/pairs")
    assert response.json() == links and response.headers["x-total-count"] == str(len(links))
    assert corpus.get("/api/reuse/pairs", params={"article": REPOST}).json() == links
    assert corpus.get("/api/reuse/pairs", params={"article": "hostile"}).json() == []
    assert corpus.get("/api/reuse/clusters").json() == clusters
    assert corpus.get("/api/reuse/clusters", params={"article": REPOST}).json() == clusters
    # the undated repost does not stop the origin: the dated article is named, with its basis
    assert [(c["origin"], c["origin_basis"]) for c in clusters] == [
        ("harbor-daily-2023-05-04-grain-blockade", "earliest dated; 1 undated")]
    assert 0 < clusters[0]["origin_confidence"] <= 1
    assert corpus.get("/api/reuse/clusters", params={"article": "hostile"}).json() == []
    assert_error(corpus.get("/api/reuse/pairs", params={"article": "nope"}), 404, "not_found")
    assert_error(corpus.get("/api/reuse/clusters", params={"article": "nope"}),
                 404, "not_found")
    assert_error(corpus.get("/api/reuse/pairs", params={"limit": 0}), 422, "validation_error",
                 "limit")
    pair = links[0]
    text_a = corpus.get(f"/api/articles/{pair['a']}").json()["text"]
    text_b = corpus.get(f"/api/articles/{pair['b']}").json()["text"]
    assert text_a[pair["a_start"]:pair["a_end"]][:40].split()[:3] == \
        text_b[pair["b_start"]:pair["b_end"]][:40].split()[:3]


def test_reuse_routes_empty_without_a_run(tmp_path):
    db = str(tmp_path / "empty.db")
    Store(db).close()
    with client_for(ServerSettings(db=db)) as c:
        assert c.get("/api/reuse/pairs").json() == []
        assert c.get("/api/reuse/clusters").json() == []
        assert c.get("/api/stats").json()["timeline"] == []


# ------------------------------------------------------------------ settings, extra, CLI


def test_bad_settings_and_store_fail_at_creation(tmp_path):
    from propwatch.errors import ModelError, UsageError

    with pytest.raises(StoreError, match="E603"):
        create_app(ServerSettings(db=str(tmp_path / "missing.db")))
    with pytest.raises(ModelError, match="E201"):
        create_app(ServerSettings(pipeline=Settings(detector="nope")))
    with pytest.raises(UsageError):
        ServerSettings(max_body_bytes=0)
    with pytest.raises(UsageError):
        ServerSettings(token=" ")


def test_missing_extra_names_the_install_command(monkeypatch):
    import importlib.util

    import propwatch.server as server

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "fastapi" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install 'propwatch\[server\]'"):
        server.create_app(ServerSettings())
    with pytest.raises(ImportError, match=r"pip install 'propwatch\[server\]'"):
        server.serve(ServerSettings())


def test_serve_command(monkeypatch, tmp_path):
    import typer
    from typer.testing import CliRunner

    import propwatch.server as server
    from propwatch.cli.serve import serve_command

    calls = []

    def fake_serve(settings, host, port, on_ready):
        calls.append((settings, host, port))
        on_ready()

    monkeypatch.setattr(server, "serve", fake_serve)
    app = typer.Typer()
    app.command("serve")(serve_command)
    app.command("other")(lambda: None)  # two commands: 'serve' stays a subcommand
    runner = CliRunner()
    result = runner.invoke(app, ["serve", "--port", "9001", "--timeout", "5"],
                           env={"PROPWATCH_TOKEN": "tok"})
    assert result.exit_code == 0, result.output
    assert "propwatch serve: http://127.0.0.1:9001/" in result.output
    settings, host, port = calls[-1]
    assert (host, port) == ("127.0.0.1", 9001)
    # the pipeline's settings load as for every command (defaults < file < environment)
    assert settings == ServerSettings(token="tok", analysis_timeout_s=5.0,
                                      pipeline=load_settings())
    result = runner.invoke(app, ["serve"], env={"PROPWATCH_DETECTOR": "baseline",
                                                "PROPWATCH_COMPONENTS": "techniques"})
    assert result.exit_code == 0, result.output
    assert calls[-1][0].pipeline.detector == "baseline"
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"], env={"PROPWATCH_TOKEN": ""})
    assert result.exit_code == 0 and "without --token" in result.output
    # --kb: every analysis also matches known claims of the store's knowledge base
    result = runner.invoke(app, ["serve", "--db", "news.db", "--kb", "checks"])
    assert result.exit_code == 0, result.output
    pipeline = calls[-1][0].pipeline
    assert pipeline.components[-1] == "matches"
    assert pipeline.component["matches"] == {"kb": ["checks"], "db": "news.db"}
    result = runner.invoke(app, ["serve", "--kb", "checks"])
    assert result.exit_code == 2 and "E402" in result.output and "--db" in result.output
    monkeypatch.setattr(server, "serve",
                        lambda settings, host, port, on_ready: create_app(settings))
    result = runner.invoke(app, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2 and "E603" in result.output
    assert "propwatch serve: http" not in result.output  # no banner before a start-up error


@pytest.mark.slow
def test_load_test_small():
    from propwatch.bench.loadtest import run_load_test

    figures = run_load_test(requests=24, concurrency=4)
    assert figures["requests"] == 24 and figures["failures"] == 0, figures
    assert figures["throughput_rps"] > 0 and figures["p50_ms"] <= figures["p99_ms"]
    assert figures["rss_max_mb"] >= figures["rss_start_mb"] > 0


def test_an_app_survives_several_lifespans(corpus_db):
    app = create_app(ServerSettings(db=corpus_db))
    for _ in range(2):
        with TestClient(app) as c:
            assert c.get("/api/health").json()["articles"] == 3
            assert c.post("/api/analyze", json={"text": SHORT}).status_code == 200
    assert TestClient(app).get("/api/stats").status_code == 200  # no lifespan at all
