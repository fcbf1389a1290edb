"""Rubrics as data: the file format and its checks, immutable stored versions, and the roll-up
rules from criterion to section to plan.

Import the modules themselves (`from audit.rubrics.loading.x import y`): this package imports nothing,
so a command loads only what it uses."""
