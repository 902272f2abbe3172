"""Stakeholder-network analysis: pure functions of a networkx graph (see ``measures``)."""
