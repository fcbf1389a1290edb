"""What comes in from the area's systems: the plan register, the auditor pool, column mappings
and cell checks.

Import the modules themselves (`from audit.register.plans.x import y`): this package imports nothing,
so a command loads only what it uses."""
