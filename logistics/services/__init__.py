"""Use cases. Each takes a session (and the actor through it) and speaks in domain terms."""
