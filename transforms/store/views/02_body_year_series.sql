-- comment: Each core indicator per body per year, with the change from the body's previous year
--   (NULL when that year has no report: gaps are not bridged). A body's years are those of
--   every name printed for it (body_id: 平潭综合实验区 and 平潭综合实验区管委会 are one series).
--   The series uses the corrected values (core_indicators.value_corrected and
--   amount_corrected: the printed value where no correction of corrections.csv applies); the
--   values as printed are in core_indicators. Counts are whole numbers (value, BIGINT), amounts
--   keep their decimals (amount, DOUBLE).
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
-- column unit: Unit of the core indicator (units.csv: count or amount).
-- column value: The count that year, corrected (core_indicators.value_corrected); NULL when
--   blank or unreadable, and for an amount.
-- column amount: The amount that year, corrected (core_indicators.amount_corrected); NULL for
--   a count.
-- column corrected: TRUE when a correction of corrections.csv applies to that year's value.
-- column change_from_previous_year: value minus the previous year's value; NULL when the previous
--   year has no report or either value is NULL.
-- column amount_change_from_previous_year: amount minus the previous year's amount, likewise.
SELECT body, body_id, body_name, body_level, province, city, county, adcode, report_year,
       indicator, unit, value_corrected AS value, amount_corrected AS amount, corrected,
       CASE WHEN lag(report_year) OVER w = report_year - 1
            THEN value_corrected - lag(value_corrected) OVER w END AS change_from_previous_year,
       CASE WHEN lag(report_year) OVER w = report_year - 1
            THEN amount_corrected - lag(amount_corrected) OVER w END
         AS amount_change_from_previous_year
FROM core_indicators
WINDOW w AS (PARTITION BY coalesce(body_id, body), indicator ORDER BY report_year)
