"""Alerts: rules that page someone when a store has been down for a while of its business time. Incidents are
evaluated in SQL (sql/functions/alerts) after every batch of live polls and on a timer; each change is announced by
a row in the webhook outbox written in the same transaction, which the deliverer (in the worker) posts, signed,
until the receiver accepts it."""
