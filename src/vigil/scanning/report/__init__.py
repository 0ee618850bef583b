"""Scan reports: report.json (the record), summary.csv (for spreadsheets), report.html (for people)."""
