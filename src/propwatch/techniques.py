"""The 14 techniques of the Propaganda Techniques Corpus: exact labels, readable names, definitions.

The labels are the strings of SemEval-2020 Task 11 and must stay exactly as they are in TSV
output; people see ``name`` and ``definition`` (our own wording). Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Technique:
    label: str  # exact SemEval-2020 Task 11 string
    name: str  # readable name
    definition: str  # one line, our own words
    color: str  # highlight colour for reports (hex)


TECHNIQUES: tuple[Technique, ...] = (
    Technique("Appeal_to_Authority", "Appeal to authority",
              "Says a claim is true because an expert, official or famous source backs it.",
              "#8ecae6"),
    Technique("Appeal_to_fear-prejudice", "Appeal to fear or prejudice",
              "Builds support by making readers afraid or by playing on their biases.",
              "#f4a261"),
    Technique("Bandwagon,Reductio_ad_hitlerum", "Bandwagon / guilt by association",
              "Urges joining what everyone does, or rejects an idea because a hated group holds it.",
              "#b5838d"),
    Technique("Black-and-White_Fallacy", "Black-and-white fallacy",
              "Offers two options as the only ones when more exist.",
              "#adb5bd"),
    Technique("Causal_Oversimplification", "Causal oversimplification",
              "Pins a complex outcome on a single cause.",
              "#90be6d"),
    Technique("Doubt", "Doubt",
              "Questions the credibility of a person or institution instead of the argument.",
              "#cdb4db"),
    Technique("Exaggeration,Minimisation", "Exaggeration or minimisation",
              "Makes something look far bigger, or far smaller, than it is.",
              "#ffafcc"),
    Technique("Flag-Waving", "Flag-waving",
              "Appeals to national or group pride to justify a position.",
              "#a2d2ff"),
    Technique("Loaded_Language", "Loaded language",
              "Uses words with strong emotional charge to sway the reader.",
              "#ffd166"),
    Technique("Name_Calling,Labeling", "Name calling / labeling",
              "Attaches an insulting or admiring label to a person or group.",
              "#ef476f"),
    Technique("Repetition", "Repetition",
              "Repeats the same message again and again so that it sticks.",
              "#06d6a0"),
    Technique("Slogans", "Slogans",
              "A short, catchy phrase that stands in for an argument.",
              "#e9c46a"),
    Technique("Thought-terminating_Cliches", "Thought-terminating cliché",
              "A stock phrase that cuts discussion short (\"it is what it is\").",
              "#bdb2ff"),
    Technique("Whataboutism,Straw_Men,Red_Herring", "Whataboutism / straw man / red herring",
              "Deflects: accuses the other side, distorts its view, or changes the subject.",
              "#9c89b8"),
)

LABELS: tuple[str, ...] = tuple(t.label for t in TECHNIQUES)
BY_LABEL: dict[str, Technique] = {t.label: t for t in TECHNIQUES}

# The SI task has one undifferentiated label; spans found by SI alone carry it.
PROPAGANDA = "propaganda"


def describe(label: str) -> Technique:
    """The technique for an exact label; unknown labels get a neutral description."""
    return BY_LABEL.get(label) or Technique(label, label.replace("_", " "), "", "#dddddd")
