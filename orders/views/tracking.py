"""Order tracking: the four steps, the dated history, the order summary and the withdrawal deadline.

The steps and history are a partial that polls itself only while a step is DOING: once the order is
done, the swapped-in partial carries no trigger and the polling stops.
"""

from babel.dates import format_date
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from orders import followup, history
from orders.selectors import account_order, prefetch_for_withdrawal, refunds_needing_iban
from orders.transfer_details import awaited_transfer_details
from orders.withdrawal import order_rule, withdrawal_eligibility

from .cancel_notice import cancel_notice, refund_states
from .list_query import back_query
from .lists import partial_requested
from .menu import order_menu
from .page_cache import cached_order_page

STATE_TEXTS = {
    followup.DONE: _("Done"),
    followup.DOING: _("In progress"),
    followup.TODO: _("To come"),
    followup.ERROR: _("Stopped"),
}
# Rules worth telling on the tracking page; the others (unpaid, business account…) would only be noise.
SHOWN_RULES = {"period_over", "nothing_left"}


def long_date(day) -> str:
    """The day in full ("Wednesday, March 18, 2026", "mercredi 18 mars 2026"): a deadline leaves no doubt."""
    return format_date(day, "full", locale=to_locale(get_language() or "en"))


def _history(order, events: list) -> list[dict]:
    """Newest first; "Your bill is available" only once the bill exists (`order.invoice_number`), with its link."""
    bill = getattr(order, "invoice_number", None)
    entries = []
    for event in reversed(events):
        if event.label == history.INVOICE_SENT and not bill:
            continue
        entries.append(
            {
                "at": event.created_at,
                "label": history.LABEL_TEXTS.get(event.label, event.label),
                "detail": history.event_detail(event),
                "bill": bill if event.label == history.INVOICE_SENT else None,
            }
        )
    return entries


def _progress(order, events: list | None = None) -> dict:
    events = list(order.events.all()) if events is None else events
    steps = followup.follow_up(order, events)
    return {
        "order": order,
        "steps": [
            {"status": s.status, "label": history.STEP_TEXTS[s.step], "state": STATE_TEXTS[s.status]} for s in steps
        ],
        "history": _history(order, events),
        "polling": followup.is_in_progress(steps),
        "refresh_seconds": settings.TRACKING_REFRESH_SECONDS,
    }


@require_safe
@login_required
def order_tracking(request, order_id: int):
    if partial_requested(request):  # htmx polling the steps: kept too, and answered 304 while nothing changed
        page, render_page = "tracking-progress", lambda extra: _progress_partial(request, order_id, extra)
    else:
        page, render_page = "tracking", lambda extra: _tracking_page(request, order_id, extra)
    response = cached_order_page(request, page=page, order_id=order_id, render=render_page)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _progress_partial(request, order_id: int, extra_context: dict):
    order = account_order(account=request.user, order_id=order_id, now=timezone.now())
    return render(request, "orders/tracking.html#progress", _progress(order) | extra_context)


def _tracking_page(request, order_id: int, extra_context: dict):
    now = timezone.now()
    order = account_order(account=request.user, order_id=order_id, now=now)
    events = list(order.events.all())
    context = _progress(order, events)
    eligibility = order_rule(order, now=now)
    if eligibility is None:  # its lines decide: fetched with their plans (the summary shows them) and the consents
        prefetch_for_withdrawal([order])
        eligibility = withdrawal_eligibility(order, now=now)
    back = back_query(request)
    notice = cancel_notice(order, events)
    context.update(
        {
            "menu": order_menu(order, can_withdraw=eligibility.eligible, back_param=back.back_param),
            "back_url": back.url(),
            "eligibility": eligibility,
            "deadline_day": long_date(eligibility.deadline) if eligibility.eligible else "",
            "blocking_reason": eligibility.reason if eligibility.rule in SHOWN_RULES else "",
            "notice": notice,
            "refunds": notice.refunds if notice else refund_states(order),
            "lines": list(order.lines.all()),  # read here, not by the template (prefetched when eligibility read them)
            "transfer": awaited_transfer_details(order, now=now),
            "refunds_needing_iban": refunds_needing_iban(account=request.user, order_id=order.pk),
            **extra_context,
        }
    )
    return render(request, "orders/tracking.html", context)
