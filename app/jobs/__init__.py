"""Report jobs: the queue in the `report` table (manager.py runs its SQL), the worker loop (worker.py), what
clients may ask and its checks (actions.py), and a report run inline for the command line (inline.py)."""
