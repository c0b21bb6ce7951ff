"""Training data and tooling for the built-in tutor model."""
