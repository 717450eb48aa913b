"""Span repair after the entity head's decoding, on texts of our own."""

from propwatch.roles.ner import repair

TEXT = ("Maria Zakharova, the Russian Foreign Ministry spokeswoman, said fighters of Jabhat "
        "Fatah al-Sham and the Organization for the Prohibition of Chemical Weapons met. "
        "Britain and France agreed.\n\"White\" Helmets. Russia's Defense Ministry spoke. "
        "Accusing Damascus, Deputy UN Ambassador Vladimir Safronkov left.")


def _at(word, label="ORG", within=None):
    start = TEXT.index(within or word)
    return (start, start + len(word), label)


def _names(found):
    for start, end, _ in found:
        assert TEXT[start:end] == TEXT[start:end].strip()
        assert start == 0 or not TEXT[start - 1].isalnum()
        assert end == len(TEXT) or not TEXT[end].isalnum()
    return [TEXT[a:b] for a, b, _ in found]


def test_names_are_widened_over_capitalised_words_and_particles():
    found = repair(TEXT, [_at("Russian Foreign", "NORP"), _at("Jabhat Fatah"),
                          _at("Chemical"), _at("Organization")])
    assert _names(found) == ["Russian Foreign Ministry", "Jabhat Fatah al-Sham",
                             "Organization for the Prohibition of Chemical Weapons"]
    assert found[0][2] == "ORG"  # a nationality widened into a name is no longer one


def test_widening_stops_at_conjunctions_quotes_possessives_and_sentence_starts():
    found = repair(TEXT, [_at("Britain", "GPE"), _at("France", "GPE"), _at("Helmets"),
                          _at("Russia", "GPE", "Russia's"), _at("Damascus", "GPE"),
                          _at("Vladimir Safronkov", "PERSON")])
    assert _names(found) == ["Britain", "France", "Helmets", "Russia", "Damascus",
                             "Vladimir Safronkov"]


def test_headlines_in_title_case_are_not_widened():
    text = "Russia Warns White Helmets Plan New Attack In Idlib\n"
    start = text.index("White")
    assert repair(text, [(start, start + 5, "ORG")]) == [(start, start + 5, "ORG")]
