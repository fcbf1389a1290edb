"""An audit cycle's life: create and open, sample, assign, scorecards (file, form, API), reminders
and chasing, programmes on a schedule, amendment tasks for weak plans and their re-audits.

Import the modules themselves (`from audit.cycle.x import y`): this package imports nothing,
so a command loads only what it uses."""
