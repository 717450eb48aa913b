"""Knowledge-base readers on small invented fixtures in each format's shape, and on the real
datasets under PROPWATCH_DATA (skipped with a reason when they are absent)."""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path

import pytest

from propwatch.errors import InputError, UsageError
from propwatch.kb.claims import KnownClaim
from propwatch.kb.readers import (KB_FORMATS, KbReadWarning, SkippedClaim, iso_date, read_kb,
                                  write_claims)

from ..conftest import FIXTURES

KB = FIXTURES / "kb"


def read(fmt: str, path: Path | str) -> tuple[list[KnownClaim], list[str]]:
    notes: list[str] = []
    return list(read_kb(fmt, path, on_note=notes.append)), notes


def test_formats_are_the_four_documented_ones():
    assert KB_FORMATS == ("euvsdisinfo", "checkthat", "jsonl", "csv")


def test_euvsdisinfo_cases_title_is_the_claim_and_disproof_the_verdict():
    claims, notes = read("euvsdisinfo", KB / "euvsdisinfo-cases.jsonl")
    assert notes == [] and len(claims) == 4
    canal = claims[0]
    assert canal.id == "the-harbour-canal-was-poisoned-by-foreign-agents"
    assert canal.claim == "The harbour canal was poisoned by foreign agents"
    assert canal.title is None  # the title is the claim
    assert canal.verdict.startswith("No evidence supports the claim")
    assert canal.summary.startswith("An article claims")
    assert canal.url == "https://euvsdisinfo.eu/report/the-harbour-canal-was-poisoned-by-foreign-agents/"
    assert canal.date == "2016-03-14" and canal.language == "en"  # the task force writes English
    assert canal.tags == ("Water", "Conspiracy theory", "country:Freedonia",
                          "outlet-language:English", "outlet-language:Spanish")
    assert canal.outlets == ("harbour-truth.example",)
    assert claims[1].verdict is None and claims[1].outlets == ("Valley Today", "news-front.example")
    assert claims[2].claim.endswith("…") and claims[2].tags == ("Elections",)


def test_euvsdisinfo_case_list_tsv_turns_flags_into_tags():
    claims, notes = read("euvsdisinfo", KB / "euvsdisinfo-list.tsv")
    assert notes == [] and [c.id for c in claims] == [
        "rescue-volunteers-stage-a-fake-gas-attack", "the-inspectors-hid-the-valley-report",
        "volunteers-are-actors-paid-by-the-west"]
    assert claims[0].tags == ("white_helmets", "staged_chemical_syria", "syria_chemical_any")
    assert claims[1].tags == ("syria_chemical_any",)
    assert claims[1].url == "https://euvsdisinfo.eu/report/the-inspectors-hid-the-valley-report/"
    assert claims[2].date == "2017-09-01" and claims[2].claim.endswith("West…")


def test_checkthat_2020_tsv_keeps_quotes_and_line_breaks_inside_fields():
    claims, notes = read("checkthat", KB / "checkthat2020-vclaims.tsv")
    assert notes == [] and [c.id for c in claims] == ["0", "1", "2", "3"]
    assert claims[1].claim == 'A "miracle" herb cures every kind of cold overnight.'
    assert claims[2].claim == "The mayor of Lakeside said:\nthe bridge will be closed for ten years."
    assert claims[3].title == 'Did Lakeside Ban "Garden Gnomes"?'
    assert all(c.language == "en" and c.verdict is None for c in claims)


def test_checkthat_2021_snopes_dates_and_subtitles():
    claims, notes = read("checkthat", KB / "checkthat2021-snopes.jsonl")
    assert notes == []
    pier, eel, ferry = claims
    assert pier.id == "vclaim-sno-lakeside-pier-sold" and pier.title == "Was the Lakeside Pier Sold for $1?"
    assert pier.date == "2015-05-26" and pier.summary is None  # "Claim: <the claim>" adds nothing
    assert eel.date == "2021-03-06" and eel.summary == "Eels of that size have never been recorded in lakes."
    assert ferry.date is None and ferry.summary is None  # a blank date is no date


def test_checkthat_2021_politifact_verdict_speaker_date_and_url():
    claims, notes = read("checkthat", KB / "checkthat2021-politifact.jsonl")
    assert notes == []
    crime = claims[0]
    assert crime.verdict == "half-true" and crime.date == "2019-10-22"
    assert crime.url == "https://www.politifact.com/factchecks/2019/oct/30/pat-example/lakeside-crime-did-fall/"
    assert crime.summary == "Pat Example stated on October 22, 2019 in a campaign mailer."
    assert crime.tags == ("speaker:Pat Example",)
    assert claims[1].claim.startswith('"The new harbour tax') and claims[1].date == "2020-03-03"


def test_generic_jsonl_and_csv_read_the_same_claims():
    from_jsonl, notes_j = read("jsonl", KB / "newsroom.jsonl")
    from_csv, notes_c = read("csv", KB / "newsroom.csv")
    assert notes_j == notes_c == []
    assert from_jsonl == from_csv
    bridge, port, water = from_jsonl
    assert bridge == KnownClaim(
        id="nr-001", claim="The new bridge was built with recycled plastic that melts in summer.",
        verdict="False: the bridge is steel and concrete.", url="https://factcheck.example/bridge",
        date="2023-06-01", language="en", tags=("infrastructure", "heat"),
        title="No, the bridge will not melt", outlets=("bridge-truth.example",))
    assert port.tags == ("port", "fermeture") and port.language == "fr"  # ';'-separated string
    assert water.id == "3"  # a number is read as its decimal string


def test_a_gzipped_file_reads_as_the_plain_one(tmp_path):
    packed = tmp_path / "newsroom.jsonl.gz"
    packed.write_bytes(gzip.compress((KB / "newsroom.jsonl").read_bytes()))
    assert read("jsonl", packed)[0] == read("jsonl", KB / "newsroom.jsonl")[0]


def test_a_csv_with_semicolons_a_bom_and_capitals_is_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("\ufeffID;Claim;Tags\r\nx1;Ships vanish in the bay.;sea\r\n"
                    "x2;Too many;cells;here\r\n", encoding="utf-8")
    claims, notes = read("csv", path)
    assert claims == [KnownClaim(id="x1", claim="Ships vanish in the bay.", tags=("sea",))]
    assert len(notes) == 1 and "row 3: 4 cells under a header of 3 columns" in notes[0]


def test_bad_records_are_skipped_one_line_each_and_the_rest_is_read(tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = [
        '{"id": "a", "claim": "Good one."}',
        '{"id": "b", "claim": "Missing brace."',
        '{"claim": "No id."}',
        '{"id": "d"}',
        '{"id": "e", "claim": "   "}',
        '{"id": "f", "claim": 12}',
        '{"id": "g", "claim": "Tags wrong.", "tags": {"a": 1}}',
        '["not", "an", "object"]',
        '{"id": "h", "claim": "Bad date kept.", "date": "someday"}',
        '{"id": "i", "claim": "Good too.", "date": "2021-02-03T10:00:00Z", "colour": "red"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    claims, notes = read("jsonl", path)
    assert [c.id for c in claims] == ["a", "h", "i"]
    assert claims[1].date is None and claims[2].date == "2021-02-03"
    skipped = [n for n in notes if isinstance(n, SkippedClaim)]
    assert len(skipped) == 7
    for note in skipped:
        assert note.startswith("E120: ") and str(path) in note and "skipped the record" in note
        assert "'id' and 'claim'" in note  # the fix
    assert "line 2: not valid JSON" in skipped[0]
    assert "line 3: no 'id'" in skipped[1] and "line 4: no 'claim'" in skipped[2]
    assert "line 5: no 'claim'" in skipped[3]  # blank is none
    assert "line 6: 'claim' is a number, not a string" in skipped[4]
    assert "line 7: 'tags' is a JSON object" in skipped[5]
    assert "line 8: a JSON array, not a JSON object" in skipped[6]
    warnings = [n for n in notes if not isinstance(n, SkippedClaim)]
    assert any("W122" in w and "line 9" in w and "'someday'" in w for w in warnings)
    assert any("W122" in w and "colour" in w and "ignored" in w for w in warnings)


def test_a_csv_row_without_claim_is_skipped_by_row_number(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text('id,claim\nr1,"Fine, really."\nr2,\n,No id here\n', encoding="utf-8")
    claims, notes = read("csv", path)
    assert [c.id for c in claims] == ["r1"]
    assert "row 3: no 'claim'" in notes[0] and "row 4: no 'id'" in notes[1]


def test_a_file_without_one_good_record_is_an_error_naming_the_first_problem(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x"}\n{"id": "y"}\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read("jsonl", path)
    assert info.value.code == "E121" and "line 1: no 'claim'" in str(info.value)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="E121.*no records"):
        read("jsonl", empty)


def test_a_header_without_the_needed_columns_is_one_clear_error(tmp_path):
    path = tmp_path / "articles.csv"
    path.write_text("id,text\n1,An article\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read("csv", path)
    assert info.value.code == "E123" and "no 'id' and 'claim' column (found: id, text)" in str(info.value)


def test_unknown_format_missing_file_folder_and_binary_file(tmp_path):
    with pytest.raises(UsageError, match="E410: unknown knowledge-base format 'snopes'"):
        read("snopes", KB / "newsroom.jsonl")
    with pytest.raises(InputError, match="E101"):
        read("jsonl", tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="E105.*folder"):
        read("jsonl", tmp_path)
    binary = tmp_path / "bin.jsonl"
    binary.write_bytes(b'{"id": "a", "claim": "\xff\xfe"}\n')
    with pytest.raises(InputError, match="E123.*not UTF-8"):
        read("jsonl", binary)


def test_the_wrong_format_for_a_file_says_what_it_expects():
    with pytest.raises(InputError) as info:
        read("checkthat", KB / "newsroom.jsonl")
    assert info.value.code == "E121" and "no 'vclaim_id'" in str(info.value)


def test_without_on_note_notes_are_python_warnings(tmp_path):
    path = tmp_path / "one-bad.jsonl"
    path.write_text('{"id": "a", "claim": "ok"}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.warns(KbReadWarning, match="E120"):
        assert len(list(read_kb("jsonl", path))) == 1


@pytest.mark.parametrize("value, expected", [
    ("2020-01-28", "2020-01-28"), ("2020-01", "2020-01"), ("2020", "2020"),
    ("2020-01-28T14:05:00+02:00", "2020-01-28"), ("2020-01-28 14:05", "2020-01-28"),
    ("26 May 2015", "2015-05-26"), ("21February 2009", "2009-02-21"),
    ("October 22, 2019", "2019-10-22"), ("Oct 2, 2019", "2019-10-02"),
    ("2020-13-01", None), ("2020-02-30", None), ("someday", None), ("", None),
])
def test_iso_date(value, expected):
    assert iso_date(value) == expected


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_write_claims_round_trips_through_the_generic_format(fmt, tmp_path):
    claims = [
        KnownClaim(id="q1", claim='Line one\nline two, with "quotes"', verdict="False",
                   url="https://x.example/1", date="2020-01-02", language="en",
                   tags=("a; b", "c"), title="T", summary="S, s", outlets=("o1", "o2")),
        KnownClaim(id="q2", claim="Starts plain.", tags=("[bracket",)),
        KnownClaim(id="q3", claim="=1+1 looks like a formula", outlets=("x;y",)),
        KnownClaim(id="q4", claim="Només text en català, ünïcödé."),
    ]
    out = io.StringIO(newline="")
    assert write_claims(claims, out, fmt) == 4
    path = tmp_path / f"kb.{fmt}"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    assert read(fmt, path) == (claims, [])


def test_write_claims_refuses_other_formats():
    with pytest.raises(UsageError, match="E402"):
        write_claims([], io.StringIO(), "euvsdisinfo")


# ---------------------------------------------------------------------------- the real data

def _data(relative: str) -> Path:
    root = os.environ.get("PROPWATCH_DATA")
    if not root:
        pytest.skip("PROPWATCH_DATA is not set: the knowledge-base datasets are not here "
                    "(CI sets PROPWATCH_DATA=../shared/data)")
    path = Path(root) / relative
    if not path.is_file():
        pytest.skip(f"no {relative} under PROPWATCH_DATA={root}")
    return path


def test_real_euvsdisinfo_cases():
    claims, notes = read("euvsdisinfo", _data("euvsdisinfo/cases.jsonl"))
    assert notes == [] and len(claims) == 10_892 == len({c.id for c in claims})
    assert sum(c.verdict is not None for c in claims) == 2_345
    assert sum(c.summary is not None for c in claims) == 2_343
    assert min(c.date for c in claims) == "2015-01-06" and max(c.date for c in claims) == "2021-02-18"
    helmets = next(c for c in claims
                   if c.id == "white-helmets-have-arrived-in-idlib-province-to-conduct-a-false-flag-attack")
    assert helmets.claim == "White Helmets have arrived in Idlib province to conduct a false flag attack"
    assert "White Helmets" in helmets.tags and helmets.date == "2020-01-28"


def test_real_euvsdisinfo_white_helmets_case_list():
    claims, notes = read("euvsdisinfo", _data("euvsdisinfo/syria-chemical-white-helmets.tsv"))
    assert notes == [] and len(claims) == 250
    assert sum("white_helmets" in c.tags for c in claims) == 135
    assert sum("staged_chemical_syria" in c.tags for c in claims) == 148


def test_real_checkthat_2020_collection_with_line_breaks_in_fields():
    claims, notes = read("checkthat", _data("checkthat2020-t2/verified_claims.docs.tsv"))
    assert notes == [] and len(claims) == 10_375
    assert [c.id for c in claims] == [str(i) for i in range(10_375)]
    assert sum("\n" in c.claim or "\n" in (c.title or "") for c in claims) >= 1
    assert all(c.title for c in claims[:100])


def test_real_checkthat_2021_collections():
    snopes, notes = read("checkthat", _data("checkthat2021-t2a/verified_claims.jsonl"))
    assert len(snopes) == 13_825 and not any(isinstance(n, SkippedClaim) for n in notes)
    assert sum(c.date is not None for c in snopes) > 13_000
    politifact, notes = read("checkthat", _data("checkthat2021-t2b/verified_claims.jsonl"))
    assert len(politifact) == 19_250 and notes == []
    assert all(c.verdict and c.url.startswith("https://www.politifact.com/") for c in politifact)
    assert sum(c.date is not None for c in politifact) == 19_250
