"""Scale data for benchmarks and query plans: many customers and orders, written with set-based SQL.

One `INSERT … SELECT` per table over `generate_series`, on PostgreSQL only: a million orders take minutes
on two cores, where the services (one order at a time, through the gateway) would take hours. The
rows are what the services would have written: lines priced by `orders.pricing.quote_items` (so totals
add up to the lines), the events `orders.lifecycle` records on the way to each status, the consent a
consumer gives at checkout, the payment of paid orders and their invoice, numbered without gaps per
subsidiary. Not written: carts, services, withdrawals, refunds and credit notes (no page of an order's
list, tracking or purchase order needs them to render).

Customer 1 (`scale-000001`, France, individual) holds `big_orders` orders; the others share the rest.
Orders are numbered in the order of their dates, all customers interleaved, as they are in production.
Customers are created without a usable password: nobody logs in as them except through a session made
by the benchmark. Run by `python -m bench scale_data` (bench/pages.py does, once per database).
"""

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import LegalForm, Subsidiary, User
from catalog.models import Pricing
from orders import history
from orders.documents import SELLER_FIELDS
from orders.legal import legal_text, legal_version
from orders.management.commands.seed_demo import Command as SeedDemo
from orders.models import CancelReason, CartItem, Consent, OrderStatus
from orders.pricing import quote_items

USERNAME_PREFIX = "scale-"
BIG_CUSTOMER = f"{USERNAME_PREFIX}000001"
SPAN = timedelta(days=3 * 365)  # orders are spread over the last three years…
NEWEST_AGE = timedelta(days=2)  # …up to two days ago, so that every event of an order is in the past
S = OrderStatus
M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)

# Event sequences, as orders.lifecycle and the services record them: (label, from, to, offset, by customer).
PLACED = [(history.ORDER_STARTED, "", "", timedelta(0), True)]
PAID_DIRECT = [
    (history.PAYMENT_INITIATED, "", "", 6 * M, False),
    *(
        (label, S.NOT_PAID, S.DELIVERING, 7 * M, False)
        for label in (
            history.PAYMENT_RECEIVED,
            history.PAYMENT_CONFIRMED,
            history.FRAUD_CHECK,
            history.ORDER_ACCEPTED,
            history.DELIVERY,
        )
    ),
    (history.INVOICE_SENT, "", "", 8 * M, False),
]
PAID_REVIEW = [
    (history.PAYMENT_INITIATED, "", "", 6 * M, False),
    *(
        (label, S.NOT_PAID, S.CHECKING, 7 * M, False)
        for label in (
            history.PAYMENT_RECEIVED,
            history.PAYMENT_CONFIRMED,
            history.FRAUD_CHECK,
            history.FRAUD_MANUAL_REVIEW,
        )
    ),
    (history.INVOICE_SENT, "", "", 8 * M, False),
]
DELIVERED = [*PAID_DIRECT, (history.INVOICE_IN_PROGRESS, S.DELIVERING, S.DELIVERED, D + H, False)]
WITHDRAWN = [*DELIVERED, (history.WITHDRAWAL_REQUESTED, S.DELIVERED, S.CANCELLING, D + 2 * H, True)]
REFUSED = [*PAID_REVIEW, (history.FRAUD_REFUSED, S.CHECKING, S.CANCELLING, D, False)]
PAID_AFTER, INVOICED_AFTER, DELIVERED_AFTER, WITHDRAWN_AFTER = 7 * M, 8 * M, D + H, D + 2 * H


@dataclass(frozen=True)
class Path:
    """How an order reached its status: its events and what the order row holds at the end."""

    status: str
    reason: str
    events: list
    share_recent: int  # percent of the orders of the last ORDER_VALIDITY_DAYS
    share_old: int  # percent of the older ones
    paid: bool = True
    delivered: bool = False
    reviewed: bool = False

    @property
    def version(self) -> int:
        """1 + the number of status changes, as `lifecycle._transition` counts them."""
        return 1 + len({(e[1], e[2]) for e in self.events if e[2]})


EXPIRY = timedelta(days=settings.ORDER_VALIDITY_DAYS)
PATHS = [
    Path(S.NOT_PAID, "", PLACED, 30, 0, paid=False),
    Path(S.CHECKING, "", [*PLACED, *PAID_REVIEW], 10, 0, reviewed=True),
    Path(
        S.DOCUMENTS_REQUESTED,
        "",
        [*PLACED, *PAID_REVIEW, (history.FRAUD_DOCS_REQUESTED, S.CHECKING, S.DOCUMENTS_REQUESTED, D, False)],
        5,
        0,
        reviewed=True,
    ),
    Path(S.DELIVERING, "", [*PLACED, *PAID_DIRECT], 10, 0),
    Path(
        S.UNKNOWN, "", [*PLACED, *PAID_DIRECT, (history.DELIVERY_FAILED, S.DELIVERING, S.UNKNOWN, D + H, False)], 5, 0
    ),
    Path(S.DELIVERED, "", [*PLACED, *DELIVERED], 30, 82, delivered=True),
    Path(
        S.CANCELLED,
        CancelReason.EXPIRED,
        [*PLACED, (history.ORDER_EXPIRED, S.NOT_PAID, S.CANCELLED, EXPIRY, False)],
        0,
        12,
        paid=False,
    ),
    Path(S.CANCELLING, CancelReason.REFUSED, [*PLACED, *REFUSED], 5, 0, reviewed=True),
    Path(
        S.CANCELLED,
        CancelReason.REFUSED,
        [*PLACED, *REFUSED, (history.ORDER_CANCELLED, S.CANCELLING, S.CANCELLED, D + H, False)],
        0,
        3,
        reviewed=True,
    ),
    Path(S.CANCELLING, CancelReason.WITHDRAWN, [*PLACED, *WITHDRAWN], 5, 0, delivered=True),
    Path(
        S.CANCELLED,
        CancelReason.WITHDRAWN,
        [*PLACED, *WITHDRAWN, (history.ORDER_CANCELLED, S.CANCELLING, S.CANCELLED, 16 * D, False)],
        0,
        3,
        delivered=True,
    ),
]
assert sum(p.share_recent for p in PATHS) == 100 and sum(p.share_old for p in PATHS) == 100


class ScaleDataError(Exception):
    """Why scale data cannot be generated here (for the operator running it, not for customers)."""


@dataclass(frozen=True)
class ScaleResult:
    customers: int
    orders: int
    lines: int
    events: int
    big_customer: str
    catalog_seeded: bool


def scale_data_present() -> bool:
    return User.objects.filter(username__startswith=USERNAME_PREFIX).exists()


def _order_counts(*, customers: int, orders: int, big_orders: int) -> None:
    if customers < 1 or orders < 1 or not 1 <= big_orders <= orders:
        raise ScaleDataError("Need at least one customer and one order, and 1 ≤ big customer's orders ≤ orders.")
    if customers == 1 and big_orders != orders:
        raise ScaleDataError("With one customer, every order is the big customer's: give as many orders to both.")
    if customers > 1 and orders - big_orders < customers - 1:
        raise ScaleDataError("Not enough orders left for the other customers: each needs at least one.")


def _profiles() -> list[tuple[Subsidiary, str]]:
    """(subsidiary, legal form) of the customers, in turn; the first one is the big customer's."""
    subsidiaries = list(Subsidiary.objects.filter(pricings__isnull=False).distinct().order_by("code"))
    france = next((s for s in subsidiaries if s.code == "FR"), None)
    if france is None:
        raise ScaleDataError("No catalog priced in France: seed the catalog first (the scale_data command does).")
    profiles = [(france, LegalForm.INDIVIDUAL)]
    for sub in subsidiaries:
        for form in (LegalForm.INDIVIDUAL, LegalForm.CORPORATION):
            if (sub, form) != profiles[0]:
                profiles.append((sub, form))
    return profiles


def _templates(profile: int, subsidiary: Subsidiary, legal_form: str) -> list[tuple[dict, list[dict]]]:
    """Priced baskets of this profile: each pricing alone, and pairs of them (two or more lines)."""
    pricings = list(Pricing.objects.filter(subsidiary=subsidiary).select_related("plan").order_by("id"))
    baskets = [[p] for p in pricings] + [pricings[i : i + 2] for i in range(0, len(pricings) - 1, 2)]
    account = User(country=subsidiary.country, legal_form=legal_form, vat_number="", language="en")
    templates = []
    for index, basket in enumerate(baskets):
        items = [CartItem(pricing=pricing, quantity=1, configurations={}) for pricing in basket]
        quote = quote_items(items=items, subsidiary=subsidiary, account=account, language="en")
        order = {
            "profile": profile,
            "idx": index,
            "reverse_charge": quote.vat.reverse_charge,
            "total_net": quote.total_net,
            "total_reduction": quote.total_reduction,
            "total_vat": quote.total_vat,
            "total_gross": quote.total_gross,
        }
        lines = [
            {
                "grp": line.group,
                "kind": line.kind,
                "plan_id": line.pricing.plan_id,
                "duration": line.pricing.duration,
                "months": line.pricing.months,
                "pricing_mode": line.pricing.pricing_mode,
                "description": line.description[:300],
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "reduction": line.reduction,
                "net_total": line.net_total,
                "vat_rate": line.vat_rate,
                "vat_amount": line.vat_amount,
                "gross_amount": line.gross_amount,
            }
            for line in quote.lines
        ]
        templates.append((order, lines))
    return templates


def _insert(cursor, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
        [[row[c] for c in columns] for row in rows],
    )


def _reference_tables(cursor, profiles: list[tuple[Subsidiary, str]]) -> None:
    """Temporary tables the big statements join: profiles, priced baskets and their lines, paths, events."""
    cursor.execute(
        """
        CREATE TEMP TABLE scale_profile (
            profile int PRIMARY KEY, subsidiary_id text, currency text, time_zone text, legal_form text,
            templates int
        ) ON COMMIT DROP;
        CREATE TEMP TABLE scale_template (
            id serial PRIMARY KEY, profile int, idx int, reverse_charge bool, total_net numeric,
            total_reduction numeric, total_vat numeric, total_gross numeric, lines jsonb
        ) ON COMMIT DROP;
        CREATE TEMP TABLE scale_template_line (
            profile int, idx int, grp int, kind text, plan_id bigint, duration text, months int,
            pricing_mode text, description text, quantity int, unit_price numeric, reduction numeric,
            net_total numeric, vat_rate numeric, vat_amount numeric, gross_amount numeric
        ) ON COMMIT DROP;
        CREATE TEMP TABLE scale_path (
            path int PRIMARY KEY, status text, reason text, paid bool, delivered bool, reviewed bool, version int
        ) ON COMMIT DROP;
        CREATE TEMP TABLE scale_path_share (recent bool, bucket int, path int) ON COMMIT DROP;
        CREATE TEMP TABLE scale_path_event (
            path int, seq int, label text, from_status text, to_status text, at_offset interval, by_customer bool
        ) ON COMMIT DROP;
        """
    )
    profile_rows, template_rows, line_rows = [], [], []
    for number, (sub, form) in enumerate(profiles):
        templates = _templates(number, sub, form)
        profile_rows.append(
            {
                "profile": number,
                "subsidiary_id": sub.code,
                "currency": sub.currency,
                "time_zone": sub.time_zone,
                "legal_form": form,
                "templates": len(templates),
            }
        )
        for order, lines in templates:
            snapshot = [
                {
                    "description": line["description"],
                    "kind": line["kind"],
                    "quantity": line["quantity"],
                    "unit_price": str(line["unit_price"]),
                    "reduction": str(line["reduction"]),
                    "net": str(line["net_total"]),
                    "vat_rate": str(line["vat_rate"]),
                    "vat": str(line["vat_amount"]),
                    "gross": str(line["gross_amount"]),
                }
                for line in sorted(lines, key=lambda line: (line["grp"], line["kind"]))
            ]
            template_rows.append({**order, "lines": json.dumps(snapshot)})
            line_rows += [{"profile": number, "idx": order["idx"], **line} for line in lines]
    _insert(cursor, "scale_profile", profile_rows)
    _insert(cursor, "scale_template", template_rows)
    _insert(cursor, "scale_template_line", line_rows)
    path_rows, event_rows, share_rows = [], [], []
    for number, path in enumerate(PATHS):
        path_rows.append(
            {
                "path": number,
                "status": path.status,
                "reason": path.reason,
                "paid": path.paid,
                "delivered": path.delivered,
                "reviewed": path.reviewed,
                "version": path.version,
            }
        )
        for recent, share in ((True, path.share_recent), (False, path.share_old)):
            taken = sum(1 for row in share_rows if row["recent"] == recent)
            share_rows += [{"recent": recent, "bucket": taken + i, "path": number} for i in range(share)]
        event_rows += [
            {
                "path": number,
                "seq": seq,
                "label": label,
                "from_status": from_status,
                "to_status": to_status,
                "at_offset": offset,
                "by_customer": by_customer,
            }
            for seq, (label, from_status, to_status, offset, by_customer) in enumerate(path.events)
        ]
    _insert(cursor, "scale_path", path_rows)
    _insert(cursor, "scale_path_event", event_rows)
    _insert(cursor, "scale_path_share", share_rows)
    cursor.execute("ANALYZE scale_profile, scale_template, scale_template_line, scale_path, scale_path_share")


def _insert_customers(cursor, *, customers: int, orders: int, big_orders: int, now: datetime) -> None:
    """The customers, then `scale_customer`: each one's profile, billing snapshot and number of orders."""
    others = customers - 1
    share, extra = divmod(orders - big_orders, others) if others else (0, 0)
    cursor.execute(
        """
        INSERT INTO accounts_user (
            password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined,
            handle, legal_form, subsidiary_id, language, organisation, address, city, postcode, country,
            vat_number, phone, email_confirmed
        )
        SELECT %(password)s, false, %(prefix)s || lpad(g::text, 6, '0'), 'Scale', 'Customer ' || g,
               %(prefix)s || lpad(g::text, 6, '0') || '@example.com', false, true, %(joined)s,
               %(prefix)s || lpad(g::text, 6, '0') || '-ovh', p.legal_form, p.subsidiary_id, 'en',
               CASE WHEN p.legal_form = 'individual' THEN '' ELSE 'Scale Customer ' || g || ' Ltd' END,
               g || ' Scale Street', 'Scaleville', '10000', s.country, '', '', true
        FROM generate_series(1, %(customers)s) AS g
        JOIN scale_profile p ON p.profile = (g - 1) %% (SELECT count(*) FROM scale_profile)
        JOIN accounts_subsidiary s ON s.code = p.subsidiary_id
        ORDER BY g
        """,
        {
            "password": make_password(None),
            "prefix": USERNAME_PREFIX,
            "joined": now - SPAN - NEWEST_AGE,
            "customers": customers,
        },
    )
    cursor.execute(
        """
        CREATE TEMP TABLE scale_customer ON COMMIT DROP AS
        SELECT u.id AS account_id, g.g, p.profile, p.subsidiary_id, p.currency, p.time_zone, p.templates,
               p.legal_form,
               CASE WHEN g.g = 1 THEN %(big)s WHEN g.g - 2 < %(extra)s THEN %(share)s + 1 ELSE %(share)s END
                   AS orders,
               jsonb_build_object(
                   'handle', u.handle, 'name', u.first_name || ' ' || u.last_name, 'organisation', u.organisation,
                   'address', u.address, 'city', u.city, 'postcode', u.postcode, 'country', u.country,
                   'vat_number', u.vat_number, 'legal_form', u.legal_form, 'email', u.email
               ) AS billing
        FROM generate_series(1, %(customers)s) AS g(g)
        JOIN accounts_user u ON u.username = %(prefix)s || lpad(g.g::text, 6, '0')
        JOIN scale_profile p ON p.profile = (g.g - 1) %% (SELECT count(*) FROM scale_profile)
        """,
        {"big": big_orders, "extra": extra, "share": share, "customers": customers, "prefix": USERNAME_PREFIX},
    )
    cursor.execute("ANALYZE scale_customer")


def _plan_orders(cursor, *, now: datetime) -> int:
    """`scale_order`: every order's id (in date order, after the existing ones), basket, path, dates, and
    for a paid order its invoice number (after its subsidiary's last one, the sequence rows locked)."""
    cursor.execute("LOCK TABLE orders_order IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(
        "SELECT GREATEST(COALESCE((SELECT max(id) FROM orders_order), 0), "
        "nextval(pg_get_serial_sequence('orders_order', 'id')) - 1)"
    )
    base = cursor.fetchone()[0]
    cursor.execute(
        """
        INSERT INTO orders_documentsequence (subsidiary_id, kind, last_number)
        SELECT DISTINCT subsidiary_id, 'invoice', 0 FROM scale_profile
        ON CONFLICT (subsidiary_id, kind) DO NOTHING
        """
    )
    cursor.execute("SELECT id FROM orders_documentsequence WHERE kind = 'invoice' FOR UPDATE")
    cursor.execute(
        """
        CREATE TEMP TABLE scale_order ON COMMIT DROP AS
        WITH drawn AS (
            SELECT c.*, k, abs(hashint8(c.g::bigint * 1000003 + k)::bigint) AS h
            FROM scale_customer c, generate_series(0, c.orders - 1) AS k
        ), dated AS (
            SELECT d.*, %(newest)s - make_interval(secs => (k + (h / 10000 %% 1000) / 1000.0::float8)
                                                            * %(step)s / d.orders) AS created_at
            FROM drawn d
        ), bucketed AS (
            SELECT d.*, d.created_at > %(recent)s AS recent, (d.h %% 100)::int AS bucket FROM dated d
        ), numbered AS (
            SELECT (%(base)s + row_number() OVER (ORDER BY d.created_at, d.account_id))::bigint AS id,
                   d.account_id, d.subsidiary_id, d.currency, d.time_zone, d.legal_form, d.created_at,
                   t.id AS template_id, t.idx AS template_idx, d.profile, p.path, p.status, p.reason, p.paid,
                   p.delivered, p.reviewed, p.version
            FROM bucketed d
            JOIN scale_template t ON t.profile = d.profile AND t.idx = (d.h / 100) %% d.templates
            JOIN scale_path_share b ON b.recent = d.recent AND b.bucket = d.bucket
            JOIN scale_path p ON p.path = b.path
        )
        SELECT s.*, CASE WHEN s.paid THEN 'IN-' || s.subsidiary_id || '-' || lpad(s.seq::text,
                                                                                  greatest(7, length(s.seq::text)),
                                                                                  '0') END AS invoice_number
        FROM (
            SELECT n.*, q.last_number + row_number() OVER (PARTITION BY n.subsidiary_id, n.paid ORDER BY n.id)
                       AS seq
            FROM numbered n
            JOIN orders_documentsequence q ON q.subsidiary_id = n.subsidiary_id AND q.kind = 'invoice'
        ) s
        """,
        {
            "base": base,
            "newest": now - NEWEST_AGE,
            "step": (SPAN - NEWEST_AGE).total_seconds(),
            "recent": now - timedelta(days=settings.ORDER_VALIDITY_DAYS),
        },
    )
    count = cursor.rowcount
    cursor.execute("SELECT setval(pg_get_serial_sequence('orders_order', 'id'), %s)", [base + count])
    cursor.execute(
        """
        UPDATE orders_documentsequence q SET last_number = q.last_number + c.n
        FROM (SELECT subsidiary_id, count(*) AS n FROM scale_order WHERE paid GROUP BY subsidiary_id) c
        WHERE q.subsidiary_id = c.subsidiary_id AND q.kind = 'invoice'
        """
    )
    return count


def _insert_orders(cursor, *, now: datetime) -> None:
    cursor.execute(
        """
        INSERT INTO orders_order (
            id, account_id, subsidiary_id, kind, status, cancel_reason, created_at, expires_at, currency,
            language, billing, reverse_charge, total_net, total_reduction, total_vat, total_gross, paid_at,
            concluded_on, withdrawal_info_given, validation_due_on, documents_due_on, delivered_at, version,
            updated_at
        )
        SELECT o.id, o.account_id, o.subsidiary_id, 'new', o.status, o.reason, o.created_at,
               o.created_at + %(validity)s, o.currency, 'en', c.billing, t.reverse_charge, t.total_net,
               t.total_reduction, t.total_vat, t.total_gross,
               CASE WHEN o.paid THEN o.created_at + %(paid)s END,
               CASE WHEN o.paid THEN ((o.created_at + %(paid)s) AT TIME ZONE o.time_zone)::date END,
               o.legal_form = 'individual',
               CASE WHEN o.reviewed THEN ((o.created_at + interval '3 days') AT TIME ZONE o.time_zone)::date END,
               CASE WHEN o.status = 'documentsRequested'
                    THEN ((o.created_at + interval '8 days') AT TIME ZONE o.time_zone)::date END,
               CASE WHEN o.delivered THEN o.created_at + %(delivered)s END,
               o.version, %(now)s
        FROM scale_order o JOIN scale_template t ON t.id = o.template_id
        JOIN scale_customer c ON c.account_id = o.account_id
        ORDER BY o.id
        """,
        {
            "validity": timedelta(days=settings.ORDER_VALIDITY_DAYS),
            "paid": PAID_AFTER,
            "delivered": DELIVERED_AFTER,
            "now": now,
        },
    )


def _insert_lines(cursor) -> int:
    cursor.execute(
        """
        INSERT INTO orders_orderline (
            order_id, "group", kind, plan_id, duration, months, pricing_mode, description, configurations,
            quantity, unit_price, reduction, net_total, vat_rate, vat_amount, gross_amount, period_start,
            period_end, delivered_at, cancelled_at
        )
        SELECT o.id, l.grp, l.kind, l.plan_id, l.duration, l.months, l.pricing_mode, l.description, '{}',
               l.quantity, l.unit_price, l.reduction, l.net_total, l.vat_rate, l.vat_amount, l.gross_amount,
               CASE WHEN o.delivered THEN ((o.created_at + %(delivered)s) AT TIME ZONE o.time_zone)::date END,
               CASE WHEN o.delivered THEN (((o.created_at + %(delivered)s) AT TIME ZONE o.time_zone)::date
                                           + make_interval(months => l.months))::date END,
               CASE WHEN o.delivered THEN o.created_at + %(delivered)s END,
               CASE WHEN o.reason = 'withdrawn' THEN o.created_at + %(withdrawn)s END
        FROM scale_order o
        JOIN scale_template_line l ON l.profile = o.profile AND l.idx = o.template_idx
        ORDER BY o.id, l.grp, l.kind
        """,
        {"delivered": DELIVERED_AFTER, "withdrawn": WITHDRAWN_AFTER},
    )
    return cursor.rowcount


def _insert_events(cursor, *, now: datetime) -> int:
    cursor.execute(
        """
        INSERT INTO orders_orderevent (order_id, created_at, label, from_status, to_status, actor_id, channel, data)
        SELECT o.id, LEAST(o.created_at + e.at_offset, %(now)s), e.label, e.from_status, e.to_status,
               CASE WHEN e.by_customer THEN o.account_id END,
               CASE WHEN e.by_customer THEN 'panel' ELSE 'system' END,
               CASE WHEN e.label = %(invoice_sent)s
                    THEN jsonb_build_object('invoice', o.invoice_number) ELSE '{}'::jsonb END
        FROM scale_order o JOIN scale_path_event e ON e.path = o.path
        ORDER BY o.id, e.at_offset, e.seq
        """,
        {"now": now, "invoice_sent": history.INVOICE_SENT},
    )
    return cursor.rowcount


def _insert_consents(cursor) -> None:
    """The withdrawal information every consumer is given at checkout, with the exact text shown."""
    key = "consent_information_given"
    cursor.execute(
        """
        INSERT INTO orders_consent (
            order_id, kind, text_key, text_version, language, text, given_at, ip, channel, application_key,
            consumer_key
        )
        SELECT o.id, %(kind)s, %(key)s, %(version)s, 'en', %(text)s, o.created_at, '127.0.0.1', 'panel', '', ''
        FROM scale_order o WHERE o.legal_form = 'individual' ORDER BY o.id
        """,
        {
            "kind": Consent.Kind.INFORMATION_GIVEN,
            "key": key,
            "version": legal_version(key),
            "text": legal_text(key, "en"),
        },
    )


def _insert_payments_and_invoices(cursor) -> None:
    """One card payment per paid order, and its invoice, numbered after the subsidiary's last one."""
    cursor.execute(
        """
        INSERT INTO orders_payment (
            order_id, kind, token, amount, currency, status, idempotency_key, gateway_reference,
            failure_reason, created_at, settled_at
        )
        SELECT o.id, 'card', '', t.total_gross, o.currency, 'succeeded', 'scale-' || o.id, 'scale-' || o.id, '',
               o.created_at + %(initiated)s, o.created_at + %(paid)s
        FROM scale_order o JOIN scale_template t ON t.id = o.template_id
        WHERE o.paid ORDER BY o.id
        """,
        {"initiated": PAID_DIRECT[0][3], "paid": PAID_AFTER},
    )
    seller = ", ".join(f"'{field}', s.{field}" for field in SELLER_FIELDS)  # orders.documents.seller_details
    cursor.execute(
        f"""
        INSERT INTO orders_invoice (
            order_id, subsidiary_id, number, issued_at, currency, total_net, total_reduction, total_vat,
            total_gross, lines, billing, seller, reverse_charge
        )
        SELECT o.id, o.subsidiary_id, o.invoice_number, o.created_at + %(issued)s, o.currency, t.total_net,
               t.total_reduction, t.total_vat, t.total_gross, t.lines, c.billing, jsonb_build_object({seller}),
               t.reverse_charge
        FROM scale_order o JOIN scale_template t ON t.id = o.template_id
        JOIN scale_customer c ON c.account_id = o.account_id
        JOIN accounts_subsidiary s ON s.code = o.subsidiary_id
        WHERE o.paid ORDER BY o.id
        """,
        {"issued": INVOICED_AFTER},
    )


WRITTEN = (
    "accounts_user",
    "orders_order",
    "orders_orderline",
    "orders_orderevent",
    "orders_consent",
    "orders_payment",
    "orders_invoice",
)


def _drop_foreign_keys(cursor) -> list[tuple[str, str, str]]:
    """Foreign keys are checked row by row at commit (deferred triggers): dropped during the load and added
    back after it, which checks every row in one join. Returns (table, name, definition) of each."""
    cursor.execute(
        """
        SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint
        WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conrelid::regclass::text, conname
        """,
        [list(WRITTEN)],
    )
    keys = cursor.fetchall()
    for table, name, _definition in keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    return keys


def _add_foreign_keys(cursor, keys: list[tuple[str, str, str]]) -> None:
    for table, name, definition in keys:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def _drop_plain_indexes(cursor) -> list[str]:
    """Indexes that back no constraint are built again after the load: one sort each, rather than a million
    insertions. Unique and primary keys stay, to keep checking every row. Returns their definitions."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
          AND NOT i.indisunique
        """,
        [list(WRITTEN)],
    )
    indexes = cursor.fetchall()
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes]


def scale_data_generate(*, customers: int, orders: int, big_orders: int, now: datetime) -> ScaleResult:
    """Write the customers and their orders in one transaction, then analyze the tables written.

    On a freshly migrated database, the demo catalog is seeded first (plans and pricings only)."""
    if connection.vendor != "postgresql":
        raise ScaleDataError("Scale data is written with PostgreSQL's set-based SQL: run it on PostgreSQL.")
    _order_counts(customers=customers, orders=orders, big_orders=big_orders)
    subsidiaries = list(Subsidiary.objects.all())
    if not subsidiaries:
        raise ScaleDataError("No subsidiaries: run `manage.py migrate` first.")
    catalog_seeded = not Pricing.objects.filter(subsidiary_id="FR").exists()
    if catalog_seeded:
        SeedDemo().seed_catalog(subsidiaries)  # the demo catalog only: no logins, no orders
    with transaction.atomic():
        if scale_data_present():
            raise ScaleDataError("Scale data is already there (customers named scale-…): it is generated only once.")
        with connection.cursor() as cursor:
            # Sorts of a million rows in memory, index builds of several millions, no JIT (seconds to compile).
            cursor.execute(
                "SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '512MB'; SET LOCAL jit = off"
            )
            keys = _drop_foreign_keys(cursor)
            indexes = _drop_plain_indexes(cursor)
            _reference_tables(cursor, _profiles())
            _insert_customers(cursor, customers=customers, orders=orders, big_orders=big_orders, now=now)
            count = _plan_orders(cursor, now=now)
            _insert_orders(cursor, now=now)
            lines = _insert_lines(cursor)
            events = _insert_events(cursor, now=now)
            _insert_consents(cursor)
            _insert_payments_and_invoices(cursor)
            for definition in indexes:
                cursor.execute(definition)
            _add_foreign_keys(cursor, keys)
    # Statistics for the planner; outside a transaction, VACUUM too: it marks the pages all-visible, which
    # index-only scans need (autovacuum would get there, later).
    analyze = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in WRITTEN:
            cursor.execute(f"{analyze} {table}")
    return ScaleResult(
        customers=customers,
        orders=count,
        lines=lines,
        events=events,
        big_customer=BIG_CUSTOMER,
        catalog_seeded=catalog_seeded,
    )


def main(argv: list[str]) -> int:
    """`python -m bench scale_data [--customers N] [--orders N] [--big-customer-orders N]` (django set up)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench scale_data",
        description="Generate scale data: N customers and M orders with lines and events, one customer holding many.",
    )
    parser.add_argument("--customers", type=int, default=1000, help="Customers (default 1000).")
    parser.add_argument("--orders", type=int, default=1_000_000, help="Orders in all (default 1 000 000).")
    parser.add_argument(
        "--big-customer-orders", type=int, default=10_000, help="Orders of the first customer (default 10 000)."
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        result = scale_data_generate(
            customers=args.customers, orders=args.orders, big_orders=args.big_customer_orders, now=timezone.now()
        )
    except ScaleDataError as error:
        print(f"scale_data: {error}", file=sys.stderr)
        return 1
    if result.catalog_seeded:
        print("Catalog seeded (the demo catalog).")
    print(
        f"{result.customers} customers, {result.orders} orders, {result.lines} lines, {result.events} events "
        f"in {time.monotonic() - started:.1f} s; {result.big_customer} holds {args.big_customer_orders} orders."
    )
    return 0
