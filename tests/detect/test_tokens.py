from propwatch.detect.tokens import split_sentences, tokenize, trim


def test_tokens_point_at_their_text():
    text = "Don't trust the “so-called” experts!\r\nNo."
    for token in tokenize(text):
        assert text[token.start:token.end] == token.text
    assert [t.text for t in tokenize(text)][:4] == ["Don't", "trust", "the", "“"]


def test_sentences_split_on_lines_and_final_punctuation_inside_ranges():
    text = "Title\n\nFirst one. Second one! third stays.\nLast"
    sentences = split_sentences(text)
    assert [text[s.start:s.end] for s in sentences] == [
        "Title", "First one.", "Second one! third stays.", "Last"]
    only_body = split_sentences(text, [(7, len(text))])
    assert text[only_body[0].start:only_body[0].end] == "First one."


def test_trim_removes_the_characters_spans_never_start_or_end_with():
    text = " , hello world.; "
    start, end = trim(text, 0, len(text))
    assert text[start:end] == "hello world"
