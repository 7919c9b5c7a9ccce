"""Bundled site configs (TOML data files; this file makes them package data)."""
