"""The long-text benchmark's pieces: sizes, articles built from shorter ones, one analysis."""

from __future__ import annotations

import pytest

from propwatch.bench.longtext import (_analyse_in_child, build_text, parse_sizes,
                                      source_articles)


def test_sizes_read_with_suffixes():
    assert parse_sizes("100k, 1m,8M,2500") == [100_000, 1_000_000, 8_000_000, 2500]
    assert parse_sizes("1.5m") == [1_500_000]
    with pytest.raises(ValueError):
        parse_sizes("lots")


def test_long_articles_are_built_to_size_from_normal_ones(tmp_path):
    paths, origin = source_articles(None)  # no data: the bundled examples
    assert origin == "examples" and paths
    text = build_text(paths, 25_000)
    assert len(text) == 25_000
    first = paths[0].read_text(encoding="utf-8").strip("\n")
    assert text.startswith(first) and text.count(first[:80]) >= 2  # repeated to reach size


def test_one_analysis_reports_time_characters_and_memory(tmp_path):
    path = tmp_path / "long.txt"
    paths, _ = source_articles(None)
    path.write_text(build_text(paths, 6_000), encoding="utf-8")
    found = _analyse_in_child([str(path)], ("techniques",), None)
    assert found["characters"] == 6_000 and found["seconds"] > 0
    assert found["peak_rss_mb"] >= found["loaded_rss_mb"] > 0
    assert found["components"] == ["techniques.v1"]
