"""Results across areas: national aggregation (DuckDB) and one area's figures for a region.

Import the modules themselves (`from audit.national.aggregate.x import y`): this package imports nothing,
so a command loads only what it uses."""
