"""Runners distribute the pure scan pipeline; they hold no scanning logic of their own."""
