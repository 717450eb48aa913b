"""Tests for propwatch.ingest: readers, boilerplate marking, metadata, errors and batches."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from propwatch import ingest
from propwatch.config import Settings
from propwatch.doc import Article
from propwatch.errors import InputError, PropwatchError
from propwatch.ingest import (article_from_text, article_id_for, expand_paths, find_boilerplate,
                              iter_articles, normalise_date, read_path)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SETTINGS = Settings()


def debris(article: Article) -> list[str]:
    return [article.text[start:end] for start, end in article.boilerplate]


def read_one(path: Path | str, settings: Settings = SETTINGS) -> tuple[Article, list[str]]:
    articles, warnings = read_path(str(path), settings=settings)
    assert len(articles) == 1
    return articles[0], warnings


def error_of(path: Path | str, settings: Settings = SETTINGS) -> InputError:
    with pytest.raises(InputError) as caught:
        read_path(str(path), settings=settings)
    return caught.value


# --- ids and paths ---------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("article123456.txt", "123456"),
    ("data/article7.txt", "7"),
    ("article.txt", "article"),
    ("article12x.txt", "article12x"),
    ("harbor-daily.txt", "harbor-daily"),
    ("records.jsonl", "records"),
])
def test_article_id_for(name: str, expected: str) -> None:
    assert article_id_for(Path(name)) == expected


def test_expand_paths_recurses_sorted_and_filters(tmp_path: Path) -> None:
    for rel in ["b.txt", "a.HTML", "sub/c.jsonl", "sub/deeper/d.csv", "sub/e.text", "x.md",
                "scan.pdf", ".hidden.txt", ".git/f.txt", "sub/.cache/g.txt", "z.htm"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    got = expand_paths([str(tmp_path)])
    rel = [Path(p).relative_to(tmp_path).as_posix() for p in got]
    assert rel == ["a.HTML", "b.txt", "sub/c.jsonl", "sub/deeper/d.csv", "sub/e.text", "z.htm"]


def test_expand_paths_keeps_stdin_files_missing_and_empty_folders(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    single = tmp_path / "notes.md"
    single.write_text("x", encoding="utf-8")
    paths = ["-", str(single), str(tmp_path / "missing.txt"), str(empty), str(single)]
    # Files given by name stay whatever their suffix; repeats are kept once.
    assert expand_paths(paths) == paths[:4]


# --- boilerplate -------------------------------------------------------------------------


@pytest.mark.parametrize("line", [
    "QR code",
    "QR codeQR code",
    "Story Code: 12345",
    "News Link :",
    "News Link : https://news.example/item/1",
    "No comments:",
    "3 comments:",
    "Post a Comment",
    "Leave a comment",
    "Leave a Reply Cancel reply",
    "Share this:",
    "Share on Facebook",
    "Share on Facebook | Share on Twitter",
    "Tweet",
    "Email",
    "Print",
    "Facebook Twitter Email Print",
    "Click to share on Twitter (Opens in new window)",
    "Subscribe",
    "Subscribe to our newsletter",
    "Subscribe to: Post Comments (Atom)",
    "Related posts",
    "Related Articles:",
    "Posted by Patriot Wire Desk at 11:42 PM",
    "Posted by Jane on March 3, 2021",
    "Labels: Duskmoor, grain blockade, Veloria",
    "Newer Post Older Post Home",
    "Older Post",
    "We use cookies to improve your experience. By using this site you accept them.",
    "This website uses cookies.",
    "All rights reserved.",
    "© 2022 The Lakeside Ledger. All rights reserved.",
    "©2018 Example Syndicate, Distributed by Example Content Agency, LLC.",
    "Copyright 2023 Harbor Daily",
    "© Provided by Quartz",
])
def test_boilerplate_line_is_marked_exactly(line: str) -> None:
    text = f"Real first sentence of the story.\n  {line}  \nReal last sentence.\n"
    ranges = find_boilerplate(text)
    assert [text[s:e] for s, e in ranges] == [line]


def test_real_sentences_are_never_marked() -> None:
    text = (
        "The minister declined to leave a comment when reporters asked about the leaked email.\n"
        "Readers who want to share this story on Facebook or print it may do so.\n"
        "He said he would post a comment later, and subscribe to the idea of an inquiry.\n"
        "The shop sells a QR code reader, and the story code was never published.\n"
        "Related posts on the ministry website were deleted overnight.\n"
        "Labels: the party has called its rivals traitors, cowards and worse, and the name stuck.\n"
        "© AFP The minister leaves the building after the vote on Tuesday evening\n"
        "Posted by the ministry on its website, the statement called critics liars.\n"
        "Email\u00a0campaigns and cookies were not discussed; all rights reserved for later?\n"
    )
    # The last line is a sentence that happens to contain several trigger words.
    assert find_boilerplate(text) == []


def test_boilerplate_ranges_skip_crlf_and_trailing_space() -> None:
    text = "Body line one.\r\nQR code \r\n\r\nStory Code: 731904\r\nBody line two.\r\nNews Link :"
    ranges = find_boilerplate(text)
    assert [text[s:e] for s, e in ranges] == ["QR code", "Story Code: 731904", "News Link :"]
    assert all("\r" not in text[s:e] for s, e in ranges)


def test_boilerplate_on_text_without_trailing_newline_and_empty_text() -> None:
    assert find_boilerplate("") == []
    text = "Story.\nPost a Comment"
    assert [text[s:e] for s, e in find_boilerplate(text)] == ["Post a Comment"]


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("2020-01-28", "2020-01-28"),
    ("28 Jan 2020", "2020-01-28"),
    ("28 January 2020", "2020-01-28"),
    ("January 28, 2020", "2020-01-28"),
    ("Jan. 28th, 2020", "2020-01-28"),
    ("Tuesday, January 28, 2020", "2020-01-28"),
    # times and zones are kept as given (issue 14); a date alone stays a date
    ("2020-01-28T10:00:00Z", "2020-01-28T10:00:00Z"),
    ("2020-01-28T23:15:00+02:00", "2020-01-28T23:15:00+02:00"),
    ("2020-01-28 23:15:00.250 +0200", "2020-01-28T23:15:00.250+02:00"),
    ("Tue, 28 Jan 2020 23:15:00 +0200", "2020-01-28T23:15:00+02:00"),  # RSS pubDate
    ("Tue, 28 Jan 2020 21:15:00 GMT", "2020-01-28T21:15:00+00:00"),
    ("28 Jan 2020 14:30 (GMT+3)", "2020-01-28T14:30+03:00"),
    ("January 28, 2020 12:05 am", "2020-01-28T00:05"),
    ("January 28, 2020 9:05 PM CST", "2020-01-28T21:05"),  # ambiguous zone: none rather than a guess
    ("January 28, 2020 13:05 pm", None),
    ("2020-01-28T24:00", None),
    ("2020/01/28", "2020-01-28"),
    ("28.01.2020", "2020-01-28"),
    ("28 Jan 2020 - 0:22", "2020-01-28T00:22"),
    ("March 3, 2021 10:00 AM EST", "2021-03-03T10:00-05:00"),
    ("Sept. 15, 2022", "2022-09-15"),
    ("  4 May 2023  ", "2023-05-04"),
    ("2020-02-31", None),
    ("01/02/2020", None),
    ("someday soon", None),
    ("2020", None),
    ("", None),
])
def test_normalise_date(value: str, expected: str | None) -> None:
    assert normalise_date(value) == expected


# --- metadata from text ------------------------------------------------------------------


@pytest.mark.parametrize("dateline, outlet, published", [
    ("By Jane Doe | Example Times | March 3, 2021", "Example Times", "2021-03-03"),
    ("Example Times, March 3, 2021", "Example Times", "2021-03-03"),
    ("Example Times - 3 March 2021", "Example Times", "2021-03-03"),
    ("Harbor Daily News Service (HDNS) , 4 May 2023 - 9:15", "Harbor Daily News Service (HDNS)",
     "2023-05-04T09:15"),
    ("By Jane Doe | Example Times | March 3, 2021 | 10:30 GMT", "Example Times",
     "2021-03-03T10:30+00:00"),
    ("Example Times, 2021-03-03T08:05:00+01:00", "Example Times", "2021-03-03T08:05:00+01:00"),
    ("March 3, 2021", None, "2021-03-03"),
    ("Published: 2021-03-03 | Example Times", "Example Times", "2021-03-03"),
    # A leading word in another script (here "news agency") is dropped from a Latin name...
    ("خبرگزاری Lakeside Press Agency(LPA) , 14 Feb 2021 - 7:05",
     "Lakeside Press Agency(LPA)", "2021-02-14T07:05"),
    # ...but a name wholly in another script is kept whole.
    ("خبرگزاری فارس , 28 Jan 2020", "خبرگزاری فارس", "2020-01-28"),
])
def test_dateline_gives_outlet_and_date(dateline: str, outlet: str | None,
                                        published: str) -> None:
    text = f"A Headline About Something\n\n{dateline}\n\nThe body starts here, and goes on.\n"
    article = article_from_text(text, id="x")
    assert (article.title, article.outlet, article.published) == (
        "A Headline About Something", outlet, published)


def test_title_needs_a_blank_line_after_it() -> None:
    text = "A first line that runs straight into the next.\nSecond line of the body.\n"
    assert article_from_text(text, id="x").title is None


def test_title_skips_debris_and_rejects_long_or_paragraph_lines() -> None:
    text = "QR code\n\nShort Headline Here\n\nBody.\n"
    assert article_from_text(text, id="x").title == "Short Headline Here"
    long_line = "word " * 60
    assert article_from_text(f"{long_line}\n\nBody.\n", id="x").title is None
    paragraph = ("This first paragraph is an ordinary sentence that ends with a full stop and is "
                 "much too long to be a headline.")
    assert article_from_text(f"{paragraph}\n\nBody.\n", id="x").title is None
    assert article_from_text("Short Headline Ends With A Stop.\n\nBody.\n", id="x").title == (
        "Short Headline Ends With A Stop.")


def test_a_dateline_is_not_a_title() -> None:
    article = article_from_text("Example Times, March 3, 2021\n\nBody text.\n", id="x")
    assert article.title is None
    assert (article.outlet, article.published) == ("Example Times", "2021-03-03")


def test_prose_with_a_date_is_no_dateline() -> None:
    text = ("Headline\n\nThe meeting in the old town hall ended without any agreement at all, "
            "3 March 2021\n")
    article = article_from_text(text, id="x")
    assert (article.outlet, article.published) == (None, None)


def test_text_stating_nothing_leaves_metadata_empty() -> None:
    article = article_from_text("Just one line of text", id="x")
    assert (article.title, article.outlet, article.published, article.boilerplate) == (
        None, None, None, ())


def test_explicit_metadata_wins_and_bad_explicit_date_raises() -> None:
    text = "Headline From Text\n\nExample Times, March 3, 2021\n\nBody.\n"
    article = article_from_text(text, id="x", source="s.txt", title="Given", outlet="Given Outlet",
                                url="https://example.org/a", published="4 May 2023")
    assert (article.title, article.outlet, article.url, article.published, article.source) == (
        "Given", "Given Outlet", "https://example.org/a", "2023-05-04", "s.txt")
    with pytest.raises(InputError) as caught:
        article_from_text(text, id="x", source="s.txt", published="last Tuesday")
    assert caught.value.code == "E109" and "s.txt" in caught.value.message


# --- plain text files: offsets, encodings ------------------------------------------------


def test_crlf_text_is_kept_exactly(tmp_path: Path) -> None:
    raw = ("QR code\r\n\r\nHeadline With Windows Breaks\r\n\r\n"
           "First body line.\r\nStory Code: 99\r\n").encode("utf-8")
    path = tmp_path / "article111.txt"
    path.write_bytes(raw)
    article, warnings = read_one(path)
    assert warnings == []
    assert article.id == "111" and article.source == str(path)
    assert article.text == raw.decode("utf-8") and article.text.count("\r\n") == 6
    assert debris(article) == ["QR code", "Story Code: 99"]
    assert article.title == "Headline With Windows Breaks"


def test_unicode_and_whitespace_are_not_normalised(tmp_path: Path) -> None:
    # 'é' twice: precomposed and combining; a non-breaking space; a tab; trailing spaces.
    text = "Caf\u00e9 and Cafe\u0301\u00a0here.\t \nSecond\u2028line.  \n\n"
    path = tmp_path / "u.txt"
    path.write_bytes(text.encode("utf-8"))
    assert read_one(path)[0].text == text


def test_utf8_bom_is_kept_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHeadline\n\nQR code\nBody.\n")
    article, _ = read_one(path)
    # U+FEFF stays, as open(path, encoding="utf-8") gives it: PTC offsets count it.
    assert article.text.startswith("\ufeffHeadline")
    assert article.title == "Headline"
    assert debris(article) == ["QR code"]


def test_latin1_file_is_decoded_with_a_warning(tmp_path: Path) -> None:
    text = "Caf\u00e9 owners in the fictional Z\u00fcrichberg said the cr\u00e8me was cold.\n"
    path = tmp_path / "latin.txt"
    path.write_bytes(text.encode("latin-1"))
    article, warnings = read_one(path)
    assert article.text == text
    assert len(warnings) == 1 and warnings[0].startswith("W110")
    assert str(path) in warnings[0] and "cp1252" in warnings[0]


def test_utf16_with_bom_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Headline\n\nBody text.\n".encode("utf-16"))
    article, warnings = read_one(path)
    assert article.text == "Headline\n\nBody text.\n"
    assert warnings and warnings[0].startswith("W110")


# --- bad inputs --------------------------------------------------------------------------


def test_missing_file_is_e101(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    err = error_of(path)
    assert err.code == "E101" and str(path) in err.message


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf\n"])
def test_empty_or_blank_file_is_e102(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(content)
    err = error_of(path)
    assert err.code == "E102" and str(path) in err.message


@pytest.mark.parametrize("content, reason", [
    (b"some text\x00\x01\x02 more", "NUL"),
    (bytes(range(1, 32)) * 20, "control bytes"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
])
def test_binary_file_is_e103(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(content)
    err = error_of(path)
    assert err.code == "E103" and str(path) in err.message and reason in err.message


def test_oversized_file_is_e104_before_reading(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * 100, encoding="utf-8")

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the size limit must be checked before the file is opened")

    monkeypatch.setattr(ingest, "open", no_open, raising=False)
    err = error_of(path, Settings(max_bytes=10))
    assert err.code == "E104" and str(path) in err.message and "100" in err.message


def test_folder_where_a_file_is_expected_is_e105(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    err = error_of(tmp_path)
    assert err.code == "E105" and str(tmp_path) in err.message and "folder" in err.message


def test_folder_without_inputs_is_e108(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    err = error_of(tmp_path)
    assert err.code == "E108" and str(tmp_path) in err.message


def test_unreadable_file_is_e105(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("text", encoding="utf-8")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # Simulated: chmod does not stop root, who may run these tests in a container.
    monkeypatch.setattr(ingest, "open", denied, raising=False)
    err = error_of(path)
    assert err.code == "E105" and str(path) in err.message and "Permission denied" in err.message


# --- HTML --------------------------------------------------------------------------------


def test_html_main_text_and_metadata() -> None:
    article, warnings = read_one(FIXTURES / "lakeside-ledger-pier.html")
    assert warnings == []
    assert article.id == "lakeside-ledger-pier"
    assert article.title == "Council Vote to Close Ferry Pier Sparks Outrage"
    assert article.outlet == "The Lakeside Ledger"
    assert article.url == "https://ledger.example/2022/09/council-vote-ferry-pier"
    assert article.canonical_url == article.url  # a file: the page's own URL is all there is
    assert article.published == "2022-09-14T08:30:00Z"  # article:published_time, as given
    assert "voted on Tuesday to close the old ferry pier" in article.text
    assert "betrayal of every family" in article.text
    for chrome in ("Sport", "Share on Facebook", "All rights reserved"):
        assert chrome not in article.text


def test_html_without_text_is_e108(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>Nothing</title></head><body><div></div></body></html>",
                    encoding="utf-8")
    err = error_of(path)
    assert err.code == "E108" and str(path) in err.message


# --- JSONL -------------------------------------------------------------------------------


def test_jsonl_records_skips_bad_line_and_renames_duplicates() -> None:
    path = FIXTURES / "records.jsonl"
    articles, warnings = read_path(str(path), settings=SETTINGS)
    assert [a.id for a in articles] == ["pier-1", "pier-1-2", "records-5"]
    first, second, third = articles
    assert (first.title, first.outlet, first.url, first.published) == (
        "Pier closure angers residents", "The Lakeside Ledger", "https://ledger.example/pier-1",
        "2022-09-14")
    assert debris(first) == ["Share this:"]
    assert second.published is None
    assert third.text == "Line one of a record with Windows line breaks.\r\nLine two follows."
    assert (third.outlet, third.published) == ("Harbour Notes", "2022-09-15")
    assert all(a.source == str(path) for a in articles)
    codes = [w.split(":", 1)[0] for w in warnings]
    assert codes == ["W111", "E109", "E106"]
    assert all(str(path) in w for w in warnings)
    assert "line 4" in warnings[2] and "someday soon" in warnings[1]


def test_jsonl_with_no_usable_record_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": ""}\n[1, 2]\nnot json\n', encoding="utf-8")
    err = error_of(path)
    assert err.code == "E108" and str(path) in err.message and "line 1" in err.message


# --- CSV ---------------------------------------------------------------------------------


def test_csv_keeps_multiline_fields_and_skips_empty_rows() -> None:
    path = FIXTURES / "records.csv"
    articles, warnings = read_path(str(path), settings=SETTINGS)
    assert [a.id for a in articles] == ["ledger-1", "records-4"]
    assert articles[0].text == (
        'The council voted to close the pier.\n"A betrayal," said one resident.\n'
        "Officials disagreed.")
    assert (articles[0].title, articles[0].published) == ("Pier vote", "2022-09-14")
    assert (articles[1].outlet, articles[1].published, articles[1].title) == (
        "Harbour Notes", "2022-09-15", None)
    assert len(warnings) == 1 and warnings[0].startswith("E107") and "row 3" in warnings[0]


def test_csv_keeps_crlf_inside_quoted_fields(tmp_path: Path) -> None:
    path = tmp_path / "win.csv"
    path.write_bytes(b'Text,ID\r\n"one\r\ntwo",w1\r\n')
    articles, _ = read_path(str(path), settings=SETTINGS)
    assert [(a.id, a.text) for a in articles] == [("w1", "one\r\ntwo")]


def test_csv_without_text_column_is_e107(tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    err = error_of(path)
    assert err.code == "E107" and str(path) in err.message and "body" in err.message


# --- stdin -------------------------------------------------------------------------------


def test_stdin_bytes_keep_crlf() -> None:
    raw = b"Headline\r\n\r\nBody line.\r\nPost a Comment\r\n"
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    articles, warnings = read_path("-", settings=SETTINGS, stdin=stream)
    (article,) = articles
    assert article.text == raw.decode("utf-8")
    assert (article.id, article.source, article.title) == ("stdin", "-", "Headline")
    assert debris(article) == ["Post a Comment"]


def test_stdin_sniffs_jsonl_and_html() -> None:
    lines = [json.dumps({"id": f"r{i}", "text": f"Record {i}."}) for i in range(2)]
    articles, _ = read_path("-", settings=SETTINGS, stdin=io.StringIO("\n".join(lines) + "\n"))
    assert [a.id for a in articles] == ["r0", "r1"]
    html = (FIXTURES / "lakeside-ledger-pier.html").read_text(encoding="utf-8")
    articles, _ = read_path("-", settings=SETTINGS, stdin=io.StringIO(html))
    assert articles[0].outlet == "The Lakeside Ledger"
    articles, _ = read_path("-", settings=SETTINGS, stdin=io.StringIO("{not an object} but prose"))
    assert articles[0].text == "{not an object} but prose"


def test_stdin_errors_name_stdin() -> None:
    with pytest.raises(InputError) as caught:
        read_path("-", settings=SETTINGS, stdin=io.StringIO("  \n"))
    assert caught.value.code == "E102" and "<stdin>" in caught.value.message
    with pytest.raises(InputError) as caught:
        read_path("-", settings=Settings(max_bytes=5), stdin=io.StringIO("too long for it"))
    assert caught.value.code == "E104"


# --- batches -----------------------------------------------------------------------------


def test_iter_articles_yields_errors_and_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.txt").write_text("First article.\n", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"\x00\x01binary")
    (folder / "c.jsonl").write_text('{"text": "One."}\n{"text": "Two."}\n', encoding="utf-8")
    missing = str(tmp_path / "missing.txt")
    items = list(iter_articles([str(folder), missing, "-"], settings=SETTINGS,
                               stdin=io.StringIO("From stdin.")))
    assert [Path(p).name if p != "-" else p for p, _, _ in items] == [
        "a.txt", "b.txt", "c.jsonl", "missing.txt", "-"]
    results = [r for _, r, _ in items]
    assert isinstance(results[1], PropwatchError) and results[1].code == "E103"
    assert isinstance(results[3], PropwatchError) and results[3].code == "E101"
    assert missing in results[3].message
    assert [a.text for a in results[2]] == ["One.", "Two."]
    assert results[4][0].text == "From stdin."


def test_iter_articles_turns_a_crash_into_an_error(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Text.", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("odd file")

    monkeypatch.setattr(ingest, "article_from_text", boom)
    ((got_path, result, warnings),) = list(iter_articles([str(path)], settings=SETTINGS))
    assert got_path == str(path) and warnings == []
    assert isinstance(result, InputError) and "odd file" in result.message


# --- the shipped examples ----------------------------------------------------------------


def test_own_examples_metadata_and_debris() -> None:
    harbor, warnings = read_one(EXAMPLES / "harbor-daily-2023-05-04-grain-blockade.txt")
    assert warnings == []
    assert harbor.title == ("Foreign saboteurs plot to starve Veloria with grain blockade, "
                            "officials warn")
    assert harbor.outlet == "Harbor Daily News Service (HDNS)"
    assert harbor.published == "2023-05-04T09:15"  # the dateline's time, no zone stated
    assert debris(harbor) == ["QR codeQR code", "Story Code: 481516", "News Link :"]

    repost, warnings = read_one(EXAMPLES / "patriot-wire-repost-grain-blockade.txt")
    assert warnings == []
    assert (repost.title, repost.outlet, repost.published) == (None, None, None)
    assert debris(repost) == ["Posted by Patriot Wire Desk at 11:42 PM",
                              "Labels: Duskmoor, grain blockade, Veloria",
                              "No comments:", "Post a Comment"]
    # The two share a reprinted background paragraph (what reuse detection should find).
    shared = ("closed the Strait of Calder to Velorian grain barges on April 28, citing what it "
              "called \"security irregularities\". Since then, more than")
    assert shared in harbor.text and shared in repost.text


def shared_examples() -> Path:
    folder = Path(os.environ.get("PROPWATCH_DATA", "../shared/data")).parent / "examples"
    if not folder.is_dir():
        pytest.skip(f"the real scraped examples are not at {folder} (set PROPWATCH_DATA)")
    return folder


def test_real_scraped_examples() -> None:
    folder = shared_examples()
    ava, _ = read_one(folder / "ava-2020-01-28-false-flag-idlib-aleppo.txt")
    assert ava.title is not None and ava.title.startswith("Terror groups plan")
    assert ava.outlet is not None and "Afghan Voice Agency" in ava.outlet
    assert ava.published == "2020-01-28T00:22"
    for piece in ("QR code", "Story Code: 202066", "News Link :"):
        assert any(piece in d for d in debris(ava)), piece
    assert ava.text == (folder / "ava-2020-01-28-false-flag-idlib-aleppo.txt").read_bytes().decode()

    blog, _ = read_one(folder / "blog-repost-white-helmets-false-flag.txt")
    assert blog.title is None
    assert debris(blog) == ["No comments:", "Post a Comment"]


def test_size_limit_applies_to_articles_not_to_record_corpora(tmp_path: Path) -> None:
    from propwatch.config import Settings
    from propwatch.ingest import read_path

    records = tmp_path / "corpus.jsonl"
    records.write_text("\n".join(json.dumps({"id": str(i), "text": "A sentence of news. " * 20})
                                 for i in range(50)) + "\n", encoding="utf-8")
    single = tmp_path / "one.txt"
    single.write_text("A sentence of news. " * 50, encoding="utf-8")
    small = Settings(max_bytes=500)
    articles, _ = read_path(str(records), settings=small)
    assert len(articles) == 50
    with pytest.raises(PropwatchError) as info:
        read_path(str(single), settings=small)
    assert info.value.code == "E104"
