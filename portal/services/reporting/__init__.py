"""Reporting: the quarterly, trend, timeliness and daily reports, the monthly log check,
the dashboard's counts, record listings and their spreadsheets."""
