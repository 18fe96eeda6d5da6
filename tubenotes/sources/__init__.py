"""Transcript sources: YouTube and local files."""
