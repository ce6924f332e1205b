"""`rexian api-token create|list|revoke`: manage the REST API's tokens from the command line."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rexian.api.models import ApiToken
from rexian.api.services import api_token_issue, api_token_revoke


class Command(BaseCommand):
    help = "管理接口令牌 / Issue, list and revoke REST API tokens."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True)
        create = commands.add_parser("create", help="Issue a token; its key is printed once.")
        create.add_argument("--user", required=True, help="The username the token acts as.")
        create.add_argument("--name", required=True, help="What the token is for, e.g. 'district case system'.")
        create.add_argument(
            "--expires-days", type=int, default=None, help="Expire after this many days (default: never)."
        )
        listing = commands.add_parser("list", help="List tokens (never their keys).")
        listing.add_argument("--user", default=None)
        revoke = commands.add_parser("revoke", help="Revoke a token by its id or key prefix.")
        revoke.add_argument("token", help="The token's id or prefix (as `list` shows).")

    def handle(self, *args, command: str, **options):
        getattr(self, f"_{command}")(**options)

    def _create(self, *, user: str, name: str, expires_days: int | None, **options):
        try:
            owner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {user!r}.") from None
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be at least 1.")
        expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        try:
            token, key = api_token_issue(user=owner, name=name, expires_at=expires_at)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(
            f"Token {token.pk} '{token.name}' for {owner.username} ({owner.get_role_display()}). "
            "The key is shown only now:"
        )
        self.stdout.write(key)

    def _list(self, *, user: str | None, **options):
        tokens = ApiToken.objects.select_related("user").order_by("pk")
        if user:
            tokens = tokens.filter(user__username=user)
        for token in tokens:
            state = "revoked" if token.revoked_at else ("expired" if not token.is_usable() else "active")
            last = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk}\t{token.prefix}…\t{token.user.username}\t{state}\tlast used {last}\t{token.name}"
            )

    def _revoke(self, *, token: str, **options):
        match = (
            ApiToken.objects.filter(pk=int(token))
            if token.isdigit()
            else ApiToken.objects.filter(prefix=token.rstrip("…"))
        )
        found = list(match[:2])
        if len(found) != 1:
            raise CommandError(f"{'No' if not found else 'More than one'} token matches {token!r}.")
        api_token_revoke(token=found[0])
        self.stdout.write(f"Token {found[0].pk} '{found[0].name}' revoked.")
