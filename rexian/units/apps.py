from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "rexian.units"
    verbose_name = "单位与人员"
