"""Dash pages of the leadership dashboard (one module per page)."""
