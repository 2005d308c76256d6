"""`create_token --customer USERNAME --rule METHOD:PATH [--rule …]`: API credentials for a customer.

Prints one JSON object {"application_key", "application_secret", "consumer_key"} and nothing else on
stdout, as OVHcloud's createToken page gives them: the consumer key is validated and unlimited.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from api.credentials import token_create
from core.errors import InvalidInput


def parse_rule(text: str) -> dict:
    method, sep, path = text.partition(":")
    if not sep or not method or not path:
        raise CommandError(f"--rule {text!r}: expected METHOD:PATH, e.g. GET:/me/order/*")
    return {"method": method.strip().upper(), "path": path.strip()}


class Command(BaseCommand):
    help = "Create an API application and a validated, unlimited consumer key for a customer; prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--customer", required=True, help="The customer's username.")
        parser.add_argument(
            "--rule",
            action="append",
            required=True,
            metavar="METHOD:PATH",
            help="An access rule, repeatable: GET:/* grants every GET call.",
        )
        parser.add_argument("--name", default="create_token", help="The application's name.")

    def handle(self, *args, customer: str, rule: list[str], name: str, **options):
        account = User.objects.filter(username=customer).first()
        if account is None:
            raise CommandError(f"No customer {customer!r}")
        rules = [parse_rule(text) for text in rule]
        try:
            token = token_create(account=account, rules=rules, name=name)
        except InvalidInput as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(token))
