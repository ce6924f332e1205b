from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "rexian.quality"
    verbose_name = "质检"
