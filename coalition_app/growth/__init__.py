"""The growth dashboard."""
