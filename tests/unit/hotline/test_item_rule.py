"""The rule between item assessments and the case: the case is never less severe than its most severe
item and takes it when assessed without a category; an illegal item forbids rejecting the case."""

from __future__ import annotations

import pytest

from vigil.hotline.item_rule import Choice, JurisdictionScheme, case_category, reject_refusal, summarise
from vigil.hotline.models import ITEM_NOT_ILLEGAL

# The shape of vics-us under 'us' (most severe first); the codes are labels on benign test data.
US = JurisdictionScheme(
    "us",
    "vics-us",
    (
        Choice("1", "one", 0, "illegal"),
        Choice("2", "two", 1, "undetermined"),
        Choice("3", "three", 2, "undetermined"),
        Choice("4", "four", 3, "not_illegal"),
        Choice("0", "zero", 4, "not_illegal"),
    ),
)


def test_the_most_severe_item_decides_and_bounds_the_case() -> None:
    say = summarise(US, [10, 11, 12], {10: "3", 11: "2", 12: ITEM_NOT_ILLEGAL})
    assert say.worst is not None and say.worst.code == "2"
    assert say.verdicts == {10: "undetermined", 11: "undetermined", 12: "not_illegal"}
    assert say.illegal == () and not say.all_not_illegal
    assert case_category(say, US, None) == "2"
    assert case_category(say, US, "") == "2"
    assert case_category(say, US, "1") == "1"  # more severe, for the page as a whole
    assert case_category(say, US, "2") == "2"
    with pytest.raises(ValueError, match=r"item #11 is assessed 2, more severe than 3"):
        case_category(say, US, "3")
    with pytest.raises(ValueError, match="more severe than 0"):
        case_category(say, US, "0")
    with pytest.raises(ValueError, match="not a category"):
        case_category(say, US, "9")


def test_without_items_the_analyst_chooses() -> None:
    say = summarise(US, [], {})
    assert say.worst is None and not say.all_not_illegal
    assert case_category(say, US, "4") == "4"
    with pytest.raises(ValueError, match="no item is assessed with a category"):
        case_category(say, US, None)
    assert reject_refusal(say) is None


def test_an_illegal_item_forbids_rejecting() -> None:
    say = summarise(US, [1, 2], {1: ITEM_NOT_ILLEGAL, 2: "1"})
    assert say.illegal == (2,)
    refusal = reject_refusal(say)
    assert refusal is not None and "#2" in refusal


def test_all_items_not_illegal_lets_the_case_be_rejected() -> None:
    partly = summarise(US, [1, 2], {1: ITEM_NOT_ILLEGAL})
    assert not partly.all_not_illegal  # item 2 is not assessed yet
    done = summarise(US, [1, 2], {1: ITEM_NOT_ILLEGAL, 2: "0"})
    assert done.all_not_illegal and reject_refusal(done) is None
    # Only the not-illegal mark counts as no category: "0" is a category (the least severe).
    assert done.worst is not None and done.worst.code == "0"
    assert case_category(done, US, None) == "0"


def test_unknown_codes_count_as_nothing() -> None:
    say = summarise(US, [1], {1: "Z"})
    assert say.worst is None and say.verdicts == {} and not say.all_not_illegal
    assert US.verdict("Z") is None and US.verdict(ITEM_NOT_ILLEGAL) == "not_illegal"
