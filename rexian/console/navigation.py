"""The console's menu: which pages each role works in. Pages check access themselves; this only hides links."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rexian.units.models import Role

R = Role


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: str
    roles: frozenset[str]
    key: str  # access key (Alt+key in Chromium) for keyboard users
    setting: str = ""  # a feature switch in the settings: the page is offered only while it is on

    @property
    def url(self) -> str:
        return reverse(f"console:{self.url_name}")


CENTRE_STAFF = frozenset({R.OPERATOR, R.DISPATCHER, R.SUPERVISOR, R.INSPECTOR, R.LEADER, R.ADMIN})
ALL_STAFF = CENTRE_STAFF | {R.UNIT_HANDLER, R.UNIT_ADMIN}

MENU: tuple[MenuItem, ...] = (
    MenuItem("home", _("首页"), ALL_STAFF, "h"),
    MenuItem("intake", _("受理"), frozenset({R.OPERATOR, R.SUPERVISOR}), "n"),
    MenuItem("review", _("待审核登记"), frozenset({R.OPERATOR, R.SUPERVISOR}), "r"),
    MenuItem("callbacks", _("回访"), frozenset({R.OPERATOR, R.SUPERVISOR}), "c"),
    MenuItem("missed-calls", _("漏接回拨"), frozenset({R.OPERATOR, R.SUPERVISOR}), "l"),
    MenuItem("incoming-sms", _("短信来信"), frozenset({R.OPERATOR, R.SUPERVISOR}), "x", setting="SMS_REPLIES"),
    MenuItem("my-shifts", _("我的排班"), frozenset({R.OPERATOR}), "f"),
    MenuItem("dispatch", _("派遣"), frozenset({R.DISPATCHER, R.SUPERVISOR}), "d"),
    MenuItem("requests", _("审核"), frozenset({R.DISPATCHER, R.SUPERVISOR}), "a"),
    MenuItem("inbox", _("承办"), frozenset({R.UNIT_HANDLER, R.UNIT_ADMIN}), "i"),
    MenuItem("my-unit", _("本单位考评"), frozenset({R.UNIT_ADMIN}), "k"),
    MenuItem("unit-staff", _("本单位人员"), frozenset({R.UNIT_ADMIN}), "m"),
    MenuItem("board", _("值班看板"), frozenset({R.SUPERVISOR, R.LEADER}), "b"),
    MenuItem("staffing", _("排班"), frozenset({R.SUPERVISOR, R.ADMIN}), "y"),
    MenuItem("dashboard", _("统计分析"), frozenset({R.SUPERVISOR, R.LEADER, R.INSPECTOR, R.ADMIN}), "o"),
    MenuItem("bigscreen", _("大屏"), frozenset({R.SUPERVISOR, R.LEADER, R.INSPECTOR, R.ADMIN}), "w"),
    MenuItem("reports", _("报告"), frozenset({R.SUPERVISOR, R.LEADER, R.ADMIN}), "p"),
    MenuItem("hotspots", _("热点"), frozenset({R.SUPERVISOR, R.LEADER}), "t"),
    MenuItem("supervisions", _("督办批示"), frozenset({R.SUPERVISOR, R.LEADER, R.UNIT_HANDLER, R.UNIT_ADMIN}), "u"),
    MenuItem(
        "enterprise-queue", _("一企来"), frozenset({R.OPERATOR, R.DISPATCHER, R.SUPERVISOR, R.INSPECTOR, R.LEADER, R.ADMIN}), "e"
    ),
    MenuItem("quality", _("质检"), frozenset({R.INSPECTOR, R.SUPERVISOR}), "q"),
    MenuItem("search", _("查询"), ALL_STAFF, "s"),
)


def menu_for(user) -> list[MenuItem]:
    """The menu entries for `user`'s role, in the order above."""
    if not user.is_authenticated:
        return []
    return [item for item in MENU if user.role in item.roles and (not item.setting or getattr(settings, item.setting))]


def may_open(user, url_name: str) -> bool:
    """Whether `user`'s menu has the page `url_name`: for the links to it on other pages, so that nobody is shown a
    button that leads to a 403."""
    return any(item.url_name == url_name for item in menu_for(user))
