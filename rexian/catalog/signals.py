from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from rexian.catalog.calendar import forget_overrides
from rexian.catalog.models import CalendarDay


@receiver([post_save, post_delete], sender=CalendarDay)
def calendar_changed(**kwargs):
    forget_overrides()


from rexian.catalog.models import DeadlineRule  # noqa: E402
from rexian.catalog.selectors import forget_deadline_rules  # noqa: E402


@receiver([post_save, post_delete], sender=DeadlineRule)
def deadline_rules_changed(**kwargs):
    forget_deadline_rules()


from rexian.catalog.models import Category  # noqa: E402
from rexian.catalog.selectors import forget_category_index  # noqa: E402


@receiver([post_save, post_delete], sender=Category)
def categories_changed(**kwargs):
    # The intake page's category search keeps the tree, with its pinyin, in memory.
    forget_category_index()
