"""The OVHcloud-compatible JSON API under /1.0/ (design.md section 5), its credentials and their panel pages.

Thin callers only: reads go through `orders.selectors` (always scoped to the key's account), writes
through `orders.services`, and this package only checks signatures, parses parameters, and turns
models into OVHcloud's wire format.
"""
