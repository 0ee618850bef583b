"""Blocklists: confirmed URLs, domains and keywords, published to ISPs and search engines.

The in-memory types here (entries, versions, diffs, keywords) and the exports know nothing of the
database; the list service builds versions from stored rows and hands them to the exporters.
"""
