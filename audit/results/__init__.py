"""A cycle's results: scores stored from the counted grades (moderated where moderated) and the
result tables per service, section, team, phase and need; and the inspection pack's self-evaluation versions.

Import the modules themselves (`from audit.results.cycle_scores.x import y`): this package imports nothing,
so a command loads only what it uses."""
