import numpy as np

from innopoints.engine import credit_code

# The standard's worked example, whose check character is computed by hand below.
KNOWN_VALID = ["91350100M000100Y43"]


def test_check_character_by_hand() -> None:
    # 9 1 3 5 0 1 0 0 M 0 0 0 1 0 0 Y 4 with weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
    values = [9, 1, 3, 5, 0, 1, 0, 0, 21, 0, 0, 0, 1, 0, 0, 30, 4]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(v * w for v, w in zip(values, weights, strict=True))
    assert (31 - total % 31) % 31 == 3
    assert credit_code.check_character("91350100M000100Y4") == "3"


def test_known_valid_codes() -> None:
    assert credit_code.problems(KNOWN_VALID) == [None]


def test_reasons_name_the_fault() -> None:
    reasons = credit_code.problems(
        ["91350100M000100Y44", "9135010", "91350100I000100Y43", "91350100m000100Y43", None]
    )
    assert reasons[0] is not None and "should be '3'" in reasons[0]
    assert reasons[1] is not None and "7 characters" in reasons[1]
    assert reasons[2] is not None and "'I'" in reasons[2]
    assert reasons[3] is not None and "upper case" in reasons[3]
    assert reasons[4] is None  # blank is the reader's concern


def test_generated_codes_are_valid_and_distinct() -> None:
    rng = np.random.default_rng(7)
    codes = credit_code.generate(rng, np.array(["510107", "510104"] * 500))
    assert len(set(codes)) == 1000
    assert all(r is None for r in credit_code.problems([str(c) for c in codes]))
    assert str(codes[0])[2:8] == "510107"
