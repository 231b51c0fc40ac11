-- comment: National table 三 as printed: one row per report and request row (requests.<row>), the
--   seven applicant columns as columns. NULL where a cell is blank or unreadable.
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
SELECT o.report_id, r.body, r.report_year, o.indicator,
       any_value(o.label_as_printed) AS label_as_printed,
       max(value) FILTER (WHERE breakdown = 'natural_person') AS natural_person,
       max(value) FILTER (WHERE breakdown = 'business') AS business,
       max(value) FILTER (WHERE breakdown = 'research') AS research,
       max(value) FILTER (WHERE breakdown = 'social_welfare') AS social_welfare,
       max(value) FILTER (WHERE breakdown = 'legal_service') AS legal_service,
       max(value) FILTER (WHERE breakdown = 'other_org') AS other_org,
       max(value) FILTER (WHERE breakdown = 'total') AS total
FROM observations o JOIN reports r USING (report_id)
WHERE o.indicator LIKE 'requests.%'
GROUP BY o.report_id, r.body, r.report_year, o.indicator
