"""The JSON API under /api/v1, described by the OpenAPI document it generates from its routes."""
