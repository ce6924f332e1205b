"""The national defaults a new centre starts with (国办发〔2020〕53号 practice).

Installed by the catalog's data migration; admins change them afterwards.
Functions take the app registry so they work inside migrations too.
"""

from __future__ import annotations

APPEAL_TYPES = [
    # code, name, protects identity, order
    ("consult", "咨询", False, 1),
    ("help", "求助", False, 2),
    ("complaint", "投诉", False, 3),
    ("report", "举报", True, 4),
    ("suggestion", "建议", False, 5),
    ("praise", "表扬", False, 6),
]

URGENCIES = [("normal", "一般", 0), ("urgent", "紧急", 1), ("critical", "特急", 2)]

CHANNELS = [
    ("phone", "电话"), ("web", "网站"), ("wechat", "微信"), ("app", "App"), ("sms", "短信"), ("email", "邮件"),
    ("letter", "信件"), ("mayor_mailbox", "领导信箱"), ("province", "省平台转办"), ("police110", "110转办"),
    ("enterprise", "一企来"), ("open311", "Open311接口"), ("portal", "市民门户"),
]

# The English names (英文名称) the console shows a user who chose English, by code. Installed by their own
# migration (catalog 0005), after the rows above.
ENGLISH_NAMES = {
    "AppealType": {
        "consult": "Enquiry", "help": "Request for help", "complaint": "Complaint", "report": "Whistle-blowing",
        "suggestion": "Suggestion", "praise": "Praise",
    },
    "Urgency": {"normal": "Normal", "urgent": "Urgent", "critical": "Very urgent"},
    "Channel": {
        "phone": "Phone", "web": "Website", "wechat": "WeChat", "app": "App", "sms": "SMS", "email": "Email",
        "letter": "Letter", "mayor_mailbox": "Leaders' mailbox", "province": "Provincial platform",
        "police110": "Transferred from 110", "enterprise": "Enterprise hotline", "open311": "Open311 API",
        "portal": "Citizen portal",
    },
}

LINES = [
    ("12345", "12345", "12345政务服务便民热线", "main"),
    ("12333", "12333", "人社服务热线", "merged"),
    ("12366", "12366", "纳税服务热线", "parallel"),
    ("12348", "12348", "公共法律服务热线", "seated"),
    ("12315", "12315", "市场监管投诉举报热线", "merged"),
    ("12369", "12369", "环保举报热线", "merged"),
    ("12319", "12319", "城建服务热线", "merged"),
]

# kind, appeal type code or None, urgency code or None, amount, unit
DEADLINE_RULES = [
    ("sign", None, None, 1, "workdays"),
    ("sign", None, "critical", 2, "hours"),
    ("first_response", None, "critical", 0.5, "hours"),
    ("reply", None, None, 10, "workdays"),
    ("reply", "consult", None, 3, "workdays"),
    ("reply", "help", None, 3, "workdays"),
    ("reply", None, "urgent", 24, "hours"),
    ("reply", None, "critical", 2, "hours"),
    ("callback", None, None, 2, "workdays"),
]


def install_defaults(apps) -> None:
    AppealType = apps.get_model("catalog", "AppealType")
    Urgency = apps.get_model("catalog", "Urgency")
    Channel = apps.get_model("catalog", "Channel")
    Line = apps.get_model("catalog", "Line")
    DeadlineRule = apps.get_model("catalog", "DeadlineRule")
    for code, name, protects, order in APPEAL_TYPES:
        AppealType.objects.get_or_create(
            code=code, defaults={"name": name, "protects_identity": protects, "sort_order": order}
        )
    for code, name, rank in URGENCIES:
        Urgency.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})
    for code, name in CHANNELS:
        Channel.objects.get_or_create(code=code, defaults={"name": name})
    for code, number, name, mode in LINES:
        Line.objects.get_or_create(code=code, defaults={"number": number, "name": name, "mode": mode})
    types = {t.code: t for t in AppealType.objects.all()}
    urgencies = {u.code: u for u in Urgency.objects.all()}
    for kind, type_code, urgency_code, amount, unit in DEADLINE_RULES:
        DeadlineRule.objects.get_or_create(
            kind=kind,
            appeal_type=types.get(type_code),
            urgency=urgencies.get(urgency_code),
            category=None,
            defaults={"amount": amount, "unit": unit},
        )


def install_english_names(apps) -> None:
    """Give the standard appeal types, urgencies and channels their English names.

    Only a row that still has its standard code and Chinese name and no English name yet: a row an
    admin renamed or named in English keeps what the admin wrote (and shows its Chinese name until then).
    """
    chinese = {
        "AppealType": {code: name for code, name, *_ in APPEAL_TYPES},
        "Urgency": {code: name for code, name, _rank in URGENCIES},
        "Channel": dict(CHANNELS),
    }
    for model_name, names in ENGLISH_NAMES.items():
        model = apps.get_model("catalog", model_name)
        for code, name_en in names.items():
            model.objects.filter(code=code, name=chinese[model_name][code], name_en="").update(name_en=name_en)
