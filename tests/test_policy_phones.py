"""Phone numbers in the policy checker: the same findings as phonenumbers' matcher run over the
whole text, on text built to confuse it, for far less of the library's work."""

import random
import re

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat

from messaging import policy


def phones_over_the_whole_text(text: str, protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """How the checker found phone numbers before: the matcher over the whole text, per region."""
    if not policy.DIGIT.search(text):
        return []
    taken = policy.Spans(protected)
    found: list[tuple[int, int]] = []
    for region in policy.PHONE_REGIONS:
        earlier = policy.Spans(found)
        region_end = 0
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            span = (match.start, match.end)
            if taken.overlaps(*span) or earlier.overlaps(*span) or match.start < region_end:
                continue
            if not policy.reachable(match.number):
                continue
            found.append(span)
            region_end = match.end
    return sorted(found)


def protected_in(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in policy.find_protected(text)] + [m.span() for m in policy.find_emails(text)]


def phones_over_the_whole_text_excerpts(text: str) -> list[str]:
    return [text[start:end] for start, end in phones_over_the_whole_text(text, protected_in(text))]


STYLES = [
    PhoneNumberFormat.E164,
    PhoneNumberFormat.INTERNATIONAL,
    PhoneNumberFormat.NATIONAL,
    PhoneNumberFormat.RFC3966,
]
KINDS = [
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
]


def real_looking_phone(rng: random.Random) -> str:
    """A number of one of the desk's markets, its last digits changed, written in one of the
    usual styles (library formats, then dots, bare digits, brackets, an extension…)."""
    region = rng.choice(["US", "GB", "DE", "CN", "RU", "JP"])
    example = phonenumbers.example_number_for_type(region, rng.choice(KINDS))
    national = str(example.national_number)
    cut = rng.randint(2, 4)
    example.national_number = int(national[:-cut] + "".join(rng.choice("0123456789") for _ in range(cut)))
    written = phonenumbers.format_number(example, rng.choice(STYLES))
    style = rng.randrange(8)
    if style == 0:
        written = written.replace(" ", ".").replace("-", ".")
    elif style == 1:
        written = "".join(ch for ch in written if ch.isdigit() or ch == "+")
    elif style == 2:
        written = written.replace(" ", "-", 1)
    elif style == 3:
        written += rng.choice([" ext. 12", ", ext 345", " x7", " #22", " доб. 5", " ext 4155552671"])
    elif style == 4:
        written = f"({written})"
    elif style == 5:
        written = written.replace("+", "00", 1) if written.startswith("+") else "8 " + written
    return written


PIECES = [
    " ",
    " ",
    "  ",
    ", ",
    ". ",
    "-",
    "/",
    ".",
    "(",
    ")",
    "+",
    "x",
    ":",
    ":30",
    "#",
    "\n",
    "\t",
    "$",
    "%",
    "€",
    "call",
    "Call us on",
    "ext",
    "or",
    "tel.",
    "номер",
    "电话",
    "and",
    "order",
    "on",
    "a",
    "mail me",
    "113-4567890-1234567",
    "12-34567-89012",
    "12345678-0001-1",
    "2026-05-03",
    "05/08/2026",
    "3/10/11",
    "2012-01-02 08",
    "$1,234.56",
    "24.99 USD",
    "1Z999AA10123456784",
    "9400111899223344556677",
    "RR123456789CN",
    "123456789012",
    "sam@lamps.example.com",
    "211-227 (2003)",
]


def random_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 14)):
        roll = rng.random()
        if roll < 0.3:
            parts.append(real_looking_phone(rng))
        elif roll < 0.5:
            parts.append("".join(rng.choice("0123456789 -.()/+,") for _ in range(rng.randint(1, 24))))
        elif roll < 0.6:
            parts.append("".join(rng.choice("0123456789") for _ in range(rng.randint(1, 16))))
        else:
            parts.append(rng.choice(PIECES))
    return "".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_the_checker_finds_the_phone_numbers_the_whole_text_matcher_finds(seed):
    rng = random.Random(seed)
    found_some = 0
    for _ in range(400):
        text = random_text(rng)
        protected = protected_in(text)
        expected = phones_over_the_whole_text(text, protected)
        assert policy._phones(text, protected) == expected, text
        found_some += bool(expected)
    assert found_some > 100  # the texts hold numbers the matcher finds, not only near misses


def test_a_number_glued_to_an_extension_label_keeps_its_extension_and_the_next_run_reads_on():
    text = "Call 415-555-2671, ext. 12 or 12 ext 4155552671 and 020 7946 0958."
    found = [text[start:end] for start, end in policy._phones(text, protected_in(text))]
    assert found == phones_over_the_whole_text_excerpts(text)
    assert found[0] == "415-555-2671, ext. 12" and "020 7946 0958" in found


def test_the_runs_hold_every_character_the_library_lets_a_number_hold():
    from phonenumbers import phonemetadata, phonenumbermatcher, phonenumberutil

    library = re.compile(
        f"[{phonenumberutil._VALID_PUNCTUATION}{phonenumberutil._PLUS_CHARS}"
        f"{phonenumbermatcher._OPENING_PARENS}\\d]",
        phonenumberutil._REGEX_FLAGS,
    )
    held = [chr(code) for code in range(0x10000) if library.fullmatch(chr(code))]
    assert (
        len(held) > 400 and "x" in held and "X" in held and "(" in held
    )  # digits of every script, the separators
    assert [ch for ch in held if not policy.PHONE_RUN.fullmatch(ch)] == []
    shortest = min(
        min(phonemetadata.PhoneMetadata.metadata_for_region(region).general_desc.possible_length)
        for region in phonenumbers.SUPPORTED_REGIONS
    )
    assert shortest == policy.PHONE_MIN_DIGITS


# --- The library's work --------------------------------------------------------------------


def characters_the_library_reads(text: str, monkeypatch) -> int:
    """How many characters the checker hands phonenumbers' matcher, over all regions."""
    read = []
    real = phonenumbers.PhoneNumberMatcher

    def counting(window, region, **options):
        read.append(len(window))
        return real(window, region, **options)

    monkeypatch.setattr(phonenumbers, "PhoneNumberMatcher", counting)
    policy._phones(text, protected_in(text))
    return sum(read)


@pytest.mark.parametrize(
    "unit",
    [
        "1,",
        "Order 113-4567890-1234567 shipped on 2026-05-03 for $24.99. ",
        "Tracking 1Z999AA10123456784 and 9400111899223344556677, posted 05/08/2026. ",
    ],
)
def test_digits_that_cannot_be_a_phone_number_are_not_handed_to_the_library(unit, monkeypatch):
    text = unit * 400
    assert policy.DIGIT.search(text) and not phones_over_the_whole_text(text, protected_in(text))
    assert characters_the_library_reads(text, monkeypatch) == 0
    # Before, the matcher read the whole text once per region; now a number reads its own run.
    with_a_number = text + "Call 415-555-2671."
    assert phones_over_the_whole_text_excerpts(with_a_number) == ["415-555-2671"]
    assert characters_the_library_reads(with_a_number, monkeypatch) < 30


@pytest.mark.parametrize(
    "unit",
    [
        "Call 415-555-2671 or +44 20 7946 0958, order 113-4567890-1234567. ",
        "4155552671 ",
        "1 ",
        "+7 495 123-45-67, ext. 5; ",
    ],
)
def test_eight_times_the_text_hands_the_library_about_eight_times_the_characters(unit, monkeypatch):
    small = (unit * 1000)[:1000]
    large = (unit * 8000)[:8000]
    small_read = characters_the_library_reads(small, monkeypatch)
    assert small_read > 0
    assert characters_the_library_reads(large, monkeypatch) / small_read < 8.5
