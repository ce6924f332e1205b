"""Rexian (热线): a platform for a city's 12345 government service hotline."""

__version__ = "0.1.0"
