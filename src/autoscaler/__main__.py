"""`python -m autoscaler` runs the CLI."""

from autoscaler.cli.main import main

main()
