"""Sign-up with email confirmation, log-in, password reset, the account page, language and payment methods."""

import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import LegalForm, PaymentMethod, User
from accounts.services import payment_method_add
from orders.models import Payment
from payments.kinds import PaymentKind
from tests.support.factories import PaymentMethodFactory, UserFactory, place_order, subsidiary
from tests.support.orders import charges, verifications
from tests.support.pages import NEXT_YEAR, PASSWORD, confirmation_link

DB = pytest.mark.django_db(databases=["default", "sandbox"])
# Sign-up emails leave through the outbox once the request's transaction commits, as in production; the
# gateway is never called inside a transaction (a card added is verified first).
COMMITTED = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])


def signup_data(**overrides) -> dict:
    data = {
        "username": "newcustomer",
        "email": "new@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "first_name": "Jeanne",
        "last_name": "Durand",
        "legal_form": LegalForm.INDIVIDUAL,
        "subsidiary": "FR",
        "language": "en",
        "organisation": "",
        "address": "3 rue Lafayette",
        "postcode": "75009",
        "city": "Paris",
        "country": "FR",
        "vat_number": "",
    }
    return {**data, **overrides}


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def sign_up(client, **overrides):
    return client.post(reverse("accounts:signup"), signup_data(**overrides))


# --- sign-up ------------------------------------------------------------------------------------


@COMMITTED
def test_signup_creates_an_unconfirmed_account_and_emails_a_link(client, mailoutbox):
    response = sign_up(client, language="fr")
    assert response.status_code == 302 and response.url == reverse("login")
    account = User.objects.get(username="newcustomer")
    assert not account.email_confirmed and account.is_active and account.check_password(PASSWORD)
    assert account.subsidiary.currency == "EUR" and account.language == "fr" and account.handle.startswith("jd")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new@example.com"]
    assert "/account/confirm/" in message.body and message.alternatives[0].mimetype == "text/html"
    assert confirmation_link(message) in message.alternatives[0].content
    assert "_auth_user_id" not in client.session


@COMMITTED
def test_sign_ups_and_new_links_are_limited_per_connection(client, settings, mailoutbox):
    settings.EMAIL_FORMS_PER_HOUR = 2
    assert sign_up(client, username="a1", email="a1@example.com").status_code == 302
    assert sign_up(client, username="a2", email="a2@example.com").status_code == 302
    refused = sign_up(client, username="a3", email="a3@example.com")
    assert refused.status_code == 429 and "Too many requests from your connection" in refused.content.decode()
    assert not User.objects.filter(username="a3").exists() and len(mailoutbox) == 2
    # Another connection is not affected; the new-link form has its own count.
    other = client.post(
        reverse("accounts:signup"), signup_data(username="b1", email="b1@example.com"), REMOTE_ADDR="192.0.2.7"
    )
    assert other.status_code == 302
    resend = reverse("accounts:confirm_email", args=["resend"])
    for _ in range(2):
        assert client.post(resend, {"email": "a1@example.com"}).status_code == 302
    sent = len(mailoutbox)
    assert client.post(resend, {"email": "a1@example.com"}).status_code == 429
    assert len(mailoutbox) == sent


@COMMITTED
def test_an_empty_post_once_throttled_is_a_429_not_a_500(client, settings, mailoutbox):
    """An empty POST left the form unbound (`request.POST or None`); the throttle's message on an unbound form was an
    AttributeError. Found by the panel fuzz. A POST binds the form, even empty: its errors say what is missing."""
    settings.EMAIL_FORMS_PER_HOUR = 1
    resend = reverse("accounts:confirm_email", args=["resend"])
    for url in (reverse("accounts:signup"), resend):
        first = client.post(url, {})
        assert first.status_code == 200 and first.context["form"].is_bound and first.context["form"].errors
        refused = client.post(url, {})
        assert refused.status_code == 429 and "Too many requests from your connection" in refused.content.decode()
    assert not mailoutbox


@DB
def test_signup_refuses_a_taken_username_and_only_that(client, mailoutbox):
    UserFactory(username="taken", email="taken@example.com")
    for email in ["free@example.com", "Taken@Example.com"]:  # whether the address is taken or not: the same errors
        response = sign_up(client, username="TAKEN", email=email)
        form = response.context["form"]
        assert response.status_code == 200 and set(form.errors) == {"username"}
    assert not mailoutbox and not User.objects.filter(username="TAKEN").exists()


def signup_answer(client, **overrides) -> tuple[int, str, list[str]]:
    """What a visitor sees after signing up: status, Location, and the messages shown on the next page."""
    response = sign_up(client, **overrides)
    shown = [str(m) for m in client.get(response.url).context["messages"]] if response.status_code == 302 else []
    return response.status_code, response.get("Location"), shown


@pytest.fixture
def hashed(monkeypatch) -> list[str]:
    """The passwords hashed (the tests' hasher), to see that a taken address costs the same hash as a free one."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    seen: list[str] = []
    real = MD5PasswordHasher.encode

    def spy(self, password, salt):
        seen.append(password)
        return real(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", spy)
    return seen


@COMMITTED
def test_signup_answers_the_same_for_a_free_and_a_taken_address(client, mailoutbox, hashed):
    owner = UserFactory(username="owner", email="taken@example.com", language="fr", first_name="Odile")
    hashed.clear()
    free = signup_answer(client, username="first", email="free@example.com")
    assert hashed == [PASSWORD]
    taken = signup_answer(client, username="second", email="Taken@Example.com")
    assert hashed == [PASSWORD, PASSWORD]  # the same work either way, so the time tells nothing either
    assert free[:2] == taken[:2] == (302, reverse("login"))
    assert [m.replace("free@example.com", "@") for m in free[2]] == [
        m.replace("Taken@Example.com", "@") for m in taken[2]
    ]
    assert "Almost done: we sent a link to Taken@Example.com." in taken[2][0]
    # No second account; the owner hears of it, in the owner's language, with the ways back in.
    assert list(User.objects.filter(email__iexact="taken@example.com")) == [owner]
    assert not User.objects.filter(username="second").exists()
    assert [m.to for m in mailoutbox] == [["free@example.com"], ["taken@example.com"]]
    attempt = mailoutbox[1]
    assert attempt.subject == "Quelqu'un a tenté de créer un compte avec votre adresse e-mail"
    assert "Bonjour Odile," in attempt.body and owner.handle in attempt.body
    assert "http://testserver" + reverse("login") in attempt.body
    assert "http://testserver" + reverse("password_reset") in attempt.body
    assert '<html lang="fr">' in attempt.alternatives[0].content and "/account/confirm/" not in attempt.body
    owner.refresh_from_db()
    assert owner.check_password("demo") and owner.email_confirmed


@COMMITTED
def test_the_owner_hears_of_sign_up_attempts_at_most_once_an_hour(client, mailoutbox, time_machine):
    UserFactory(email="taken@example.com")
    time_machine.move_to(timezone.now().replace(minute=5))
    for username in ["try1", "try2"]:
        assert sign_up(client, username=username, email="taken@example.com").status_code == 302
    assert len(mailoutbox) == 1
    time_machine.move_to(timezone.now() + timedelta(hours=1))
    assert sign_up(client, username="try3", email="taken@example.com").status_code == 302
    assert len(mailoutbox) == 2 and not User.objects.filter(username__startswith="try").exists()


@COMMITTED
def test_a_sign_up_with_the_address_of_an_unconfirmed_account_sends_that_account_a_new_link(client, mailoutbox):
    first = signup_answer(client)
    again = signup_answer(client, username="someoneelse", email="NEW@example.com", first_name="Eve")
    assert first[:2] == again[:2] == (302, reverse("login"))
    assert [m.to for m in mailoutbox] == [["new@example.com"], ["new@example.com"]]
    assert "/account/confirm/" in mailoutbox[1].body and "Jeanne" in mailoutbox[1].body
    assert not User.objects.filter(username="someoneelse").exists()
    assert client.post(path_of(confirmation_link(mailoutbox[1]))).status_code == 302
    assert User.objects.get(username="newcustomer").email_confirmed


@DB
@pytest.mark.parametrize("country", ["XX", "EU", "fr", ""])
def test_signup_refuses_a_country_that_is_not_iso_3166(client, country):
    response = sign_up(client, country=country)
    assert "country" in response.context["form"].errors
    assert not User.objects.filter(username="newcustomer").exists()


@DB
def test_signup_of_a_corporation_needs_an_organisation_and_a_well_formed_vat_number(client):
    response = sign_up(client, legal_form=LegalForm.CORPORATION, vat_number="12345")
    assert set(response.context["form"].errors) == {"organisation", "vat_number"}
    response = sign_up(
        client, legal_form=LegalForm.CORPORATION, organisation="ACME SAS", vat_number="fr 123 456 789 01"
    )
    assert response.status_code == 302
    assert User.objects.get(username="newcustomer").vat_number == "FR12345678901"


@DB
def test_an_individual_gives_no_vat_number(client):
    response = sign_up(client, vat_number="FR12345678901")
    assert "vat_number" in response.context["form"].errors


@DB
def test_signup_applies_django_password_validators(client):
    response = sign_up(client, password1="password", password2="password")
    assert "password2" in response.context["form"].errors


@DB
def test_signup_page_renders(client):
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 200
    assert b'name="password2"' in response.content and b'<option value="FR">France</option>' in response.content


# --- email confirmation and log-in --------------------------------------------------------------


@COMMITTED
def test_login_is_refused_until_the_email_is_confirmed_then_the_link_logs_in(client, mailoutbox):
    sign_up(client)
    response = client.post(reverse("login"), {"username": "newcustomer", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Confirm your email address first" in response.content.decode()

    link = path_of(confirmation_link(mailoutbox[0]))
    response = client.get(link)  # a page with a button: mail scanners following links confirm nothing
    assert response.status_code == 200 and not User.objects.get(username="newcustomer").email_confirmed
    response = client.post(link)
    account = User.objects.get(username="newcustomer")
    assert response.status_code == 302 and response.url == reverse("accounts:details")
    assert account.email_confirmed and client.session["_auth_user_id"] == str(account.pk)

    client.logout()
    response = client.post(link)  # the link works once
    assert response.status_code == 302 and response.url == reverse("login")
    assert client.post(reverse("login"), {"username": "newcustomer", "password": PASSWORD}).status_code == 302


@DB
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_confirmation_token_shows_a_page_to_ask_for_a_new_link(client, method):
    response = getattr(client, method)(reverse("accounts:confirm_email", args=["not-a-token"]))
    assert response.status_code == 400
    content = response.content.decode()
    assert "invalid or has expired" in content and reverse("accounts:confirm_email", args=["resend"]) in content
    assert "_auth_user_id" not in client.session


@COMMITTED
def test_a_confirmation_link_expires_after_three_days(client, mailoutbox, time_machine):
    sign_up(client)
    link = path_of(confirmation_link(mailoutbox[0]))
    time_machine.move_to(timezone.now() + timedelta(days=3, minutes=1))
    assert client.post(link).status_code == 400
    assert not User.objects.get(username="newcustomer").email_confirmed


@COMMITTED
def test_a_new_link_goes_only_to_an_unconfirmed_account(client, mailoutbox):
    sign_up(client)
    UserFactory(email="confirmed@example.com")
    resend = reverse("accounts:confirm_email", args=["resend"])
    assert client.get(resend).status_code == 200
    for email in ["confirmed@example.com", "nobody@example.com", "NEW@example.com"]:
        response = client.post(resend, {"email": email})
        assert response.status_code == 302  # the same answer whoever asks
    assert [m.to for m in mailoutbox] == [["new@example.com"], ["new@example.com"]]
    assert client.post(path_of(confirmation_link(mailoutbox[1]))).status_code == 302


# --- password reset -----------------------------------------------------------------------------


@DB
def test_password_reset_emails_a_link_that_sets_a_new_password(client, mailoutbox):
    account = UserFactory(email="reset@example.com", language="fr")
    response = client.post(reverse("password_reset"), {"email": "reset@example.com"})
    assert response.status_code == 302 and len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mailoutbox[0].body).group(0)
    response = client.get(path_of(link), follow=True)
    assert response.status_code == 200 and response.context["validlink"]
    new = "An0ther-Str0ng-Secret"
    response = client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.check_password(new)


@DB
def test_password_reset_email_is_in_the_customers_language(client, mailoutbox):
    UserFactory(email="reset@example.com", language="fr")
    page = client.post(
        reverse("password_reset"), {"email": "reset@example.com"}, headers={"accept-language": "en"}, follow=True
    )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "Réinitialisation du mot de passe de votre Espace client"
    assert "Check your email" in page.content.decode()  # the page itself stays in the visitor's language


@COMMITTED
def test_the_confirmation_email_is_in_the_language_chosen_at_signup(client, mailoutbox):
    sign_up(client, language="fr")
    assert mailoutbox[0].subject == "Confirmez votre adresse e-mail"
    assert '<html lang="fr">' in mailoutbox[0].alternatives[0].content


@DB
def test_password_pages_render(client):
    for name in ["password_reset", "password_reset_done"]:
        assert client.get(reverse(name)).status_code == 200
    client.force_login(UserFactory())
    assert client.get(reverse("password_change")).status_code == 200


# --- account page -------------------------------------------------------------------------------


def billing_data(**overrides) -> dict:
    data = {
        "first_name": "Alice",
        "last_name": "Martin",
        "organisation": "",
        "address": "10 avenue Foch",
        "postcode": "69006",
        "city": "Lyon",
        "country": "FR",
        "vat_number": "",
        "phone": "+33 4 00 00 00 00",
    }
    return {**data, **overrides}


@DB
def test_billing_details_change_the_account_not_the_orders_already_placed(client):
    account = UserFactory()
    order = place_order(account=account)
    snapshot = dict(order.billing)
    client.force_login(account)
    page = client.get(reverse("accounts:details")).content.decode()
    assert account.handle in page and "contact our support team" in page
    response = client.post(reverse("accounts:details"), billing_data())
    assert response.status_code == 302
    account.refresh_from_db()
    order.refresh_from_db()
    assert (account.address, account.city, account.phone) == ("10 avenue Foch", "Lyon", "+33 4 00 00 00 00")
    assert order.billing == snapshot and order.billing["city"] == "Paris"


@DB
def test_billing_details_follow_the_rules_of_the_legal_form(client):
    account = UserFactory(legal_form=LegalForm.CORPORATION, organisation="ACME")
    client.force_login(account)
    response = client.post(reverse("accounts:details"), billing_data(organisation="", vat_number="X1", country="ZZ"))
    assert set(response.context["form"].errors) == {"organisation", "vat_number", "country"}
    account.refresh_from_db()
    assert account.organisation == "ACME" and account.city == "Paris"


@DB
def test_the_account_page_needs_a_login(client):
    response = client.get(reverse("accounts:details"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- language -----------------------------------------------------------------------------------


@DB
def test_language_switch_saves_the_preference_of_a_logged_in_customer(client):
    account = UserFactory(language="en")
    client.force_login(account)
    response = client.post(reverse("accounts:language"), {"language": "fr", "next": "/account/"})
    assert response.status_code == 302 and response.url == "/account/"
    account.refresh_from_db()
    assert account.language == "fr"
    assert '<html lang="fr">' in client.get(reverse("accounts:details")).content.decode()


@DB
def test_language_switch_sets_the_cookie_of_an_anonymous_visitor(client):
    response = client.post(reverse("accounts:language"), {"language": "fr", "next": "/account/signup/"})
    assert response.status_code == 302 and response.url == "/account/signup/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr">' in client.get(reverse("accounts:signup")).content.decode()


@DB
@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_language_switch_never_redirects_elsewhere(client, next_url):
    response = client.post(reverse("accounts:language"), {"language": "fr", "next": next_url})
    assert response.status_code == 302 and response.url == "/"


@DB
def test_language_switch_ignores_an_unknown_language(client):
    account = UserFactory(language="en")
    client.force_login(account)
    response = client.post(reverse("accounts:language"), {"language": "de", "next": "/account/"})
    account.refresh_from_db()
    assert response.status_code == 302 and account.language == "en"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get(reverse("accounts:language")).status_code == 405


# --- payment methods ----------------------------------------------------------------------------


def add(client, **data):
    return client.post(reverse("accounts:payment_method_add"), data)


@pytest.fixture
def customer(client):
    account = UserFactory()
    client.force_login(account)
    return account


@COMMITTED
def test_add_a_card_it_becomes_the_default_as_the_first_method(client, customer):
    assert client.get(reverse("accounts:payment_method_add")).status_code == 200
    response = add(client, kind="card", number="4242 4242 4242 4242", exp_month="12", exp_year=str(NEXT_YEAR))
    assert response.status_code == 302 and response.url == reverse("accounts:payment_methods")
    method = customer.payment_methods.get()
    assert method.label == "Visa •••• 4242" and method.is_default and method.expires_on == date(NEXT_YEAR, 12, 31)
    page = client.get(reverse("accounts:payment_methods")).content.decode()
    assert "Visa •••• 4242" in page and "Default" in page and f"12/{NEXT_YEAR}" in page


@COMMITTED
@pytest.mark.parametrize("number", ["4000 0000 0000 0002", "4000000000009995"])
def test_a_card_declined_at_its_verification_is_refused_and_not_saved(client, customer, number):
    """A zero-amount verification runs before a card is saved: a declining card never shows as Valid."""
    response = add(client, kind="card", number=number, exp_month="12", exp_year=str(NEXT_YEAR))
    text = response.content.decode()
    assert response.status_code == 200 and ("Your card was declined." in text or "Insufficient funds." in text)
    assert not customer.payment_methods.exists() and 'name="number" value' not in text  # never echoed back
    assert verifications() == 1 and charges() == 0
    assert "Visa ••••" not in client.get(reverse("accounts:payment_methods")).content.decode()


@DB
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"number": "4242424242424241", "exp_month": "12", "exp_year": str(NEXT_YEAR)}, "not valid"),
        ({"number": "4242424242424242", "exp_month": "", "exp_year": str(NEXT_YEAR)}, "required"),
    ],
)
def test_a_card_the_gateway_refuses_shows_an_error_and_saves_nothing(client, customer, data, message):
    response = add(client, kind="card", **data)
    assert response.status_code == 200 and message in response.content.decode()
    assert "4242424242424241" not in response.content.decode()  # card numbers are never echoed
    assert not customer.payment_methods.exists()


@DB
def test_an_expired_card_is_refused(customer, time_machine):
    from core.errors import InvalidInput

    time_machine.move_to(timezone.now().replace(year=NEXT_YEAR + 1))
    with pytest.raises(InvalidInput, match="expired"):
        payment_method_add(
            account=customer,
            kind="card",
            details={"number": "4242424242424242", "exp_month": 1, "exp_year": NEXT_YEAR},
            make_default=False,
        )


@DB
def test_sepa_is_offered_in_france_and_not_in_great_britain(client, customer):
    response = add(client, kind=PaymentKind.SEPA, iban="FR76 3000 6000 0112 3456 7890 189", make_default="on")
    assert response.status_code == 302
    assert customer.payment_methods.get().kind == PaymentKind.SEPA

    british = UserFactory(subsidiary=subsidiary("GB"))
    client.force_login(british)
    assert b"sepaDirectDebit" not in client.get(reverse("accounts:payment_method_add")).content
    response = add(client, kind=PaymentKind.SEPA, iban="FR7630006000011234567890189")
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    assert not british.payment_methods.exists()


@DB
def test_a_bad_iban_is_refused(client, customer):
    response = add(client, kind=PaymentKind.SEPA, iban="FR7630006000011234567890188")
    assert "This IBAN is not valid." in response.content.decode() and not customer.payment_methods.exists()


@DB
def test_bank_transfer_only_for_businesses(client, customer):
    response = add(client, kind=PaymentKind.BANK_TRANSFER)
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    assert not customer.payment_methods.exists()

    company = UserFactory(legal_form=LegalForm.CORPORATION, organisation="ACME")
    client.force_login(company)
    assert add(client, kind=PaymentKind.BANK_TRANSFER).status_code == 302
    assert company.payment_methods.get().kind == PaymentKind.BANK_TRANSFER


@DB
def test_paypal_is_saved_from_an_approved_payment_only(client, customer):
    page = client.get(reverse("accounts:payment_method_add")).content.decode()
    assert 'value="paypal"' not in page and "Your PayPal account is saved once you approve the payment" in page
    response = add(client, kind=PaymentKind.PAYPAL, email="buyer@example.com", make_default="on")
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    assert not customer.payment_methods.exists()


@DB
def test_make_default_replaces_the_old_default(client, customer):
    old = PaymentMethodFactory(account=customer)
    response = add(client, kind=PaymentKind.SEPA, iban="FR7630006000011234567890189", make_default="on")
    assert response.status_code == 302
    new = customer.payment_methods.get(kind=PaymentKind.SEPA)
    old.refresh_from_db()
    assert new.is_default and not old.is_default


@DB
def test_add_returns_to_a_safe_next_page(client, customer):
    data = {"kind": PaymentKind.SEPA, "iban": "FR7630006000011234567890189"}
    assert add(client, **data, next="/orders/").url == "/orders/"
    assert add(client, **data, next="https://evil.example/").url == reverse("accounts:payment_methods")


@DB
def test_set_default_keeps_one_default(client, customer):
    first = PaymentMethodFactory(account=customer)
    second = PaymentMethodFactory(account=customer, is_default=False)
    response = client.post(reverse("accounts:payment_method_default", args=[second.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default

    response = client.post(reverse("accounts:payment_method_default", args=[first.pk]), headers={"hx-request": "true"})
    content = response.content.decode()
    assert response.status_code == 200 and content.lstrip().startswith('<div id="payment-methods">')
    assert "is now your default payment method" in content
    assert list(customer.payment_methods.filter(is_default=True)) == [first]


@DB
def test_an_expired_or_blocked_method_cannot_be_the_default(client, customer):
    PaymentMethodFactory(account=customer)
    expired = PaymentMethodFactory(account=customer, is_default=False, expires_on=date(2020, 1, 31))
    blocked = PaymentMethodFactory(account=customer, is_default=False, status=PaymentMethod.Status.BLOCKED)
    page = client.get(reverse("accounts:payment_methods")).content.decode()
    assert "Expired" in page and "Blocked" in page
    for method in (expired, blocked):
        response = client.post(reverse("accounts:payment_method_default", args=[method.pk]), follow=True)
        assert "can&#x27;t be your default" in response.content.decode()
        method.refresh_from_db()
        assert not method.is_default


@DB
def test_remove_asks_then_removes_and_promotes_the_newest_valid_method(client, customer):
    default = PaymentMethodFactory(account=customer)
    older = PaymentMethodFactory(account=customer, is_default=False)
    newer = PaymentMethodFactory(account=customer, is_default=False)
    PaymentMethodFactory(account=customer, is_default=False, status=PaymentMethod.Status.BLOCKED)
    url = reverse("accounts:payment_method_remove", args=[default.pk])
    assert "newest valid payment method" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert "is now your default payment method" in response.content.decode()
    assert not PaymentMethod.objects.filter(pk=default.pk).exists()
    assert list(customer.payment_methods.filter(is_default=True)) == [newer]
    client.post(reverse("accounts:payment_method_remove", args=[older.pk]))
    assert list(customer.payment_methods.filter(is_default=True)) == [newer]


def _payment_with(method, *, status=Payment.Status.PENDING) -> Payment:
    order = place_order(account=method.account)
    return Payment.objects.create(
        order=order,
        method=method,
        kind=method.kind,
        amount=order.total_gross,
        currency=order.currency,
        idempotency_key=f"{status}-test",
        status=status,
    )


@DB
def test_a_method_with_a_pending_payment_cannot_be_removed(client, customer):
    method = PaymentMethodFactory(account=customer)
    _payment_with(method)
    response = client.post(reverse("accounts:payment_method_remove", args=[method.pk]), follow=True)
    assert "still in progress" in response.content.decode()
    assert PaymentMethod.objects.filter(pk=method.pk).exists()


@DB
def test_a_method_with_only_settled_payments_is_removed_and_the_payments_kept(client, customer):
    """Only a payment in progress protects its method (orders' on_delete); a settled one keeps its record."""
    method = PaymentMethodFactory(account=customer)
    payment = _payment_with(method, status=Payment.Status.SUCCEEDED)
    client.post(reverse("accounts:payment_method_remove", args=[method.pk]))
    assert not PaymentMethod.objects.filter(pk=method.pk).exists()
    payment.refresh_from_db()
    assert payment.method is None and payment.status == Payment.Status.SUCCEEDED


@DB
def test_another_customers_payment_method_is_a_404(client, customer):
    other = PaymentMethodFactory(is_default=False)
    assert client.post(reverse("accounts:payment_method_default", args=[other.pk])).status_code == 404
    assert client.get(reverse("accounts:payment_method_remove", args=[other.pk])).status_code == 404
    assert client.post(reverse("accounts:payment_method_remove", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert not other.is_default


@DB
def test_the_list_takes_the_same_queries_for_1_or_20_methods(client, customer, django_assert_max_num_queries):
    PaymentMethodFactory(account=customer)
    with django_assert_max_num_queries(6):
        client.get(reverse("accounts:payment_methods"))
    for _ in range(19):
        PaymentMethodFactory(account=customer, is_default=False)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("accounts:payment_methods")).content.count(b"<tr>") == 21
