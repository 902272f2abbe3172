"""Meetings of the working groups and events of the coalition: calendar, feeds and figures."""
