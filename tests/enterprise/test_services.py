import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from rexian.enterprise import services
from rexian.enterprise.models import Enterprise, Industry, Policy, PolicyPush, Size
from rexian.enterprise.services import EnterpriseError, PolicyFields, ProfileFields
from rexian.privacy.models import PersonalDataAccess
from tests.conftest import register
from tests.enterprise.conftest import CODES

# --- Profiles ---------------------------------------------------------------------------------------------------


def test_operator_creates_a_profile_with_the_code_normalised(cast):
    made = services.enterprise_create(
        actor=cast.operator, credit_code=" 91321283ma1abcde2b ",
        fields=ProfileFields(name="泰兴某科技有限公司", industry=Industry.I, size=Size.MICRO, area=cast.town),
    )
    assert made.credit_code == "91321283MA1ABCDE2B"
    assert (made.industry, made.size, made.area) == ("I", "micro", cast.town)


@pytest.mark.parametrize(
    ("code", "message"),
    [("", "请填写"), ("9135010", "18位"), ("91350100M000100Y44", "校验不通过")],
)
def test_a_bad_credit_code_is_refused_naming_the_field(cast, code, message):
    with pytest.raises(EnterpriseError) as refused:
        services.enterprise_create(actor=cast.operator, credit_code=code, fields=ProfileFields(name="某公司"))
    assert refused.value.field == "credit_code" and message in refused.value.message
    assert not Enterprise.objects.exists()


def test_a_code_already_on_file_is_refused(cast, factory_maker):
    with pytest.raises(EnterpriseError, match="已建档"):
        services.enterprise_create(actor=cast.operator, credit_code=CODES[0], fields=ProfileFields(name="别名"))


BAD_PROFILES = {
    "no name": ({"name": " "}, "name"),
    "unknown industry": ({"industry": "Z"}, "industry"),
    "unknown size": ({"size": "huge"}, "size"),
    "phone with letters": ({"contact_phone": "139abc"}, "contact_phone"),
    "note too long": ({"note": "长" * 501}, "note"),
}


@pytest.mark.parametrize(("overrides", "field"), BAD_PROFILES.values(), ids=BAD_PROFILES.keys())
def test_bad_profile_fields_are_refused_and_nothing_changes(cast, factory_maker, overrides, field):
    fields = ProfileFields(**{"name": "新名称", **overrides})
    with pytest.raises(EnterpriseError) as refused:
        services.enterprise_update(actor=cast.operator, enterprise=factory_maker, fields=fields)
    assert refused.value.field == field
    factory_maker.refresh_from_db()
    assert factory_maker.name == "泰兴精工机械有限公司"


def test_a_bureau_is_not_an_enterprise_area(cast, factory_maker):
    with pytest.raises(EnterpriseError) as refused:
        services.enterprise_update(
            actor=cast.operator, enterprise=factory_maker, fields=ProfileFields(name="x", area=cast.housing)
        )
    assert refused.value.field == "area"


def test_update_keeps_the_contact_encrypted(cast, factory_maker):
    services.enterprise_update(
        actor=cast.operator, enterprise=factory_maker,
        fields=ProfileFields(name="泰兴精工机械有限公司", contact_name="李工", contact_phone="13900002222"),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM enterprise_enterprise WHERE id = %s", [factory_maker.pk])
        stored = cursor.fetchone()[0]
    assert stored and "13900002222" not in stored
    assert Enterprise.objects.get(pk=factory_maker.pk).contact_phone == "13900002222"


@pytest.mark.parametrize("member", ["dispatcher", "inspector", "leader", "housing_handler"])
def test_only_the_desk_edits_profiles(cast, factory_maker, member):
    with pytest.raises(PermissionDenied):
        services.enterprise_update(actor=getattr(cast, member), enterprise=factory_maker, fields=ProfileFields("x"))


def test_an_order_with_a_credit_code_makes_the_profile_once(cast):
    register(cast, enterprise_name="泰兴精工机械有限公司", enterprise_credit_code=CODES[0])
    register(cast, enterprise_name="泰兴精工机械有限公司（新）", enterprise_credit_code=CODES[0])
    profile = Enterprise.objects.get()
    assert profile.credit_code == CODES[0]
    assert profile.name == "泰兴精工机械有限公司"  # the first order's; the desk's profile is not overwritten
    assert profile.area == cast.town  # the order's community, as its town


def test_an_order_without_a_code_makes_no_profile(cast):
    register(cast, caller_is_enterprise=True, enterprise_name="无代码的公司")
    assert not Enterprise.objects.exists()


def test_a_profile_edited_by_the_desk_is_kept_when_the_enterprise_calls_again(cast, factory_maker):
    register(cast, enterprise_name="另一个写法", enterprise_credit_code=CODES[0])
    factory_maker.refresh_from_db()
    assert factory_maker.name == "泰兴精工机械有限公司" and factory_maker.industry == "C"


def test_sync_makes_the_missing_profiles_from_the_orders(cast, monkeypatch):
    monkeypatch.setattr(services, "enterprise_note_order", lambda **kwargs: None)  # as a bulk import would
    register(cast, enterprise_name="甲公司旧名", enterprise_credit_code=CODES[0])
    register(cast, enterprise_name="甲公司", enterprise_credit_code=CODES[0])
    register(cast, enterprise_name="乙公司", enterprise_credit_code=CODES[1], area=cast.town)
    register(cast)
    assert services.enterprises_sync() == 2
    assert dict(Enterprise.objects.values_list("credit_code", "name")) == {CODES[0]: "甲公司", CODES[1]: "乙公司"}
    assert services.enterprises_sync() == 0


# --- Policies ---------------------------------------------------------------------------------------------------


def test_supervisor_enters_a_draft_with_its_tags(cast):
    policy = services.policy_create(
        actor=cast.supervisor,
        fields=PolicyFields(
            title="制造业技改补贴", summary="技改投入的10%补贴。", industries=("C", "C", "D"), sizes=("small",),
            areas=(cast.town,), valid_until=dt.date(2030, 12, 31),
        ),
    )
    assert policy.status == Policy.Status.DRAFT
    assert (policy.industries, policy.sizes) == (",C,D,", ",small,")
    assert policy.industry_list == ["C", "D"] and list(policy.areas.all()) == [cast.town]


BAD_POLICIES = {
    "no title": ({"title": ""}, "title"),
    "no summary": ({"summary": " "}, "summary"),
    "unknown industry": ({"industries": ("Z",)}, "industries"),
    "unknown size": ({"sizes": ("giant",)}, "sizes"),
    "ends before it starts": ({"valid_from": dt.date(2026, 5, 1), "valid_until": dt.date(2026, 4, 1)}, "valid_until"),
    "link not a web address": ({"link": "javascript:alert(1)"}, "link"),
}


@pytest.mark.parametrize(("overrides", "field"), BAD_POLICIES.values(), ids=BAD_POLICIES.keys())
def test_bad_policies_are_refused_naming_the_field(cast, overrides, field):
    fields = {"title": "政策", "summary": "要点", **overrides}
    with pytest.raises(EnterpriseError) as refused:
        services.policy_create(actor=cast.supervisor, fields=PolicyFields(**fields))
    assert refused.value.field == field
    assert not Policy.objects.exists()


def test_a_community_is_not_a_policy_area(cast):
    with pytest.raises(EnterpriseError) as refused:
        services.policy_create(actor=cast.supervisor, fields=PolicyFields("政策", "要点", areas=(cast.community,)))
    assert refused.value.field == "areas"


@pytest.mark.parametrize("member", ["operator", "dispatcher", "leader", "housing_admin"])
def test_only_supervisors_and_admins_enter_policies(cast, member):
    with pytest.raises(PermissionDenied):
        services.policy_create(actor=getattr(cast, member), fields=PolicyFields("政策", "要点"))


def test_publish_then_withdraw(cast, make_policy):
    policy = make_policy(publish=False)
    published = services.policy_publish(actor=cast.admin, policy=policy)
    assert published.status == Policy.Status.PUBLISHED and published.published_at is not None
    with pytest.raises(EnterpriseError, match="只有草稿"):
        services.policy_publish(actor=cast.admin, policy=policy)
    assert services.policy_withdraw(actor=cast.admin, policy=policy).status == Policy.Status.WITHDRAWN
    with pytest.raises(EnterpriseError):
        services.policy_update(actor=cast.admin, policy=policy, fields=PolicyFields("改", "改"))


def test_push_reaches_the_matching_enterprises_once(cast, make_policy, factory_maker, shop):
    policy = make_policy(industries=("C",))
    assert services.policy_push(actor=cast.supervisor, policy=policy, channel="sms") == 1
    assert list(PolicyPush.objects.values_list("enterprise__name", "channel")) == [("泰兴精工机械有限公司", "sms")]
    assert services.policy_push(actor=cast.supervisor, policy=policy, channel="sms") == 0  # never told twice


def test_a_second_push_reaches_the_enterprises_new_since_the_first(cast, make_policy, factory_maker, shop):
    policy = make_policy(sizes=("micro", "small"))
    services.policy_push(actor=cast.supervisor, policy=policy, channel="platform")
    newcomer = Enterprise.objects.create(credit_code=CODES[2], name="新开小店", industry="F", size="micro")
    assert services.policy_push(actor=cast.supervisor, policy=policy, channel="platform") == 1
    assert PolicyPush.objects.filter(enterprise=newcomer).exists()


@pytest.mark.parametrize("status", ["draft", "withdrawn", "expired", "not yet in force"])
def test_only_a_published_policy_in_force_is_pushed(cast, make_policy, factory_maker, status):
    today = timezone.localdate()
    policy = {
        "draft": lambda: make_policy(publish=False),
        "withdrawn": lambda: services.policy_withdraw(actor=cast.supervisor, policy=make_policy()),
        "expired": lambda: make_policy(valid_until=today - dt.timedelta(days=1)),
        "not yet in force": lambda: make_policy(valid_from=today + dt.timedelta(days=1)),
    }[status]()
    with pytest.raises(EnterpriseError, match="有效期内"):
        services.policy_push(actor=cast.supervisor, policy=policy, channel="sms")
    assert not PolicyPush.objects.exists()


def test_push_needs_a_channel(cast, make_policy, factory_maker):
    with pytest.raises(EnterpriseError) as refused:
        services.policy_push(actor=cast.supervisor, policy=make_policy(), channel="fax")
    assert refused.value.field == "channel"


def test_operator_tells_one_enterprise_but_not_twice(cast, make_policy, shop):
    policy = make_policy(industries=("C",))  # the shop is not in its tags: the operator may still tell it
    push = services.policy_push_one(actor=cast.operator, policy=policy, enterprise=shop, channel="phone")
    assert (push.pushed_by, push.channel) == (cast.operator, "phone")
    with pytest.raises(EnterpriseError, match="推送过"):
        services.policy_push_one(actor=cast.operator, policy=policy, enterprise=shop, channel="phone")


def test_operator_may_not_push_to_everyone(cast, make_policy, factory_maker):
    with pytest.raises(PermissionDenied):
        services.policy_push(actor=cast.operator, policy=make_policy(), channel="sms")


def test_contact_number_read_is_logged(cast, factory_maker):
    from rexian.enterprise.selectors import enterprise_contact_phone

    assert enterprise_contact_phone(user=cast.operator, enterprise=factory_maker) == "13900001111"
    logged = PersonalDataAccess.objects.get()
    assert (logged.user, logged.subject_type, logged.subject_id) == (cast.operator, "enterprise", CODES[0])
    with pytest.raises(PermissionDenied):
        enterprise_contact_phone(user=cast.dispatcher, enterprise=factory_maker)


def test_the_worker_makes_the_missing_profiles_nightly(cast, monkeypatch):
    from rexian.core.scheduler import jobs
    from rexian.enterprise.tasks import enterprises_sync_task

    assert any(job.task_path == "rexian.enterprise.tasks:enterprises_sync_task" for job in jobs())
    monkeypatch.setattr(services, "enterprise_note_order", lambda **kwargs: None)
    register(cast, enterprise_name="甲公司", enterprise_credit_code=CODES[0])
    assert enterprises_sync_task.call() == {"made": 1}
