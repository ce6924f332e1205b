import pytest

from rexian.core import credit_code


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B", " 91321283ma1abcde2b "])
def test_published_codes_pass_their_check(code):
    assert credit_code.is_valid(code)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # the check character mistyped
        "91350100M000010Y43",  # two characters swapped
        "9135010OM000100Y43",  # the letter O is not in the set
        "91350100M000100Y4",  # 17 characters
        "",
    ],
)
def test_mistyped_codes_fail_their_check(code):
    assert not credit_code.is_valid(code)


def test_the_check_character_completes_any_body():
    body = "91321283MA1ABCDE2"
    assert credit_code.check_character(body) == "B"
    assert credit_code.is_valid(body + "B")
