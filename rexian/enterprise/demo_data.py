"""The demo city's 一企来 desk: its enterprises, a dozen 涉企政策 and their pushes.

`demo_enterprises(seed)` is the city's pool of about 200 enterprises (a stable name, a valid credit code, industry,
size, town, address and contact each), drawn from its own random stream: building it takes nothing from the
streams the orders are drawn from. The demo's enterprise orders name enterprises of this pool, the first ones far
more often (`rexian.demo.generator`), so some enterprises have a history of several orders.

`demo_enterprise_load`, which `rexian demo` calls after the orders are written, makes the profiles the way a centre
gets them: `enterprises_sync` makes one per enterprise the orders name, then the desk completes most of them and adds
the pool's enterprises that never called. Policies are entered and published through the services by the demo
`supervisor`, about half of them pushed to the enterprises they apply to, and a few told by an operator to the
enterprise on the line. No row is dated after `now`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass

from rexian.core import credit_code as credit_codes
from rexian.demo import data as D

POOL_SIZE = 200
P_INCOMPLETE = 0.08  # profiles made from an order that the desk has not completed yet
P_NO_CONTACT = 0.06  # enterprises the desk registered without a contact
SINGLE_PUSHES = 6  # policies told by an operator to the enterprise on the line
COMPANY_SIZES = (("large", 0.05), ("medium", 0.17), ("small", 0.38), ("micro", 0.40))
NOTES = {  # what the desk notes about some enterprises → the industries and sizes it may note it of
    "规模以上工业企业": ("C", ("large", "medium")),
    "高新技术企业": ("CIM", ("medium", "small")),
    "省级专精特新中小企业": ("C", ("medium", "small")),
    "外贸出口企业": ("CF", ("large", "medium", "small")),
}


@dataclass(frozen=True)
class DemoEnterprise:
    credit_code: str
    name: str
    industry: str  # GB/T 4754 门类
    size: str
    town: str  # unit key in rexian.demo.data ("BJ")
    address: str
    contact_name: str
    contact_phone: str
    note: str


def _pick(rng: random.Random, pairs):
    values = [value for value, _ in pairs]
    return rng.choices(values, weights=[weight for _, weight in pairs])[0]


def _code(rng: random.Random, kind: str) -> str:
    """A GB 32100 code: 9 (registered by market regulation), the kind (1 company, 2 individual business,
    3 cooperative), the area code, the organisation code and the check character."""
    body = f"9{kind}3212{rng.randint(80, 99)}" + "".join(rng.choice(credit_codes.CHARSET) for _ in range(9))
    return body + credit_codes.check_character(body)


def _person(rng: random.Random) -> tuple[str, str]:
    chars = D.MALE_CHARS if rng.random() < 0.55 else D.FEMALE_CHARS
    name = rng.choice(D.SURNAMES) + rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    phone = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
    return name, phone


def _firm(rng: random.Random, towns: dict[str, D.Town]) -> DemoEnterprise:
    town = towns[_pick(rng, D.ENTERPRISE_TOWN_WEIGHTS.items())]
    roll = rng.random()
    if roll < 0.04 and any(name.endswith("村") for _, name in town.communities):
        village = rng.choice([name for _, name in town.communities if name.endswith("村")])
        kind, industry, size = "3", "A", rng.choice(("small", "micro", "micro"))
        name = f"{D.CITY_NAME}{village}{rng.choice(D.COOPERATIVE_WORDS)}{rng.choice(D.COOPERATIVE_TRADES)}专业合作社"
        address = f"{town.name}{village}{rng.randint(1, 12)}组"
    elif roll < 0.15:
        trade, industry = rng.choice(D.INDIVIDUAL_TRADES)
        kind, size = "2", "micro"
        name = f"{D.CITY_NAME}{town.name}{rng.choice(D.SHOPS)}{trade}"
        address = f"{town.name}{rng.choice(town.roads)}{rng.randint(1, 288)}号"
    else:
        trade, industry, _ = _pick(rng, [(entry, entry[2]) for entry in D.ENTERPRISE_TRADES])
        kind, size = "1", _pick(rng, COMPANY_SIZES)
        word = rng.choice(D.ENTERPRISE_WORDS)
        if size == "large" and rng.random() < 0.6:
            name = f"江苏{word}{trade}股份有限公司"
        else:
            name = f"{'江苏' if rng.random() < 0.1 else D.CITY_NAME}{word}{trade}有限公司"
        address = f"{town.name}{rng.choice(town.roads)}{rng.randint(1, 388)}号"
    contact_name, contact_phone = _person(rng)
    notes = [note for note, (industries, sizes) in NOTES.items() if industry in industries and size in sizes]
    note = rng.choice(notes) if notes and rng.random() < 0.4 else ""
    return DemoEnterprise(_code(rng, kind), name, industry, size, town.key, address, contact_name, contact_phone, note)


def demo_enterprises(seed: int = 0) -> list[DemoEnterprise]:
    """The demo city's enterprises for `seed`, always the same ones for the same seed (their own random stream)."""
    rng = random.Random(f"{seed}:enterprises")
    towns = {town.key: town for town in D.TOWNS}
    pool: list[DemoEnterprise] = []
    names: set[str] = set()
    codes: set[str] = set()
    while len(pool) < POOL_SIZE:
        firm = _firm(rng, towns)
        if firm.name not in names and firm.credit_code not in codes:
            pool.append(firm)
            names.add(firm.name)
            codes.add(firm.credit_code)
    return pool


# --- Policies (涉企政策) ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPolicy:
    title: str
    issuer: str  # unit key in rexian.demo.data; "" for the city (江安市人民政府)
    document: str  # the document number's prefix and serial: ("江政办发", 12) → 江政办发〔2026〕12号
    serial: int
    summary: str
    industries: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()  # town keys
    published: int | None = None  # days before now; None: a draft (entered `drafted` days ago)
    drafted: int = 2
    valid: tuple[int, int | None] = (0, 365)  # from and until, in days after the day it was published
    push: tuple[str, int] | None = None  # channel, days before now: pushed to every enterprise it applies to
    told_on: str = ""  # a category whose enterprise callers the operator tells of it (告知)


POLICIES = [
    DemoPolicy(
        "关于落实小规模纳税人和小型微利企业“六税两费”减免政策的通知", "SWJ", "江税发", 3,
        "对增值税小规模纳税人、小型微利企业和个体工商户，减半征收资源税（不含水资源税）、城市维护建设税、房产税、"
        "城镇土地使用税、印花税（不含证券交易印花税）、耕地占用税和教育费附加、地方教育附加。符合条件的纳税人申报时"
        "直接享受，无需另行申请；已多缴的可申请退还或抵缴以后的税费。政策咨询：12366。",
        sizes=("small", "micro"), published=74, valid=(-14, 760), push=("sms", 70),
    ),
    DemoPolicy(
        "关于做好失业保险稳岗返还工作的通知", "RSJ", "江人社发", 21,
        "上年度未裁员或裁员率不高于规定比例、足额缴纳失业保险费的参保单位，可享受失业保险稳岗返还：大型企业按上年度"
        "实际缴纳失业保险费的30%返还，中小微企业按60%返还。实行“免申即享”，人社部门比对数据后将资金直接拨付至单位"
        "对公账户，无需企业申报。",
        published=58, valid=(0, 300), told_on="160103",
    ),
    DemoPolicy(
        "科技型中小企业研发费用税前加计扣除政策指引", "SWJ", "江税发", 11,
        "科技型中小企业开展研发活动中实际发生的研发费用，未形成无形资产计入当期损益的，在按规定据实扣除的基础上，"
        "再按实际发生额的100%在税前加计扣除；形成无形资产的，按无形资产成本的200%在税前摊销。企业可在预缴申报和"
        "年度汇算清缴时享受，相关资料留存备查。",
        industries=("C", "I", "M"), sizes=("medium", "small", "micro"), published=41, valid=(0, 760), told_on="160102",
    ),
    DemoPolicy(
        "江安市制造业企业技术改造专项资金补助办法", "", "江政办发", 12,
        "对本市制造业企业实施的智能化改造、数字化转型、设备更新和绿色低碳改造项目，设备（含软件）投资额在500万元"
        "以上的，按设备投资额的8%给予补助，单个项目最高300万元；获评省级智能制造示范工厂的另奖励50万元。项目竣工后"
        "由企业向所在镇（街道）申报，经工信、财政部门审核后拨付。",
        industries=("C",), sizes=("large", "medium", "small"), published=50, push=("platform", 47),
    ),
    DemoPolicy(
        "关于做好首次创业补贴申领工作的通知", "RSJ", "江人社发", 35,
        "在本市首次创办小微企业或从事个体经营、自登记注册之日起正常经营6个月以上的高校毕业生、就业困难人员和返乡"
        "创业人员，可申请一次性创业补贴5000元。申领人通过“江安人社”公众号或到市人力资源市场创业服务窗口提交营业执照、"
        "身份证明和经营场所证明，经审核后发放。",
        sizes=("micro",), published=30, valid=(0, 400),
    ),
    DemoPolicy(
        "关于进一步支持个体工商户发展减轻经营负担的若干措施", "SCJGJ", "江市监发", 8,
        "个体工商户登记注册、变更、注销全程网办、免费办理；首次出现轻微违法行为并及时改正的，依法不予行政处罚；"
        "水电气报装“零跑腿”，严禁在规定收费之外另收费用；诚信经营的个体工商户优先纳入“信易贷”支持名单。",
        industries=("F", "H", "O"), sizes=("micro",), published=20, valid=(0, 700), push=("sms", 18),
    ),
    DemoPolicy(
        "江安市外贸企业出口信用保险保费补贴实施细则", "", "江政办发", 27,
        "对上年度出口额在5000万美元以下的外贸企业，投保短期出口信用保险的，按实际缴纳保费的50%给予补贴，单个企业"
        "每年最高20万元；首次开展出口业务的企业，当年保费全额补贴。",
        industries=("C", "F"), drafted=3,
    ),
    DemoPolicy(
        "关于支持餐饮住宿业纾困发展的若干措施", "", "江政办发", 31,
        "对经营困难的餐饮、住宿企业，阶段性缓缴养老、失业、工伤保险单位缴费部分，缓缴期间免收滞纳金；承租国有房屋"
        "的，减免三个月租金；稳定用工的企业按每名参保职工500元给予一次性留工补助；鼓励金融机构对其贷款展期、续贷。",
        industries=("H",), published=40, valid=(-90, 30), push=("sms", 38),
    ),
    DemoPolicy(
        "关于建筑业企业农民工工资保证金差异化存储的通知", "RSJ", "江人社发", 44,
        "施工总承包单位在工程所在地开设工资保证金专用账户，按施工合同额的1%存储农民工工资保证金；连续两年未发生"
        "拖欠农民工工资的，存储比例降至0.5%，连续三年未发生的免于存储；发生拖欠的提高至2%。保证金可用银行保函替代。",
        industries=("E",), published=45, valid=(0, None),
    ),
    DemoPolicy(
        "江安市专精特新中小企业培育行动方案", "", "江政发", 9,
        "建立“创新型中小企业—专精特新中小企业—专精特新‘小巨人’企业”梯度培育库；首次认定为省级专精特新中小企业的"
        "奖励20万元，认定为国家级专精特新“小巨人”企业的奖励100万元；入库企业优先推荐申报技术改造、研发平台等项目，"
        "由服务专员“一对一”对接。",
        industries=("C", "I", "M"), sizes=("medium", "small"), published=15, valid=(0, 1095), push=("platform", 12),
    ),
    DemoPolicy(
        "关于支持新型农业经营主体发展的若干措施", "NYNCJ", "江农发", 17,
        "对农民专业合作社、家庭农场等新型农业经营主体，购置粮食烘干机、植保无人机等农机具的，在中央和省级补贴基础上"
        "市级再按购置价的10%累加补贴；新建高标准农田配套设施的按每亩300元补助；贷款由市农业融资担保公司优先担保，"
        "担保费率不高于0.5%。",
        industries=("A",), areas=("BJ", "LQ", "XJ"), published=35, valid=(0, 500), push=("sms", 33),
    ),
    DemoPolicy(
        "滨江港区物流企业多式联运补贴办法", "JTJ", "江交发", 6,
        "对注册在滨江镇、经营道路货运或港口集疏运的物流企业，年内新增集装箱公铁、公水联运业务的，按每标准箱50元"
        "给予补贴，单个企业每年最高50万元；新购置新能源重型货车的，每辆补助2万元。",
        industries=("G",), areas=("BJ",), published=25, valid=(0, 340),
    ),
    DemoPolicy(
        "中小企业环保“绿岛”共享治污设施补助办法", "STHJ", "江环发", 14,
        "在柳桥镇、新街镇工业集中区建设喷涂、电镀等共享治污“绿岛”设施，入驻的中小企业不再单独建设治污设施；使用"
        "“绿岛”设施的小微企业，第一年治污服务费补助50%。",
        industries=("C",), sizes=("small", "micro"), areas=("LQ", "XJ"), drafted=6,
    ),
]


def demo_enterprise_load(*, now: dt.datetime, seed: int = 0) -> dict[str, int]:
    """Write the demo's enterprise desk: profiles, policies, pushes. Returns its counts: `enterprises` (profiles),
    `from_orders` (made by `enterprises_sync`), `incomplete`, `policies`, `published` and `pushes`."""
    from django.utils import timezone

    from rexian.enterprise import services
    from rexian.enterprise.models import Policy
    from rexian.units.models import Unit, User

    rng = random.Random(seed)
    now = now.replace(microsecond=0)
    units = {unit.code: unit for unit in Unit.objects.filter(code__startswith=D.CITY_CODE)}
    towns = {town.key: units[f"{D.CITY_CODE}-{town.key}"] for town in D.TOWNS}
    counts = _profiles_load(demo_enterprises(seed), towns, now, rng)

    supervisor = User.objects.get(username="supervisor")
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)

    def moment(days_ago: int, hour: int) -> dt.datetime:
        day = today - dt.timedelta(days=days_ago)
        at = dt.datetime.combine(day, dt.time(hour), tzinfo=tz) + dt.timedelta(minutes=rng.randint(0, 150))
        return min(at, now - dt.timedelta(minutes=rng.randint(5, 60)))

    policies: list[tuple[DemoPolicy, Policy]] = []
    for item in POLICIES:
        entered = moment(item.published + rng.randint(1, 4) if item.published is not None else item.drafted, 9)
        issued = timezone.localdate(entered) if item.published is None else today - dt.timedelta(days=item.published)
        start, end = item.valid
        fields = services.PolicyFields(
            title=item.title, summary=item.summary,
            issuer=units[f"{D.CITY_CODE}-{item.issuer}" if item.issuer else D.CITY_CODE],
            document_number=f"{item.document}〔{issued.year}〕{item.serial}号",
            valid_from=issued + dt.timedelta(days=start) if item.published is not None else None,
            valid_until=issued + dt.timedelta(days=end) if item.published is not None and end is not None else None,
            industries=item.industries, sizes=item.sizes, areas=tuple(towns[key] for key in item.areas),
        )
        policy = services.policy_create(actor=supervisor, fields=fields)
        Policy.objects.filter(pk=policy.pk).update(created_at=entered, updated_at=entered)  # entered then, not now
        if item.published is not None:
            policy = services.policy_publish(actor=supervisor, policy=policy, now=moment(item.published, 10))
        policies.append((item, policy))

    pushes = _told_on_calls(policies, now, rng)
    for item, policy in policies:
        if item.push is not None:
            channel, days_ago = item.push
            pushes += services.policy_push(actor=supervisor, policy=policy, channel=channel, now=moment(days_ago, 9))
    published = sum(1 for item, _ in policies if item.published is not None)
    return {**counts, "policies": len(policies), "published": published, "pushes": pushes}


def _profiles_load(pool: list[DemoEnterprise], towns: dict, now: dt.datetime, rng: random.Random) -> dict[str, int]:
    """The profiles: made from the orders by `enterprises_sync`, most completed as the desk would, and the pool's
    enterprises that never called registered by the desk; written in bulk (the whole pool, a few hundred rows)."""
    from rexian.enterprise import services
    from rexian.enterprise.models import Enterprise

    synced = services.enterprises_sync()
    known = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=[firm.credit_code for firm in pool])}
    completed, registered, incomplete = [], [], 0
    for firm in pool:
        profile = known.get(firm.credit_code)
        if profile is not None and rng.random() < P_INCOMPLETE:
            incomplete += 1  # the desk knows only what the orders said: name and area
            continue
        no_contact = profile is None and rng.random() < P_NO_CONTACT
        contact = ("", "") if no_contact else (firm.contact_name, firm.contact_phone)
        values = services.ProfileFields(
            name=firm.name, industry=firm.industry, size=firm.size, area=towns[firm.town], address=firm.address,
            contact_name=contact[0], contact_phone=contact[1], note=firm.note,
        ).cleaned()
        # Known to the desk from the registry it loaded and its visits (走访建档), before the weeks the demo's pushes
        # fall in: a profile is never younger than a push it received.
        at = (now - dt.timedelta(days=rng.uniform(75, 160))).replace(microsecond=0)
        if profile is None:
            registered.append(Enterprise(credit_code=firm.credit_code, created_at=at, updated_at=at, **values))
        else:
            for name, value in values.items():
                setattr(profile, name, value)
            profile.created_at = min(profile.created_at, at)
            later = profile.created_at + dt.timedelta(hours=rng.uniform(1, 72))
            profile.updated_at = min(later, now).replace(microsecond=0)
            completed.append(profile)
    fields = [field.name for field in dataclasses.fields(services.ProfileFields)]
    Enterprise.objects.bulk_update(completed, [*fields, "created_at", "updated_at"], batch_size=500)
    Enterprise.objects.bulk_create(registered, batch_size=500)
    return {
        "enterprises": Enterprise.objects.count(), "from_orders": synced, "incomplete": incomplete,
    }


def _told_on_calls(policies, now: dt.datetime, rng: random.Random) -> int:
    """告知: an operator tells the enterprise on the line of a policy in force that answers its question, whether or
    not the policy's tags name it (`policy_push_one`). The latest such calls, SINGLE_PUSHES of them."""
    from django.utils import timezone

    from rexian.enterprise import services
    from rexian.enterprise.models import Enterprise, PolicyPush
    from rexian.orders.models import WorkOrder

    told = 0
    by_category = {item.told_on: policy for item, policy in policies if item.told_on}
    calls = (
        WorkOrder.objects.filter(category__code__in=list(by_category), caller_is_enterprise=True)
        .exclude(enterprise_credit_code="")
        .select_related("category", "registered_by")
        .order_by("-registered_at", "-pk")
    )
    for order in calls.iterator():
        policy = by_category[order.category.code]
        at = min(order.registered_at + dt.timedelta(minutes=rng.randint(3, 12)), now)
        enterprise = Enterprise.objects.filter(credit_code=order.enterprise_credit_code).first()
        if (
            enterprise is None or policy.published_at is None or policy.published_at > at
            or not policy.is_in_force(timezone.localdate(at))
            or PolicyPush.objects.filter(policy=policy, enterprise=enterprise).exists()
        ):
            continue
        services.policy_push_one(
            actor=order.registered_by, policy=policy, enterprise=enterprise, channel="phone", now=at
        )
        told += 1
        if told == SINGLE_PUSHES:
            break
    return told
