"""Fetching pages and feeds from http(s) URLs, with the limits a crawler of hostile sites needs.

Every hop (the URL and each redirect) is checked before it is asked for: http or https only,
and, unless ``FetchOptions.allow_private``, a host whose every address is public (no loopback,
private, link-local or reserved address, so a page cannot make propwatch read the machine's
own network). The address actually connected to is checked again before the body is read.
Bodies are streamed and cut at ``max_bytes``; each request has connect and read timeouts and
the whole fetch, redirects included, a deadline. Failures are ``InputError`` lines (E104,
E115-E119) that name the URL and the fix.

This module knows nothing of articles: ``propwatch.ingest.read_url`` turns a fetched page
into an ``Article`` with the same readers that files go through.
"""

from __future__ import annotations

import codecs
import hashlib
import ipaddress
import os
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..config import Settings
from ..errors import InputError

__all__ = [
    "USER_AGENT",
    "FetchOptions",
    "Fetched",
    "fetch",
    "is_url",
    "page_encoding",
    "url_article_id",
]


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("propwatch")
    except Exception:  # noqa: BLE001 - a source checkout without metadata still fetches
        return "dev"


USER_AGENT = f"propwatch/{_version()} (news analysis; +https://pypi.org/project/propwatch/)"
_SCHEMES = ("http", "https")
_URL_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_TRUE = ("1", "true", "yes", "on")
_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_FEED_HINT = "an RSS or Atom feed; add it with 'propwatch corpus add --feed URL'"
_PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.1"
_FEED_ACCEPT = ("application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,"
                "*/*;q=0.1")
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)",
                           re.IGNORECASE)
# What browsers read these labels as (WHATWG Encoding): a page that says latin-1 means cp1252.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
                    "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252"}


def is_url(value: str) -> bool:
    """True for an input written as a URL (``scheme://...``) rather than a file path."""
    return bool(_URL_LIKE.match(value.strip()))


def url_article_id(url: str) -> str:
    """A stable article id for a URL: its host and a hash of the URL without its fragment,
    ``example.com-3f2a9c1b0d4e``; the same URL always gives the same id, so a URL that is
    already stored can be skipped without fetching it."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "web").lower().removeprefix("www.")
    canonical = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/",
                            parts.query, ""))
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{re.sub(r'[^a-z0-9.-]+', '-', host)}-{digest}"


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """The limits of one fetch. ``deadline`` bounds the whole fetch (every redirect and the
    body); ``allow_private`` permits loopback, private and link-local addresses (tests, an
    intranet)."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 60.0
    max_bytes: int = 20_000_000
    max_redirects: int = 5
    allow_private: bool = False
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings: Settings, *, environ: Mapping[str, str] | None = None,
                      allow_private: bool | None = None, timeout: float | None = None
                      ) -> FetchOptions:
        """Options for ``settings`` (its ``max_bytes``): the environment's
        ``PROPWATCH_ALLOW_PRIVATE`` (1/true) and ``PROPWATCH_FETCH_TIMEOUT`` (seconds for
        the whole fetch), overridden by the arguments that are not None."""
        env = os.environ if environ is None else environ
        if allow_private is None:
            allow_private = env.get("PROPWATCH_ALLOW_PRIVATE", "").strip().lower() in _TRUE
        if timeout is None and env.get("PROPWATCH_FETCH_TIMEOUT", "").strip():
            try:
                timeout = float(env["PROPWATCH_FETCH_TIMEOUT"])
            except ValueError:
                timeout = None  # a bad value keeps the default rather than failing every URL
        options = cls(max_bytes=settings.max_bytes, allow_private=allow_private)
        return options.with_timeout(timeout) if timeout and timeout > 0 else options

    def with_timeout(self, seconds: float) -> FetchOptions:
        """These options with a deadline of ``seconds`` for a whole fetch (and no single wait
        longer than it)."""
        return replace(self, deadline=seconds, connect_timeout=min(self.connect_timeout, seconds),
                       read_timeout=min(self.read_timeout, seconds))


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched body: the URL asked for, the one that answered after redirects, the media
    type (``text/html``, lower case; '' when the server sent none) and charset as the
    server's header names them, and the bytes (at most ``max_bytes``)."""

    url: str
    final_url: str
    status: int
    media_type: str
    charset: str | None
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_html(self) -> bool:
        """True when the server calls the body an HTML page."""
        return self.media_type in _PAGE_TYPES


# ---------------------------------------------------------------------------------------
# which URLs may be fetched


def _refusal(address: str) -> str | None:
    """Why an IP address may not be fetched without ``allow_private``, or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is no part of it
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, what in (("is_loopback", "a loopback address"),
                       ("is_link_local", "a link-local address"),
                       ("is_unspecified", "an unspecified address"),
                       ("is_multicast", "a multicast address"),
                       ("is_private", "a private address"),
                       ("is_reserved", "a reserved address")):
        if getattr(ip, test):
            return what
    return None if ip.is_global else "not a public address"


def _addresses(host: str, port: int, url: str) -> list[str]:
    """Every address ``host`` resolves to; E115 when it resolves to none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError.make("E115", url=url, reason=f"the host '{host}' was not found "
                              f"({reason})", hint="Check the address.") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url(url: str, options: FetchOptions) -> None:
    """Raise E117 unless ``url`` is http(s) with a host and, without ``allow_private``,
    every address of that host is public."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise InputError.make("E117", url=url, reason=f"not a valid URL ({exc})",
                              hint="Check the address.") from None
    if parts.scheme.lower() not in _SCHEMES:
        raise InputError.make(
            "E117", url=url, reason=f"'{parts.scheme}:' URLs are not fetched",
            hint="Only http and https URLs are; save the document and give the file.")
    host = parts.hostname
    if not host:
        raise InputError.make("E117", url=url, reason="the URL names no host",
                              hint="Write it as http://host/path.")
    if options.allow_private:
        return
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = _addresses(host, port, url)
    for address in addresses:
        why = _refusal(address)
        if why:
            raise InputError.make(
                "E117", url=url, reason=f"'{host}' is {why}"
                + ("" if address == host else f" ({address})"),
                hint="Only public addresses are fetched; allow others with --allow-private "
                     "or PROPWATCH_ALLOW_PRIVATE=1 if you trust the site.")


def _check_peer(response: Any, url: str, options: FetchOptions) -> None:
    """Check the address the connection actually reached (a name may resolve differently on a
    second look: DNS rebinding)."""
    if options.allow_private:
        return
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if not peer:
        return
    why = _refusal(str(peer[0]))
    if why:
        raise InputError.make(
            "E117", url=url, reason=f"the server is at {why} ({peer[0]})",
            hint="Only public addresses are fetched; allow others with --allow-private "
                 "or PROPWATCH_ALLOW_PRIVATE=1 if you trust the site.")


# ---------------------------------------------------------------------------------------
# fetching


def _content_type(value: str) -> tuple[str, str | None]:
    """``(media type, charset)`` of a Content-Type header."""
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip().strip("\"'"):
            charset = val.strip().strip("\"'")
    return media.strip().lower(), charset


def _refuse_type(url: str, media_type: str, feed: bool) -> None:
    """E118 (pages) or E119 (feeds) for bodies that are neither text nor markup."""
    if not media_type or media_type.startswith("text/") or media_type in _PAGE_TYPES:
        return
    xml = media_type.endswith(("+xml", "/xml"))
    if feed:
        if xml:
            return
        raise InputError.make("E119", url=url, reason=f"the server sent {media_type}")
    if xml and ("rss" in media_type or "atom" in media_type):
        raise InputError.make("E118", url=url, kind=f"{media_type}: {_FEED_HINT}")
    if not xml:
        raise InputError.make("E118", url=url, kind=f"the server sent {media_type}")


def _timeout_error(url: str, options: FetchOptions, exc: Exception | None = None) -> InputError:
    """E115 for a site that is too slow: no connection, no answer, or a body past the deadline."""
    if exc is not None and "Connect" in type(exc).__name__:
        reason = f"no connection within {min(options.connect_timeout, options.deadline):g} s"
    elif exc is not None:
        reason = f"no answer within {min(options.read_timeout, options.deadline):g} s"
    else:
        reason = f"the page did not arrive within {options.deadline:g} s"
    return InputError.make(
        "E115", url=url, reason=reason,
        hint="The site is slow or down: try again later, or allow more time with --timeout "
             "or PROPWATCH_FETCH_TIMEOUT.")


def _read_body(response: Any, url: str, options: FetchOptions, deadline: float) -> bytes:
    """The body, streamed: E104 past ``max_bytes`` (read no further), E115 past the deadline."""
    length = response.headers.get("content-length", "").strip()
    if length.isdigit() and int(length) > options.max_bytes:
        raise InputError.make("E104", path=url, size=f"{int(length):,}",
                              limit=f"{options.max_bytes:,}")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > options.max_bytes:
            raise InputError.make("E104", path=url, size=f"more than {options.max_bytes:,}",
                                  limit=f"{options.max_bytes:,}")
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise _timeout_error(url, options)
    return b"".join(chunks)


def fetch(url: str, options: FetchOptions | None = None, *, feed: bool = False,
          client: Any = None) -> Fetched:
    """GET ``url`` within ``options``' limits, following at most ``max_redirects`` redirects
    (each hop checked by ``check_url``). ``feed`` asks for a feed and accepts XML bodies.

    Raises ``InputError``: E115 (no answer, a timeout, a redirect loop, too many redirects),
    E116 (an HTTP error status), E117 (a refused URL), E118/E119 (not a page/feed), E104
    (over ``max_bytes``).
    """
    import httpx  # imported here: only URLs need it

    options = options or FetchOptions()
    deadline = time.monotonic() + options.deadline
    headers = {"User-Agent": options.user_agent,
               "Accept": _FEED_ACCEPT if feed else _PAGE_ACCEPT,
               "Accept-Encoding": "gzip, deflate"}
    # No proxies from the environment: the addresses checked are the ones connected to.
    own = client is None
    session = client or httpx.Client(follow_redirects=False, trust_env=False)
    seen = {url}
    current = url
    try:
        for _hop in range(options.max_redirects + 1):
            check_url(current, options)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout_error(url, options)
            timeout = httpx.Timeout(connect=min(options.connect_timeout, remaining),
                                    read=min(options.read_timeout, remaining),
                                    write=min(options.read_timeout, remaining),
                                    pool=min(options.connect_timeout, remaining))
            try:
                with session.stream("GET", current, headers=headers, timeout=timeout,
                                    follow_redirects=False) as response:
                    _check_peer(response, current, options)
                    if response.has_redirect_location:
                        target = urljoin(current, response.headers["location"].strip())
                        if target in seen:
                            raise InputError.make(
                                "E115", url=url, reason=f"a redirect loop (back to {target})",
                                hint="The site is misconfigured; give the article's final URL.")
                        seen.add(target)
                        current = target
                        continue
                    if not 200 <= response.status_code < 300:
                        raise _status_error(url, response.status_code, response.reason_phrase)
                    media_type, charset = _content_type(response.headers.get("content-type", ""))
                    _refuse_type(url, media_type, feed)
                    body = _read_body(response, url, options, deadline)
                    return Fetched(url=url, final_url=str(response.url), status=response.status_code,
                                   media_type=media_type, charset=charset, body=body,
                                   headers=dict(response.headers))
            except httpx.TimeoutException as exc:
                raise _timeout_error(url, options, exc) from None
            except httpx.InvalidURL as exc:
                raise InputError.make("E117", url=current, reason=f"not a valid URL ({exc})",
                                      hint="Check the address.") from None
            except httpx.HTTPError as exc:
                raise InputError.make(
                    "E115", url=url, reason=_network_reason(exc),
                    hint="Check the address, or try again later.") from None
        raise InputError.make(
            "E115", url=url, reason=f"more than {options.max_redirects} redirects",
            hint="The site is misconfigured; give the article's final URL.")
    finally:
        if own:
            session.close()


def _network_reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    if "Connect" in type(exc).__name__:
        return f"no connection ({text})"
    return f"the connection failed ({type(exc).__name__}: {text})"


def _status_error(url: str, status: int, phrase: str) -> InputError:
    answer = f"{status} {phrase}".strip()
    if status in (404, 410):
        hint = "The page is gone or the URL is wrong; check it."
    elif status in (401, 403):
        hint = "The site refuses propwatch; save the page in a browser and give the file."
    elif status == 429 or status >= 500:
        hint = "The site is failing or busy; try again later."
    else:
        hint = "Check the URL."
    return InputError.make("E116", url=url, status=answer, hint=hint)


# ---------------------------------------------------------------------------------------
# decoding


def _codec(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when it names none."""
    if not label:
        return None
    name = _CHARSET_ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def page_encoding(page: Fetched) -> str | None:
    """The encoding to decode ``page.body`` with: UTF-8 when the bytes are valid UTF-8 (a
    page that says latin-1 but sends UTF-8 is read as UTF-8), else the charset the header or
    a ``<meta charset>`` names when the bytes decode with it, else None (let the reader
    guess, with a warning)."""
    body = page.body
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 with a byte order mark: the reader knows it
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(body[:4096])
    for label in (page.charset, match.group(1).decode("ascii", "replace") if match else None):
        codec = _codec(label)
        if codec is None or codec == "utf-8":
            continue
        try:
            body.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return None
