"""The intake page's category search (分类检索): Chinese, codes, full pinyin and pinyin initials."""

from __future__ import annotations

import pytest

from rexian.catalog.models import Category
from rexian.catalog.selectors import category_browse, category_hit, category_search
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(cast):
    """The cast's tree (城乡建设/物业管理/物业服务, 生态环境/噪声污染/施工噪声) and a few more leaves."""
    property_management = Category.objects.get(code="0101")
    fees = f.CategoryFactory(code="010102", name="物业收费", parent=property_management)
    roads = f.CategoryFactory(code="0102", name="道路维修", parent=Category.objects.get(code="01"))
    potholes = f.CategoryFactory(code="010201", name="路面坑洼", parent=roads)
    return {"service": cast.property_service, "fees": fees, "noise": cast.noise, "potholes": potholes}


def codes(hits):
    return [hit.code for hit in hits]


def test_pinyin_initials_find_the_leaves_under_a_matching_parent(tree):
    assert codes(category_search(query="wy")) == ["010101", "010102"]


def test_pinyin_initials_find_a_leaf_by_its_own_name(tree):
    assert codes(category_search(query="sgzs")) == ["020101"]


def test_initials_inside_a_name_match_too(tree):
    # 施工噪声 is shi-gong-zao-sheng: "zs" starts at its third character.
    assert "020101" in codes(category_search(query="zs"))


def test_full_pinyin_and_a_mix_of_full_and_initials_match(tree):
    assert codes(category_search(query="wuyefuwu")) == ["010101"]
    assert codes(category_search(query="wuyefw")) == ["010101"]
    assert codes(category_search(query="Wu Ye")) == ["010101", "010102"]


def test_pinyin_must_start_at_a_syllable(tree):
    assert category_search(query="uye") == []


def test_chinese_substring_matches_the_leaf_before_its_parent(tree):
    hits = category_search(query="噪声")
    assert codes(hits) == ["020101"]
    assert hits[0].path == "生态环境/噪声污染/施工噪声"


def test_an_everyday_word_finds_the_taxonomys_word(tree):
    assert codes(category_search(query="噪音")) == ["020101"]  # 施工噪声
    assert codes(category_search(query="施工噪音")) == ["020101"]
    card = f.CategoryFactory(code="010202", name="社会保障卡", parent=Category.objects.get(code="0102"))
    assert codes(category_search(query="社保卡")) == [card.code]
    own = f.CategoryFactory(code="010203", name="噪音投诉", parent=Category.objects.get(code="0102"))
    assert own.code in codes(category_search(query="噪音"))  # a taxonomy that says 噪音 itself is still found


def test_a_leafs_own_name_ranks_before_a_parents(tree):
    # "路" is in 道路维修 (the parent) and in 路面坑洼 (the leaf): one hit either way, ranked as its own match.
    assert codes(category_search(query="物业服务")) == ["010101"]
    assert codes(category_search(query="路面")) == ["010201"]


def test_code_prefix_matches(tree):
    assert codes(category_search(query="0101")) == ["010101", "010102"]


def test_only_leaves_are_offered(tree):
    assert all(hit.is_leaf for hit in category_search(query="wy"))
    assert "0101" not in codes(category_search(query="物业管理"))


def test_inactive_categories_and_their_children_are_left_out(tree):
    Category.objects.filter(code="0101").update(is_active=False)
    tree["noise"].is_active = False
    tree["noise"].save()  # a save through the model tells every process to rebuild
    assert category_search(query="wy") == []
    assert category_search(query="sgzs") == []


def test_a_renamed_category_is_found_by_its_new_name(tree):
    assert codes(category_search(query="wysf")) == ["010102"]
    tree["fees"].name = "物业费用"
    tree["fees"].save()
    assert category_search(query="wysf") == []
    assert codes(category_search(query="wyfy")) == ["010102"]


def test_a_bulk_load_is_noticed_without_signals(tree):
    assert category_search(query="gs") == []
    parent = Category.objects.get(code="02")
    Category.objects.bulk_create([Category(code="0202", name="工商管理", parent=parent, level=2)])
    assert codes(category_search(query="gs")) == ["0202"]


def test_empty_query_finds_nothing_and_browsing_shows_the_top_level(tree):
    assert category_search(query="  ") == []
    top = category_browse()
    assert codes(top) == ["01", "02"]
    assert not top[0].is_leaf
    assert codes(category_browse(parent_id=top[0].id)) == ["0101", "0102"]


def test_the_limit_is_kept(tree):
    assert len(category_search(query="w", limit=1)) == 1


def test_one_category_with_its_full_path(tree):
    assert category_hit(category_id=tree["potholes"].pk).path == "城乡建设/道路维修/路面坑洼"
    assert category_hit(category_id=None) is None
