"""The domain: case lifecycle, working-day calendar and access rules."""
