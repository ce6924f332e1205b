"""The clustering of messages into hot issues (rexian/hotspots/clustering.py), on small hand-made sets.

The messages are written the way callers and operators write: the same problem told in
different words by different people, with the place named in the title or not at all.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from rexian.hotspots import clustering as C

NOW = dt.datetime(2026, 3, 18, 15, 0, tzinfo=dt.UTC)

WATER = [  # 幸福家园小区: no water since this morning, five callers
    ("幸福家园小区突然停水", "幸福家园小区从今天早上开始停水，没有任何通知，居民生活受到影响"),
    ("幸福家园小区停水一天了", "来电人反映幸福家园小区今天一早停水，到现在还没来水，也没有停水通知"),
    ("幸福家园小区停水无通知", "幸福家园小区全天停水，事先没有通知，老人小孩没法做饭"),
    ("反映幸福家园小区停水", "幸福家园小区停水一天，物业说是自来水公司的问题，没有通知居民"),
    ("幸福家园小区突然停水没有通知", "小区从早上停水到现在，希望尽快恢复供水"),
]
LIFT = [  # 阳光花园: a lift out of order, three callers
    ("阳光花园3号楼电梯坏了没人修", "阳光花园3号楼电梯停运一周，物业一直不安排维修，老人上下楼困难"),
    ("阳光花园电梯停运一周无人维修", "阳光花园3号楼电梯故障停运，物业不修，住户上下楼十分困难"),
    ("阳光花园3号楼电梯停运", "电梯停运好几天了，物业拖着不修，请督促维修"),
]
OTHERS = [  # one call each about unrelated things
    ("咨询社保卡补办流程", "来电人社保卡丢失，咨询补办需要的材料和地点"),
    ("人民路路灯不亮", "人民路一段路灯晚上不亮，行人走路不安全"),
    ("投诉出租车司机绕路", "乘坐出租车时司机故意绕路多收费"),
    ("建议增加公交班次", "早晚高峰公交车太挤，建议增加班次"),
]


# Other requests of the same days: in a hotline's window the words of one issue are rare among the rest.
BACKGROUND = [
    "咨询公积金提取需要哪些材料", "投诉超市销售过期食品", "反映学校门口交通拥堵", "咨询新生儿医保办理",
    "举报工地夜间施工噪声扰民", "建议公园增加健身器材", "反映垃圾桶满溢无人清运", "投诉快递公司丢失包裹",
    "咨询失业金申领条件", "反映小区绿化带杂草丛生", "投诉培训机构拒绝退费", "咨询居住证办理流程",
    "反映道路积水严重", "投诉餐馆油烟扰民", "咨询个税专项附加扣除", "反映公交车站牌缺失",
]


def message(n: int, title: str, text: str, *, hours_ago: float, author: str | None = None, **extra) -> C.Message:
    return C.Message(
        id=n, title=title, text=text, at=NOW - dt.timedelta(hours=hours_ago),
        author=author if author is not None else f"caller{n}", **extra,
    )


def city(*groups, start: int = 0, hours_ago: float = 1.0) -> list[C.Message]:
    """The messages of `groups`, numbered from `start`, the later ones in each group the more recent."""
    messages = []
    for group in groups:
        for k, (title, text) in enumerate(group):
            n = start + len(messages)
            messages.append(message(n, title, text, hours_ago=hours_ago + len(group) - k))
    return messages


def issues_of(messages, previous=(), **kwargs) -> list[C.Issue]:
    corpus = C.Corpus([*previous, *messages], background=BACKGROUND)
    rows = np.arange(len(previous), len(previous) + len(messages))
    previous_rows = np.arange(len(previous)) if previous else None
    return C.rank_issues(corpus, rows, previous_rows, **kwargs)


def test_similar_requests_about_one_place_are_one_issue_ranked_by_volume():
    issues = issues_of(city(WATER, LIFT, OTHERS))
    assert [(i.place, i.count) for i in issues] == [("幸福家园小区", 5), ("阳光花园", 3)]
    water, lift = issues
    assert set(water.ids) == {0, 1, 2, 3, 4} and set(lift.ids) == {5, 6, 7}
    assert "停水" in water.keywords and "电梯" in lift.keywords
    assert water.title in [title for title, _text in WATER]


def test_an_issue_lists_its_messages_newest_first():
    water = issues_of(city(WATER))[0]
    assert water.ids == (4, 3, 2, 1, 0)
    assert water.first_at == NOW - dt.timedelta(hours=6) and water.last_at == NOW - dt.timedelta(hours=2)


def test_the_same_problem_in_two_compounds_is_two_issues():
    other_compound = [(t.replace("幸福家园小区", "锦绣江南小区"), x.replace("幸福家园小区", "锦绣江南小区")) for t, x in WATER[:3]]
    issues = issues_of(city(WATER[:3], other_compound))
    assert sorted((i.place, i.count) for i in issues) == [("幸福家园小区", 3), ("锦绣江南小区", 3)]


def test_different_problems_in_one_compound_are_two_issues():
    lift_here = [(t.replace("阳光花园", "幸福家园小区"), x.replace("阳光花园", "幸福家园小区")) for t, x in LIFT]
    issues = issues_of(city(WATER, lift_here))
    assert [i.count for i in issues] == [5, 3]
    assert all(i.place == "幸福家园小区" for i in issues)
    assert set(issues[1].ids) == {5, 6, 7}


def test_a_lone_request_is_no_issue():
    assert issues_of(city(OTHERS)) == []


def test_one_persons_repeated_messages_are_no_hot_issue():
    same_caller = [message(n, title, text, hours_ago=n + 1, author="the same caller") for n, (title, text) in
                   enumerate(WATER)]
    assert issues_of(same_caller) == []
    assert [i.count for i in issues_of(same_caller, min_authors=1, max_author_share=1.0)] == [5]
    # Three of five from one caller is still one person's campaign; two of five is an issue.
    three = [message(n, t, x, hours_ago=n + 1, author="a" if n < 3 else f"c{n}") for n, (t, x) in enumerate(WATER)]
    two = [message(n, t, x, hours_ago=n + 1, author="a" if n < 2 else f"c{n}") for n, (t, x) in enumerate(WATER)]
    assert issues_of(three) == [] and [i.count for i in issues_of(two)] == [5]


def test_identical_requests_count_each_and_their_repeat_callers_add_attention():
    title, text = WATER[0]
    messages = [message(n, title, text, hours_ago=n + 1, author="a" if n < 2 else f"c{n}") for n in range(4)]
    issue = issues_of(messages)[0]
    # Three distinct callers, one of them calling twice: attention = 3 + 1.
    assert (issue.count, issue.authors, issue.attention) == (4, 3, 4)


def test_growth_counts_the_similar_requests_of_the_previous_window():
    previous = [message(100, *WATER[0], hours_ago=80), message(101, "咨询社保卡补办流程", "社保卡补办", hours_ago=90)]
    water = issues_of(city(WATER), previous=previous)[0]
    assert (water.count, water.previous_count, water.growth) == (5, 1, 4.0)
    assert water.score == round(C.score(5, 1, water.attention), 4)


def test_a_new_issue_has_no_growth_figure():
    water = issues_of(city(WATER), previous=[message(100, *OTHERS[0], hours_ago=80)])[0]
    assert (water.previous_count, water.growth) == (0, None)


def test_the_score_adds_volume_and_attention_and_multiplies_growth():
    assert C.score(3, None, 10) == pytest.approx(math.log(4) + 0.5 * math.log(11))
    # Twice as many as before ((3+1)/(1+1) = 2: one doubling) earns a quarter more.
    assert C.score(3, 1, 10) == pytest.approx((math.log(4) + 0.5 * math.log(11)) * 1.25)
    # Fewer than before earns nothing extra; growth is capped at three doublings.
    assert C.score(3, 9, 10) == pytest.approx(C.score(3, None, 10))
    assert C.score(100, 0, 0) == pytest.approx(math.log(101) * 1.75)


def test_public_attention_lifts_a_smaller_issue_above_a_bigger_one():
    liked = [message(10 + k, title, text, hours_ago=k + 1, attention=200) for k, (title, text) in enumerate(LIFT)]
    issues = issues_of([*city(WATER), *liked])
    assert [i.place for i in issues] == ["阳光花园", "幸福家园小区"]
    assert issues[0].attention == 3 + 600


def test_limit_keeps_the_best_issues():
    assert [i.place for i in issues_of(city(WATER, LIFT), limit=1)] == ["幸福家园小区"]


def test_sensitive_words_found_in_an_issue_are_flagged():
    protest = [(t, x + "，业主们准备集体上访") if k == 0 else (t, x) for k, (t, x) in enumerate(WATER)]
    issue = issues_of(city(protest), sensitive_words=["上访", "集体", "爆炸"])[0]
    assert issue.sensitive_words == ("上访", "集体")


def test_sensitive_in_keeps_the_order_of_the_word_list():
    assert C.sensitive_in(["工地发生火灾", "群众聚集"], ["聚集", "火灾", "死亡"]) == ("聚集", "火灾")
    assert C.sensitive_in(["一切正常"], ["火灾"]) == ()


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("A市伊景园滨河苑捆绑销售车位", "伊景园滨河苑"),
        ("A5区劳动东路魅力之城小区油烟扰民", "魅力之城小区"),  # a compound before the road it stands on
        ("新街花苑住户在楼道内给电动车充电", "新街花苑"),  # 街 inside a compound's name
        ("建议祁巷路施工期间设置临时便道", "祁巷路"),
        ("A3区郝家坪小学何时扩建", "郝家坪小学"),
        ("投诉小区附近搅拌站噪音扰民", ""),  # 投诉小区 is no name
        ("A市58车贷老板跑路美国", ""),  # 跑路 is no road
        ("请加快国家中心城市建设", ""),  # 城市 is no compound
        ("感谢市场监管局帮助解决实际困难", ""),  # 市场监管局 is a bureau, and 感谢 no part of a name
        ("反映城东市场监管所不作为", ""),  # a market regulation office, not a market
        ("表扬阳光小区物业及时修好电梯", "阳光小区"),
        ("幸福路路灯不亮", "幸福路"),
        ("阳光小区电梯坏了", "阳光小区"),
        ("城东农贸市场乱收摊位费", "城东农贸市场"),
    ],
)
def test_place_finder_finds_the_place_a_title_names(text, place):
    assert C.PlaceFinder().place_of(text) == place


def test_a_known_name_is_found_whole_and_a_specific_place_wins_over_an_area():
    finder = C.PlaceFinder(["城东街道", "幸福社区"])
    assert finder.places("城东街道幸福社区反映路灯不亮") == ["城东街道", "幸福社区"]
    # The title names only the town; the address names the compound: the compound is the place.
    assert finder.place_of("城东街道居民反映停水", "城东街道幸福家园小区3号楼") == "幸福家园小区"


def test_names_that_qualify_one_another_are_one_place_and_ordinals_are_not():
    places = C.Places(["伊景园滨河苑", "滨河苑", "伊景园", "第二人民医院", "人民医院", "金桂花园", "银桂花园"])
    a, b = np.array([0, 0, 3, 5]), np.array([1, 2, 4, 6])
    assert places.compatible(places.ids[a], places.ids[b]).tolist() == [True, True, False, False]
    assert places.compatible(np.array([0, 7]), np.array([5, 0])).tolist() == [True, True]  # unknown: any
