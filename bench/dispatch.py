"""Measure smart dispatch (智能派单): top-1 and top-3 accuracy of `UnitRanker` on two sets.

    .venv/bin/python bench/dispatch.py --demo-db /tmp/demo.sqlite3 --data-dir ../shared/data/teddycup2020

(a) **Demo city.** The orders of a database loaded with `rexian demo` (point
    `--demo-db` at its SQLite file; the bench sets DATABASE_URL to it). Examples
    come from `rexian.orders.selectors.dispatch_training_examples`; the first 80%
    by `registered_at` train, the last 20% test. Printed beside the ranker: the
    dispatch catalogue alone (its lead unit as the only guess) and the ranker
    without the catalogue prior.

(b) **Teddy Cup replies.** `replied_messages.csv` has no unit column, but the
    reply usually names the handling unit. `handling_unit(reply, message)`
    extracts it (see its docstring: signature, forwarding, 我局 / 我镇 resolved
    from the wording, 经X调查 …; None when the reply does not say), `unit_name`
    normalises it, units with fewer than `--min-examples` messages are dropped,
    and the rest are split by time (first 80% by message time train, last 20%
    test) and also stratified (80/20, `random_state=0`, and the mean of five
    seeds). There is no category or area here: the ranker sees the message's
    title and text only. `--kind` repeats the measurement with the unit's
    functional kind (`unit_kind`: 教育, 城管, 乡镇街道 …) as the label.

    Before that, `extraction_check` prints the extractor's coverage and
    precision on a hand-labelled sample (`--sample`, default
    bench/data/replied_units_sample.csv: 180 random replies, ids and units only).

Prints `BENCH {json}` last. Never writes message texts anywhere.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# --- (b) The handling unit named in a reply ---------------------------------------------------------------------
#
# The rules were written against the first 120 rows of a hand-labelled sample (bench/data/replied_units_sample.csv:
# 留言编号 and the unit a reader finds in the reply, never the texts); its last 60 rows are held out.
# `extraction_check` scores the extractor on both. The rules are general (how replies are signed, forwarded and
# worded), not per-message answers.

_PUNCT = "，。：:！!？?、；;,“”\"‘’'（）()《》<>〈〉【】\\[\\]·…—\\s\xa0\u3000"
_RUN = rf"[^{_PUNCT}]"  # one character of a name: anything but punctuation and spaces
_LIST = rf"[^{_PUNCT.replace('、', '')}]"  # … of a list of names ("县发改局、运管所")
_DATE = (
    r"(?:\d{4}\s*[-年./]\s*\d{1,2}\s*[-月./]\s*\d{1,2}\s*日?"
    r"|[〇○零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*日)"
)
# What a reply's closing date is followed by: the end, a space or a sign, or the next reply pasted after it.
_AFTER_DATE = r"(?=\s*(?:$|[^\u4e00-\u9fff]|网友|您|你|尊敬|感谢|我|关于|针对|经|现|已))"
# A unit's name ends in one of these (after `unit_name`); 公司 only for public utilities, see `_plausible`.
_UNIT_END = re.compile(
    r"(?:政府|管委会|党委|工委|委|局|办|中心|街道|镇|乡|大队|中队|支队|派出所|司法所|国土所|财政所|运管所|管理所|检定所"
    r"|医院|法院|检察院|学院|职院|卫生院|厅|残联|银行|支行|分行|组织部|宣传部|统战部|公司)$"
)
_UTILITY = re.compile(r"供电|电力|电网|自来水|供水|水务|燃气|公交|电信|移动|联通|铁路|邮政|烟草|轨道|磁浮|水业")
# Not a unit: the reader's own unit, generic words, the parties complained about, and clause fragments.
_NOT_A_NAME = re.compile(
    r"^(?:该|此|本|贵|各|全|其|相关|有关|上级|下属|所在|对方)"
    r"|[我您你他她们的了是在对为将已把被请到向经由按据要需应可能不无有或等这那每于从给让使时并也都还又就才说如若因但而则即便且个些么吗呢吧啊及"
    r"0-9A-Za-z]"
    r"|部门|单位|负责|调查|核实|处理|办理|进行|目前|正在|建议|咨询|反映|要求|督促|联系|电话|规定|文件|政策|办法|条例|通知|方案"
    r"|项目|小区|物业|业主|开发|置业|地产|实业|工作人员|领导(?!小组)|同志|社区|村委|居委|业委|学校|网站|平台|窗口|热线|系统|所在|所属"
    r"|投诉|举报|关于|请求|希望|分管|副局|局长|问题|安排|反馈|尽快|路口|大门|门口|附近|对面|旁边|[至贵“”\"'‘’《》（）()]"
    r"|(?:城乡|城镇|集镇)$|(?:布|格|结|大|全|骗|赌|饭|棋|开)局$|(?:查|督|承|主|协|代|包|开|举|创|停|申|交|转|批|兴|民|公)办$"
    r"|^(?:政府|分局|中心|公司|银行|支行|分行|大队|中队|支队|医院|学院|党委|乡镇|街道|派出所|办|局|委)$"
)
_NOISE_START = re.compile(
    r"^(?:中共|国网|中国|辖区|属地|当地|今年|去年|近年来?|日前|此前|近期|目前"
    r"|经|由|到|报|于|感谢|请|现|已|根据|按照|同时|立即|并|向|在|对|将|会同|联合|协调|督促|要求|责成)+"
)
_GOVERNMENT = re.compile(r"^(?:西地(省)|[A-Z]\d*([市区县])|([省市区县]))(?:人民)?政府$")
_PLACE_CODE = re.compile(r"西地省|[A-Z]\d*[市区县](?!委|政府$)")
_BARE_PLACE = re.compile(r"^[省市区县](?!委|政府$|场|政)")  # not the 市 of 市场监管局 or 市政局
_PARTY = re.compile(r"^(?:[A-Z]\d*)?[省市区县]委(组织部|宣传部|统战部)$")
_SUB_OFFICE = re.compile(  # a section of a unit: 教育局基教股 → 教育局, 房产局物管办 → 房产局, 交警大队唐田中队 → 交警大队
    r"^(.{1,12}?(?:局|街道|镇|乡|委|大队|支队))[^局委镇乡]{1,5}(?:股|科|处|室|办|中队|所|中心|站|组)$"
)
_SYNONYMS = [
    ("管理委员会", "管委会"),
    ("工作委员会", "工委"),
    ("委员会", "委"),
    ("人民政府", "政府"),
    ("街道办事处", "街道"),
    ("街道办", "街道"),
    ("办事处", "街道"),
    ("办公室", "办"),
    ("城市管理和行政执法局", "城管局"),
    ("城市管理和综合执法局", "城管局"),
    ("城市管理综合执法局", "城管局"),
    ("城市管理局", "城管局"),
    ("行政执法局", "城管局"),
    ("环境保护局", "环保局"),
    ("生态环境局", "环保局"),
    ("人力资源和社会保障局", "人社局"),
    ("人力资源与社会保障局", "人社局"),
    ("住房和城乡建设局", "住建局"),
    ("住房城乡建设局", "住建局"),
    ("城乡建设局", "住建局"),
    ("国土资源局", "自然资源局"),
    ("自然资源和规划局", "自然资源局"),
    ("卫生和计划生育委", "卫健委"),
    ("卫生和计划生育局", "卫健委"),
    ("卫生健康委", "卫健委"),
    ("卫生健康局", "卫健委"),
    ("卫计委", "卫健委"),
    ("卫计局", "卫健委"),
    ("公安局交通警察", "交警"),
    ("交通警察", "交警"),
    ("公安局交警", "交警"),
    ("公安交警", "交警"),
    ("交通运输局", "交通局"),
    ("发展和改革委", "发改委"),
    ("发展和改革局", "发改委"),
    ("发展改革委", "发改委"),
    ("发改局", "发改委"),
    ("教育体育局", "教育局"),
    ("城乡规划局", "规划局"),
    ("房产管理局", "房产局"),
    ("房管局", "房产局"),
    ("房地产管理局", "房产局"),
    ("市场监督管理局", "市场监管局"),
    ("城乡居民医疗保险服务中心", "医保中心"),
    ("城乡居民医保管理服务中心", "医保中心"),
    ("医疗保险管理服务中心", "医保中心"),
    ("医疗保险服务中心", "医保中心"),
    ("新型农村合作医疗管理办", "农合办"),
    ("镇政府", "镇"),
    ("乡政府", "乡"),
]


def unit_name(raw: str) -> str:
    """The canonical form of a unit's name as written in a reply.

    Drops spaces, then leading words that are not part of a name (经, 由, 转 …, 中共, 国网); writes a
    government as 省政府 / 市政府 / 区政府 / 县政府 (A6区人民政府 → 区政府); strips the pseudonymised province,
    city, district and county codes wherever they stand (西地省, A市, A3区, K7县: A市教育局, 市教育局 and K7县教育局
    are all 教育局, 环保B2区分局 is 环保分局) and a bare 市/区/县 before the name, but not before 委 or 政府
    (县委, 区政府), and a party department keeps only its name (K10县委组织部 → 组织部); then spells long forms
    short (委员会 → 委, 人民政府 → 政府, 街道办事处 → 街道, 办公室 → 办, the usual short names of 城管, 环保,
    人社, 住建, 自然资源, 卫健, 交警, 交通, 发改, 房产, 市场监管, 医保中心 and 农合办). This merges the same
    kind of bureau across districts: the set measures which *kind* of unit handles a message, not which
    district's; `unit_kind` goes one step further.
    """
    name = re.sub(r"[\s\xa0\u3000]|_x000D_", "", raw)
    name = re.sub(r"^.*?(?:已转交?至?|转交至?|转至|转到|转由|交由)", "", name)
    name = _NOISE_START.sub("", name)
    government = _GOVERNMENT.match(name)
    if government:
        return (government.group(1) or government.group(2) or government.group(3)) + "政府"
    party = _PARTY.match(name)
    if party:
        return party.group(1)
    name = _PLACE_CODE.sub("", name)
    name = _BARE_PLACE.sub("", name)
    for long, short in _SYNONYMS:
        name = name.replace(long, short)
    name = re.sub(r"^(.+?(?:镇|乡|街道))(?:党工委|党委)?(?:政府)?$", r"\1", name)  # 青山铺镇党委政府 → 青山铺镇
    return re.sub(r"^([省市区县])委\1?政府$", r"\1政府", name)  # 县委县政府 → 县政府


def _plausible(name: str) -> bool:
    """Whether a normalised name reads as a unit: a proper ending, no clause words, 公司 only for utilities."""
    if not 2 <= len(name) <= 20 or not _UNIT_END.search(name) or _NOT_A_NAME.search(name):
        return False
    if name.endswith("公司") and not _UTILITY.search(name):
        return False
    if name.endswith(("支行", "分行")) and not re.search(r"银行|农行|农商|工行|建行|中行", name):
        return False
    # 会 only in 管委会; 所 only as the end of a named 所 (派出所, 司法所 …)
    return ("会" not in name or name.endswith("管委会")) and "所" not in name[:-1]


def _unit(raw: str) -> str | None:
    """`raw` as a normalised, plausible unit name (a section cut back to its unit), or None."""
    name = unit_name(raw)
    if not _plausible(name):
        section = _SUB_OFFICE.match(name)
        if not section:
            return None
        name = section.group(1)
    elif _SUB_OFFICE.match(name) and not name.endswith(("局", "委", "街道", "镇", "乡", "大队", "支队")):
        name = _SUB_OFFICE.match(name).group(1)
    return name if _plausible(name) else None


def _first_unit(listing: str, fields: bool = False) -> str | None:
    """The first plausible unit in a list such as "县发改局、运管所" or "圭塘街道与泰安社区".

    With `fields`, a field's 部门 counts as its bureau ("已转交教育部门" → 教育局), for forwardings only.
    """
    for part in re.split(r"[、，,和及与或/]", listing):
        found = _unit(part)
        if found:
            return found
        if fields:
            department = re.fullmatch(r"(?:[A-Z]\d*)?[省市区县]?([\u4e00-\u9fff]{2,6})(?:主管|行政)?部门", part)
            for pattern, unit in _FIELDS if department else ():
                if re.fullmatch(pattern, department.group(1)):
                    return {"交警": "交警大队"}.get(unit, unit)
    return None


# The signature: a unit's name alone before the reply's date (or at the very end), after a sentence or a space.
_SIGNATURE = re.compile(rf"(?:^|(?<=[。！!？?；;…\s\xa0]))({_RUN}{{2,30}}?)\s*(?:{_DATE}{_AFTER_DATE}|$)")
# "感谢您对日月湖国家湿地公园管理局工作的关心": the reply thanks the reader for caring about its own unit.
_THANKS = re.compile(r"感谢(?:您|你|网友|广大[^对]{0,6})?(?:一直以来)?对([^。，！!；]{2,30}?)(?:工作|事业|发展)?的(?:关心|关注|支持|理解|监督|信任|建议)")
# "已转L市生态环境局调查核处", "我办已转迎丰街道办事处调查核处", "已转交县发改局、运管所核实、办复", "转市公路局。"
_FORWARD = re.compile(
    rf"(?:转交至?|转至|转给|转到|交由|(?:已|现|并|均|办|我们|将|日)转(?:交至?|至|给|到)?)({_LIST}{{2,40}}?)"
    r"(?:进行|予以|依法)?(?:调查|核处|核查|核实|查处|办理|处理|办复|答复|回复|处置|(?=[。！!]|$))"
)
# "经A5区规划分局核查", "经韭菜园街道调查核实", "经圭塘街道与泰安社区…核实"
_INVESTIGATED = re.compile(
    rf"(?:^|(?<=[{_PUNCT}]))经(?:过)?({_LIST}{{2,30}}?)(?:工作人员)?(?:现场|实地|认真|深入|多次)?"
    r"(?:调查|核实|核查|查实|了解|查勘|勘查|查看|查明)"
)
# "我们要求市教育局进行了调查核实", "要求县农商银行对您反映的问题进行调查核实", "责成教育局基教股调查处理"
_ASKED = re.compile(
    rf"(?:要求|督促|责成|安排)({_LIST}{{2,30}}?)(?:对[^。，；]{{0,25}}?)?(?:进行了?|立即|迅速|认真)?"
    r"(?:调查|核实|核查|查处|了解核实|了解|办理|处理)"
)
# "A7县教育局非常重视", "环保B2区分局高度重视，第一时间组织人员调查核实"
_ATTENTION = re.compile(
    rf"(?:^|(?<=[{_PUNCT}]))({_LIST}{{2,25}}?)(?:领导|党组|党委)?(?:接到[^。，]{{0,15}}?后)?(?:高度|非常|十分|极为)重视"
)
# "如有其他疑问，建议您与A5区洞井街道（电话：…）联系咨询": the unit to turn to next is the one that handled it.
_CONTACT = re.compile(rf"建议(?:您|你)?(?:直接)?与({_LIST}{{2,40}}?)[（(]")
# 我局 / 本局 / 我委 / 我镇 / 我街道 / 我单位 …: the reply speaks as its unit.
_SELF = re.compile(
    r"(?:我|本(?=局|委|镇|乡|街道|中心|所))"
    r"(街道|局(?!面|势|限)|委|镇|乡|区(?!域|间|别|分|内外)|中心|所(?!有|以|在|属|述|说|谓|需|得|能|提|反|涉|列)"
    r"|大队|支队|公司|单位)"
)
# A place: a run of 2-5 characters ending in 镇, 乡 or 街道, starting after a code, a sign or a small word.
_PLACE = re.compile(
    r"(?:(?<=[^\u4e00-\u9fff㮾])|(?<=[县市区对在是于的]))([\u4e00-\u9fff㮾]{2,5}?(?:街道|镇|乡))(?:人民政府|政府|办事处|党委)?"
)
_NOT_A_PLACE = re.compile(r"[与和及但的了是在对为将已把被而]|城乡|乡镇|乡村|农村|城镇|集镇|村|社区|小区|我|本|该|各|全|其|每|下乡|返乡|家乡|老乡|异乡|外乡|故乡|镇上")
# Words of a thanks phrase that say which bureau 我局 / 我单位 is (the reader is thanked for caring about its field).
_FIELDS = [
    (r"交管|交警|交通安全|道路交通", "交警"),
    (r"公安", "公安局"),
    (r"教育", "教育局"),
    (r"住房保障", "住房保障局"),
    (r"房产|房地产|物业管理", "房产局"),
    (r"城市建设|城乡建设|住建|建设", "住建局"),
    (r"城管|城市管理|市容|亮化", "城管局"),
    (r"卫生|卫健|卫计|健康", "卫健委"),
    (r"自然资源|国土", "自然资源局"),
    (r"规划", "规划局"),
    (r"环保|环境保护|生态环境", "环保局"),
    (r"人社|社保|社会保障|劳动|就业", "人社局"),
    (r"医保|医疗保障", "医保局"),
    (r"民政|殡葬|养老", "民政局"),
    (r"交通运输|交通", "交通局"),
    (r"水利", "水利局"),
    (r"水务", "水务局"),
    (r"林业", "林业局"),
    (r"农业|畜牧", "农业局"),
    (r"财政", "财政局"),
    (r"商务", "商务局"),
    (r"市场监管|工商|质监|食品药品", "市场监管局"),
    (r"司法", "司法局"),
    (r"残疾人|残联", "残联"),
    (r"电力|供电", "供电公司"),
]


def _places(text: str, ending: str) -> list[str]:
    """Names of places ending in `ending` (镇, 乡 or 街道) that `text` mentions, most mentioned first."""
    found = Counter()
    first = {}
    for match in _PLACE.finditer(text):
        name = unit_name(match.group(1))
        if name.endswith(ending) and not _NOT_A_PLACE.search(name):
            found[name] += 1
            first.setdefault(name, match.start())
    return sorted(found, key=lambda n: (-found[n], first[n]))


def _named_units(text: str, ending: str) -> set[str]:
    """The distinct plausible unit names ending in `ending` that `text` names after a sign, a code or a small word."""
    names = set()
    starts = rf"(?:^|(?<=[{_PUNCT}\dA-Z对由经向与和及将请转的在是]))"
    for match in re.finditer(rf"{starts}(?=({_RUN}{{1,14}}?{ending})(?!{_RUN}{{0,2}}{ending}))", text):
        found = _unit(match.group(1))
        if found and len(found) <= 10:
            names.add(found)
    return names


def _resolve_self(text: str, message: str) -> str | None:
    """The unit a reply speaking as 我镇 / 我街道 / 我局 / 我委 / 我单位 … is, when its own wording or the message says.

    我镇 / 我乡 / 我街道 → the 镇 / 乡 / 街道 the reply names most (the message's, if the reply names none).
    我大队 / 我支队 in a reply about traffic (交警, 交管, 道路交通 …) → 交警大队 / 交警支队.
    我局 / 我委 / 我所 / 我中心 / 我公司 / 我单位 → the bureau of the field named in the thanks line
    ("感谢您对A7县卫生健康工作的关注" → 卫健委, "…城市建设工作…" → 住建局; `_FIELDS`), else the one unit
    with the same ending (局, 委 …) that the reply names, else the one the message names (a reply saying 我局
    to a message about "M3县环保局" is 环保局). 我区 is left to the caller (lowest rank).
    """
    selves = [m.group(1) for m in _SELF.finditer(text)]
    for place in ("镇", "乡", "街道"):
        if place in selves:
            places = _places(text, place) or _places(message, place)
            if places:
                return places[0]
    selves = [word for word in selves if word not in ("镇", "乡", "街道", "区")]
    if not selves:
        return None
    if ("大队" in selves or "支队" in selves) and re.search(r"交警|交管|道路交通|交通违法|交通安全", text):
        return "交警大队" if "大队" in selves else "交警支队"  # 我支队X区大队 speaks as the 大队
    for thanks in _THANKS.finditer(text):
        for pattern, unit in _FIELDS:
            if re.search(pattern, thanks.group(1)):
                if unit != "交警":
                    return unit
                if "支队" in selves or "大队" in selves:
                    return "交警支队" if "支队" in selves else "交警大队"
    for ending in selves:
        if ending == "单位":
            continue
        for source in (text, message):
            names = _named_units(source, ending)
            if len(names) == 1:
                return names.pop()
    return None


def handling_unit(reply: str, message: str = "") -> str | None:
    """The normalised name of the unit that handled a message, read from its reply (and the message), or None.

    Tries, in this order, and returns the first plausible unit:

    1. the signature: a unit's name alone right before the reply's date, or at its very end
       ("… A7县公安局交警大队 2014年9月11日"); when replies are pasted together, the last one;
    2. a thanks line naming the unit itself ("感谢您对日月湖国家湿地公园管理局工作的关心");
    3. the receiving unit of a forwarding ("已转L市生态环境局调查核处", "已转交县发改局、运管所核实"; a
       field's 部门 stands for its bureau here: "已转交教育部门" → 教育局);
    4. the unit the reply speaks as (我镇, 我局, 我单位 …), resolved by `_resolve_self`;
    5. "经X调查/核实", then "要求/督促/责成X调查/核实", then "X高度重视" (not 市委 / 市政府, the usual
       praise of the leadership), then "建议您与X（电话…）联系";
    6. 我区 → 区政府.

    A name must end in a unit word (局, 委, 办, 中心, 街道, 镇, 乡, 政府, 大队, 派出所, 医院, 厅 …; 公司 only
    for utilities such as 供电公司 or 自来水公司), must not contain clause words (的, 了, 是, 对, 部门, 相关 …)
    and must not be a self-reference or a generic word (我局, 本单位, 相关部门, 物业公司, 街道); a section
    is cut back to its unit (教育局基教股 → 教育局). `message`
    (the citizen's title and text) only serves to say which 镇 / 街道 / 局 a 我镇 / 我局 reply is.
    Deterministic; no model, no list of particular messages.
    """
    text = re.sub(r"_x000D_|[\r\n]+", " ", reply or "").strip()
    message = re.sub(r"_x000D_|[\r\n]+", " ", message or "")
    signed = [found for m in _SIGNATURE.finditer(text) if (found := _unit(m.group(1)))]
    if signed:
        return signed[-1]
    for m in _THANKS.finditer(text):
        found = _unit(m.group(1))
        if found:
            return found
    for m in _FORWARD.finditer(text):
        found = _first_unit(m.group(1), fields=True)
        if found:
            return found
    found = _resolve_self(text, message)
    if found:
        return found
    for pattern in (_INVESTIGATED, _ASKED, _ATTENTION, _CONTACT):
        for m in pattern.finditer(text):
            found = _first_unit(m.group(1))
            # "市委、市政府高度重视" is the usual praise of the leadership, not the handling unit
            if found and not (pattern is _ATTENTION and re.search(r"(?:^[省市区县]|党)委$|^[省市区县]政府$", found)):
                return found
    if re.search(r"我区(?!域|间|别)", text):
        return "区政府"
    return None


# --- The kind of unit -------------------------------------------------------------------------------------------

# (kind, pattern on the normalised name), first match wins: 交警 before 公安 and 交通, 医保 before 卫健 and 人社,
# 城管 and 住建 before 环保. Picked from the names the extractor finds in replied_messages.csv.
UNIT_KINDS = [
    ("交警", r"交警|交管|车管所"),
    ("公安", r"公安|派出所|消防|治安|出入境"),
    ("医保", r"医保|医疗保障|医疗保险|农合办|合作医疗"),
    ("教育", r"教育|教体|学校|中学|小学|幼儿园|学院|职院|大学"),
    ("人社", r"人社|社保|劳动|就业|人力资源"),
    ("住建", r"住建|建设局|规建|建委|城建|建管|人防|质安|建设行政执法|建设中心"),
    ("城管", r"城管|城市管理|行政执法|执法局|执法大队|执法中队|环卫|市容|园林|治违|拆违"),
    ("自然资源/规划", r"自然资源|国土|规划|不动产|测绘"),
    ("发改", r"发改|物价|价格"),
    ("环保", r"环保|环境|生态"),
    ("卫健", r"卫健|卫生|计生|计划生育|医院|疾控"),
    ("民政", r"民政|殡仪|殡葬|老龄|残联"),
    ("市场监管", r"市场监管|市场监督|工商|质监|质量技术|食药|食品药品"),
    ("房产/住房保障", r"房产|房屋|房管|住房保障|住保|住房服务|公积金|物管"),
    ("水务", r"水务|水利|自来水|供水|水业|排水|水投"),
    ("电力/供电", r"供电|电力|电业|电网"),
    ("交通运输", r"交通|运管|运输|公路|公交|高管局|客运|港航|铁路|轨道|磁浮|地铁"),
    ("政法", r"法院|检察院|司法"),
    ("财政", r"财政"),
    ("商务", r"商务|商粮|粮食"),
    ("农业农村", r"农业|农委|农村|畜牧|林业|农机|水产|扶贫"),
    ("网信宣传", r"网宣|网络宣传|网信|宣传部|电子政务|网络文化"),
    ("党委部门", r"组织部|纪委|统战|政法委"),
    ("乡镇街道", r"(?:镇|乡|街道)$"),
    ("县区政府", r"政府$|管委会$|^[省市区县]委$"),
]
_KIND_PATTERNS = [(kind, re.compile(pattern)) for kind, pattern in UNIT_KINDS]


def unit_kind(name: str) -> str:
    """The functional kind of a unit, from its normalised name (`unit_name`); the name itself when no kind fits.

    The kinds, in the order they are tried (`UNIT_KINDS`): 交警 (交警, 交管, 车管所), 公安 (公安, 派出所, 消防),
    医保 (医保中心, 农合办), 教育, 人社, 住建 (住建局, 规建局, 人防办), 城管 (城管局, 执法大队, 环卫, 园林),
    自然资源/规划 (自然资源局, 国土局, 规划局), 发改 (发改委, 物价局), 环保, 卫健 (卫健委, 医院), 民政 (民政局,
    残联), 市场监管 (工商, 质监, 食药), 房产/住房保障 (房产局, 住房保障局, 公积金中心), 水务 (水利, 自来水),
    电力/供电, 交通运输 (交通局, 运管, 公路, 公交), 政法, 财政, 商务, 农业农村, 网信宣传, 党委部门, 乡镇街道
    (every 镇, 乡 and 街道), 县区政府 (区政府, 县政府, 市政府, 管委会, 区委). A dispatcher routes to a kind of
    bureau, then to the district's own; the kind is the first half of that decision, with fewer, larger classes.
    """
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(name):
            return kind
    return name


def extraction_check(path: Path, sample_path: Path) -> dict:
    """Precision and coverage of `handling_unit` on the hand-labelled sample (ids and units only, no texts).

    The sample is `random.Random(20261127).sample(rows, 180)` of replied_messages.csv, in that order; a reader
    wrote down the unit that answered or handled each message (the signer, or what 我局 / 我镇 refers to when the
    reply makes it clear, or the unit it was forwarded to), normalised like `unit_name`, or "none". The rules were
    written against the first 120 rows ("tuning"); the last 60 ("held out") were not used to change them.
    Coverage: share of rows where the extractor gives a unit; precision: share of those where it is the reader's
    (kind_precision: where its `unit_kind` is); recall: share of the rows the reader labelled that it gets right.
    """
    with path.open(encoding="utf-8") as handle:
        rows = {row["留言编号"]: row for row in csv.DictReader(handle)}
    with sample_path.open(encoding="utf-8") as handle:
        labels = [(row["id"], row["unit"]) for row in csv.DictReader(handle)]
    result = {}
    for part, chunk in (("tuning", labels[:120]), ("held_out", labels[120:]), ("all", labels)):
        given = right = right_kind = labelled = 0
        for key, gold in chunk:
            row = rows[key]
            found = handling_unit(row.get("答复意见", ""), row.get("留言主题", "") + " " + row.get("留言详情", ""))
            labelled += gold != "none"
            given += found is not None
            right += found is not None and found == gold
            right_kind += found is not None and gold != "none" and unit_kind(found) == unit_kind(gold)
        result[part] = {
            "rows": len(chunk),
            "labelled": labelled,
            "given": given,
            "coverage": round(given / max(1, len(chunk)), 3),
            "precision": round(right / max(1, given), 3),
            "kind_precision": round(right_kind / max(1, given), 3),
            "recall": round(right / max(1, labelled), 3),
        }
    return result


def replied_routing_set(path: Path, min_examples: int, *, kind: bool = False) -> tuple[list, dict]:
    """(examples sorted by message time, counts): the rows whose reply names a unit with ≥ min_examples rows.

    With `kind`, the label is the unit's kind (`unit_kind`) instead of its name, and min_examples counts kinds.
    """
    from rexian.intelligence.dispatch import DispatchExample
    from rexian.intelligence.text import order_text

    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    found = []
    for row in rows:
        unit = handling_unit(row.get("答复意见", ""), row.get("留言主题", "") + " " + row.get("留言详情", ""))
        if unit:
            found.append((row, unit_kind(unit) if kind else unit))
    counts = Counter(unit for _row, unit in found)
    kept = [(row, unit) for row, unit in found if counts[unit] >= min_examples]

    def when(row):
        parts = re.findall(r"\d+", row.get("留言时间", ""))
        return tuple(int(p) for p in parts[:6]) if parts else ()

    kept.sort(key=lambda pair: when(pair[0]))
    # The reply trains as its unit's reply does in the product (a second, lighter document); ranking reads the
    # message alone, so a test message's reply is never seen.
    examples = [
        DispatchExample(order_text(row.get("留言主题", ""), row.get("留言详情", "")), "", "", unit,
                        reply=row.get("答复意见", ""))
        for row, unit in kept
    ]
    figures = {
        "label": "kind" if kind else "name",
        "rows": len(rows),
        "unit_found": len(found),
        "distinct_units": len(counts),
        "kept_rows": len(kept),
        "kept_units": len({u for _r, u in kept}),
        "min_examples": min_examples,
    }
    return examples, figures


def _measure(ranker_factory, train, test, catalogue=None, threshold: float = 0.9) -> dict:
    """Top-1/top-3 on `test`, and what auto-dispatch at `threshold` would do: share dispatched, share right."""
    from rexian.intelligence.dispatch import top_k_accuracy

    started = time.process_time()
    ranker = ranker_factory().fit(train)
    fit_s = time.process_time() - started
    top1, top3 = top_k_accuracy(ranker, test, catalogue)
    rows = ranker.scores(
        [e.text for e in test],
        [e.category_code for e in test],
        [e.area_code for e in test],
        [catalogue(e.category_code, e.area_code) for e in test] if catalogue else None,
    )
    units = ranker.units
    confident = [(units[row.argmax()], e.unit_code) for row, e in zip(rows, test) if row.max() >= threshold]
    return {
        "train": len(train),
        "test": len(test),
        "top1": round(top1, 3),
        "top3": round(top3, 3),
        "fit_cpu_s": round(fit_s, 1),
        f"auto_at_{threshold}_share": round(len(confident) / max(1, len(test)), 3),
        f"auto_at_{threshold}_right": round(sum(a == b for a, b in confident) / max(1, len(confident)), 3),
    }


def bench_replied(path: Path, min_examples: int, *, kind: bool = False) -> dict:
    import numpy as np
    from sklearn.model_selection import train_test_split

    from rexian.intelligence.dispatch import UnitRanker, top_k_accuracy

    examples, figures = replied_routing_set(path, min_examples, kind=kind)
    cut = int(len(examples) * 0.8)
    # No category or area here: the text model and the per-category history (one empty category) carry it all.
    figures["time_split"] = _measure(lambda: UnitRanker(), examples[:cut], examples[cut:])
    figures["time_split_without_replies"] = _measure(lambda: UnitRanker(reply_weight=0), examples[:cut], examples[cut:])
    train, test = train_test_split(examples, test_size=0.2, random_state=0, stratify=[e.unit_code for e in examples])
    figures["stratified_split"] = _measure(lambda: UnitRanker(), train, test)
    # ~100 test rows: one split moves by a few points when a handful of labels change; five splits say how much.
    for name, make in (("", UnitRanker), ("_without_replies", lambda: UnitRanker(reply_weight=0))):
        repeats = []
        for seed in range(5):
            train, test = train_test_split(
                examples, test_size=0.2, random_state=seed, stratify=[e.unit_code for e in examples]
            )
            repeats.append(top_k_accuracy(make().fit(train), test))
        figures[f"stratified_5_seeds{name}"] = {
            "top1_mean": round(float(np.mean([r[0] for r in repeats])), 3),
            "top3_mean": round(float(np.mean([r[1] for r in repeats])), 3),
            "top3_min": round(min(r[1] for r in repeats), 3),
            "top3_max": round(max(r[1] for r in repeats), 3),
            "top3": [round(r[1], 3) for r in repeats],
        }
    majority = Counter(e.unit_code for e in examples[:cut]).most_common(3)
    figures["time_split"]["majority_top1"] = round(
        sum(e.unit_code == majority[0][0] for e in examples[cut:]) / max(1, len(examples) - cut), 3
    )
    return figures


# --- (a) The demo city -------------------------------------------------------------------------------------------


def bench_demo() -> dict:
    from rexian.catalog.models import Category
    from rexian.catalog.selectors import dispatch_suggestion
    from rexian.intelligence.dispatch import UnitRanker
    from rexian.orders.selectors import dispatch_training_examples
    from rexian.orders.smart_dispatch import example_from_row
    from rexian.units.models import Unit

    rows = list(dispatch_training_examples())
    rows.sort(key=lambda row: row["registered_at"])
    examples = [example_from_row(row) for row in rows]
    cut = int(len(examples) * 0.8)
    train, test = examples[:cut], examples[cut:]
    categories = {c.code: c for c in Category.objects.all()}
    areas = {u.code: u for u in Unit.objects.all()}
    cache: dict = {}

    def catalogue(category_code: str, area_code: str) -> str | None:
        key = (category_code, area_code)
        if key not in cache:
            answer = dispatch_suggestion(category=categories.get(category_code), area=areas.get(area_code))
            cache[key] = answer.lead_unit.code if answer else None
        return cache[key]

    catalogue_top1 = sum(catalogue(e.category_code, e.area_code) == e.unit_code for e in test) / max(1, len(test))
    figures = {
        "orders": len(examples),
        "corrections": sum(1 for e in examples if e.returned_unit_codes),
        "units": len({e.unit_code for e in examples}),
        "catalogue_only_top1": round(catalogue_top1, 3),
        "ranker": _measure(lambda: UnitRanker(), train, test, catalogue),
        "ranker_without_catalogue": _measure(lambda: UnitRanker(catalogue_weight=0.0), train, test),
        "ranker_without_replies": _measure(lambda: UnitRanker(reply_weight=0), train, test, catalogue),
    }
    corrected = [e for e in test if e.returned_unit_codes]
    if corrected:
        from rexian.intelligence.dispatch import top_k_accuracy

        ranker = UnitRanker().fit(train)
        c1, c3 = top_k_accuracy(ranker, corrected, catalogue)
        figures["ranker_on_corrected_test_orders"] = {
            "test": len(corrected),
            "top1": round(c1, 3),
            "top3": round(c3, 3),
            "catalogue_only_top1": round(
                sum(catalogue(e.category_code, e.area_code) == e.unit_code for e in corrected) / len(corrected), 3
            ),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo-db", help="SQLite file loaded with `rexian demo` (skip the demo part without it)")
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data" / "teddycup2020"))
    parser.add_argument("--min-examples", type=int, default=10)
    parser.add_argument("--kind", action="store_true", help="also label the replies by the kind of unit (unit_kind)")
    parser.add_argument("--sample", default=str(Path(__file__).resolve().parent / "data" / "replied_units_sample.csv"))
    args = parser.parse_args()
    if args.demo_db:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(args.demo_db).resolve()}"
    os.environ.setdefault("REXIAN_SECRET_KEY", "bench-only")
    os.environ.setdefault("REXIAN_DATA_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
    import django

    django.setup()
    result = {}
    replied = Path(args.data_dir) / "replied_messages.csv"
    if replied.exists():
        if Path(args.sample).exists():
            result["extraction"] = extraction_check(replied, Path(args.sample))
            print("extraction (hand-labelled sample):", json.dumps(result["extraction"], ensure_ascii=False))
        result["replied"] = bench_replied(replied, args.min_examples)
        print("replied_messages:", json.dumps(result["replied"], ensure_ascii=False))
        if args.kind:
            result["replied_by_kind"] = bench_replied(replied, args.min_examples, kind=True)
            print("replied_messages by kind:", json.dumps(result["replied_by_kind"], ensure_ascii=False))
    if args.demo_db:
        result["demo"] = bench_demo()
        print("demo city:", json.dumps(result["demo"], ensure_ascii=False))
    print("BENCH " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
