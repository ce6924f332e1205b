from django.apps import AppConfig
from django.core import checks


class ReportsConfig(AppConfig):
    name = "rexian.reports"
    verbose_name = "报告"

    def ready(self) -> None:
        checks.register(check_settings, checks.Tags.compatibility)


def check_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A bad REXIAN_DAILY_REPORT_TIME fails `rexian check` and `migrate` at deployment, not only the worker's log."""
    from django.core.exceptions import ImproperlyConfigured

    from rexian.reports.conf import daily_report_time

    try:
        daily_report_time()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="reports.E001")]
    return []
