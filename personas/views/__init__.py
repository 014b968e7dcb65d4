"""Web UI for personas and messages, one module per topic: personas, claims (and their citations), the evidence
policy, messages, and the insight dashboard. urls.py names the views by module."""
