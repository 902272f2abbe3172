"""Deliverables, tasks, progress, "My work" and the inbox."""
