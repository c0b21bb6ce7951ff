"""Teacher dashboards: classes, the live mastery grid, drill-downs and exports."""
