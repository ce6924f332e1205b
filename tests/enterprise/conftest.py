import pytest

from rexian.enterprise.models import Enterprise, Industry, Size
from rexian.enterprise.services import PolicyFields, policy_create, policy_publish

# Codes that pass the GB 32100 check.
FOURTH = "91321283MA1XY00K7K"
CODES = ("91350100M000100Y43", "91110000802100433B", "91321283MA1ABCDE2B")


@pytest.fixture(autouse=True)
def _on_commit(monkeypatch):
    """Run on-commit work at once, as a committed transaction would (the tests roll back)."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def factory_maker(cast):
    """A small manufacturer in 城东街道 (the cast's town)."""
    return Enterprise.objects.create(
        credit_code=CODES[0], name="泰兴精工机械有限公司", industry=Industry.C, size=Size.SMALL, area=cast.town,
        contact_name="王经理", contact_phone="13900001111",
    )


@pytest.fixture
def shop(cast):
    """A micro retailer with no area on its profile."""
    return Enterprise.objects.create(credit_code=CODES[1], name="泰兴便民超市", industry=Industry.F, size=Size.MICRO)


@pytest.fixture
def make_policy(cast):
    def make(*, publish=True, **overrides):
        fields = dict(title="小微企业六税两费减免", summary="对小型微利企业减半征收六税两费。")
        fields.update(overrides)
        policy = policy_create(actor=cast.supervisor, fields=PolicyFields(**fields))
        return policy_publish(actor=cast.supervisor, policy=policy) if publish else policy

    return make
