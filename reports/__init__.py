"""Board outputs: view-models built from audit results, rendered by Jinja2 (HTML, Markdown) and as JSON."""
