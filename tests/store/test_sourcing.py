"""Sourcing per outlet and period, from the stored attributions layers' profiles."""

import json
from pathlib import Path

from typer.testing import CliRunner

from propwatch.cli import app
from propwatch.doc import Article, Attribution, Layer, Span
from propwatch.store import Store


def layer(anonymous: float, by_type: dict, state: list[str]) -> Layer:
    item = Attribution(cue=(Span(0, 4, "cue"),), content=(Span(5, 9, "content"),))
    summary = {"attributions": sum(by_type.values()), "by_type": by_type,
               "attributed_share": 0.5, "anonymous_share": anonymous,
               "state_affiliated_outlets": state, "unattributed_claims": []}
    return Layer("attributions", "attributions.v1", "test", (item,), kind="attribution",
                 summary=summary)


def test_sourcing_by_outlet_and_month(tmp_path: Path):
    db = tmp_path / "c.db"
    with Store(db) as store:
        store.add_articles([
            Article("a", "said that it was", outlet="Wire", published="2020-01-05"),
            Article("b", "said this as well", outlet="Wire", published="2020-01-20"),
            Article("c", "told them so there", outlet="Post", published="2020-02-01"),
            Article("d", "said nothing more", outlet="Post")])
        store.replace_layers("a", [layer(0.2, {"anonymous": 2, "outlet": 1}, ["SANA"])])
        store.replace_layers("b", [layer(0.4, {"anonymous": 1}, [])])
        store.replace_layers("c", [layer(0.0, {"government": 3}, [])])
        store.replace_layers("d", [layer(0.1, {"named_person": 1}, [])])
        rows = store.sourcing()
        assert [(r["outlet"], r["period"], r["articles"]) for r in rows] == [
            ("Post", "2020-02", 1), ("Post", None, 1), ("Wire", "2020-01", 1 + 1)]
        wire = rows[-1]
        assert wire["anonymous_share"] == 0.3 and wire["attributions"] == 4
        assert wire["by_type"] == {"outlet": 1, "anonymous": 3}
        assert wire["articles_citing_state_outlets"] == 1
        assert [r["articles"] for r in store.sourcing(period="all")] == [2, 2]
    result = CliRunner().invoke(app, ["corpus", "sourcing", "--db", str(db), "--by", "year",
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert [r["period"] for r in json.loads(result.stdout)] == ["2020", None, "2020"]
    assert CliRunner().invoke(app, ["corpus", "sourcing", "--db", str(db), "--by",
                                    "week"]).exit_code == 2
