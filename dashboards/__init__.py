"""The leadership dashboard: Dash pages over a saved evaluation Result."""
