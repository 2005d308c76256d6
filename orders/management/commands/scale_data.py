"""`python manage.py scale_data`: customers and orders by the million, for benchmarks and query plans (PostgreSQL).

See orders.services.scale_data for what is written and how. Generated once: a second run refuses.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from accounts.models import Subsidiary
from catalog.models import Pricing
from orders.services.scale_data import ScaleDataError, scale_data_generate

from .seed_demo import Command as SeedDemo


class Command(BaseCommand):
    help = "Generate scale data: N customers and M orders with lines and events, one customer holding many orders."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=1000, help="Customers (default 1000).")
        parser.add_argument("--orders", type=int, default=1_000_000, help="Orders in all (default 1 000 000).")
        parser.add_argument(
            "--big-customer-orders", type=int, default=10_000, help="Orders of the first customer (default 10 000)."
        )

    def handle(self, *args, customers: int, orders: int, big_customer_orders: int, **options):
        if connection.vendor != "postgresql":
            raise CommandError("scale_data writes with PostgreSQL's set-based SQL: set DATABASE_URL to PostgreSQL.")
        subsidiaries = list(Subsidiary.objects.all())
        if not subsidiaries:
            raise CommandError("No subsidiaries: run `manage.py migrate` first.")
        if not Pricing.objects.filter(subsidiary_id="FR").exists():
            SeedDemo().seed_catalog(subsidiaries)  # the demo catalog only: no logins, no orders
            self.stdout.write("Catalog seeded (the demo catalog).")
        started = time.monotonic()
        try:
            result = scale_data_generate(
                customers=customers, orders=orders, big_orders=big_customer_orders, now=timezone.now()
            )
        except ScaleDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.customers} customers, {result.orders} orders, {result.lines} lines, {result.events} events "
                f"in {time.monotonic() - started:.1f} s; {result.big_customer} holds {big_customer_orders} orders."
            )
        )
