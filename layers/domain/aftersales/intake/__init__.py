"""Intake: turning channel pushes into IntakeMessages on the intake queue."""
