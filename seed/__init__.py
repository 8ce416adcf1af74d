"""Seed data: the four programs, demo staff and records. Every loader is idempotent."""
