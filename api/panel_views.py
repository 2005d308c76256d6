"""Panel pages for API credentials: thin views over `api.credentials`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Subsidiary, User
from core.errors import OrderError
from orders.legal import legal_text

from . import credentials
from .models import ApiApplication, ConsumerKey
from .serializers import CONTRACT_KEYS, EXCLUDABLE_CONTRACT_KEYS, contract_names


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def applications(request):
    """The customer's applications and the keys they granted; creating an application shows its secret once."""
    created = None
    error = ""
    form = {"name": "", "description": ""}
    if request.method == "POST":
        form = {"name": request.POST.get("name", ""), "description": request.POST.get("description", "")}
        try:
            created = credentials.application_create(account=request.user, **form)
            form = {"name": "", "description": ""}
        except OrderError as failure:
            error = str(failure)
    now = timezone.now()
    apps = list(ApiApplication.objects.filter(account=request.user).order_by("-created_at", "-pk"))
    keys = list(
        ConsumerKey.objects.select_related("application")
        .filter(Q(account=request.user) | Q(application__account=request.user))
        .exclude(state=ConsumerKey.State.PENDING, account__isnull=True)
        .order_by("-created_at", "-pk")
    )
    for key in keys:
        key.current_state = key.effective_state(now)
        key.current_state_label = ConsumerKey.State(key.current_state).label
        key.revocable = key.current_state == ConsumerKey.State.VALIDATED and key.account_id == request.user.pk
    return render(
        request,
        "api/applications.html",
        {"applications": apps, "keys": keys, "created": created, "error": error, "form": form},
        status=400 if error else 200,
    )


@login_required
@require_POST
def application_revoke(request, application_id: int):
    application = get_object_or_404(ApiApplication, pk=application_id, account=request.user)
    credentials.application_revoke(application=application)
    messages.success(
        request, _("Application “%(name)s” revoked, with every key issued to it.") % {"name": application.name}
    )
    return redirect("api_panel:applications")


@login_required
@require_POST
def consumer_key_revoke(request, key_id: int):
    consumer = get_object_or_404(ConsumerKey, Q(account=request.user) | Q(application__account=request.user), pk=key_id)
    credentials.consumer_key_revoke(consumer=consumer)
    messages.success(request, _("The key was revoked: programs using it can no longer call the API."))
    return redirect("api_panel:applications")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def validate(request, token: str):
    """The validationUrl of POST /1.0/auth/credential: the customer grants (or refuses) the rules asked for."""
    consumer = get_object_or_404(ConsumerKey.objects.select_related("application__account"), validation_token=token)
    now = timezone.now()
    state = consumer.effective_state(now)
    error = ""
    if request.method == "POST" and state == ConsumerKey.State.PENDING and consumer.application.is_active:
        try:
            if request.POST.get("action") == "refuse":
                credentials.consumer_key_refuse(consumer=consumer, now=now)
                messages.info(request, _("You refused this application's request."))
                state = ConsumerKey.State.REFUSED
            else:
                credentials.consumer_key_validate(
                    consumer=consumer, account=request.user, validity=request.POST.get("validity", ""), now=now
                )
                if consumer.redirection:
                    return HttpResponseRedirect(consumer.redirection)
                messages.success(request, _("Access granted to “%(name)s”.") % {"name": consumer.application.name})
                return redirect("api_panel:applications")
        except OrderError as failure:
            error = str(failure)
    return render(
        request,
        "api/validate.html",
        {
            "consumer": consumer,
            "state": state,
            "pending": state == ConsumerKey.State.PENDING and consumer.application.is_active,
            "validities": [(key, label) for key, (_delta, label) in credentials.VALIDITIES.items()],
            "error": error,
        },
        status=400 if error else 200,
    )


def contract(request, key: str):
    """The text of a contract listed in the API's checkout `contracts`, in English or French, naming the seller
    its link gives (else the reader's subsidiary, else the accounts' default one)."""
    if key not in CONTRACT_KEYS + EXCLUDABLE_CONTRACT_KEYS:
        raise Http404
    code = request.GET.get("subsidiary") or (request.user.subsidiary_id if request.user.is_authenticated else "")
    seller = get_object_or_404(Subsidiary, code=code or User._meta.get_field("subsidiary").default)
    language = request.GET.get("language") or get_language() or "en"
    language = "fr" if language.startswith("fr") else "en"
    with translation.override(language):
        title = str(contract_names()[key])
    return render(
        request, "api/contract.html", {"title": title, "text": legal_text(key, language, seller), "language": language}
    )
