"""Property-based API tests: schemathesis generates requests from the app's own OpenAPI schema
and calls the app in process (ASGI, no network); no answer may be a server error (5xx)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the [server] extra (fastapi) is not installed: "
                                      "pip install 'propwatch[server]'")
schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed "
                                                          "(pip install 'propwatch[test]')")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from propwatch import corpus as corpus_jobs  # noqa: E402
from propwatch.server import ServerSettings, create_app  # noqa: E402

from ..conftest import EXAMPLES  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:.*httpx2")]

MAX_EXAMPLES = 25  # per operation: 10 operations, well under a minute in all


def _schema():
    """The app over a store built from examples/, loaded at collection: schemathesis makes one
    test per operation from it (its lazy fixture loader does not work with pytest 9)."""
    folder = Path(tempfile.mkdtemp(prefix="propwatch-schemathesis-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    db = str(folder / "corpus.db")
    corpus_jobs.reuse_corpus([str(EXAMPLES)], db=db)
    corpus_jobs.analyze_corpus(db)
    app = create_app(ServerSettings(db=db, analysis_timeout_s=20.0))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2")
        return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = _schema()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call()
    if response.status_code == 503:
        # 503 is the documented answer to an analysis over the time limit; anything else
        # in the 5xx range is a bug.
        assert response.json()["error"]["code"] in ("timeout", "store_error"), response.text
        return
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500
