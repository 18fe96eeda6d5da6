"""Generators of study notes and assessments."""
