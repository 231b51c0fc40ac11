-- comment: National table 四 wide: one row per report, the 15 numbers as columns (<group>_<outcome>:
--   review, litigation_direct, litigation_after_review × upheld, corrected, other, pending, total),
--   as printed, whole numbers (BIGINT; NULL where blank, unreadable or a fraction: never
--   rounded). corrected_cells says how many of the 15 an applied correction of corrections.csv
--   names (their corrected values: observations_corrected, core_indicators.value_corrected).
-- column report_id: The report.
-- column body: Issuing body.
-- column report_year: The year reported on.
-- column review_upheld: appeals.review.upheld.
-- column review_corrected: appeals.review.corrected.
-- column review_other: appeals.review.other.
-- column review_pending: appeals.review.pending.
-- column review_total: appeals.review.total.
-- column litigation_direct_upheld: appeals.litigation_direct.upheld.
-- column litigation_direct_corrected: appeals.litigation_direct.corrected.
-- column litigation_direct_other: appeals.litigation_direct.other.
-- column litigation_direct_pending: appeals.litigation_direct.pending.
-- column litigation_direct_total: appeals.litigation_direct.total.
-- column litigation_after_review_upheld: appeals.litigation_after_review.upheld.
-- column litigation_after_review_corrected: appeals.litigation_after_review.corrected.
-- column litigation_after_review_other: appeals.litigation_after_review.other.
-- column litigation_after_review_pending: appeals.litigation_after_review.pending.
-- column litigation_after_review_total: appeals.litigation_after_review.total.
-- column corrected_cells: Cells of table 四 with an applied correction (0: none).
WITH cells AS (
    SELECT report_id, indicator, correction_line,
           CASE WHEN value = trunc(value) AND abs(value) < 9e18
                THEN CAST(value AS BIGINT) END AS n
    FROM observations_corrected
    WHERE indicator LIKE 'appeals.%'
)
SELECT o.report_id, r.body, r.report_year,
       max(n) FILTER (WHERE indicator = 'appeals.review.upheld') AS review_upheld,
       max(n) FILTER (WHERE indicator = 'appeals.review.corrected') AS review_corrected,
       max(n) FILTER (WHERE indicator = 'appeals.review.other') AS review_other,
       max(n) FILTER (WHERE indicator = 'appeals.review.pending') AS review_pending,
       max(n) FILTER (WHERE indicator = 'appeals.review.total') AS review_total,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_direct.upheld')
         AS litigation_direct_upheld,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_direct.corrected')
         AS litigation_direct_corrected,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_direct.other')
         AS litigation_direct_other,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_direct.pending')
         AS litigation_direct_pending,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_direct.total')
         AS litigation_direct_total,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_after_review.upheld')
         AS litigation_after_review_upheld,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_after_review.corrected')
         AS litigation_after_review_corrected,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_after_review.other')
         AS litigation_after_review_other,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_after_review.pending')
         AS litigation_after_review_pending,
       max(n) FILTER (WHERE indicator = 'appeals.litigation_after_review.total')
         AS litigation_after_review_total,
       count(o.correction_line) AS corrected_cells
FROM cells o JOIN reports r USING (report_id)
GROUP BY o.report_id, r.body, r.report_year
