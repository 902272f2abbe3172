"""Collaboration ties recorded by the institutions that have them, confirmed by the other."""
