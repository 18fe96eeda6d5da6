"""Exports of the vault's notes: PDF."""
