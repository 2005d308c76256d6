"""Order tracking: the four steps, the dated history, the order summary and the withdrawal deadline.

The steps and history are a partial that polls itself only while a step is DOING: once the order is
done, the swapped-in partial carries no trigger and the polling stops.
"""

from dataclasses import dataclass
from functools import cache

from babel.dates import format_date
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from orders import followup, history
from orders.models import Refund
from orders.selectors import account_order, order_events, order_lines
from orders.templatetags.panel import ldatetime
from orders.transfer_details import awaited_transfer_details
from orders.withdrawal import withdrawal_eligibility

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


@dataclass(frozen=True)
class Texts:
    """What the progress partial says of each step, state and event, in one language."""

    steps: dict[str, str]
    states: dict[str, str]
    labels: dict[str, str]


@cache
def texts(language: str | None) -> Texts:
    """The steps', states' and events' texts in `language`, translated once per process (they change only with a
    deploy) rather than each time a page shows them: a history of ten events showed some thirty."""
    with translation.override(language):
        return Texts(
            steps={step: str(text) for step, text in history.STEP_TEXTS.items()},
            states={state: str(text) for state, text in STATE_TEXTS.items()},
            labels={label: str(text) for label, text in history.LABEL_TEXTS.items()},
        )


def _history(order, events: list, labels: dict[str, str]) -> list[dict]:
    """Newest first; "Your bill is available" only once the bill exists (`order.invoice_number`), with its link.
    Each instant is formatted here, in ISO 8601 (as the `date:'c'` filter would) and for the reader."""
    bill = getattr(order, "invoice_number", None)
    tz = order.subsidiary.time_zone
    entries = []
    for event in reversed(events):
        if event.label == history.INVOICE_SENT and not bill:
            continue
        entries.append(
            {
                "iso": timezone.localtime(event.created_at).isoformat(),
                "when": ldatetime(event.created_at, tz),
                "label": labels.get(event.label, event.label),
                "detail": history.event_detail(event),
                "bill": bill if event.label == history.INVOICE_SENT else None,
            }
        )
    return entries


def _progress(order, events: list | None = None) -> dict:
    events = order_events(order) if events is None else events
    steps = followup.follow_up(order, events)
    words = texts(get_language())
    return {
        "order": order,
        "steps": [{"status": s.status, "label": words.steps[s.step], "state": words.states[s.status]} for s in steps],
        "history": _history(order, events, words.labels),
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
    events, lines, refunds = order_events(order), order_lines(order), refund_states(order)
    context = _progress(order, events)
    eligibility = withdrawal_eligibility(order, now=now, lines=lines, consents=order.consents_given)
    back = back_query(request)
    context.update(
        {
            "menu": order_menu(order, can_withdraw=eligibility.eligible, back_param=back.back_param),
            "back_url": back.url(),
            "eligibility": eligibility,
            "deadline_day": long_date(eligibility.deadline) if eligibility.eligible else "",
            "blocking_reason": eligibility.reason if eligibility.rule in SHOWN_RULES else "",
            "notice": cancel_notice(order, events, lines),
            "refunds": refunds,
            "lines": lines,
            "transfer": awaited_transfer_details(order, now=now),
            # The banner of orders.selectors.refunds_needing_iban, for this order: from its refunds, read above.
            "refunds_needing_iban": sorted(
                (state.refund for state in refunds if state.refund.status == Refund.Status.NEEDS_IBAN),
                key=lambda refund: refund.pk,
            ),
            **extra_context,
        }
    )
    return render(request, "orders/tracking.html", context)
