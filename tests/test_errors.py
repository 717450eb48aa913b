import re
import string

from propwatch.errors import MESSAGES, PropwatchError


def test_codes_are_unique_and_well_formed():
    assert all(re.fullmatch(r"[EW]\d{3}", code) for code in MESSAGES)
    numbers = [code[1:] for code in MESSAGES]
    assert len(numbers) == len(set(numbers)), "a number is used for both an error and a warning"


def test_messages_are_one_line_and_say_what_to_do():
    for code, message in MESSAGES.items():
        assert "\n" not in message, code
        assert message.rstrip().endswith((".", "{hint}")), code  # hints are full sentences


def test_make_formats_the_message_with_the_code():
    exc = PropwatchError.make("E101", path="x.txt")
    assert str(exc).startswith("E101: cannot read 'x.txt'")
    assert exc.code == "E101"


def test_every_placeholder_is_named():
    for code, message in MESSAGES.items():
        names = [name for _, name, _, _ in string.Formatter().parse(message) if name is not None]
        assert all(names), code
