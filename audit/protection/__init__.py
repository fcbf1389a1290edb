"""Who may do what and what is kept: accounts, permissions, sign-in throttling, reading the
audit trail, retention, safeguarding.

Import the modules themselves (`from audit.protection.x import y`): this package imports nothing,
so a command loads only what it uses."""
