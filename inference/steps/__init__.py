"""Step-by-step solutions: canonical rendering and checking of worked-solution steps."""
