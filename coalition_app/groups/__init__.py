"""Working group pages."""
