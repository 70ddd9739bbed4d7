"""Pages people read: the county report and the round bulletin (HTML and PDF), with SVG charts."""
