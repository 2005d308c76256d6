"""Ordering, under /catalog/: the catalog of the account's subsidiary, the cart and the checkout.

Its own namespace because the paths sit outside /orders/; the pages are orders' first steps.
"""
from django.urls import path

from .views import ordering

app_name = "ordering"
urlpatterns = [
    path("", ordering.catalog, name="catalog"),
    path("cart/", ordering.cart_detail, name="cart"),
    path("cart/add/", ordering.cart_add, name="cart_add"),
    path("cart/remove/<int:item_id>/", ordering.cart_remove, name="cart_remove"),
    path("checkout/", ordering.checkout, name="checkout"),
]
