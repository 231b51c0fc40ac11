-- comment: Harmonised core indicators, comparable across every template: one row per report read
--   (status parsed or partial) and core indicator mapped for its template. value is the sum of
--   the mapped indicators (core_indicator_map) and NULL when any of them is blank or was not
--   found. A core indicator the report's form does not print (not mapped for its template) has
--   no row. Where a form is printed in more than one layout (national （六）其他处理 in one row
--   or three), the first variant whose every part was printed is used. Printed and corrected
--   values side by side: value and amount as printed, value_corrected and amount_corrected
--   with the applied corrections of corrections.csv (observations_corrected). A count is a
--   whole number (BIGINT, in value); an amount (money: units.csv) keeps its decimals (DOUBLE,
--   in amount).
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
-- column unit: Unit of the core indicator (core_indicator_map.unit; units.csv: count or amount).
-- column value: The harmonised count as printed, a whole number; NULL when a part is blank or
--   missing (never a guess), for an amount (see amount), and where the parts printed add up to
--   a fraction (a semantic_whole_count finding: the numbers are in observations), never rounded.
-- column amount: The harmonised amount as printed (money, decimals kept); NULL for a count.
-- column value_corrected: value with the applied corrections of corrections.csv (the printed
--   value where none applies).
-- column amount_corrected: amount with the applied corrections of corrections.csv.
-- column corrected: TRUE when an applied correction changes a part of this value.
WITH parts AS (
    SELECT core_indicator, template, variant, indicator, breakdown, unit,
           count(*) OVER (PARTITION BY core_indicator, template, variant) AS n_parts
    FROM core_indicator_map
),
sums AS (
    SELECT r.report_id, r.body, r.report_year, p.core_indicator, p.variant,
           any_value(p.unit) AS unit,
           count(o.indicator) = any_value(p.n_parts) AS printed,
           CASE WHEN count(o.value) = any_value(p.n_parts) THEN sum(o.value) END AS value,
           CASE WHEN count(o.value_corrected) = any_value(p.n_parts)
                THEN sum(o.value_corrected) END AS value_corrected,
           count(o.correction_line) > 0 AS corrected
    FROM reports r
    JOIN parts p ON p.template = r.template
    LEFT JOIN observations_corrected o
           ON o.report_id = r.report_id AND o.indicator = p.indicator
          AND o.breakdown = p.breakdown
    WHERE r.status IN ('parsed', 'partial')
    GROUP BY r.report_id, r.body, r.report_year, p.core_indicator, p.variant
),
chosen AS (
    SELECT report_id, body, report_year, core_indicator AS indicator, any_value(unit) AS unit,
           first(value ORDER BY printed DESC, variant) AS value,
           first(value_corrected ORDER BY printed DESC, variant) AS value_corrected,
           first(corrected ORDER BY printed DESC, variant) AS corrected
    FROM sums
    GROUP BY report_id, body, report_year, core_indicator
),
typed AS (  -- counts as whole numbers, amounts as they are: units.csv says which is which
    SELECT c.*, coalesce(u.kind, 'count') = 'amount' AS is_amount
    FROM chosen c LEFT JOIN units u ON u.unit = c.unit
)
SELECT s.report_id, s.body, b.body_id, b.name AS body_name, b.level AS body_level,
       b.province, b.city, b.county, b.adcode, s.report_year, s.indicator, s.unit,
       CASE WHEN NOT s.is_amount AND s.value = trunc(s.value) AND abs(s.value) < 9e18
            THEN CAST(s.value AS BIGINT) END AS value,
       CASE WHEN s.is_amount THEN s.value END AS amount,
       CASE WHEN NOT s.is_amount AND s.value_corrected = trunc(s.value_corrected)
                 AND abs(s.value_corrected) < 9e18
            THEN CAST(s.value_corrected AS BIGINT) END AS value_corrected,
       CASE WHEN s.is_amount THEN s.value_corrected END AS amount_corrected,
       s.corrected
FROM typed s
LEFT JOIN report_bodies rb ON rb.report_id = s.report_id
LEFT JOIN bodies b ON b.body_id = rb.body_id
