-- comment: Harmonised core indicators, comparable across every template: one row per report read
--   (status parsed or partial) and core indicator mapped for its template. value is the sum of
--   the mapped indicators (core_indicator_map) and NULL when any of them is blank or was not
--   found. A core indicator the report's form does not print (not mapped for its template) has
--   no row. Where a form is printed in more than one layout (national （六）其他处理 in one row
--   or three), the first variant whose every part was printed is used.
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
-- column indicator: Harmonised code (core_indicator_map.core_indicator): each code's meaning,
--   unit and what differs between the template eras are in core_indicator_map (label_en,
--   description, comparability).
-- column value: The harmonised value; NULL when a part is blank or missing (never a guess).
WITH parts AS (
    SELECT core_indicator, template, variant, indicator, breakdown,
           count(*) OVER (PARTITION BY core_indicator, template, variant) AS n_parts
    FROM core_indicator_map
),
sums AS (
    SELECT r.report_id, r.body, r.report_year, p.core_indicator, p.variant,
           count(o.indicator) = any_value(p.n_parts) AS printed,
           CASE WHEN count(o.value) = any_value(p.n_parts) THEN sum(o.value) END AS value
    FROM reports r
    JOIN parts p ON p.template = r.template
    LEFT JOIN observations o
           ON o.report_id = r.report_id AND o.indicator = p.indicator
          AND o.breakdown = p.breakdown
    WHERE r.status IN ('parsed', 'partial')
    GROUP BY r.report_id, r.body, r.report_year, p.core_indicator, p.variant
)
SELECT s.report_id, s.body, b.body_id, b.name AS body_name, b.level AS body_level,
       b.province, b.city, b.county, b.adcode, s.report_year, s.indicator, s.value
FROM (
    SELECT report_id, body, report_year, core_indicator AS indicator,
           first(value ORDER BY printed DESC, variant) AS value
    FROM sums
    GROUP BY report_id, body, report_year, core_indicator
) s
LEFT JOIN report_bodies rb ON rb.report_id = s.report_id
LEFT JOIN bodies b ON b.body_id = rb.body_id
