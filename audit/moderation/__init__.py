"""Second marking and moderation, agreement statistics between markers, calibration exercises.

Import the modules themselves (`from audit.moderation.marking.x import y`): this package imports nothing,
so a command loads only what it uses."""
