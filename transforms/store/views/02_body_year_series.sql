-- comment: Each core indicator per body per year, with the change from the body's previous year
--   (NULL when that year has no report: gaps are not bridged). A body's years are those of
--   every name printed for it (body_id: 平潭综合实验区 and 平潭综合实验区管委会 are one series).
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
-- column indicator: Harmonised core indicator code.
-- column value: The value that year (NULL when blank or unreadable).
-- column change_from_previous_year: value minus the previous year's value; NULL when the previous
--   year has no report or either value is NULL.
SELECT body, body_id, body_name, body_level, province, city, county, adcode, report_year,
       indicator, value,
       CASE WHEN lag(report_year) OVER w = report_year - 1
            THEN value - lag(value) OVER w END AS change_from_previous_year
FROM core_indicators
WINDOW w AS (PARTITION BY coalesce(body_id, body), indicator ORDER BY report_year)
