-- comment: Every observation with its corrected value beside the printed one. value is the value
--   as printed (observations.value, never overwritten); value_corrected is the corrected value
--   where an applied correction of corrections.csv names the cell (corrections.status =
--   'applied': the file is the one corrected and still prints the value the correction names),
--   else the printed value. Both are DOUBLE in the unit of unit, as in observations (counts and
--   amounts side by side); the views over it show counts as whole numbers.
-- column report_id: The report (reports.report_id).
-- column indicator: Indicator code (indicators.code).
-- column breakdown: Column of the printed table.
-- column unit: Unit of the values (indicators.unit; units.csv says which are counts).
-- column value: The value as printed (observations.value); NULL when blank or not read.
-- column value_corrected: The corrected value where an applied correction names the cell, else
--   the value as printed.
-- column value_status: How the printed cell was read (observations.value_status).
-- column correction_line: The line of corrections.csv whose correction is applied here (NULL:
--   the value is as printed).
-- column correction_reason: Why the printed value was corrected (corrections.reason).
-- column label_as_printed: The row label as printed.
-- column locator: Where the value was printed.
SELECT o.report_id, o.indicator, o.breakdown, o.unit, o.value,
       CASE WHEN c.line IS NULL THEN o.value ELSE c.value_corrected END AS value_corrected,
       o.value_status, c.line AS correction_line, c.reason AS correction_reason,
       o.label_as_printed, o.locator
FROM observations o
LEFT JOIN corrections c
       ON c.status = 'applied' AND c.report_id = o.report_id AND c.indicator = o.indicator
      AND c.breakdown = o.breakdown
