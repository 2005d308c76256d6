"""The manual validation queue in admin: order, overdue, take next, decisions, races, auto-refusal, cleanup."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts.groups import ensure_staff_groups
from core.localtime import add_working_days, local_today
from core.models import OutboxEmail
from orders import history, lifecycle
from orders.models import CancelReason, Order, OrderEvent, OrderStatus, Refund
from orders.services import validation_queue as queue
from orders.services.validation import (
    NO_DOCUMENTS_NOTE,
    order_request_documents,
    order_validate,
    refuse_overdue_document_requests,
)
from orders.services.validation_queue import (
    case_take_next,
    overdue_document_requests,
)
from orders.tasks import refuse_cases_without_documents
from tests.support.factories import UserFactory, pay_order, place_order, subsidiary
from tests.support.threads import run_together

pytestmark = pytest.mark.django_db

S = OrderStatus
CHANGELIST = "admin:orders_validationcase_changelist"


def staff_member(group: str = "validators", **kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(ensure_staff_groups()[group])
    return user


def paris_today() -> date:
    """Today where the orders' subsidiary (France) is: what the queue calls "today", not the server's date."""
    return local_today("Europe/Paris", timezone.now())


def case(due: date | None = None, **kwargs) -> Order:
    """A first order, paid: it goes to validation; `due` overrides its validation due date."""
    order = pay_order(place_order(**kwargs))
    assert order.status == S.CHECKING
    if due:
        Order.objects.filter(pk=order.pk).update(validation_due_on=due)
        order.refresh_from_db()
    return order


def change_url(order) -> str:
    return reverse("admin:orders_validationcase_change", args=[order.pk])


def action_url(name: str, order) -> str:
    return reverse(f"admin:orders_validationcase_{name}", args=[order.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def validator(client):
    user = staff_member(username="vera")
    client.force_login(user)
    return user


# --- the list -------------------------------------------------------------------------------------


def test_the_queue_lists_open_cases_oldest_due_first_with_overdue_marked(client, validator):
    today = paris_today()
    later = case(due=today + timedelta(days=2))
    overdue = case(due=today - timedelta(days=3))
    due_today = case(due=today)
    waiting_docs = case(due=today + timedelta(days=1))
    order_request_documents(order_id=waiting_docs.pk, staff=validator, today=today)
    decided = case(due=today - timedelta(days=10))
    order_validate(order_id=decided.pk, staff=validator)
    account = UserFactory()
    first_of_account = pay_order(place_order(account=account))
    Order.objects.filter(pk=first_of_account.pk).update(validation_due_on=today + timedelta(days=9))
    lifecycle.order_refuse(order_id=first_of_account.pk, staff=validator)
    trusted = pay_order(place_order(account=account))  # no risk rule: never in the queue, open or decided
    assert trusted.validation_due_on is None

    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    listed = list(response.context["cl"].result_list)
    assert [o.pk for o in listed] == [overdue.pk, due_today.pk, waiting_docs.pk, later.pk]
    admin = response.context["cl"].model_admin
    assert ["Overdue" in admin.overdue(o) for o in listed] == [True, False, False, False]
    assert response.content.decode().count('class="errornote">Overdue<') == 1

    decided_list = client.get(reverse(CHANGELIST), {"cases": "decided"}).context["cl"].result_list
    assert [o.pk for o in decided_list] == [decided.pk, first_of_account.pk]
    overdue_list = client.get(reverse(CHANGELIST), {"cases": "overdue"}).context["cl"].result_list
    assert [o.pk for o in overdue_list] == [overdue.pk]


def test_overdue_uses_the_local_date_of_the_subsidiary():
    ca = UserFactory(subsidiary=subsidiary("CA"), country="CA")
    fr = UserFactory()
    due = date(2026, 3, 10)
    ca_case = case(due=due, account=ca)
    fr_case = case(due=due, account=fr)
    # 03:00 UTC on 11 March: already the 11th in Paris, still the 10th in Toronto.
    now = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)
    assert queue.is_overdue(fr_case, now) and not queue.is_overdue(ca_case, now)
    assert list(Order.objects.filter(queue.overdue_q(now))) == [fr_case]


def test_customers_and_anonymous_visitors_never_see_the_queue(client):
    url = reverse(CHANGELIST)
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302  # to the admin login


# --- take next -------------------------------------------------------------------------------------


def test_take_next_assigns_the_oldest_due_unassigned_case_and_opens_it(client, validator):
    today = paris_today()
    second = case(due=today + timedelta(days=1))
    first = case(due=today)
    taken = case(due=today - timedelta(days=1))
    Order.objects.filter(pk=taken.pk).update(assigned_to=UserFactory(is_staff=True))
    waiting_docs = case(due=today - timedelta(days=5))
    lifecycle.order_request_documents(order_id=waiting_docs.pk, staff=None, today=today)  # unassigned

    response = client.post(reverse("admin:orders_validationcase_take_next"))
    assert response.status_code == 302 and response["Location"] == change_url(first)
    first.refresh_from_db()
    assert first.assigned_to == validator

    response = client.post(reverse("admin:orders_validationcase_take_next"))
    assert response["Location"] == change_url(second)
    response = client.post(reverse("admin:orders_validationcase_take_next"), follow=True)
    assert "No case is waiting for a validator." in messages_of(response)
    assert Order.objects.get(pk=waiting_docs.pk).assigned_to is None  # waiting for the customer, not for staff


def test_take_next_is_a_post_and_needs_the_change_permission(client):
    case()
    finance = staff_member("finance")
    client.force_login(finance)
    assert client.get(reverse(CHANGELIST)).status_code == 200  # finance may read the queue
    assert client.post(reverse("admin:orders_validationcase_take_next")).status_code == 403
    client.force_login(staff_member())
    assert client.get(reverse("admin:orders_validationcase_take_next")).status_code == 405


def test_the_changelist_offers_take_next_to_validators(client, validator):
    case()
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert "Take next case" in html and reverse("admin:orders_validationcase_take_next") in html


def test_take_next_skips_a_case_another_validator_took_meanwhile(validator, monkeypatch):
    today = paris_today()
    first = case(due=today)
    second = case(due=today + timedelta(days=1))
    rival = staff_member()
    real_first = type(Order.objects.all()).first
    raced = []

    def first_then_someone_else_takes_it(qs):
        found = real_first(qs)
        if not raced and found == first.pk:
            raced.append(found)
            Order.objects.filter(pk=found).update(assigned_to=rival)  # between reading and updating
        return found

    monkeypatch.setattr(type(Order.objects.all()), "first", first_then_someone_else_takes_it)
    got = case_take_next(staff=validator)
    assert raced and got.pk == second.pk
    assert Order.objects.get(pk=first.pk).assigned_to == rival


# --- decisions -------------------------------------------------------------------------------------


def test_the_case_page_shows_the_decisions(client, validator):
    order = case()
    html = client.get(change_url(order)).content.decode()
    for label in ("Validate", "Request documents", "Refuse", "Take this case"):
        assert label in html
    assert "First order of this account" in html  # why it is in the queue


def test_validate_from_the_case_page(client, validator, published):
    order = case()
    response = client.post(action_url("validate", order))
    assert response.status_code == 302 and response["Location"] == change_url(order)
    order.refresh_from_db()
    assert order.status == S.DELIVERING and order.assigned_to == validator
    events = OrderEvent.objects.filter(order=order, from_status=S.CHECKING)
    assert {(e.label, e.actor_id, e.channel) for e in events} == {
        (history.ORDER_ACCEPTED, validator.pk, OrderEvent.Channel.STAFF),
        (history.DELIVERY, validator.pk, OrderEvent.Channel.STAFF),
    }
    assert OutboxEmail.objects.filter(key=f"order-validated:{order.pk}").exists()


def test_request_documents_from_the_case_page(client, validator):
    order = case()
    response = client.post(action_url("request_documents", order), follow=True)
    order.refresh_from_db()
    assert order.status == S.DOCUMENTS_REQUESTED
    assert order.documents_due_on == add_working_days(paris_today(), 10, "FR")
    event = OrderEvent.objects.get(order=order, label=history.FRAUD_DOCS_REQUESTED)
    assert (event.actor_id, event.channel) == (validator.pk, OrderEvent.Channel.STAFF)
    email = OutboxEmail.objects.get(key__startswith=f"documents-requested:{order.pk}:")
    assert email.context["documents_path"] == reverse("orders:documents", args=[order.pk])
    assert any("Documents requested" in m for m in messages_of(response))


def test_refuse_needs_a_note_and_refunds_in_full(client, validator):
    order = case()
    response = client.post(action_url("refuse", order), {"note": ""}, follow=True)
    assert any("Give the reason" in m for m in messages_of(response))
    assert Order.objects.get(pk=order.pk).status == S.CHECKING

    client.post(action_url("refuse", order), {"note": "Stolen card suspected"})
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (S.CANCELLING, CancelReason.REFUSED)
    event = OrderEvent.objects.get(order=order, label=history.FRAUD_REFUSED)
    assert (event.actor_id, event.channel, event.data) == (
        validator.pk,
        OrderEvent.Channel.STAFF,
        {"note": "Stolen card suspected"},
    )
    refund = Refund.objects.get(order=order)
    assert (refund.cause, refund.amount) == (Refund.Cause.REFUSAL, order.total_gross)


def test_decisions_are_posts_for_validators_only(client):
    order = case()
    client.force_login(staff_member("finance"))
    for name in ("validate", "request_documents", "refuse", "assign"):
        assert client.post(action_url(name, order), {"note": "x"}).status_code == 403
    client.force_login(staff_member())
    assert client.get(action_url("validate", order)).status_code == 405
    assert Order.objects.get(pk=order.pk).status == S.CHECKING


def test_two_validators_on_one_case_one_wins_the_other_is_told(client, validator, published):
    order = case()
    other = staff_member()
    page = client.get(change_url(order))  # both have the case open
    assert page.status_code == 200
    order_validate(order_id=order.pk, staff=other)  # the other validator is quicker

    response = client.post(action_url("refuse", order), {"note": "too late"}, follow=True)
    [message] = messages_of(response)
    assert "was not changed" in message and "Another staff member may have decided it first" in message
    assert "Being processed" in message
    order.refresh_from_db()
    assert order.status == S.DELIVERING
    assert not Refund.objects.filter(order=order).exists()
    assert not OrderEvent.objects.filter(order=order, actor=validator).exists()


def test_assign_a_given_case_unless_someone_else_has_it(client, validator):
    order = case()
    mine = case()
    Order.objects.filter(pk=order.pk).update(assigned_to=staff_member())
    response = client.post(action_url("assign", order), follow=True)
    assert any("already assigned" in m for m in messages_of(response))
    client.post(action_url("assign", mine))
    assert Order.objects.get(pk=mine.pk).assigned_to == validator


# --- races on PostgreSQL ----------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_concurrent_take_next_never_gives_one_case_twice(monkeypatch):
    today = paris_today()
    cases = [case(due=today + timedelta(days=i)) for i in range(3)]
    staff = [UserFactory(is_staff=True) for _ in range(4)]
    real_first = type(Order.objects.all()).first

    def slow_first(qs):
        found = real_first(qs)
        time.sleep(0.2)  # everyone reads the same oldest case before anyone updates it
        return found

    monkeypatch.setattr(type(Order.objects.all()), "first", slow_first)
    outcomes = run_together(*(lambda who=who: case_take_next(staff=who) for who in staff))

    assert all(o[0] == "ok" for o in outcomes), outcomes
    taken = [o[1].pk for o in outcomes if o[1] is not None]
    assert sorted(taken) == sorted(c.pk for c in cases)  # each case once, the fourth validator got none
    assignees = dict(Order.objects.filter(pk__in=taken).values_list("pk", "assigned_to"))
    assert len(set(assignees.values())) == 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_concurrent_validate_and_request_documents_one_wins(published, monkeypatch):
    order = case()
    staff = [UserFactory(is_staff=True), UserFactory(is_staff=True)]
    real = lifecycle.can_transition

    def slow(*args, **kwargs):
        time.sleep(0.2)
        return real(*args, **kwargs)

    monkeypatch.setattr(lifecycle, "can_transition", slow)
    outcomes = run_together(
        lambda: order_validate(order_id=order.pk, staff=staff[0]),
        lambda: order_request_documents(order_id=order.pk, staff=staff[1], today=paris_today()),
    )
    assert sorted(o[0] for o in outcomes) == ["error", "ok"]
    [loser] = [o[1] for o in outcomes if o[0] == "error"]
    assert isinstance(loser, lifecycle.TransitionError)
    order.refresh_from_db()
    emails = OutboxEmail.objects.filter(order_id=order.pk, template__in=["order_validated", "documents_requested"])
    assert emails.count() == 1  # the loser's email rolled back with its transition
    assert order.status in {S.DELIVERING, S.DOCUMENTS_REQUESTED}


# --- no documents within 10 working days --------------------------------------------------------------


def test_refused_after_ten_working_days_without_documents_across_french_holidays(django_capture_on_commit_callbacks):
    staff = staff_member()
    order = case()
    # Asked on Wednesday 29 April 2026: 1 May, 8 May and Ascension (14 May) are French public holidays.
    order = order_request_documents(order_id=order.pk, staff=staff, today=date(2026, 4, 29))
    assert order.documents_due_on == date(2026, 5, 18)

    last_minute = datetime(2026, 5, 18, 21, 59, tzinfo=UTC)  # 23:59 in Paris on the due day
    assert list(overdue_document_requests(now=last_minute)) == []
    assert refuse_overdue_document_requests(now=last_minute) == []
    next_day = datetime(2026, 5, 18, 22, 0, tzinfo=UTC)  # midnight in Paris: the 19th
    with django_capture_on_commit_callbacks(execute=True):
        assert refuse_overdue_document_requests(now=next_day) == [order.pk]
        assert refuse_overdue_document_requests(now=next_day) == []  # idempotent
    order.refresh_from_db()
    assert order.cancel_reason == CancelReason.REFUSED
    event = OrderEvent.objects.get(order=order, label=history.FRAUD_REFUSED)
    assert (event.actor, event.channel, event.data) == (None, OrderEvent.Channel.SYSTEM, {"note": NO_DOCUMENTS_NOTE})
    assert Refund.objects.filter(order=order, cause=Refund.Cause.REFUSAL).count() == 1
    assert OutboxEmail.objects.filter(key=f"order-refused:{order.pk}").count() == 1


def test_the_beat_task_refuses_only_overdue_requests():
    staff = staff_member()
    overdue = case()
    on_time = case()
    order_request_documents(order_id=overdue.pk, staff=staff, today=paris_today() - timedelta(days=30))
    order_request_documents(order_id=on_time.pk, staff=staff, today=paris_today())
    assert refuse_cases_without_documents.delay().result == 1
    assert Order.objects.get(pk=overdue.pk).status == S.CANCELLING
    assert Order.objects.get(pk=on_time.pk).status == S.DOCUMENTS_REQUESTED
