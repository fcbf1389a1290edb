"""Closing the loop: improvement plans (WSoA/APP files), rules that raise actions from results,
status scales and proposals from evidence.

Import the modules themselves (`from audit.improvement.plans.x import y`): this package imports nothing,
so a command loads only what it uses."""
