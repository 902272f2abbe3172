"""The audit trail, for coordinators: read, filter, export."""
