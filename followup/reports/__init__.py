"""Reports for command staff: the report facts kept by triggers, filters, figures and comments."""
