"""The `ehcp-audit` command line: a thin front door over the audit domain and the Prefect flows."""
