import os
import threading

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rexian.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    # jieba's dictionary takes 1–2 s to load: load it beside the first requests, not inside
    # an operator's first knowledge-base search.
    from rexian.knowledge.segment import warm_up

    warm_up()


threading.Thread(target=_warm_up, name="rexian-warm-up", daemon=True).start()
