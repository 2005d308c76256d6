"""Top-level URLs: the customer panel, Django admin, health check."""

from django.contrib import admin
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.urls import include, path

from accounts.forms import LoginForm
from accounts.lockout import old_password_counts
from controlpanel.health import health, ready, workers
from orders.views.lists import dashboard
from payments.views import sandbox_paypal

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    # Before Django's own: a wrong old password counts towards the login lockout.
    path("accounts/password_change/", old_password_counts(PasswordChangeView.as_view()), name="password_change"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/api/", include("api.panel_urls")),
    path("account/", include("accounts.urls")),
    path("account/", include("privacy.urls")),
    path("catalog/", include("orders.ordering_urls")),
    path("orders/", include("orders.urls")),
    path("1.0/", include("api.urls")),
    path("sandbox/paypal/<str:token>/", sandbox_paypal, name="sandbox_paypal"),
    path("admin/", admin.site.urls),
    path("health", health, name="health"),
    path("ready", ready, name="ready"),
    path("health/workers", workers, name="health_workers"),
]
