"""The JSON API under /api/v1: the blueprint and its plumbing (`blueprint`, `auth`, `helpers`),
the shared models (`schemas`) and the OpenAPI document generated from them (`openapi`). The
routes and their models live with their features (`<feature>/api.py`, `<feature>/schemas.py`).
"""
