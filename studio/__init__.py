"""Pose Studio: the same person, in every pose, in batches, paid for in credits."""

__version__ = "0.1.0"
