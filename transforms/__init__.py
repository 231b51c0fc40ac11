"""nianbao's domain: readers, template parsers, normalisation, reconciliation, publishing.

Nothing in this package imports Prefect or Great Expectations; every function here can be called
and tested on its own.
"""

PARSER_VERSION = "2"  # 2: partial reports, saved pages, browser PDFs, PDF-tool text, .doc/.wps
