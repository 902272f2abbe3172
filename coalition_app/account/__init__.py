"""A person's own account: signing in and out, passwords, two-factor sign-in, API tokens."""
