"""Sign-up and the customer's account: billing details, language, payment methods."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("", views.account_details, name="details"),
    path("language/", views.set_language, name="language"),
    path("payment-methods/", views.payment_methods, name="payment_methods"),
    path("payment-methods/add/", views.payment_method_add, name="payment_method_add"),
    path("payment-methods/<int:method_id>/default/", views.payment_method_default, name="payment_method_default"),
    path("payment-methods/<int:method_id>/remove/", views.payment_method_remove, name="payment_method_remove"),
]
