-- comment: National table 三 as printed: one row per report and request row (requests.<row>), the
--   seven applicant columns as columns, whole numbers (BIGINT). NULL where a cell is blank or
--   unreadable, or prints a fraction (a semantic_whole_count finding; observations.value has
--   it), never rounded. The values are as printed: corrected_cells says how many of the row's
--   cells an applied correction of corrections.csv names (their corrected values are in
--   observations_corrected and core_indicators.value_corrected).
-- column report_id: The report.
-- column body: Issuing body.
-- column report_year: The year reported on.
-- column indicator: The table 三 row (requests.<row>).
-- column label_as_printed: The row label as printed.
-- column natural_person: The natural_person column.
-- column business: The business column.
-- column research: The research column.
-- column social_welfare: The social_welfare column.
-- column legal_service: The legal_service column.
-- column other_org: The other_org column.
-- column total: The total column.
-- column corrected_cells: Cells of the row with an applied correction (0: none).
WITH cells AS (
    SELECT report_id, indicator, breakdown, label_as_printed, correction_line,
           CASE WHEN value = trunc(value) AND abs(value) < 9e18
                THEN CAST(value AS BIGINT) END AS n
    FROM observations_corrected
    WHERE indicator LIKE 'requests.%'
)
SELECT o.report_id, r.body, r.report_year, o.indicator,
       any_value(o.label_as_printed) AS label_as_printed,
       max(n) FILTER (WHERE breakdown = 'natural_person') AS natural_person,
       max(n) FILTER (WHERE breakdown = 'business') AS business,
       max(n) FILTER (WHERE breakdown = 'research') AS research,
       max(n) FILTER (WHERE breakdown = 'social_welfare') AS social_welfare,
       max(n) FILTER (WHERE breakdown = 'legal_service') AS legal_service,
       max(n) FILTER (WHERE breakdown = 'other_org') AS other_org,
       max(n) FILTER (WHERE breakdown = 'total') AS total,
       count(o.correction_line) AS corrected_cells
FROM cells o JOIN reports r USING (report_id)
GROUP BY o.report_id, r.body, r.report_year, o.indicator
