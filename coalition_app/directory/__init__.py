"""The directory of institutions, people admin and invitations."""
