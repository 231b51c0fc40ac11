-- comment: One row per raw file: its status, how many checks ran and failed on its printed values
--   (and on its corrected values), how many cells were blank, ambiguous, unreadable or carried
--   an unknown label, and how many corrections of corrections.csv name it.
-- column report_id: The report.
-- column source_file: The raw file.
-- column body: Issuing body.
-- column body_id: The body (bodies.body_id): one id for every name printed for it.
-- column body_name: The body's normalised name (bodies.name).
-- column body_level: bodies.level: province, city, county, town, zone or <level>_department;
--   NULL when the name does not say (a body_unresolved finding).
-- column province: Province of the body's region (bodies.province).
-- column city: City of the body's region (bodies.city).
-- column county: County or district of the body's region (bodies.county).
-- column adcode: 行政区划代码 of the body's region (bodies.adcode); NULL when unresolved.
-- column report_year: The year reported on.
-- column template: Template family.
-- column status: What became of the file (reports.status).
-- column n_values: Table values captured.
-- column checks_run: Checks evaluated on the printed values.
-- column checks_failed: Checks failed on the printed values (findings).
-- column corrected_checks_failed: Checks failed on the corrected values (value_set corrected:
--   a report with an applied correction, and stale or invalid corrections of this file).
-- column blank_cells: Cells printed blank (not zeros).
-- column ambiguous_cells: Cells with more than one reading: flattened digits with several valid
--   splits, numbers OCR was unsure of that no identity settles.
-- column unreadable_cells: Cells that are not a number (or only an approximate one).
-- column unmapped_labels: Cells whose label the catalogue does not know.
-- column corrections_applied: Corrections of corrections.csv applied to the file's values.
-- column corrections_not_applied: Corrections naming the file that are stale or invalid.
SELECT r.report_id, r.source_file, r.body, b.body_id, b.name AS body_name, b.level AS body_level,
       b.province, b.city, b.county, b.adcode, r.report_year, r.template, r.status,
       r.n_values,
       (SELECT count(*) FROM check_results c
         WHERE c.report_id = r.report_id AND c.passed IS NOT NULL
           AND c.value_set = 'printed') AS checks_run,
       (SELECT count(*) FROM check_results c
         WHERE c.report_id = r.report_id AND c.passed = false
           AND c.value_set = 'printed') AS checks_failed,
       (SELECT count(*) FROM check_results c
         WHERE c.report_id = r.report_id AND c.passed = false
           AND c.value_set = 'corrected') AS corrected_checks_failed,
       (SELECT count(*) FROM observations o
         WHERE o.report_id = r.report_id AND o.value_status = 'blank') AS blank_cells,
       (SELECT count(*) FROM observations o
         WHERE o.report_id = r.report_id AND o.value_status = 'ambiguous')
         AS ambiguous_cells,
       (SELECT count(*) FROM observations o
         WHERE o.report_id = r.report_id
           AND o.value_status IN ('unreadable', 'approximate')) AS unreadable_cells,
       (SELECT count(*) FROM observations o
         WHERE o.report_id = r.report_id AND o.indicator IS NULL) AS unmapped_labels,
       (SELECT count(*) FROM corrections k
         WHERE k.report_id = r.report_id AND k.status = 'applied') AS corrections_applied,
       (SELECT count(*) FROM corrections k
         WHERE k.report_id = r.report_id AND k.status <> 'applied') AS corrections_not_applied
FROM reports r
LEFT JOIN report_bodies rb ON rb.report_id = r.report_id
LEFT JOIN bodies b ON b.body_id = rb.body_id
