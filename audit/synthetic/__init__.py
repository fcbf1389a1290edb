"""The seeded synthetic local area (register, auditors) and simulated auditors' grading, for the
demo, the tests and the benchmarks: never real data.

Import the modules themselves (`from audit.synthetic.area.x import y`): this package imports nothing,
so a command loads only what it uses."""
