"""Prefect flows that compose the audit domain. Nothing here re-implements domain rules."""
