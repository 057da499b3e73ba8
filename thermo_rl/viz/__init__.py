"""Figures (matplotlib) and notebook controls; this package only draws, never computes."""
