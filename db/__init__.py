"""The bottom layer: where the database lives, its snapshots (open, lock, swap), its schema, and
the tables and views derived from loaded rows (the schedule calendar). It imports nothing of the
project's other packages; loaders/ writes through it and queries/ reads what it defines.
"""
