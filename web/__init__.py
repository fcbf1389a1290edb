"""The web app: GOV.UK-style pages for auditors, QA leads, the board and admins, and a JSON API."""
