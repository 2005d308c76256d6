"""The validation page in a real browser: every decision button can be seen (the Refuse button's white text
once sat on a transparent background), and the page passes the accessibility check."""

import pytest

from accounts.groups import ensure_staff_groups
from tests.support.factories import UserFactory
from tests.support.orders import checking

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def colours(button) -> tuple[str, str]:
    return button.evaluate("b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")


def test_every_decision_button_is_visible(live_server, page, login_as, check_page):
    vera = UserFactory(is_staff=True, username="vera")
    vera.groups.add(ensure_staff_groups()["validators"])
    order = checking(UserFactory())
    login_as("vera")
    page.goto(f"{live_server.url}/admin/orders/validationcase/{order.pk}/change/")
    for name in ("Validate", "Request documents", "Refuse"):
        button = page.get_by_role("button", name=name, exact=True)
        assert button.is_visible()
        text, background = colours(button)
        assert background not in {"rgba(0, 0, 0, 0)", "transparent"} and text != background, (name, text, background)
    assert colours(page.get_by_role("button", name="Refuse", exact=True))[0] == "rgb(255, 255, 255)"
    check_page(page, "admin-validation-case")
