"""People admin: accounts, roles, invitations."""
