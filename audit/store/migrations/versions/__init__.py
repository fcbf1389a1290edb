"""One file per schema change, oldest first; `ehcp-audit db revision -m "..."` writes a new one."""
