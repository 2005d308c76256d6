"""The query string of "View my orders": parsed leniently (a bad value is explained and dropped, never a 500)
and carried to an order's pages as `?back=` so that "Back to my orders" restores the same list.

`back` is rebuilt from the known parameters only, so it can never point anywhere but the list (no open redirect).
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.translation import gettext as _

from core.url_tag import reverse_once
from orders.models import OrderStatus
from orders.order_list import LIST_SORTS

DEFAULT_SORT = "-date"
SORTS = frozenset(LIST_SORTS) | {f"-{name}" for name in LIST_SORTS}
STATUSES = frozenset(OrderStatus.values) | {"expired", "all"}
MAX_NUMBER_LENGTH = 20
# Dates the filters accept. The selectors turn a date into the instants of its local day's bounds (the day
# before `date_from`, the day after `date_to`): Python's dates end at years 1 and 9999, so those would overflow.
# No order is that old or that far ahead; a narrower range also keeps the message readable.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class ListQuery:
    status: str = ""  # "" hides expired orders; "all" shows them too
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    def filters(self) -> dict:
        """Keyword arguments of `orders.order_list.AccountOrderList`."""
        return {
            "status": self.status,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "number": self.q,
            "sort": self.sort,
        }

    @property
    def is_filtered(self) -> bool:
        return bool(self.status or self.date_from or self.date_to or self.q)

    def query_string(self, **changes) -> str:
        """The parameters that differ from the defaults, in a fixed order: the list's canonical URL."""
        query = replace(self, **changes)
        pairs = [
            ("status", query.status),
            ("date_from", query.date_from.isoformat() if query.date_from else ""),
            ("date_to", query.date_to.isoformat() if query.date_to else ""),
            ("q", query.q),
            ("sort", "" if query.sort == DEFAULT_SORT else query.sort),
            ("page", "" if query.page == 1 else str(query.page)),
        ]
        return urlencode([(key, value) for key, value in pairs if value])

    def url(self, **changes) -> str:
        query_string = self.query_string(**changes)
        return reverse_once("orders:list") + (f"?{query_string}" if query_string else "")

    @property
    def back_param(self) -> str:
        """`?back=…` for links from the list to an order's pages (empty for the default list)."""
        query_string = self.query_string()
        return f"?{urlencode({'back': query_string})}" if query_string else ""


def _date(value: str) -> date:
    return datetime.strptime(value, "%Y-%m-%d").date()


def parse_list_query(params: QueryDict) -> tuple[ListQuery, list[str]]:
    """The list's parameters, and a message for each value that was not understood (and so ignored)."""
    problems: list[str] = []
    values: dict = {}

    status = params.get("status", "").strip()
    if status in STATUSES:
        values["status"] = status
    elif status:
        problems.append(
            _("Unknown status “%(value)s”: showing every status except expired orders.") % {"value": status}
        )

    for key, message in (
        ("date_from", _("“%(value)s” is not a valid start date (expected YYYY-MM-DD): it is ignored.")),
        ("date_to", _("“%(value)s” is not a valid end date (expected YYYY-MM-DD): it is ignored.")),
    ):
        raw = params.get(key, "").strip()
        if raw:
            try:
                value = _date(raw)
            except ValueError:
                problems.append(message % {"value": raw})
                continue
            if FIRST_DATE <= value <= LAST_DATE:
                values[key] = value
            else:
                problems.append(
                    _("“%(value)s” is outside the dates the list can show (%(first)s to %(last)s): it is ignored.")
                    % {"value": raw, "first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()}
                )
    if values.get("date_from") and values.get("date_to") and values["date_from"] > values["date_to"]:
        problems.append(_("The start date is after the end date: the dates are ignored."))
        del values["date_from"], values["date_to"]

    q = params.get("q", "").strip().removeprefix("#")
    if q.isascii() and q.isdigit() and len(q) <= MAX_NUMBER_LENGTH:
        values["q"] = q
    elif q:
        problems.append(
            _("An order number is made of digits only: the search for “%(value)s” is ignored.") % {"value": q}
        )

    sort = params.get("sort", "").strip()
    if sort in SORTS:
        values["sort"] = sort
    elif sort:
        problems.append(_("Unknown sort order “%(value)s”: showing the newest orders first.") % {"value": sort})

    page = params.get("page", "").strip()
    if page.isascii() and page.isdigit() and int(page) >= 1:
        values["page"] = int(page)
    elif page:
        problems.append(_("“%(value)s” is not a page number: showing the first page.") % {"value": page})

    return ListQuery(**values), problems


def back_query(request) -> ListQuery:
    """The list query an order page was opened from (`?back=`), keeping only what the list understands."""
    return parse_list_query(QueryDict(request.GET.get("back", "")))[0]
