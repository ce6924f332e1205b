import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from rexian.enterprise import selectors, services
from rexian.enterprise.models import Enterprise
from rexian.units.models import Unit
from tests import factories as f
from tests.conftest import register
from tests.enterprise.conftest import CODES, FOURTH


@pytest.fixture
def other_town(cast):
    return f.UnitFactory(code="C-XD", name="城西街道", kind=Unit.Kind.TOWN, parent=cast.city)


def _matches(policy) -> set[str]:
    return set(selectors.policy_matches(policy).values_list("name", flat=True))


def test_a_policy_without_tags_applies_to_every_enterprise(make_policy, factory_maker, shop):
    assert _matches(make_policy()) == {factory_maker.name, shop.name}


def test_industry_and_size_tags_must_both_allow_the_enterprise(make_policy, factory_maker, shop):
    assert _matches(make_policy(industries=("C", "F"), sizes=("micro",))) == {shop.name}
    assert _matches(make_policy(industries=("C",), sizes=("micro",))) == set()


def test_an_area_tag_reaches_enterprises_in_that_town_only(cast, make_policy, factory_maker, shop, other_town):
    assert _matches(make_policy(areas=(cast.town,))) == {factory_maker.name}  # the shop's area is unknown
    assert _matches(make_policy(areas=(other_town, cast.town))) == {factory_maker.name}
    assert _matches(make_policy(areas=(other_town,))) == set()


def test_an_enterprise_whose_industry_is_unknown_is_not_reached_by_an_industry_tag(cast, make_policy):
    Enterprise.objects.create(credit_code=CODES[2], name="未知行业公司")
    assert _matches(make_policy(industries=("C",))) == set()
    assert _matches(make_policy()) == {"未知行业公司"}


def test_policies_for_an_enterprise_are_the_ones_whose_tags_match(cast, make_policy, factory_maker, other_town):
    today = timezone.localdate()
    everyone = make_policy(title="普惠政策")
    make_policy(title="批发零售", industries=("F",))
    ours = make_policy(title="本街道制造业", industries=("C",), sizes=("small",), areas=(cast.town,))
    make_policy(title="城西专项", areas=(other_town,))
    make_policy(title="草稿", publish=False)
    make_policy(title="已过期", valid_until=today - dt.timedelta(days=1))
    services.policy_withdraw(actor=cast.supervisor, policy=make_policy(title="已撤回"))
    services.policy_push_one(actor=cast.operator, policy=ours, enterprise=factory_maker, channel="phone")
    found = {p.title: p.told for p in selectors.policies_for(factory_maker)}
    assert found == {everyone.title: False, ours.title: True}


def test_policies_for_an_enterprise_without_an_area_skip_area_tagged_ones(cast, make_policy, shop):
    make_policy(title="本街道", areas=(cast.town,))
    make_policy(title="全市")
    assert [p.title for p in selectors.policies_for(shop)] == ["全市"]


def test_reach_counts_matched_told_and_waiting(cast, make_policy, factory_maker, shop):
    policy = make_policy(sizes=("small", "micro"))
    services.policy_push_one(actor=cast.operator, policy=policy, enterprise=shop, channel="phone")
    reach = selectors.policy_reach(policy)
    assert (reach.matched, reach.told, reach.waiting) == (2, 1, 1)
    targets = selectors.policy_targets(policy)
    assert [(e.name, e.told) for e in targets.rows] == [("泰兴便民超市", True), ("泰兴精工机械有限公司", False)]


def test_enterprise_page_searches_by_name_or_code_and_counts_orders(cast, factory_maker, shop):
    register(cast, enterprise_name=factory_maker.name, enterprise_credit_code=factory_maker.credit_code)
    register(cast, enterprise_name=factory_maker.name, enterprise_credit_code=factory_maker.credit_code)
    page = selectors.enterprise_page(user=cast.operator, query="精工")
    assert [(row.enterprise, row.orders.all, row.orders.open) for row in page.rows] == [(factory_maker, 2, 2)]
    by_code = selectors.enterprise_page(user=cast.operator, query=shop.credit_code.lower())
    assert [(row.enterprise, row.orders.all) for row in by_code.rows] == [(shop, 0)]


def test_enterprise_page_filters_by_industry_size_and_town(cast, factory_maker, shop):
    def names(**filters):
        return [row.enterprise.name for row in selectors.enterprise_page(user=cast.supervisor, **filters).rows]

    assert names(industry="F") == [shop.name]
    assert names(size="small") == [factory_maker.name]
    assert names(area=cast.town) == [factory_maker.name]
    assert names() == sorted([factory_maker.name, shop.name])


def test_enterprise_page_is_paginated(cast, monkeypatch, factory_maker, shop):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    first = selectors.enterprise_page(user=cast.operator)
    second = selectors.enterprise_page(user=cast.operator, page=2)
    assert first.has_next and not second.has_next
    assert {first.rows[0].enterprise, second.rows[0].enterprise} == {factory_maker, shop}


@pytest.mark.parametrize("member", ["housing_handler", "housing_admin"])
def test_unit_staff_do_not_see_the_desk(cast, member):
    with pytest.raises(PermissionDenied):
        selectors.enterprise_page(user=getattr(cast, member))
    with pytest.raises(PermissionDenied):
        selectors.policy_page(user=getattr(cast, member))


def test_enterprise_get_by_code_in_any_case(cast, factory_maker):
    assert selectors.enterprise_get(user=cast.leader, credit_code=factory_maker.credit_code.lower()) == factory_maker
    with pytest.raises(Http404):
        selectors.enterprise_get(user=cast.leader, credit_code=CODES[2])


def test_policy_tabs(cast, make_policy):
    today = timezone.localdate()
    make_policy(title="在行")
    make_policy(title="草稿", publish=False)
    make_policy(title="过期", valid_until=today - dt.timedelta(days=1))
    services.policy_withdraw(actor=cast.supervisor, policy=make_policy(title="撤回"))

    def titles(tab, **kwargs):
        return {p.title for p in selectors.policy_page(user=cast.operator, tab=tab, **kwargs).rows}

    assert titles("in_force") == {"在行"}
    assert titles("draft") == {"草稿"}
    assert titles("ended") == {"过期", "撤回"}
    assert titles("ended", query="撤") == {"撤回"}


def test_policy_page_counts_pushes(cast, make_policy, factory_maker, shop):
    policy = make_policy()
    services.policy_push(actor=cast.supervisor, policy=policy, channel="sms")
    assert [p.push_count for p in selectors.policy_page(user=cast.operator).rows] == [2]
    pushes = selectors.policy_pushes(policy)
    assert {push.enterprise for push in pushes.rows} == {factory_maker, shop}
    assert [push.policy for push in selectors.enterprise_pushes(shop)] == [policy]


def test_push_batches_are_one_line_per_push(cast, make_policy, factory_maker, shop):
    policy = make_policy(sizes=("small", "micro"))
    services.policy_push(actor=cast.supervisor, policy=policy, channel="sms")  # both
    new_factory = Enterprise.objects.create(credit_code=CODES[2], name="新厂", size="small")
    services.policy_push_one(actor=cast.operator, policy=policy, enterprise=new_factory, channel="phone")
    new_shop = Enterprise.objects.create(credit_code=FOURTH, name="新店", size="micro")
    later = timezone.now() + dt.timedelta(hours=1)
    services.policy_push(actor=cast.admin, policy=policy, channel="platform", now=later)
    batches = selectors.policy_push_batches(policy)
    assert [(b.channel, b.count, b.enterprise, b.pushed_by) for b in batches] == [
        ("platform", 1, new_shop, cast.admin),
        ("phone", 1, new_factory, cast.operator),
        ("sms", 2, None, cast.supervisor),
    ]
