"""The release of this code (shown by /health)."""
__version__ = "0.1.0"
