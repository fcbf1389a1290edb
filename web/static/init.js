// Start GOV.UK Frontend's components; a file rather than an inline script so the Content-Security-Policy allows it.
import { initAll } from "/static/govuk/govuk-frontend.min.js";
initAll();
