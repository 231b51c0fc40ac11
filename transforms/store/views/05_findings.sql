-- comment: Every failed check with the report's body, year and source file, the evidence (message,
--   expected, actual) and where it was printed. Not evaluable checks are not findings.
-- column body: Issuing body.
-- column report_year: The year reported on.
-- column source_file: The raw file.
-- column report_id: The report.
-- column check_id: The rule or check that failed.
-- column kind: identity | semantic | narrative | cross_year | structure | completeness |
--   unmapped_label | metadata | body.
-- column severity: error | warning.
-- column breakdown: The column (or row) checked.
-- column expected: What the rule expects.
-- column actual: What was printed.
-- column message: The finding in words.
-- column locator: Where the values were printed.
SELECT r.body, r.report_year, r.source_file, c.report_id, c.check_id, c.kind,
       c.severity, c.breakdown, c.expected, c.actual, c.message, c.locator
FROM check_results c JOIN reports r USING (report_id)
WHERE c.passed = false
