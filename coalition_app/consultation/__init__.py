"""The national consultation: statements people vote on, open questions, and their analysis."""
