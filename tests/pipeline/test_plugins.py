"""A third-party component, installed as a package, adds its layer to every output.

The plugin in tests/fixtures/plugin is installed the way pip installs a wheel: its module and a
``.dist-info`` folder with its entry points, in a site folder put on the path (no network, no
build step)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from propwatch.cli import app
from propwatch.config import Settings
from propwatch.pipeline import Pipeline, component_names, registry

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "tests" / "fixtures" / "plugin"
TEXT = ("The so-called experts allegedly hid the report.\n\n"
        "Officials reportedly met on Monday; the ministry claimed nothing was hidden.\n")


def install_plugin(site: Path, *, broken: bool = False) -> Path:
    """Install the example plugin into ``site`` as an installer would (module + dist-info)."""
    site.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PLUGIN / "propwatch_example_plugin", site / "propwatch_example_plugin",
                    dirs_exist_ok=True)
    info = site / "propwatch_example_plugin-0.1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: propwatch-example-plugin\n"
                                   "Version: 0.1.0\n", encoding="utf-8")
    entry_points = "[propwatch.components]\nhedges = propwatch_example_plugin:SPEC\n"
    if broken:
        entry_points += "ghost = propwatch_example_plugin.missing:SPEC\n"
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")
    return site


@pytest.fixture()
def plugin(tmp_path, monkeypatch):
    site = install_plugin(tmp_path / "site", broken=True)
    monkeypatch.syspath_prepend(str(site))
    registry.refresh()
    yield site
    for name in [m for m in sys.modules if m.startswith("propwatch_example_plugin")]:
        del sys.modules[name]
    monkeypatch.undo()
    registry.refresh()


def test_the_entry_point_makes_the_component_known(plugin):
    assert {"techniques", "hedges", "ghost"} <= set(component_names())
    doc = Pipeline.from_settings(Settings(components=("techniques", "hedges")))(
        _article())
    layer = doc.layer("hedges")
    assert (layer.component, layer.version) == ("hedges.v1", "wordlist-8")
    assert [doc.article.text[s.start:s.end] for s in layer.items] == [
        "so-called", "allegedly", "reportedly", "claimed"]
    assert doc.layer("techniques") is not None and layer.summary == {"hedges": 4}


def test_the_components_options_come_from_settings(plugin):
    settings = Settings(components=("hedges",), component={"hedges": {"words": ["experts"]}})
    doc = Pipeline.from_settings(settings)(_article())
    assert [doc.article.text[s.start:s.end] for s in doc.layer("hedges").items] == ["experts"]
    assert "techniques" not in doc


def test_analyze_with_the_plugin_in_json_html_and_terminal(plugin, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", str(path), "--with", "hedges", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["layers"]) == {"techniques", "hedges"}
    hedges = data["layers"]["hedges"]
    assert [i["text"] for i in hedges["items"]] == ["so-called", "allegedly", "reportedly",
                                                   "claimed"]
    assert all(TEXT[i["start"]:i["end"]] == i["text"] for i in hedges["items"])

    result = runner.invoke(app, ["analyze", str(path), "--with", "hedges", "--format", "jsonl"])
    record = json.loads(result.stdout)
    assert "spans" in record and record["layers"]["hedges"]["component"] == "hedges.v1"

    page = tmp_path / "report.html"
    result = runner.invoke(app, ["analyze", str(path), "--with", "hedges", "--format", "html",
                                 "--out", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert 'data-layer="hedges"' in html and 'data-layer-toggle="hedges"' in html
    assert '<span class="ly" data-ly="hedges" title="hedges: hedge">so-called</span>' in html

    result = runner.invoke(app, ["analyze", str(path), "--with", "hedges"])
    assert result.exit_code == 0
    assert "Hedges  hedges.v1 wordlist-8" in result.stdout
    assert "hedge 1.00 [4, 13) 'so-called'" in result.stdout

    result = runner.invoke(app, ["analyze", str(path), "--with", "hedges", "--without",
                                 "techniques", "--format", "json"])
    assert set(json.loads(result.stdout)["layers"]) == {"hedges"}


def test_settings_enable_the_plugin_and_the_components_command_lists_it(plugin, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('components = ["techniques", "hedges"]\n[component.hedges]\n'
                      'words = ["ministry"]\n', encoding="utf-8")
    runner = CliRunner(env={"PROPWATCH_CONFIG": str(config)})
    result = runner.invoke(app, ["analyze", str(path), "--format", "json"])
    items = json.loads(result.stdout)["layers"]["hedges"]["items"]
    assert [i["text"] for i in items] == ["ministry"]
    listing = runner.invoke(app, ["components"]).stdout
    assert "hedges.v1" in listing and "techniques.v1  (default)" in listing


def test_a_plugin_that_cannot_load_is_one_line_naming_the_package(plugin, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(app, ["analyze", str(path), "--with", "ghost"])
    assert result.exit_code == 2
    assert "E205" in result.stderr and "pip install 'propwatch-example-plugin'." in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = CliRunner().invoke(app, ["analyze", str(path), "--with", "nope"])
    assert result.exit_code == 2 and "E204: unknown component 'nope'" in result.stderr


def test_a_separate_process_finds_the_installed_plugin(tmp_path):
    site = install_plugin(tmp_path / "site")
    path = tmp_path / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT / "src")]),
           "PROPWATCH_COMPONENTS": "hedges"}
    done = subprocess.run([sys.executable, "-m", "propwatch", "analyze", str(path),
                           "--format", "jsonl"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["spans"] == [] and record["detector"] == ""
    assert len(record["layers"]["hedges"]["items"]) == 4


def _article():
    from propwatch.doc import Article
    return Article(id="a", text=TEXT)
