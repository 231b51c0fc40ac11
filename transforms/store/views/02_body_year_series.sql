-- comment: Each core indicator per body per year, with the change from the body's previous year
--   (NULL when that year has no report: gaps are not bridged). Bodies are as printed in the
--   reports' titles.
-- column body: Issuing body as named in the report.
-- column report_year: The year reported on.
-- column indicator: Harmonised core indicator code.
-- column value: The value that year (NULL when blank or unreadable).
-- column change_from_previous_year: value minus the previous year's value; NULL when the previous
--   year has no report or either value is NULL.
SELECT body, report_year, indicator, value,
       CASE WHEN lag(report_year) OVER w = report_year - 1
            THEN value - lag(value) OVER w END AS change_from_previous_year
FROM core_indicators
WINDOW w AS (PARTITION BY body, indicator ORDER BY report_year)
