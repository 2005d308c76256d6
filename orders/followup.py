"""The four-step follow-up (OVHcloud's `followUp`), computed from the order's status and events.

A step is DOING while the order is in it, ERROR if the order stopped there (refused, expired,
failed), DONE once passed, else TODO; a delivered order shows every step DONE.
"""

from dataclasses import dataclass, field

from . import history
from .models import CancelReason, Order, OrderEvent, OrderStatus

S = OrderStatus
DONE, DOING, TODO, ERROR = "DONE", "DOING", "TODO", "ERROR"

# Index of the step the order is in, for each status that sits in one.
CURRENT_STEP = {
    S.NOT_PAID: 0,
    S.CHECKING: 0,
    S.DOCUMENTS_REQUESTED: 0,
    S.DELIVERING: 2,
    S.UNKNOWN: 2,
}


@dataclass
class Step:
    step: str
    status: str
    history: list[OrderEvent] = field(default_factory=list)


def step_statuses(status: str, cancel_reason: str = "", status_before_cancel: str = "") -> list[str]:
    """The four step statuses of an order in `status`."""
    if status == S.DELIVERED:
        return [DONE] * 4
    if status in {S.CANCELLED, S.CANCELLING}:
        if cancel_reason == CancelReason.WITHDRAWN:
            # Withdrawn: what was passed stays DONE, nothing is in progress any more.
            before = step_statuses(status_before_cancel) if status_before_cancel else [TODO] * 4
            return [TODO if s == DOING else s for s in before]
        return [ERROR, TODO, TODO, TODO]  # expired or refused: stopped while validating
    current = CURRENT_STEP[status]
    state = ERROR if status == S.UNKNOWN else DOING
    return [DONE] * current + [state] + [TODO] * (3 - current)


def _status_before_cancel(events: list[OrderEvent]) -> str:
    for event in reversed(events):
        if event.to_status == S.CANCELLING and event.from_status:
            return event.from_status
    return ""


def follow_up(order: Order, events: list[OrderEvent] | None = None, *, ovh_only: bool = False) -> list[Step]:
    """Steps with their history; `ovh_only` keeps the API's follow-up within OVHcloud's label enum."""
    if events is None:
        events = list(order.events.all())
    if getattr(order, "is_expired", False):  # unpaid past expiry counts as expired before the sweep marks it
        statuses = step_statuses(S.CANCELLED, CancelReason.EXPIRED)
    else:
        statuses = step_statuses(order.status, order.cancel_reason, _status_before_cancel(events))
    steps = [Step(step=name, status=state) for name, state in zip(history.STEPS, statuses, strict=True)]
    by_name = {s.step: s for s in steps}
    current = next((s for s in steps if s.status in {DOING, ERROR}), None)
    for event in events:
        step_name = history.STEP_OF_LABEL.get(event.label)
        if step_name is not None:
            by_name[step_name].history.append(event)
        elif not ovh_only:
            # Our own events sit with the step the order is at, else the last one passed.
            target = current or next((s for s in reversed(steps) if s.status == DONE), steps[0])
            target.history.append(event)
    return steps


def is_in_progress(steps: list[Step]) -> bool:
    """The tracking page refreshes itself only while a step is DOING."""
    return any(s.status == DOING for s in steps)
