-- comment: Every failed check with the report's body, year and source file, the evidence (message,
--   expected, actual) and where it was printed. Not evaluable checks are not findings. value_set
--   says which values failed: printed (the report as published; a correction never removes
--   such a finding) or corrected (the same check on the values with the applied corrections
--   of corrections.csv, and correction_current: a correction that is stale or invalid).
-- column body: Issuing body.
-- column report_year: The year reported on.
-- column source_file: The raw file (for a correction naming a file with no report, the file as
--   written in corrections.csv).
-- column report_id: The report.
-- column check_id: The rule or check that failed.
-- column kind: identity | semantic | narrative | cross_year | structure | completeness |
--   unmapped_label | metadata | body | correction.
-- column severity: error | warning.
-- column breakdown: The column (or row) checked.
-- column value_set: printed | corrected: the values the check judged.
-- column expected: What the rule expects.
-- column actual: What was printed.
-- column message: The finding in words.
-- column locator: Where the values were printed.
SELECT r.body, r.report_year, coalesce(r.source_file, c.report_id) AS source_file, c.report_id,
       c.check_id, c.kind, c.severity, c.breakdown, c.value_set, c.expected, c.actual,
       c.message, c.locator
FROM check_results c LEFT JOIN reports r USING (report_id)
WHERE c.passed = false
