"""Normalisation and segmentation."""

from __future__ import annotations

import pickle

import pytest

from rexian.intelligence.text import Segmenter, demo_city_words, master_data_words, normalise, order_text


def test_normalise_makes_full_width_half_width_and_lower_case():
    assert normalise("ＡＢＣ１２３ｘ") == "abc0x"


def test_normalise_folds_every_number_to_one_digit():
    assert normalise("2019年3月15日欠薪3000元") == "0年0月0日欠薪0元"


def test_normalise_drops_excel_carriage_returns_and_masks():
    assert normalise("第一行_x000D_ 第二行 电话*************") == "第一行 第二行 电话"


def test_order_text_puts_the_title_before_the_description():
    assert order_text("物业乱收费", "小区物业收取停车费") == "物业乱收费。小区物业收取停车费"


def test_order_text_without_a_title_is_the_description():
    assert order_text("", "小区物业收取停车费") == "小区物业收取停车费"


def test_segmenter_drops_punctuation_and_spaces():
    assert Segmenter().cut("物业 乱收费！") == ["物业", "乱收费"]


def test_custom_words_stay_whole():
    text = normalise("翠竹苑小区门口积水")
    assert "翠竹苑" not in Segmenter().cut(text)
    assert "翠竹苑" in Segmenter(["翠竹苑"]).cut(text)


def test_two_segmenters_do_not_share_custom_words():
    Segmenter(["翠竹苑"]).cut("翠竹苑")
    assert "翠竹苑" not in Segmenter().cut("翠竹苑小区门口积水")


def test_a_pickled_segmenter_keeps_its_words_but_not_the_dictionary():
    segmenter = Segmenter(["翠竹苑"])
    segmenter.cut("翠竹苑")
    data = pickle.dumps(segmenter)
    assert len(data) < 1000
    assert "翠竹苑" in pickle.loads(data).cut("翠竹苑小区门口积水")


def test_demo_city_words_include_units_and_places():
    words = demo_city_words()
    assert {"住建局", "江安市住房和城乡建设局", "幸福家园小区", "人民路"} <= set(words)


@pytest.mark.django_db
def test_master_data_words_are_unit_and_category_names_of_two_characters_or_more(cast):
    words = master_data_words()
    assert {"住建局", "城东街道", "幸福社区", "物业服务", "施工噪声"} <= set(words)
    assert words == sorted(set(words)) and all(len(w) > 1 for w in words)
