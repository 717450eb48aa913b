"""Sources found by the dependency parse where the tagger found none, and dropped where the
cue's grammar names no speaker."""

from propwatch.attribution.syntax import SubjectParser, speakerless_cue
from propwatch.doc import Attribution, Span

PARSER = SubjectParser()


def _item(text: str, cue: str, content: str, source: str | None = None) -> Attribution:
    def span(part: str, label: str) -> Span:
        start = text.index(part)
        return Span(start, start + len(part), label)

    return Attribution(cue=(span(cue, "cue"),), content=(span(content, "content"),),
                       source=(span(source, "source"),) if source else ())


def _source(text: str, item: Attribution) -> str | None:
    (filled,) = PARSER.fill_sources(text, [item])
    return " ".join(text[s.start:s.end] for s in filled.source) or None


def test_the_subject_of_the_cue_becomes_the_source():
    text = ("The ministry rejected the report. Zimmerman noted that the Justice Department "
            "returned the weapon to him.")
    item = _item(text, "noted", "the Justice Department returned the weapon to him")
    assert _source(text, item) == "Zimmerman"


def test_a_whole_subject_phrase_and_an_inverted_subject():
    text = ('"We realised it was all lies," said one owner of a shop that sells shoes.')
    item = _item(text, "said", '"We realised it was all lies,"')
    assert _source(text, item) == "one owner of a shop that sells shoes"
    text = "A spokeswoman for the ministry denied the reports, saying that nobody was hurt."
    item = _item(text, "saying", "that nobody was hurt")
    assert _source(text, item) == "A spokeswoman for the ministry"


def test_according_to_takes_its_object_and_a_passive_its_agent():
    text = "According to the Syrian news agency SANA, the militants prepared an attack."
    item = _item(text, "According to", "the militants prepared an attack")
    assert _source(text, item) == "the Syrian news agency SANA"
    text = "The attack was announced by the Defense Ministry on Monday in Moscow."
    item = _item(text, "was announced", "The attack")
    assert _source(text, item) == "the Defense Ministry"


def test_cues_with_no_speaker_keep_none_and_lose_a_tagged_one():
    text = "The senator has been criticized for his remarks about the war."
    item = _item(text, "has been criticized for", "his remarks about the war",
                 source="The senator")
    assert speakerless_cue(text, item)
    assert _source(text, item) is None
    text = "Trump seemed to imply that the judges could be stopped."
    item = _item(text, "seemed to imply", "that the judges could be stopped", source="Trump")
    assert _source(text, item) is None


def test_a_tagged_source_is_kept_and_the_parse_never_takes_the_content():
    text = "Safronkov said the attack had been staged."
    item = _item(text, "said", "the attack had been staged", source="Safronkov")
    assert PARSER.fill_sources(text, [item]) == [item]
    text = "Said to be staged, the attack shocked everyone."
    item = _item(text, "Said to be", "staged")
    (filled,) = PARSER.fill_sources(text, [item])
    assert not any(s.overlaps(c) for s in filled.source for c in filled.content)
