from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "rexian.intelligence"
    verbose_name = "智能辅助"
