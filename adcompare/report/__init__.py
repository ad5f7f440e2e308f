"""The experiments and the report: each study measures, writes CSVs and figures,
and returns a markdown section plus its verdicts on the survey's claims."""
