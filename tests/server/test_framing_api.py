"""The REST API adds the narratives and roles layers on request, as the CLI does."""

from __future__ import annotations

import pytest

from ._extra import TestClient  # skips this module without the [server] extra

from propwatch.server import ServerSettings, create_app  # noqa: E402

from ..conftest import FIXTURES  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*httpx2")
STAGED = (FIXTURES / "narratives" / "staged-attack.txt").read_text("utf-8")


def test_analyze_with_narratives_and_roles():
    with TestClient(create_app(ServerSettings()), raise_server_exceptions=False) as client:
        answer = client.post("/api/analyze?with=narratives&with=roles", json={"text": STAGED})
        assert answer.status_code == 200, answer.text
        layers = answer.json()["layers"]
        assert layers["narratives"]["kind"] == "narrative"
        assert layers["narratives"]["summary"]["taxonomy"] == "semeval2025"
        assert layers["narratives"]["items"][0]["label"]
        assert layers["roles"]["kind"] == "actor"
        for actor in layers["roles"]["items"]:
            for mention in actor["mentions"]:
                assert STAGED[mention["start"]:mention["end"]] == mention["text"]
        report = client.post("/api/report?with=narratives&with=roles", json={"text": STAGED})
        assert report.status_code == 200 and "Narratives" in report.text and "Actors" in report.text
