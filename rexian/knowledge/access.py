"""Who may do what in the knowledge base: one place, asked by services, selectors, admin and pages.

* The centre's supervisors (值班长) and administrators maintain the knowledge base:
  they write, publish and archive articles and see drafts, archived and lapsed ones.
* An article's owner unit (责任单位) answers for its content: its unit administrators
  may correct the article and confirm a review, but not publish or archive it.
* Operators (and supervisors, who take calls at peaks) mark the article they answered with.
* Everyone else reads what is published and valid.
"""

from __future__ import annotations

from rexian.units.models import Role

MANAGER_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
CALL_TAKER_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR})


def _active(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def may_manage(user) -> bool:
    """May write, publish and archive any article, and see unpublished or lapsed ones."""
    return _active(user) and (user.is_superuser or user.role in MANAGER_ROLES)


def owns(user, article) -> bool:
    """Is `user` an administrator of the article's owner unit?"""
    return (
        _active(user)
        and user.role == Role.UNIT_ADMIN
        and article.owner_unit_id is not None
        and user.unit_id == article.owner_unit_id
    )


def may_edit(user, article) -> bool:
    """May change the article's text, dates or keywords."""
    return may_manage(user) or owns(user, article)


def may_review(user, article) -> bool:
    """May confirm that the article was reviewed (复核) and set its next review date."""
    return may_manage(user) or owns(user, article)


def may_mark_used(user) -> bool:
    """May record that they answered an order with an article."""
    return _active(user) and user.role in CALL_TAKER_ROLES
