"""Settings: one loader for every command; a bad file, key or value is one E4xx line, exit 2."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from propwatch.cli import app
from propwatch.config import Settings, load_settings
from propwatch.errors import UsageError

from .conftest import EXAMPLES

runner = CliRunner()


def test_layers_override_in_order(tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text('max_bytes = 5000\ncomponents = ["techniques"]\nthreshold = 0.4\n',
                      encoding="utf-8")
    environ = {"PROPWATCH_CONFIG": str(config), "PROPWATCH_MAX_BYTES": "6000"}
    settings = load_settings({"threshold": 0.3, "detector": None}, environ=environ)
    assert settings == Settings(max_bytes=6000, threshold=0.3)


@pytest.mark.parametrize("environ, code, says", [
    ({"PROPWATCH_MAX_BYTES": "abc"}, "E402", "max_bytes"),
    ({"PROPWATCH_MAX_BYTES": "-5"}, "E402", "must be positive"),
    ({"PROPWATCH_MAX_BYTES": "0"}, "E402", "must be positive"),
    ({"PROPWATCH_THRESHOLD": "nan"}, "E402", "between 0 and 1"),
    ({"PROPWATCH_THRESHOLD": "1"}, "E402", "between 0 and 1"),
    ({"PROPWATCH_COMPONENTS": ","}, "E402", "at least one component"),
    ({"PROPWATCH_CONFIG": "{tmp}/missing.toml"}, "E401", "no such file"),
])
def test_bad_environment_is_refused(tmp_path: Path, environ, code, says):
    environ = {k: v.format(tmp=tmp_path) for k, v in environ.items()}
    with pytest.raises(UsageError) as caught:
        load_settings(environ=environ)
    assert caught.value.code == code and says in str(caught.value)


@pytest.mark.parametrize("content, says", [
    (b"max_bytes = [\n", "config file"),
    (b"colour = 1\n", "unknown setting 'colour'"),
    (b"max_bytes = 1.5\n", "whole number"),
    (b"max_bytes = 5\n# \xff\xfe\n", "utf-8"),
    (b"[component]\ntechniques = 3\n", "[component.NAME]"),
])
def test_bad_config_file_is_refused(tmp_path: Path, content: bytes, says: str):
    config = tmp_path / "config.toml"
    config.write_bytes(content)
    with pytest.raises(UsageError) as caught:
        load_settings(environ={"PROPWATCH_CONFIG": str(config)})
    assert says in str(caught.value)


COMMANDS = [
    ["analyze", str(EXAMPLES), "-f", "jsonl"],
    ["reuse", str(EXAMPLES)],
    ["corpus", "add", str(EXAMPLES), "--db", "{tmp}/c.db"],
    ["corpus", "analyze", "--db", "{tmp}/c.db"],
    ["serve", "--port", "1"],
]
PROBES = [
    {"PROPWATCH_MAX_BYTES": "abc"}, {"PROPWATCH_THRESHOLD": "nan"},
    {"PROPWATCH_CONFIG": "{tmp}/missing.toml"}, {"PROPWATCH_CONFIG": "{tmp}/latin.toml"},
]


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_gives_one_line_and_exit_2(tmp_path: Path, command, probe):
    (tmp_path / "latin.toml").write_bytes(b"max_bytes = 5\n# \xff\xfe\n")
    environ = {k: v.format(tmp=tmp_path) for k, v in probe.items()}
    result = runner.invoke(app, [a.format(tmp=tmp_path) for a in command], env=environ)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: E40"), result.output
    assert not (tmp_path / "c.db").exists()  # nothing was started
