"""Shared plumbing: database session and unit of work, errors, security headers, languages,
clock, mail outbox, form and CSV helpers."""
