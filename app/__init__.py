"""innomon: county-level S&T innovation capability scoring service."""

__version__ = "0.1.0"
