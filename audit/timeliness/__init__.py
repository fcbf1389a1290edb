"""The statutory clocks over the register, and working days in England.

Import the modules themselves (`from audit.timeliness.measures.x import y`): this package imports nothing,
so a command loads only what it uses."""
