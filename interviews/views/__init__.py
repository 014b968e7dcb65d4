"""Web UI of the interviews app, one module per topic; urls.py names the views module by module."""
