"""The smart-dispatch ranker (智能派单) in rexian/intelligence/dispatch.py."""

from __future__ import annotations

import pytest

from rexian.intelligence.dispatch import DispatchExample, NotTrainedError, UnitRanker, top_k_accuracy

WATER = ["自来水停水三天了", "家里没有水，水管爆裂", "停水通知没有提前发", "水压太低，热水器用不了"]
NOISE = ["工地夜间施工噪音太大", "晚上十二点还在打桩", "广场舞音响噪声扰民", "装修噪音影响休息"]
ROADS = ["路面塌陷有个大坑", "路灯坏了一个月", "人行道砖块松动", "道路积水严重无法通行"]


def history(repeat: int = 5) -> list[DispatchExample]:
    examples = []
    for _ in range(repeat):
        examples += [DispatchExample(t, "0901", "T1", "WATER-CO") for t in WATER]
        examples += [DispatchExample(t, "0201", "T1", "URBAN") for t in NOISE]
        examples += [DispatchExample(t, "0301", "T2", "ROADS") for t in ROADS]
    return examples


def test_ranker_learns_an_obvious_mapping():
    ranker = UnitRanker().fit(history())
    assert ranker.rank("小区停水了，什么时候来水", "0901", "T1")[0].unit_code == "WATER-CO"
    assert ranker.rank("楼下工地噪音", "0201", "T1")[0].unit_code == "URBAN"
    assert top_k_accuracy(ranker, history(1)) == (1.0, 1.0)


def test_text_alone_ranks_without_category_or_area():
    ranker = UnitRanker().fit(history())
    assert ranker.rank("施工噪音吵得睡不着", "", "")[0].unit_code == "URBAN"


def test_confidences_are_between_0_and_1_and_sorted():
    ranker = UnitRanker().fit(history())
    ranked = ranker.rank("路灯不亮", "0301", "T2", k=3)
    assert len(ranked) == 3
    confidences = [score.confidence for score in ranked]
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert confidences == sorted(confidences, reverse=True)
    assert sum(ranker.scores(["路灯不亮"], ["0301"], ["T2"])[0]) == pytest.approx(1.0)


def test_corrections_change_the_ranking_after_retrain():
    # The catalogue sent street-light orders in T2 to ROADS; dispatchers kept correcting them to POWER.
    base = history()
    lights = [DispatchExample("路灯坏了不亮", "0302", "T2", "ROADS") for _ in range(6)]
    before = UnitRanker().fit(base + lights)
    assert before.rank("路灯坏了一直不亮", "0302", "T2")[0].unit_code == "ROADS"
    corrections = [
        DispatchExample("路灯坏了不亮", "0302", "T2", "POWER", returned_unit_codes=("ROADS",)) for _ in range(4)
    ]
    after = UnitRanker().fit(base + lights + corrections)
    ranked = after.rank("路灯坏了一直不亮", "0302", "T2")
    assert ranked[0].unit_code == "POWER"
    assert "ROADS" in [score.unit_code for score in ranked]


def test_the_units_replies_teach_what_each_unit_handles():
    # The same message went to either office; only their replies say which deals with what.
    ask = "房子的手续问题，公租房资格和不动产证都不清楚"
    offices = [DispatchExample(ask, "", "", "HOUSING-SEC", reply="公租房资格已审核，符合条件。") for _ in range(5)]
    offices += [DispatchExample(ask, "", "", "PROPERTY", reply="不动产证已办理完毕。") for _ in range(5)]
    with_replies = UnitRanker().fit(history() + offices)
    assert with_replies.rank("公租房资格审核", "", "")[0].unit_code == "HOUSING-SEC"
    assert with_replies.rank("不动产证怎么办理", "", "")[0].unit_code == "PROPERTY"
    without = UnitRanker(reply_weight=0).fit(history() + offices)

    def housing(ranker):
        return dict(ranker.rank("公租房资格审核", "", "", k=5))["HOUSING-SEC"]

    assert housing(with_replies) > housing(without) + 0.1


def test_the_catalogue_prior_breaks_a_tie():
    ranker = UnitRanker(catalogue_weight=0.5).fit(history())
    assert ranker.rank("有个问题想反映", "9999", "T9", catalogue_unit_code="ROADS")[0].unit_code == "ROADS"


def test_save_and_load_give_the_same_ranking(tmp_path):
    ranker = UnitRanker().fit(history())
    path = tmp_path / "models" / "dispatch.joblib"
    ranker.save(path)
    assert UnitRanker.load(path).rank("停水", "0901", "T1") == ranker.rank("停水", "0901", "T1")


def test_untrained_ranker_and_single_unit_history_are_refused():
    with pytest.raises(NotTrainedError):
        UnitRanker().rank("停水", "0901", "T1")
    with pytest.raises(ValueError):
        UnitRanker().fit([DispatchExample(t, "0901", "T1", "WATER-CO") for t in WATER])
