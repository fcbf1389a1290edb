"""Closing the loop: improvement plans (WSoA/APP files read as boards keep them, their revisions, initials and
designation lists, audit evidence written back out), rules that raise actions from results, status scales and
proposals from evidence.

Import the modules themselves (`from audit.improvement.plans.x import y`): this package imports nothing,
so a command loads only what it uses."""
