"""Archiver: preserves social media posts and proves what they said, and when."""

__version__ = "0.1.0"
