"""The agenda: recommendations, the agenda and its editions, positions, initiatives and
endorsements (issue 16)."""
