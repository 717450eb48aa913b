"""``propwatch kb``: knowledge bases of known claims in the corpus database: import them from
their published formats, list, show, search, count, export and delete them.

Exit codes as in ``propwatch``: 0 success; 1 bad input (bad records are skipped and counted;
a file that cannot be read stops the import, which then changes nothing) or a database that
cannot be used; 2 usage error. Errors are one line each on stderr.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from ..errors import PropwatchError, StoreError, UsageError
from ..kb.claims import KnownClaim
from ..kb.readers import KB_FORMATS, SkippedClaim, read_kb, write_claims
from ..store import Store
from .common import err, fail, replaced_at_end
from .corpus import DEFAULT_DB

kb_app = typer.Typer(
    help="Knowledge bases of known claims (fact-checks, catalogued disinformation) in the "
         "corpus database: import, list, show, search, count, export, delete.\n\n"
         "Examples:\n\n"
         "  propwatch kb import euvsdisinfo ../shared/data/euvsdisinfo/cases.jsonl --db news.db\n\n"
         "  propwatch kb import jsonl our-checks.jsonl --kb newsroom --db news.db\n\n"
         "  propwatch kb show euvsdisinfo --search 'white helmets' --db news.db\n\n"
         "  propwatch kb export newsroom --format csv --out newsroom.csv --db news.db",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _db_option() -> Any:
    return typer.Option(DEFAULT_DB, "--db", envvar="PROPWATCH_DB", show_default=False,
                        help="Corpus database file (default: $PROPWATCH_DB or propwatch.db).")


def _json_option(what: str = "a JSON object") -> Any:
    return typer.Option(False, "--json", help=f"Print {what}.")


def _open(db: str, *, create: bool) -> Store:
    """The store at ``db``; without ``create`` a missing file is an error (E625), never made."""
    if not create and not Path(db).exists():
        fail(StoreError.make("E625", path=db))
    try:
        return Store(db, create=create)
    except PropwatchError as exc:
        fail(exc)


def _stdout() -> Console:
    return Console(highlight=False)


def _short(text: str | None, width: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[:width - 1] + "…"


_FILES = typer.Argument(..., metavar="FILE...", help="Files of that format (.gz too).")
_OUT = typer.Option(None, "--out", "-o", help="Output file (default: stdout).")


@kb_app.command("import")
def import_(
    fmt: str = typer.Argument(..., metavar="FORMAT", help=f"One of: {', '.join(KB_FORMATS)}."),
    files: list[Path] = _FILES,
    kb: str | None = typer.Option(None, "--kb", help="Knowledge base name (default: the format, or for jsonl/csv the first file's name)."),
    db: str = _db_option(),
    append: bool = typer.Option(False, "--append", help="Add to the knowledge base: keep its claims that these files do not hold (default: the base becomes exactly what the files hold)."),
    vectors: bool = typer.Option(True, "--vectors/--no-vectors", help="Encode the new and changed claims for matching now (default), or later at the first match."),
    as_json: bool = _json_option(),
) -> None:
    """Import known claims into a knowledge base. Importing the same files again changes
    nothing; an import that adds, changes or removes a claim makes a new version. A bad
    record is named, skipped and counted; a file that cannot be read stops the import."""
    name = fmt.strip().lower()
    if name not in KB_FORMATS:
        fail(UsageError.make("E410", name=fmt, choices=", ".join(KB_FORMATS)))
    if kb is None:
        kb = name if name in ("euvsdisinfo", "checkthat") else files[0].name.split(".")[0]
    skipped = warned = 0

    def note(message: str) -> None:
        nonlocal skipped, warned
        if isinstance(message, SkippedClaim):
            skipped += 1
            err.print(f"error: {message}", markup=False)
        else:
            warned += 1
            err.print(f"warning: {message}", markup=False)

    def claims() -> Any:
        for path in files:
            yield from read_kb(name, path, on_note=note)

    started = time.monotonic()
    with _open(db, create=True) as store:
        try:
            result = store.import_claims(kb, claims(), source=[str(f) for f in files],
                                         format=name, replace=not append)
        except PropwatchError as exc:
            err.print(f"nothing imported into '{kb}'.", markup=False)
            fail(exc)
        encoded = 0
        if vectors:
            from ..kb.encoder import SentenceEncoder
            from ..kb.loading import ensure_vectors

            try:
                encoded = ensure_vectors(store, kb, SentenceEncoder())
            except PropwatchError as exc:
                fail(exc)
    seconds = round(time.monotonic() - started, 2)
    if as_json:
        typer.echo(json.dumps({**result.to_dict(), "encoded": encoded, "skipped": skipped,
                               "warnings": warned,
                               "seconds": seconds, "files": [str(f) for f in files]},
                              ensure_ascii=False, indent=2))
    else:
        change = (f"version {result.version}" if result.new_version
                  else f"unchanged, still version {result.version}")
        typer.echo(f"'{kb}': {result.claims} claims ({change}): added {result.added}, "
                   f"changed {result.changed}, unchanged {result.unchanged}, removed "
                   f"{result.removed}" + (f", skipped {skipped} bad records" if skipped else "")
                   + (f"; encoded {encoded} for matching" if encoded else "")
                   + f"; {len(files)} file{'s' if len(files) != 1 else ''} in {seconds} s")
    for claim_id in result.duplicates[:10]:
        err.print(f"warning: id '{claim_id}' is given twice with different content; kept the "
                  "first.", markup=False)
    if len(result.duplicates) > 10:
        err.print(f"warning: {len(result.duplicates)} ids in all are given twice.", markup=False)
    if skipped:
        raise typer.Exit(1)


@kb_app.command("list")
def list_(
    db: str = _db_option(),
    as_json: bool = _json_option("a JSON array"),
) -> None:
    """List the knowledge bases: name, version, claims, format, last change, source files."""
    with _open(db, create=False) as store:
        try:
            rows = store.knowledge_bases()
        except PropwatchError as exc:
            fail(exc)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        err.print("no knowledge bases: import one with 'propwatch kb import'.")
        return
    table = Table()
    table.add_column("name", no_wrap=True)
    for column in ("version", "claims"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("format", no_wrap=True)
    table.add_column("updated (UTC)", no_wrap=True)
    table.add_column("sources")
    for row in rows:
        table.add_row(row["name"], str(row["version"]), str(row["claims"]), row["format"] or "",
                      row["updated_at"].replace("T", " ")[:19], ", ".join(row["sources"]))
    _stdout().print(table)


def _claim_table(claims: list[KnownClaim], scores: list[float] | None = None) -> Table:
    table = Table()
    # Ids stay whole on one line: 'kb show NAME --id ID' needs them as they are.
    table.add_column("id", no_wrap=True, min_width=max((len(c.id) for c in claims), default=2))
    if scores is not None:
        table.add_column("score", justify="right", no_wrap=True)
    table.add_column("claim")
    table.add_column("date", no_wrap=True, min_width=10)
    table.add_column("verdict")
    for i, claim in enumerate(claims):
        cells = [claim.id] + ([f"{scores[i]:.2f}"] if scores is not None else [])
        table.add_row(*cells, _short(claim.claim, 90), claim.date or "",
                      _short(claim.verdict, 30))
    return table


@kb_app.command()
def show(
    name: str = typer.Argument(..., metavar="NAME", help="The knowledge base."),
    search: str | None = typer.Option(None, "--search", help="Claims holding every word (in the claim, title, summary or tags), best first; 'word*' for a prefix."),
    claim_id: str | None = typer.Option(None, "--id", help="Show this one claim in full."),
    limit: int = typer.Option(10, "--limit", min=0, help="At most this many claims."),
    db: str = _db_option(),
    as_json: bool = _json_option(),
) -> None:
    """Show a knowledge base (its versions, stored vectors and first claims), search its
    claims, or show one claim in full."""
    with _open(db, create=False) as store:
        try:
            info = store.knowledge_base(name)
            if info is None:
                fail(StoreError.make("E620", name=name, path=db))
            if claim_id is not None:
                claim = store.claim(name, claim_id)
                if claim is None:
                    fail(StoreError.make("E624", id=claim_id, name=name))
                _show_claim(claim, as_json)
                return
            if search is not None:
                found = store.search_claims(name, search, limit=limit)
            else:
                claims = store.claims(name)
                first = [claim for _, claim in zip(range(limit), claims)]
        except PropwatchError as exc:
            fail(exc)
    if search is not None:
        if as_json:
            typer.echo(json.dumps([{**c.to_json(), "score": round(s, 4)} for c, s in found],
                                  ensure_ascii=False, indent=2))
        elif not found:
            err.print("no claims match.")
        else:
            _stdout().print(_claim_table([c for c, _ in found], [s for _, s in found]))
        return
    if as_json:
        typer.echo(json.dumps({**info, "first_claims": [c.to_json() for c in first]},
                              ensure_ascii=False, indent=2))
        return
    out = _stdout()
    out.print(f"[bold]{info['name']}[/]  version {info['version']}, {info['claims']} claims"
              + (f" ({info['format']})" if info["format"] else ""), markup=True)
    out.print(f"  created {info['created_at']}, updated {info['updated_at']}", markup=False)
    for encoder, figures in info["vectors"].items():
        out.print(f"  vectors {encoder}: {figures['claims']} claims, {figures['dim']} dimensions",
                  markup=False)
    table = Table(title="versions")
    for column in ("version", "imported (UTC)", "claims", "added", "changed", "removed"):
        table.add_column(column, justify="right" if column != "imported (UTC)" else "left",
                         no_wrap=True)
    table.add_column("sources")
    for v in info["versions"]:
        table.add_row(str(v["version"]), v["imported_at"].replace("T", " ")[:19],
                      str(v["claims"]), str(v["added"]), str(v["changed"]), str(v["removed"]),
                      ", ".join(v["sources"]))
    out.print(table)
    if first:
        table = _claim_table(first)
        table.title = f"first {len(first)} claims"
        out.print(table)


def _show_claim(claim: KnownClaim, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(claim.to_json(), ensure_ascii=False, indent=2))
        return
    out = _stdout()
    out.print(f"[bold]{claim.id}[/]", markup=True)
    out.print(f"  claim: {claim.claim}", markup=False)
    for key in ("title", "verdict", "summary", "date", "language", "url"):
        value = getattr(claim, key)
        if value:
            out.print(f"  {key}: {value}", markup=False)
    for key in ("tags", "outlets"):
        values = getattr(claim, key)
        if values:
            out.print(f"  {key}: {'; '.join(values)}", markup=False)


@kb_app.command()
def stats(
    name: str = typer.Argument(..., metavar="NAME", help="The knowledge base."),
    top: int = typer.Option(10, "--top", min=1, help="Show this many tags and outlets."),
    db: str = _db_option(),
    as_json: bool = _json_option(),
) -> None:
    """Knowledge-base figures: claims, languages, date range, top tags and outlets."""
    with _open(db, create=False) as store:
        try:
            figures = store.kb_stats(name, top=top)
        except PropwatchError as exc:
            fail(exc)
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    out = _stdout()
    n = figures["claims"]
    out.print(f"{figures['name']}: {n} claims, version {figures['version']}", markup=False)
    dates = figures["dates"]
    if dates["first"]:
        out.print(f"dated {dates['first']} to {dates['last']}"
                  + (f" ({dates['undated']} undated)" if dates["undated"] else ""), markup=False)
    out.print(f"with a verdict {figures['with_verdict']}, a URL {figures['with_url']}, a summary "
              f"{figures['with_summary']}, tags {figures['tagged_claims']} "
              f"({figures['distinct_tags']} distinct tags)", markup=False)
    out.print("languages: " + ", ".join(f"{lang or '(none)'} {count}"
                                        for lang, count in figures["languages"].items()),
              markup=False)
    sections = [("tags", "tag", figures["tags"])]
    sections += [(f"tags {prefix}:...", prefix, counts)
                 for prefix, counts in figures["tag_groups"].items()]
    sections.append(("outlets", "outlet", figures["outlets"]))
    for title, column, counts in sections:
        if counts:
            table = Table(column, "claims", title=title)
            for label, count in counts.items():
                table.add_row(label, str(count))
            out.print(table)
    for encoder, figures_ in figures["vectors"].items():
        out.print(f"vectors {encoder}: {figures_['claims']} claims, {figures_['dim']} "
                  "dimensions", markup=False)


@kb_app.command()
def export(
    name: str = typer.Argument(..., metavar="NAME", help="The knowledge base."),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl or csv: the generic format that 'kb import jsonl|csv' reads back."),
    out: Path | None = _OUT,
    db: str = _db_option(),
) -> None:
    """Export a knowledge base's claims in the generic format (JSON lines or CSV)."""
    if fmt not in ("jsonl", "csv"):
        fail(UsageError.make("E402", value=fmt, option="--format", reason="use jsonl or csv"))
    with _open(db, create=False) as store:
        try:
            claims = store.claims(name)
            if out is None:
                write_claims(claims, sys.stdout, fmt)
                return
            try:
                with replaced_at_end(out) as temp, open(temp, "w", encoding="utf-8",
                                                        newline="") as handle:
                    written = write_claims(claims, handle, fmt)
            except OSError as exc:
                fail(UsageError.make("E403", path=out, reason=exc.strerror or str(exc)))
        except PropwatchError as exc:
            fail(exc)
    err.print(f"wrote {written} claims to {out}", markup=False)


@kb_app.command()
def delete(
    name: str = typer.Argument(..., metavar="NAME", help="The knowledge base."),
    db: str = _db_option(),
) -> None:
    """Delete a knowledge base with its claims, versions and vectors."""
    with _open(db, create=False) as store:
        try:
            removed = store.delete_kb(name)
        except PropwatchError as exc:
            fail(exc)
    typer.echo(f"deleted knowledge base '{name}' ({removed} claims)")
