"""Pieces every app uses, below all of them: errors, money, local time, VAT, client IP and rate limits,
publishing tasks and the email outbox. Nothing here imports accounts, catalog, orders, payments or api."""
