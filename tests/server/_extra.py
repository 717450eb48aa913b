"""What the API tests need from the [server] extra: importing this skips the importing test
module, with the reason and the install command, when fastapi or python-multipart is missing;
``TestClient`` comes imported without starlette's warning about httpx2."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("fastapi", reason="the [server] extra (fastapi) is not installed: "
                                      "pip install 'propwatch[server]'")
pytest.importorskip("python_multipart", reason="the [server] extra (python-multipart) is not "
                                               "installed: pip install 'propwatch[server]'")

with warnings.catch_warnings():  # starlette prefers httpx2 for its TestClient
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

__all__ = ["TestClient"]
