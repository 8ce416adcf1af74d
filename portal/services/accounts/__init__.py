"""Accounts: staff users, the second factor and the audit trail."""
