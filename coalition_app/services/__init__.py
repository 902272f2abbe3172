"""Use cases: each function is one thing a person does, in one transaction."""
