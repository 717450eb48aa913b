"""Safe HTML building shared by every report page: escaping, safe links, JSON inside
<script>, templates from package data, a content-security policy pinned to the page's own
script, and safe unique file names. Standard library only."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any, Sequence
from urllib.parse import quote, urlsplit

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_JS_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def esc(value: object) -> str:
    """Escape text for HTML content or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def esc_text(text: str) -> str:
    """Escape article text; a literal CR would be folded into LF by the HTML parser."""
    return html.escape(text, quote=True).replace("\r", "&#13;")


def json_for_script(data: Any) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment inside it."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JS_UNSAFE[m.group()], raw)


def safe_href(url: str | None, *, web_only: bool) -> str | None:
    """``url`` escaped for an href, or None when its scheme could run code (javascript:...)."""
    if not url:
        return None
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    allowed = {"http", "https"} if web_only else {"", "http", "https", "file"}
    if scheme not in allowed or any(ord(c) < 32 for c in url):
        return None
    if not web_only:  # a relative path given by the caller: keep it readable but valid
        url = quote(url, safe="/#?&=%:@;+,.-_~!$'()*[]")
    return esc(url)


@lru_cache(maxsize=None)
def resource(name: str) -> str:
    text = resources.files("propwatch").joinpath("templates", name).read_text(encoding="utf-8")
    return text.replace("\r\n", "\n")


def script_hash(js: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode() + "'"


def page(template: str, *, js_names: Sequence[str], **values: str) -> str:
    """Fill a page template; inline the CSS and the scripts (in order, as one script); pin the
    script with a CSP hash."""
    js = "\n".join(resource(name) for name in js_names)
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {script_hash(js)}; base-uri 'none'; form-action 'none'"
    )
    page = Template(resource(template)).substitute(
        css=resource("report.css"), js=js, csp=esc(csp), **values
    )
    # lone surrogates cannot be written as UTF-8; one character for one keeps offsets aligned
    return _SURROGATE.sub("\ufffd", page)


_RESERVED = {"con", "prn", "aux", "nul", "index"} | {f"{p}{d}" for p in ("com", "lpt") for d in range(10)}


def _safe_stem(article_id: str) -> str:
    ascii_id = unicodedata.normalize("NFKD", article_id).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_id)
    stem = re.sub(r"-{2,}", "-", stem).strip(".-_")[:80].rstrip(".-_")
    return stem or "article"


def unique_names(ids: Sequence[str]) -> list[str]:
    """Safe, distinct (also case-insensitively) ``.html`` names, in the order of ``ids``."""
    used: set[str] = set()
    names = []
    for article_id in ids:
        stem = _safe_stem(article_id)
        candidate, n = stem, 1
        while candidate.lower() in used or candidate.lower() in _RESERVED:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate.lower())
        names.append(candidate + ".html")
    return names
