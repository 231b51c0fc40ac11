"""Prefect wiring: the pipeline flow, its tasks, and the `nianbao` command line.

No pandas, DuckDB or Great Expectations logic lives here; each task calls one function of
`transforms` or `expectations`.
"""
