"""Plan documents: safe intake of DOCX, PDF and ZIP files, reading their text, matching them to register
plans, splitting them into sections A to K (H1, H2) whatever the template's headings, storing the originals
and sections, and the offline text pre-check whose rules are data (rubrics/precheck/*.yaml)."""
