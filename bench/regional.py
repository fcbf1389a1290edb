"""The regional benchmarking flow: areas of the national store compared with the Dask runner and one by one.

Measured: `flows.regional.run_regional` over `--areas` areas of the national-scale store (each about 4,300
plans, all audited), on a local Dask cluster of `--workers` processes (cluster start-up included, as each run
starts its own), against the same flow with Prefect's default task runner, areas one after another.
Prefect's temporary server is started once before timing (benchmark 3 measures that start-up).

    .venv/bin/python -m bench.regional [--areas 8] [--workers 2] [--repeat 3]
"""

from __future__ import annotations

import sys

from bench.harness import Figure, command_line, parser, record, timed
from bench.national_store import AS_OF, national_store
from bench.prefect_cycle import _prefect_environment


def main(argv: list[str] | None = None) -> int:
    args = parser(__doc__.splitlines()[0], plans=640_000, national_areas=150, areas=8, workers=2,
                  repeat=3).parse_args(argv)
    _prefect_environment(args.tmp)
    url = national_store(args.tmp, args.plans, args.national_areas)
    from flows.regional import regional_benchmark, run_regional

    codes = [f"A{i + 1:03d}" for i in range(args.areas)]
    data_dir = str(args.tmp / "regional-data")
    kwargs = dict(region="Benchmark region", as_of=AS_OF, database_url=url, data_dir=data_dir, write=False)
    regional_benchmark(codes[:1], **kwargs)  # the temporary server starts here, outside the timing
    dask = timed(lambda: run_regional(codes, workers=args.workers, **kwargs), args.repeat)
    one_by_one = timed(lambda: regional_benchmark(codes, **kwargs), args.repeat)
    record("regional", command_line("bench.regional", argv), [
        Figure(f"{args.areas} areas on a Dask cluster of {args.workers} processes (start-up included)", dask,
               one_by_one, "default task runner, one area after another"),
    ], args.out, details={"store": f"the national store's first {args.areas} areas (benchmark 2)"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
