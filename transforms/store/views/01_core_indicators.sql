-- comment: Harmonised core indicators, comparable across every template: one row per report read
--   (status parsed or partial) and core indicator. value is the sum of the mapped indicators
--   (core_indicator_map) and NULL when any of them is blank or was not found.
-- column report_id: The report (reports.report_id).
-- column body: Issuing body as named in the report.
-- column body_id: The body (bodies.body_id): one id for every name printed for it.
-- column body_name: The body's normalised name (bodies.name).
-- column body_level: bodies.level: province, city, county, town, zone or <level>_department;
--   NULL when the name does not say (a body_unresolved finding).
-- column province: Province of the body's region (bodies.province).
-- column city: City of the body's region (bodies.city).
-- column county: County or district of the body's region (bodies.county).
-- column adcode: 行政区划代码 of the body's region (bodies.adcode); NULL when unresolved.
-- column report_year: The year reported on.
-- column indicator: Harmonised code: requests_received, requests_completed, requests_granted,
--   requests_partially_granted, review_cases, litigation_cases.
-- column value: The harmonised value; NULL when a part is blank or missing (never a guess).
WITH parts AS (
    SELECT core_indicator, template, count(*) AS n_parts
    FROM core_indicator_map GROUP BY core_indicator, template
)
SELECT r.report_id, r.body, b.body_id, b.name AS body_name, b.level AS body_level,
       b.province, b.city, b.county, b.adcode, r.report_year, m.core_indicator AS indicator,
       CASE WHEN count(o.value) = any_value(p.n_parts) THEN sum(o.value) END AS value
FROM reports r
LEFT JOIN report_bodies rb ON rb.report_id = r.report_id
LEFT JOIN bodies b ON b.body_id = rb.body_id
JOIN core_indicator_map m ON m.template = r.template
JOIN parts p ON p.core_indicator = m.core_indicator AND p.template = m.template
LEFT JOIN observations o
       ON o.report_id = r.report_id AND o.indicator = m.indicator
      AND o.breakdown = m.breakdown
WHERE r.status IN ('parsed', 'partial')
GROUP BY ALL
