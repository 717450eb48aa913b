"""``propwatch roles``: the task format on our fixture, and one-line errors for bad input."""

from pathlib import Path

from typer.testing import CliRunner

from propwatch.cli import app

from ..conftest import FIXTURES

FOLDER = FIXTURES / "roles"
runner = CliRunner()


def test_roles_writes_one_row_per_mention_with_offsets_unchanged(tmp_path: Path):
    out = tmp_path / "pred.tsv"
    result = runner.invoke(app, ["roles", str(FOLDER / "articles"), "--mentions",
                                 str(FOLDER / "mentions.tsv"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    given = (FOLDER / "mentions.tsv").read_text("utf-8").splitlines()
    written = out.read_text("utf-8").splitlines()
    assert len(written) == len(given)
    for row, line in zip(written, given):
        assert row.split("\t")[:4] == line.split("\t")[:4]
        assert row.split("\t")[4] in ("Protagonist", "Antagonist", "Innocent")


def test_a_malformed_line_is_one_error_naming_file_and_line(tmp_path: Path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("EN_UA_000001.txt\tPutin\t90\t94\nEN_UA_000001.txt\tPutin\t90\n",
                   encoding="utf-8")
    result = runner.invoke(app, ["roles", str(FOLDER / "articles"), "--mentions", str(bad),
                                 "--out", str(tmp_path / "pred.tsv")])
    assert result.exit_code != 0
    assert "E302" in result.output and "line 2" in result.output and "bad.tsv" in result.output
    assert not (tmp_path / "pred.tsv").exists()


def test_an_unknown_article_is_named(tmp_path: Path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("EN_XX.txt\tPutin\t0\t4\n", encoding="utf-8")
    result = runner.invoke(app, ["roles", str(FOLDER / "articles"), "--mentions", str(bad),
                                 "--out", str(tmp_path / "pred.tsv")])
    assert result.exit_code != 0 and "EN_XX.txt" in result.output and "line 1" in result.output
