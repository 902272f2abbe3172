"""Comments on deliverables, tasks and meetings, with @mentions that notify (issue 14)."""
