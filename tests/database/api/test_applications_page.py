"""The API applications page shows its dates as every other page of the panel does: in the reader's locale,
month spelled out, in the time zone of the customer's subsidiary, named.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Subsidiary
from tests.support.api import token_for
from tests.support.factories import UserFactory


@pytest.mark.django_db
def test_a_british_customer_reads_unambiguous_dates_in_london_time(client):
    customer = UserFactory(subsidiary=Subsidiary.objects.get(code="GB"))
    with time_machine.travel(datetime(2026, 6, 12, 10, 11, tzinfo=UTC), tick=False):
        token_for(customer)
    client.force_login(customer)
    html = client.get(reverse("api_panel:applications")).content.decode()
    assert "06/12/2026" not in html and "a.m." not in html
    assert "Jun 12, 2026, 11:11:00\u202fAM (Europe/London)" in html  # 10:11 UTC is 11:11 in London (BST)
