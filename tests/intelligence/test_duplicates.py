"""Text similarity and ranking of duplicate requests (重复诉求)."""

from __future__ import annotations

import pytest

from rexian.intelligence import duplicates as dup
from rexian.intelligence.duplicates import Candidate, rank_candidates, shingles, similarity

LIFT = "幸福小区3号楼电梯停运两周，物业不予维修，老人出行困难。"
NOISE = "工地每晚十一点后仍在施工，噪声很大，影响休息。"


def test_identical_texts_are_fully_alike():
    assert similarity(LIFT, LIFT) == pytest.approx(1.0)


def test_punctuation_spacing_width_and_numbers_do_not_matter():
    assert similarity("幸福小区 3号楼电梯停运！", "幸福小区５号楼，电梯停运") == pytest.approx(1.0)


def test_unrelated_texts_are_hardly_alike():
    assert similarity(LIFT, NOISE) < 0.2


def test_a_shorter_account_of_the_same_request_stays_alike():
    assert similarity("3号楼电梯停运两周物业不修", LIFT) >= dup.SIMILAR_TEXT


def test_empty_text_is_like_nothing():
    assert similarity("", LIFT) == 0.0
    assert shingles("") == frozenset()
    assert shingles("电") == frozenset({"电"})


def test_ranking_puts_the_same_caller_same_place_same_text_first_with_its_reasons():
    hits = rank_candidates(
        LIFT,
        [
            Candidate(1, NOISE, same_caller=False, same_place=True, age_days=1),
            Candidate(2, LIFT, same_caller=False, same_place=True, age_days=3),
            Candidate(3, LIFT, same_caller=True, same_place=True, age_days=3),
        ],
    )
    assert [h.id for h in hits] == [3, 2]  # the noise complaint is neither the caller's nor alike
    assert hits[0].reasons == (dup.SAME_CALLER, dup.SAME_PLACE, dup.SIMILAR)
    assert hits[1].reasons == (dup.SAME_PLACE, dup.SIMILAR)
    assert hits[0].likely and hits[0].score > hits[1].score


def test_a_like_address_is_the_same_address_in_place_of_the_same_area():
    hits = rank_candidates(
        LIFT,
        [
            Candidate(1, LIFT, same_place=True, age_days=1, address="城东街道幸福小区3号楼"),
            Candidate(2, LIFT, same_place=True, age_days=2, address="城东街道和平花园12号楼"),
            Candidate(3, LIFT, same_place=False, age_days=3, address="幸福小区3号楼"),
            Candidate(4, LIFT, same_place=True, age_days=4),
        ],
        query_address="幸福小区3号楼",
    )
    assert {h.id: h.reasons for h in hits} == {
        1: (dup.SAME_ADDRESS, dup.SIMILAR), 2: (dup.SAME_PLACE, dup.SIMILAR), 3: (dup.SAME_ADDRESS, dup.SIMILAR),
        4: (dup.SAME_PLACE, dup.SIMILAR),
    }
    # The address names the reason only: the score is the text's, caller's and area's, as before.
    assert hits[0].score == pytest.approx(dup.score(1.0, same_caller=False, same_place=True, age_days=1), abs=1e-3)
    assert rank_candidates(LIFT, [(1, LIFT, False, True, 1, "幸福小区3号楼")])[0].reasons == (dup.SAME_PLACE, dup.SIMILAR)


def test_the_callers_other_orders_are_listed_whatever_their_text_but_not_as_likely_duplicates():
    [hit] = rank_candidates(LIFT, [(7, NOISE, True, False, 2.0)])
    assert hit.reasons == (dup.SAME_CALLER,)
    assert not hit.likely


def test_older_candidates_rank_below_younger_ones_of_the_same_text():
    hits = rank_candidates(LIFT, [(1, LIFT, False, True, 29), (2, LIFT, False, True, 1)])
    assert [h.id for h in hits] == [2, 1]


def test_score_adds_up_to_one_at_most_and_ages():
    assert dup.score(1.0, same_caller=True, same_place=True, age_days=0) == pytest.approx(1.0)
    assert dup.score(1.0, same_caller=False, same_place=False, age_days=0) == pytest.approx(dup.TEXT_WEIGHT)
    aged = dup.score(1.0, same_caller=True, same_place=True, age_days=1000)
    assert aged == pytest.approx(1 - dup.AGE_PENALTY)


def test_limit_and_precomputed_shingles():
    grams = shingles(LIFT)
    hits = rank_candidates(grams, [(i, grams, False, True, i) for i in range(5)], limit=2)
    assert [h.id for h in hits] == [0, 1]
