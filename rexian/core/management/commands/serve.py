"""`rexian serve`: the embedded set-up — web server and worker in one process (demo, small sites).

Production runs gunicorn and `rexian worker` as separate services (docs/deploy.md).
"""

from __future__ import annotations

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from rexian.core.management.commands.worker import make_worker, run_scheduler


class Command(BaseCommand):
    help = "启动网页服务与后台任务（单进程）/ Serve the web pages with the worker in the same process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, host: str, port: int, no_worker: bool, **options):
        if not no_worker:
            stop = threading.Event()
            threading.Thread(target=run_scheduler, args=(stop,), name="rexian-scheduler", daemon=True).start()
            worker = make_worker()
            threading.Thread(target=worker.run, name="rexian-worker", daemon=True).start()
        from rexian.knowledge.segment import warm_up

        threading.Thread(target=warm_up, name="rexian-warm-up", daemon=True).start()
        call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
