"""The default list of sensitive words (舆情风险词), installed by migration 0002 and editable in the admin.

Words that, in a citizen's request, signal a risk of public-opinion escalation or of
harm: collective action, petitions to higher levels, the media, threats to life,
disasters, wage arrears of migrant workers. Each comes with why it is on the list.
"""

DEFAULT_SENSITIVE_WORDS: tuple[tuple[str, str], ...] = (
    ("群体", "群体性事件、群体诉求"),
    ("集体", "集体上访、集体维权"),
    ("聚集", "人员聚集"),
    ("上访", "越级上访、进京上访"),
    ("信访", "信访升级"),
    ("维权", "群众维权"),
    ("拉横幅", "拉横幅表达诉求"),
    ("堵路", "堵路、堵门"),
    ("静坐", "静坐示威"),
    ("媒体曝光", "扬言向媒体曝光"),
    ("曝光", "曝光到网络或媒体"),
    ("记者", "联系记者"),
    ("微博", "网络发酵"),
    ("抖音", "网络发酵"),
    ("自杀", "人身安全风险"),
    ("跳楼", "人身安全风险"),
    ("轻生", "人身安全风险"),
    ("死亡", "伤亡事件"),
    ("身亡", "伤亡事件"),
    ("爆炸", "安全事故"),
    ("火灾", "安全事故"),
    ("坍塌", "安全事故"),
    ("食物中毒", "食品安全事件"),
    ("拖欠工资", "欠薪"),
    ("农民工工资", "农民工欠薪"),
    ("讨薪", "欠薪"),
    ("欠薪", "欠薪"),
    ("非法集资", "涉众型经济案件"),
    ("集资诈骗", "涉众型经济案件"),
    ("跑路", "涉众型经济案件、经营者失联"),
    ("烂尾", "烂尾楼盘"),
    ("群访", "群体上访"),
)
