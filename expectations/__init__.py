"""Great Expectations suites for nianbao's curated data, and the checkpoint runner.

`suites` describes each suite as data built from the catalogue (cheap, no GE import);
`runner` builds the GE objects, runs one checkpoint per suite over pandas frames and turns the
results into `check_results` rows. GE is imported only inside the runner (its import costs
seconds).
"""
