"""Files on deliverables, tasks and meetings: types judged from their content, kept outside
the web root, served only to those who may see their object (issue 14)."""
