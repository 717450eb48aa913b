"""The command line through Typer's CliRunner: formats, outputs, exit codes, bad input."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from propwatch import __version__
from propwatch.cli import app
from propwatch.techniques import LABELS

from ..conftest import EXAMPLES

runner = CliRunner()
HARBOR = str(EXAMPLES / "harbor-daily-2023-05-04-grain-blockade.txt")


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_version_and_help():
    assert run("--version").output.strip() == f"propwatch {__version__}"
    result = run("--help")
    assert result.exit_code == 0
    assert "Examples" in result.output and "analyze" in result.output


def test_techniques_lists_all_fourteen():
    result = runner.invoke(app, ["techniques"], terminal_width=200)
    assert result.exit_code == 0
    for label in LABELS:
        assert label in result.output


def test_analyze_text_shows_highlights_and_legend():
    result = run("analyze", HARBOR)
    assert result.exit_code == 0, result.output
    assert "Harbor Daily" in result.stdout
    assert "[1]" in result.stdout


def test_analyze_jsonl_fields_and_offsets():
    result = run("analyze", str(EXAMPLES), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    for record in records:
        assert {"id", "source", "title", "outlet", "published", "spans"} <= set(record)
        text = Path(record["source"]).read_text(encoding="utf-8")
        for span in record["spans"]:
            assert set(span) >= {"start", "end", "technique", "score", "text"}
            assert text[span["start"]:span["end"]] == span["text"]
            assert span["technique"] in LABELS


def test_analyze_json_single_object_round_trips(tmp_path: Path):
    from propwatch.doc import Analysis

    out = tmp_path / "a.json"
    result = run("analyze", HARBOR, "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    analysis = Analysis.from_json(out.read_text(encoding="utf-8"))
    assert analysis.article.title.startswith("Foreign saboteurs")


def test_analyze_semeval_rows(tmp_path: Path):
    article = tmp_path / "article123456.txt"
    article.write_text("Title\n\nThese evil traitors hate our great nation and lie every day!\n",
                       encoding="utf-8")
    result = run("analyze", str(article), "--format", "semeval")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows, "expected at least one span"
    for article_id, technique, start, end in rows:
        assert article_id == "123456"
        assert technique in LABELS
        assert int(start) < int(end)


def test_analyze_html_folder_has_index_and_pages(tmp_path: Path):
    out = tmp_path / "report"
    result = run("analyze", str(EXAMPLES), "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    pages = sorted(p.name for p in out.glob("*.html"))
    assert "index.html" in pages and len(pages) == 3
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Harbor Daily" in index or "harbor" in index


def test_analyze_html_single_file(tmp_path: Path):
    out = tmp_path / "one.html"
    result = run("analyze", HARBOR, "--format", "html", "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    assert "http://" not in page.replace("http://www.w3.org", "") or "cdn" not in page.lower()


def test_stdin_is_read_with_dash():
    result = run("analyze", "-", "--format", "jsonl",
                 input="These treacherous liars want to destroy everything we love!\n")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["source"] == "-"


def test_batch_with_bad_inputs_writes_the_rest_and_exits_1(tmp_path: Path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x00\x01\x02\x03" * 100)
    out = tmp_path / "out.jsonl"
    result = run("analyze", HARBOR, str(empty), str(binary), str(tmp_path / "nope.txt"),
                 "--format", "jsonl", "--out", str(out))
    assert result.exit_code == 1
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    for code, name in (("E102", "empty.txt"), ("E103", "image.txt"), ("E101", "nope.txt")):
        line = next(l for l in result.stderr.splitlines() if code in l)
        assert name in line
    assert "3 of 4 inputs could not be analysed" in result.stderr
    assert "Traceback" not in result.output


def test_analyze_writes_every_good_record_of_a_file_with_a_bad_one(tmp_path: Path):
    lines = [json.dumps({"id": f"r{i}", "text": f"Article {i}: these evil traitors lie."})
             for i in range(1000)]
    lines.insert(750, '{"id": "s", "text": "Broken \\ud800 text"}')  # line 751
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.json"
    result = run("analyze", str(feed), "--detector", "baseline", "--format", "json",
                 "--out", str(out))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert [d["id"] for d in json.loads(out.read_text("utf-8"))] == [
        f"r{i}" for i in range(1000)]
    line = next(l for l in result.stderr.splitlines() if "E112" in l)
    assert line.startswith(f"error: E112: '{feed}' line 751: 'text' holds a lone surrogate")
    assert "analysed 1000 articles, skipped 1 bad records" in result.stderr


def fail_after(calls: int, function):
    """``function`` that raises a disk-full OSError once it has been called ``calls`` times."""
    done = []

    def failing(*args, **kwargs):
        if len(done) >= calls:
            raise OSError(28, "No space left on device")
        done.append(1)
        return function(*args, **kwargs)
    return failing


@pytest.mark.parametrize("format, target, calls, out_name", [
    ("text", "render_terminal", 1, "out.txt"), ("json", "to_dict", 1, "out.json"),
    ("jsonl", "jsonl_record", 1, "out.jsonl"), ("semeval", "semeval_lines", 1, "out.tsv"),
    ("html", "render_index", 0, "report"),  # after both pages were written
])
def test_a_failed_write_leaves_the_previous_out_whole(tmp_path: Path, monkeypatch, format,
                                                       target, calls, out_name):
    from propwatch.doc import Document
    from propwatch.render import report

    out = tmp_path / out_name
    previous = out / "index.html" if format == "html" else out
    previous.parent.mkdir(exist_ok=True)
    previous.write_text("good results of an earlier run\n", encoding="utf-8")
    owner = Document if target == "to_dict" else report
    monkeypatch.setattr(owner, target, fail_after(calls, getattr(owner, target)))
    result = run("analyze", str(EXAMPLES), "--detector", "baseline", "--format", format,
                 "--out", str(out))
    assert result.exit_code == 2 and "E403" in result.stderr, result.output
    assert previous.read_text(encoding="utf-8") == "good results of an earlier run\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        [out_name, "index.html"] if format == "html" else [out_name])  # no temporary left


def test_a_run_that_analyses_nothing_leaves_out_alone(tmp_path: Path):
    out = tmp_path / "out.json"
    out.write_text("[]\n", encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x \\ud800"}\n', encoding="utf-8")
    result = run("analyze", str(bad), "-d", "baseline", "--format", "json", "--out", str(out))
    assert result.exit_code == 1 and "E108" in result.stderr and "wrote nothing" in result.stderr
    assert out.read_text(encoding="utf-8") == "[]\n"


def test_size_limit_is_configurable(tmp_path: Path):
    result = run("analyze", HARBOR, "--max-bytes", "100", "--format", "jsonl")
    assert result.exit_code == 1
    assert "E104" in result.stderr and "--max-bytes" in result.stderr


def test_usage_errors_exit_2():
    assert run("analyze", HARBOR, "--format", "pdf").exit_code == 2
    assert run("analyze").exit_code == 2
    result = run("analyze", HARBOR, "--detector", "nope")
    assert result.exit_code == 2 and "E201" in result.stderr
    result = run("analyze", HARBOR, "--threshold", "7")
    assert result.exit_code == 2 and "E402" in result.stderr


def test_evaluate_without_data_names_the_fix(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("PROPWATCH_DATA", raising=False)
    result = run("evaluate", "--data", str(tmp_path))
    assert result.exit_code == 2
    assert "E301" in result.stderr and "PROPWATCH_DATA" in result.stderr


def test_classify_fills_a_template(tmp_path: Path):
    folder = tmp_path / "articles"
    folder.mkdir()
    text = "Title\n\nThe radical mob lies again. Stop the steal! Stop the steal!\n"
    (folder / "article42.txt").write_text(text, encoding="utf-8")
    start = text.index("radical mob")
    slogan = text.index("Stop the steal")
    template = tmp_path / "template.tsv"
    template.write_text(f"42\t?\t{start}\t{start + 11}\n42\t?\t{slogan}\t{slogan + 14}\n"
                        f"42\t?\t{slogan}\t{slogan + 14}\n")
    out = tmp_path / "pred.tsv"
    result = run("classify", str(folder), "--spans", str(template), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in out.read_text().splitlines()]
    assert [r[0] for r in rows] == ["42", "42", "42"]
    assert all(r[1] in LABELS for r in rows)
    assert rows[1][1] != rows[2][1], "a span given twice gets two different techniques"
    assert [(r[2], r[3]) for r in rows] == [(str(start), str(start + 11)),
                                           (str(slogan), str(slogan + 14))] * 1 + [(str(slogan), str(slogan + 14))]


def test_classify_reports_a_missing_article(tmp_path: Path):
    template = tmp_path / "t.tsv"
    template.write_text("999\t?\t0\t5\n")
    result = run("classify", str(tmp_path), "--spans", str(template), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1 and "article999.txt" in result.stderr


def test_malformed_template_line_is_named(tmp_path: Path):
    template = tmp_path / "t.tsv"
    template.write_text("42\t?\tzero\t5\n")
    result = run("classify", str(tmp_path), "--spans", str(template), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1 and "E302" in result.stderr and "line 1" in result.stderr


def test_analyze_with_attributions_writes_the_layer_and_its_profile(tmp_path: Path):
    out = tmp_path / "a.json"
    result = run("analyze", HARBOR, "--with", "attributions", "--without", "techniques",
                 "-f", "json", "--out", str(out))
    assert result.exit_code == 0, result.output
    layer = json.loads(out.read_text(encoding="utf-8"))["layers"]["attributions"]
    assert layer["component"] == "attributions.v1" and layer["items"]
    assert "anonymous_share" in layer["summary"]
    text = json.loads(out.read_text(encoding="utf-8"))["text"]
    for item in layer["items"]:
        for role in ("source", "cue", "content"):
            assert all(text[f["start"]:f["end"]] == f["text"] for f in item[role])


def test_evaluate_attributions_on_the_marked_gold():
    from ..conftest import FIXTURES

    result = run("evaluate", "attributions", "--gold",
                 str(FIXTURES / "attributions" / "gold.txt"), "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["articles"] >= 30 and figures["attributions"][0]["f1"] > 0.6
    assert run("evaluate", "nonsense").exit_code == 2
