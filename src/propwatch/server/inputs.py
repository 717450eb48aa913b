"""Turn an analyze/report request into an article: JSON ``{"text", ...}`` or a multipart
upload (field ``file``: .txt, .html, .jsonl or .csv), read entirely in memory.

Uploads go through the same readers as ``propwatch analyze`` (ingest), fed with the bytes
received: the file name a client sends is used only for its suffix, the article id and the
messages; it never names a file on this machine. Multipart parts are held in memory, never
spooled to a temporary file. One rule for text everywhere: a record or field holding a lone
surrogate is refused (ingest's ``lone_surrogate``, also used by ``models``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Callable

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ..config import Settings
from ..doc import Article
from ..errors import InputError
from ..ingest import article_from_text, article_too_long, normalise_published
from ..ingest import read_bytes as read_input_bytes
from .models import AnalyzeRequest
from .problems import ApiError, validation_error

ArticleJob = Callable[[], "Upload"]
_METADATA = ("title", "outlet", "published", "url", "canonical_url", "id")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Upload:
    """The article to analyse and how many records the input held (JSONL/CSV: the first is
    analysed)."""

    article: Article
    records: int = 1
    warnings: tuple[str, ...] = ()


class _InMemoryParser(MultiPartParser):
    spool_max_size = 0  # SpooledTemporaryFile(max_size=0) never rolls over to a disk file


async def read_request(request: Request, settings: Settings) -> ArticleJob:
    """Validate the request now; return the (slower) reading as a job for the worker thread."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return await _from_json(request, settings)
    if content_type == "multipart/form-data":
        return await _from_form(request, settings)
    raise ApiError(415, "unsupported_media_type",
                   f"cannot read a '{content_type or 'missing'}' body; send JSON "
                   "{\"text\": \"...\"} (Content-Type: application/json) or a multipart form "
                   "with a 'file' field (.txt, .html, .jsonl, .csv)", field="body")


async def _from_json(request: Request, settings: Settings) -> ArticleJob:
    raw = await request.body()
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise ApiError(422, "validation_error", "field 'body': is not UTF-8 JSON",
                       field="body") from None
    except json.JSONDecodeError as exc:
        raise ApiError(422, "validation_error",
                       f"field 'body': is not valid JSON ({exc.msg}: line {exc.lineno} "
                       f"column {exc.colno})", field="body") from None
    try:
        given = AnalyzeRequest.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc.errors()) from None
    if len(given.text) > settings.max_article_chars:  # the limit every file and record has
        raise ApiError(422, "invalid_input", str(article_too_long(
            "body", len(given.text), settings.max_article_chars, where="field 'text'")),
            field="text")

    def job() -> Upload:
        try:
            article = article_from_text(given.text, id=given.id or "text", title=given.title,
                                        outlet=given.outlet, url=given.url,
                                        canonical_url=given.canonical_url,
                                        published=given.published)
        except InputError as exc:  # E109: a published value that is no date
            raise ApiError(422, "invalid_input", str(exc), field="published") from None
        return Upload(article)

    return job


def _safe_name(filename: str | None) -> str:
    """The last component of a client's file name, without control characters, for messages
    and ids only."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = _UNSAFE_NAME.sub("", name).strip()[:200]
    return name or "upload.txt"


async def _from_form(request: Request, settings: Settings) -> ArticleJob:
    parser = _InMemoryParser(request.headers, request.stream(), max_files=1, max_fields=10,
                             max_part_size=settings.max_bytes)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ApiError(422, "validation_error", f"field 'file': {exc.message.rstrip('.')}",
                       field="file") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "validation_error",
                           "field 'file': is required (a multipart form needs a 'file' part "
                           "with a file name; or send JSON with a 'text' field)", field="file")
        data = await upload.read()
        name = _safe_name(upload.filename)
        given = {key: value.strip() for key in _METADATA
                 if isinstance(value := form.get(key), str) and value.strip()}
    finally:
        await form.close()
    if "published" in given and normalise_published(given["published"]) is None:
        raise ApiError(422, "invalid_input",
                       f"field 'published': unknown date '{given['published']}'. Use an ISO "
                       "8601 date or date and time such as 2020-01-28 or "
                       "2020-01-28T14:05:00+02:00.", field="published")

    def job() -> Upload:
        try:
            articles, warnings = read_bytes(data, name=name, settings=settings)
        except InputError as exc:
            raise ApiError(422, "invalid_input", str(exc), field="file") from None
        article = articles[0]  # ingest skipped bad records (E112, E113) and named them
        if given:
            published = given.get("published")
            article = replace(article, **{k: v for k, v in given.items() if k != "published"},
                              **({"published": normalise_published(published)} if published
                                 else {}))
        return Upload(article, records=len(articles), warnings=tuple(warnings))

    return job


def read_bytes(data: bytes, *, name: str, settings: Settings) -> tuple[list[Article], list[str]]:
    """The articles in an uploaded file's bytes, read as ``propwatch analyze`` reads a file of
    that name, after the upload size limit."""
    if len(data) > settings.max_bytes:
        raise InputError.make("E104", path=name, size=len(data), limit=settings.max_bytes)
    if not data:
        raise InputError.make("E102", path=name)
    return read_input_bytes(data, name=name, settings=settings)
