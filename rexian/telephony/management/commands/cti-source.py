"""`rexian cti-source create|rotate|list|disable`: the switches and CTI servers allowed to post call events."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rexian.telephony.models import CtiSource
from rexian.telephony.services import TelephonyInputError, cti_source_create, cti_source_rotate


class Command(BaseCommand):
    help = "管理话务接入源及其令牌 / Register the switches (CTI sources) that post call events, and their tokens."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        create = commands.add_parser("create", help="Register a source; its token is printed once.")
        create.add_argument("code", help="short code, also the --source of its file imports (e.g. asterisk)")
        create.add_argument("--name", required=True, help="what it is, e.g. '12345 main switch'")
        rotate = commands.add_parser("rotate", help="Give a source a new token (the old one stops working).")
        rotate.add_argument("code")
        commands.add_parser("list", help="List sources (never their tokens).")
        disable = commands.add_parser("disable", help="Refuse a source's events from now on.")
        disable.add_argument("code")

    def handle(self, *args, command: str, **options):
        getattr(self, f"_{command}")(**options)

    @staticmethod
    def _get(code: str) -> CtiSource:
        try:
            return CtiSource.objects.get(code=code)
        except CtiSource.DoesNotExist:
            raise CommandError(f"No CTI source {code!r}.") from None

    def _create(self, *, code: str, name: str, **options):
        try:
            source, token = cti_source_create(code=code, name=name)
        except TelephonyInputError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:  # a code that is not a slug, a name too long
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())) from None
        self.stderr.write(f"CTI source {source.code} '{source.name}'. Its token is shown only now:")
        self.stdout.write(token)

    def _rotate(self, *, code: str, **options):
        source = self._get(code)
        self.stderr.write(f"New token for {source.code}; the old one no longer works:")
        self.stdout.write(cti_source_rotate(source=source))

    def _list(self, **options):
        for source in CtiSource.objects.order_by("code"):
            last = f"{source.last_used_at:%Y-%m-%d %H:%M}" if source.last_used_at else "never"
            state = "active" if source.is_active else "disabled"
            self.stdout.write(f"{source.code}\t{source.token_prefix}…\t{state}\tlast used {last}\t{source.name}")

    def _disable(self, *, code: str, **options):
        source = self._get(code)
        source.is_active = False
        source.save(update_fields=["is_active"])
        self.stdout.write(f"CTI source {code} disabled.")
