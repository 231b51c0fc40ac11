-- comment: Harmonised core indicators, comparable across every template: one row per report read
--   (status parsed or partial) and core indicator. value is the sum of the mapped indicators
--   (core_indicator_map) and NULL when any of them is blank or was not found.
-- column report_id: The report (reports.report_id).
-- column body: Issuing body as named in the report.
-- column report_year: The year reported on.
-- column indicator: Harmonised code: requests_received, requests_completed, requests_granted,
--   requests_partially_granted, review_cases, litigation_cases.
-- column value: The harmonised value; NULL when a part is blank or missing (never a guess).
WITH parts AS (
    SELECT core_indicator, template, count(*) AS n_parts
    FROM core_indicator_map GROUP BY core_indicator, template
)
SELECT r.report_id, r.body, r.report_year, m.core_indicator AS indicator,
       CASE WHEN count(o.value) = any_value(p.n_parts) THEN sum(o.value) END AS value
FROM reports r
JOIN core_indicator_map m ON m.template = r.template
JOIN parts p ON p.core_indicator = m.core_indicator AND p.template = m.template
LEFT JOIN observations o
       ON o.report_id = r.report_id AND o.indicator = m.indicator
      AND o.breakdown = m.breakdown
WHERE r.status IN ('parsed', 'partial')
GROUP BY r.report_id, r.body, r.report_year, m.core_indicator
