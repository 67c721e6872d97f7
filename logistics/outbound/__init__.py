"""Adapters that reach out of the tracker: alert channels (webhook, e-mail), the registry pull, backups."""
