"""Validation queue: a reminder to the validators on the due day, escalation when overdue; once per case.

Due dates are working days of each subsidiary's country: around Easter 2026, Good Friday (3 April) is a
holiday in Germany and not in France, Easter Monday (6 April) in both.
"""

from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.core import mail

from accounts.groups import ensure_staff_groups
from core.models import OutboxEmail
from core.outbox import _render
from orders.models import Order, OrderStatus
from orders.services.validation import order_request_documents, order_validate
from orders.services.validation_alerts import validation_alerts_send
from orders.tasks import send_validation_alerts
from tests.support.factories import UserFactory, pay_order, place_order, subsidiary

pytestmark = pytest.mark.django_db

PAID = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)  # Thursday before Easter, morning in Paris and Berlin


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 4, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def staff():
    validator = UserFactory(is_staff=True, email="val@example.com")
    validator.groups.add(ensure_staff_groups()["validators"])
    UserFactory(is_staff=True, email="other-staff@example.com")  # not a validator: not reminded
    UserFactory(is_staff=True, is_superuser=True, email="boss@example.com")
    return validator


def case(country: str):
    account = UserFactory(subsidiary=subsidiary(country), country=country)
    order = pay_order(place_order(account=account, now=PAID), now=PAID)  # a first order: manual review
    assert order.status == OrderStatus.CHECKING
    return order


def alerts(prefix: str) -> list[tuple[str, str]]:
    return sorted(
        (Order.objects.get(pk=e.order_id).number, e.to) for e in OutboxEmail.objects.filter(key__startswith=prefix)
    )


def test_the_job_is_scheduled():
    assert settings.CELERY_BEAT_SCHEDULE["send-validation-alerts"]["task"] == "orders.tasks.send_validation_alerts"


def test_due_days_across_french_and_german_holidays(staff):
    fr, de = case("FR"), case("DE")
    assert fr.validation_due_on == date(2026, 4, 7)  # Fri 3 (working), Tue 7 (Mon 6: Easter Monday)
    assert de.validation_due_on == date(2026, 4, 8)  # Good Friday and Easter Monday off: Tue 7, Wed 8

    # Before the due day: nothing. Easter Monday: nothing either.
    for day in (3, 6):
        assert validation_alerts_send(now=at(day)) == {"reminded": 0, "escalated": 0}

    # 7 April: the French case is due today, the German one is not.
    assert validation_alerts_send(now=at(7)) == {"reminded": 1, "escalated": 0}
    assert alerts("validation-reminder:") == [(fr.number, "val@example.com")]
    assert validation_alerts_send(now=at(7, 15)) == {"reminded": 0, "escalated": 0}  # once per case

    # 8 April: the German case is due; the French one is overdue: escalated to the superusers.
    assert validation_alerts_send(now=at(8)) == {"reminded": 1, "escalated": 1}
    assert alerts("validation-reminder:") == sorted([(fr.number, "val@example.com"), (de.number, "val@example.com")])
    assert alerts("validation-escalation:") == [(fr.number, "boss@example.com")]

    # 9 April: the German one is overdue too; nothing is sent twice.
    assert validation_alerts_send(now=at(9)) == {"reminded": 0, "escalated": 1}
    assert validation_alerts_send(now=at(10)) == {"reminded": 0, "escalated": 0}
    assert alerts("validation-escalation:") == sorted(
        [(fr.number, "boss@example.com"), (de.number, "boss@example.com")]
    )


def test_local_dates_decide_the_due_day(staff):
    fr = case("FR")
    # 23:30 UTC on 6 April is already 7 April in Paris.
    assert validation_alerts_send(now=datetime(2026, 4, 6, 21, 30, tzinfo=UTC))["reminded"] == 0
    assert validation_alerts_send(now=datetime(2026, 4, 6, 22, 30, tzinfo=UTC))["reminded"] == 1
    assert alerts("validation-reminder:") == [(fr.number, "val@example.com")]


def test_decided_cases_and_cases_waiting_for_documents_get_no_alert(staff):
    validated, waiting = case("FR"), case("FR")
    order_validate(order_id=validated.pk, staff=staff)
    order_request_documents(order_id=waiting.pk, staff=staff, today=date(2026, 4, 2))
    assert validation_alerts_send(now=at(7)) == {"reminded": 0, "escalated": 0}
    assert validation_alerts_send(now=at(9)) == {"reminded": 0, "escalated": 0}


def test_escalation_also_goes_to_the_configured_addresses(staff, settings):
    settings.VALIDATION_ESCALATION_EMAILS = ["ops@example.com"]
    fr = case("FR")
    validation_alerts_send(now=at(8))
    assert alerts("validation-escalation:") == [(fr.number, "boss@example.com"), (fr.number, "ops@example.com")]


def test_the_emails_render_and_are_sent_once(staff, django_capture_on_commit_callbacks, mailoutbox):
    fr = case("FR")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        validation_alerts_send(now=at(7))
        validation_alerts_send(now=at(8))
        validation_alerts_send(now=at(8))
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert subjects == [
        ("boss@example.com", f"Overdue validation: order {fr.number} was due on 2026-04-07"),
        ("val@example.com", f"Validation due today: order {fr.number}"),
    ]
    for email in OutboxEmail.objects.filter(key__startswith="validation-"):
        message = _render(email)
        assert f"/admin/orders/validationcase/{fr.pk}/change/" in message.body
        assert "{{" not in message.body and f"/admin/orders/validationcase/{fr.pk}/" in message.alternatives[0][0]


def test_the_task_runs_the_job(staff):
    assert send_validation_alerts.apply().result == {"reminded": 0, "escalated": 0}


def test_each_staff_member_reads_alerts_in_their_language(staff, settings):
    settings.VALIDATION_ESCALATION_EMAILS = ["ops@example.com"]
    staff.language = "fr"
    staff.save(update_fields=["language"])
    fr = case("FR")
    validation_alerts_send(now=at(7))
    validation_alerts_send(now=at(8))
    languages = {e.to: e.language for e in OutboxEmail.objects.filter(key__startswith="validation-")}
    assert languages == {"val@example.com": "fr", "boss@example.com": "en", "ops@example.com": settings.LANGUAGE_CODE}
    reminder = _render(OutboxEmail.objects.get(key__startswith="validation-reminder:"))
    assert reminder.subject == f"Validation attendue aujourd’hui\u00a0: commande {fr.number}"
    assert "attend une validation manuelle" in reminder.body and "{%" not in reminder.body
