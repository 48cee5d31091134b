"""Who may see what: tenants (named sets of stores), API keys and web sessions (tokens.py makes and checks them;
only their hashes are stored), the caller a request acts for (caller.py), the SQL of all of it (manager.py, the
only code that runs sql/queries/access.sql) and the administration the command line does (admin.py)."""
