"""The command line: each command parses its options and calls one library function; one
module per command group. Nothing in propwatch imports this package.

Exit codes: 0 success; 1 some input could not be analysed (the rest was written); 2 usage error.
"""

from __future__ import annotations

import typer

from .. import __version__
from . import analyze, benchmark, evaluate, info, match, reuse, roles, train, watch
from .corpus import corpus_app
from .kb import kb_app
from .serve import serve_command

EXAMPLES = """
Examples:

  propwatch analyze examples/                       # highlighted text in the terminal
  propwatch analyze examples/ --format html --out report/
  propwatch analyze article.html --format json --out article.json
  propwatch analyze examples/ --with example        # add a plugin component's layer
  cat article.txt | propwatch analyze - --format jsonl
  propwatch evaluate --data ../shared/data --split dev
  propwatch kb import euvsdisinfo cases.jsonl --db news.db   # a knowledge base of known claims
  propwatch watch feeds.txt --db news.db --every 15m       # follow RSS/Atom feeds
  propwatch classify ptc/dev-articles --spans ptc/dev-TC-template.tsv --out pred.tsv
"""

app = typer.Typer(
    help="Find propaganda techniques in news articles, with character-exact evidence.\n" + EXAMPLES,
    no_args_is_help=True, add_completion=False, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"propwatch {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """propwatch command line."""


app.command()(analyze.analyze)
app.command()(reuse.reuse)
app.command()(evaluate.classify)
app.command()(roles.roles)
app.command()(evaluate.evaluate)
app.command()(match.match)
app.command()(info.techniques)
app.command()(info.detectors)
app.command()(info.components)
app.command()(info.narratives)
app.command("serve")(serve_command)
app.command()(watch.watch)
app.add_typer(corpus_app, name="corpus")
app.add_typer(kb_app, name="kb")
app.add_typer(benchmark.bench_app, name="benchmark")
app.add_typer(train.train_app, name="train")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
