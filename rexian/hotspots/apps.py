from django.apps import AppConfig


class HotspotsConfig(AppConfig):
    name = "rexian.hotspots"
    verbose_name = "热点与舆情预警"
    # jieba's dictionary is loaded by the first scan (`rexian.hotspots.services`), not at start-up.
