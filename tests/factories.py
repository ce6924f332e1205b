"""Factories and a small named cast for the tests (see `tests/conftest.py`)."""

from __future__ import annotations

import factory

from rexian.catalog.models import AppealType, Category, Channel, DispatchRule, Urgency
from rexian.units.models import Role, Unit, User


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.BUREAU


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"职员{n}")
    role = Role.OPERATOR
    password = factory.PostGenerationMethodCall("set_unusable_password")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.Sequence(lambda n: f"分类{n}")


def appeal_type(code: str) -> AppealType:
    return AppealType.objects.get(code=code)


def urgency(code: str) -> Urgency:
    return Urgency.objects.get(code=code)


def channel(code: str = "phone") -> Channel:
    return Channel.objects.get(code=code)


def dispatch_rule(category, lead, assisting=(), area=None) -> DispatchRule:
    rule = DispatchRule.objects.create(category=category, lead_unit=lead, area=area)
    rule.assisting_units.set(assisting)
    return rule
