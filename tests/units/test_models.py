import pytest
from django.core.exceptions import ValidationError

from tests import factories as f


def test_unit_path_follows_the_tree(db):
    city = f.UnitFactory(code="X")
    bureau = f.UnitFactory(code="X-1", parent=city)
    assert bureau.path == f"/{city.pk}/{bureau.pk}/"
    assert list(city.subtree()) == [city, bureau]


def test_moving_a_unit_moves_its_subtree(db):
    city = f.UnitFactory(code="X")
    town = f.UnitFactory(code="X-1", parent=city)
    community = f.UnitFactory(code="X-1-1", parent=town)
    other = f.UnitFactory(code="X-2", parent=city)
    town.parent = other
    town.save()
    community.refresh_from_db()
    assert community.path == f"/{city.pk}/{other.pk}/{town.pk}/{community.pk}/"


def test_a_unit_cannot_be_placed_under_its_own_subunit(db):
    city = f.UnitFactory(code="X")
    town = f.UnitFactory(code="X-1", parent=city)
    community = f.UnitFactory(code="X-1-1", parent=town)
    town.parent = community
    with pytest.raises(ValidationError):
        town.full_clean()


def test_a_category_cannot_be_its_own_parent(db):
    category = f.CategoryFactory(code="09", name="其他")
    category.parent = category
    with pytest.raises(ValidationError):
        category.full_clean()
