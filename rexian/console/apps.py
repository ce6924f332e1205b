from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    """The staff web console (工作台): server-rendered pages for every role of the centre and the units."""

    name = "rexian.console"
    verbose_name = _("工作台")
