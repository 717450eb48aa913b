"""Long texts (``propwatch benchmark long-text``): is analysis time linear in an article's
length, and its peak memory bounded, whatever the article's size?

Long articles are built by joining PTC articles (from ``PROPWATCH_DATA``; the bundled
examples when the data is absent) up to each size. Every size is analysed in a fresh child
process (its peak RSS is the job's alone) the way ``propwatch analyze FILE`` reads it, and its
characters per second are compared with the rate on normal-size PTC articles measured in the
same run."""

from __future__ import annotations

import multiprocessing
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from .detect import peak_rss_mb

Log = Callable[[str], None]
REPO_EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


def parse_sizes(sizes: str) -> list[int]:
    """'100k,1m,8m' -> [100000, 1000000, 8000000] (characters)."""
    out = []
    for part in sizes.split(","):
        if not part.strip():
            continue
        match = _SIZE.match(part)
        if not match:
            raise ValueError(f"not a size: {part!r} (use numbers such as 100k, 1m, 8m)")
        number, unit = float(match.group(1)), match.group(2).lower()
        out.append(int(number * {"": 1, "k": 1_000, "m": 1_000_000}[unit]))
    return out


def source_articles(data: str | None) -> tuple[list[Path], str]:
    """The normal-size articles long ones are built from: PTC dev and train under ``data``,
    else the repository's examples. Also names where they came from."""
    if data:
        ptc = Path(data) / "ptc"
        found = sorted((ptc / "dev-articles").glob("*.txt")) + sorted(
            (ptc / "train-articles").glob("*.txt"))
        if found:
            return found, "ptc"
    return sorted(REPO_EXAMPLES.glob("*.txt")), "examples"


def build_text(paths: Sequence[Path], size: int) -> str:
    """``size`` characters of the given articles, one after another (repeated if needed)."""
    parts, total = [], 0
    while total < size:
        for path in paths:
            text = path.read_text(encoding="utf-8").strip("\n") + "\n\n"
            parts.append(text)
            total += len(text)
            if total >= size:
                break
    return "".join(parts)[:size]


def _analyse_in_child(paths: list[str], components: tuple[str, ...] | None,
                      data: str | None) -> dict:
    """Run in a fresh process: load the pipeline, warm it on a short article, then analyse
    each file as ``propwatch analyze`` reads it; seconds spent, characters and peak RSS."""
    from ..config import load_settings
    from ..pipeline import Pipeline, analyze, iter_analyses

    settings = load_settings({"data": data} if data else None)
    settings = replace(settings, max_bytes=10 ** 9, max_article_chars=10 ** 9,
                       **({"components": components} if components else {}))
    pipeline = Pipeline.from_settings(settings)
    analyze("A warm-up.\n\nThey lie, they always lie, the traitors.", pipeline=pipeline)
    loaded_mb = peak_rss_mb()
    characters = spans = 0
    began = time.perf_counter()
    # what 'propwatch analyze FILE' runs: read each file, every article through the pipeline
    for path, result, _warnings in iter_analyses(paths, settings=settings, pipeline=pipeline):
        if not isinstance(result, list):
            raise RuntimeError(f"could not analyse {path}: {result}")  # noqa: TRY004
        for doc in result:
            characters += len(doc.article.text)
            techniques = doc.layer("techniques")
            spans += len(techniques.items) if techniques is not None else 0
    seconds = time.perf_counter() - began
    return {"characters": characters, "seconds": seconds, "spans": spans,
            "loaded_rss_mb": round(loaded_mb, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
            "components": list(pipeline.names)}


def _in_fresh_process(paths: list[str], components, data) -> dict:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as child:
        return child.submit(_analyse_in_child, paths, components, data).result()


def long_text_benchmark(sizes: Sequence[int], *, data: str | None = None,
                        components: Sequence[str] | None = None, normal: int = 75,
                        work_dir: Path | None = None, log: Log = lambda _: None) -> dict:
    """Characters per second and peak RSS of one article of each size, each in a fresh
    process, beside the rate on ``normal`` normal-size articles; ``slowdown`` is the normal
    rate over the long article's (the bar: at most 1.3)."""
    paths, origin = source_articles(data)
    if not paths:
        raise RuntimeError("no articles to build long texts from: set PROPWATCH_DATA or --data")
    components = tuple(components) if components else None
    work = Path(work_dir or tempfile.mkdtemp(prefix="propwatch-longtext-"))
    work.mkdir(parents=True, exist_ok=True)
    normal_paths = [str(p) for p in paths[:normal]]
    base = _in_fresh_process(normal_paths, components, data)
    normal_rate = base["characters"] / base["seconds"]
    log(f"{len(normal_paths)} normal {origin} articles: {base['characters']} characters in "
        f"{base['seconds']:.1f} s, {normal_rate:,.0f} chars/s, peak {base['peak_rss_mb']} MB")
    rows = []
    for size in sizes:
        path = work / f"long-{size}.txt"
        path.write_text(build_text(paths, size), encoding="utf-8")
        found = _in_fresh_process([str(path)], components, data)
        rate = found["characters"] / found["seconds"]
        row = {"size": size, "characters": found["characters"],
               "seconds": round(found["seconds"], 1), "chars_per_s": round(rate),
               "slowdown": round(normal_rate / rate, 3), "peak_rss_mb": found["peak_rss_mb"],
               "loaded_rss_mb": found["loaded_rss_mb"], "spans": found["spans"]}
        log(f"{size:,} characters: {row['seconds']} s, {row['chars_per_s']:,} chars/s "
            f"(slowdown {row['slowdown']}), peak {row['peak_rss_mb']} MB")
        rows.append(row)
        if work_dir is None:
            path.unlink()
    return {"source": origin, "components": base["components"],
            "normal": {"articles": len(normal_paths), "characters": base["characters"],
                       "seconds": round(base["seconds"], 1), "chars_per_s": round(normal_rate),
                       "peak_rss_mb": base["peak_rss_mb"]},
            "sizes": rows}
