"""The ledger import pipeline, one module per stage, read top to bottom:

read (formats) → headers (map) → normalise → validate → merge (one person,
one record) → write (batched SQL). `nuanxin.ledgers.services.ledger_import`
runs them in one transaction.
"""
