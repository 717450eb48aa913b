"""Narrative taxonomies: the default one, a user's, and the errors a bad file gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from propwatch.errors import DataError, UsageError
from propwatch.eval.semeval2025 import data_root
from propwatch.narratives.taxonomy import OTHER, load_taxonomy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "taxonomies" / "syria.toml"


def test_default_taxonomy_has_the_semeval_labels_with_descriptions():
    taxonomy = load_taxonomy()
    assert taxonomy.name == "semeval2025"
    assert len(taxonomy.narratives) == 21 and len(taxonomy.subnarratives) == 70
    assert all(x.description for x in taxonomy.labels)
    children = taxonomy.children("URW: Discrediting Ukraine")
    assert "URW: Discrediting Ukraine: Ukraine is a puppet of the West" in {x.label for x in children}
    assert "none of its listed subnarratives" in taxonomy.description(
        "URW: Discrediting Ukraine: Other")
    assert taxonomy.description(OTHER)


def test_default_taxonomy_spells_every_official_label(tmp_path):
    try:
        root = data_root(None)
    except DataError:
        pytest.skip("SemEval-2025 narratives data not found: set PROPWATCH_DATA to the shared data")
    official = {line.strip() for name in ("narratives.txt", "subnarratives.txt")
                for line in (root / name).read_text("utf-8").splitlines() if line.strip()}
    assert {x.label for x in load_taxonomy().labels} == official


def test_user_taxonomy_loads_with_examples():
    taxonomy = load_taxonomy(EXAMPLE)
    assert taxonomy.name == "syria-war"
    staged = taxonomy.get("Staged attacks")
    assert staged is not None and staged.parent is None and len(staged.examples) == 2
    assert [x.parent for x in taxonomy.children("Staged attacks")] == ["Staged attacks"] * 2
    # "Other" at both levels exists without being listed
    assert taxonomy.description("Staged attacks: Other").startswith("Serves the narrative")
    assert taxonomy.description(OTHER).startswith("Serves none")


@pytest.mark.parametrize("text, reason", [
    ("x = [", "not TOML"),
    ("name = 'a'", "no [[label]] table"),
    ("[[label]]\nlabel = 'A'\nparent = ''\n[[label]]\nlabel = 'A'\nparent = ''", "listed twice"),
    ("[[label]]\nlabel = 'A: b'\nparent = 'A'", "is not a narrative of the file"),
    ("[[label]]\nlabel = 'A'\nparent = ''\nexamples = 'one'", "not a list of strings"),
    ("[[label]]\nlabel = 'Other'\nparent = ''", "has no narrative"),
])
def test_bad_taxonomy_names_the_file_and_the_problem(tmp_path, text, reason):
    path = tmp_path / f"bad-{abs(hash(text))}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_taxonomy(path)
    assert caught.value.code == "E411"
    assert str(path) in str(caught.value) and reason in str(caught.value)


def test_digest_changes_with_any_description(tmp_path):
    text = EXAMPLE.read_text("utf-8")
    edited = tmp_path / "syria.toml"
    edited.write_text(text.replace("chemical ones above all", "chemical ones first"), "utf-8")
    assert load_taxonomy(edited).digest != load_taxonomy(EXAMPLE).digest
    assert load_taxonomy(EXAMPLE).digest == load_taxonomy(EXAMPLE).digest


def test_missing_taxonomy_file(tmp_path):
    with pytest.raises(UsageError, match="cannot read it"):
        load_taxonomy(tmp_path / "absent.toml")
