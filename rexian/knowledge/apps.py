from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "rexian.knowledge"
    verbose_name = "知识库"
    # jieba's dictionary is not loaded here: it takes about a second and 60 MB, and most
    # processes (the worker, most test runs, management commands) never search.
    # `rexian.knowledge.segment` loads it on first use.
