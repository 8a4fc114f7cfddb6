"""The `autoscaler` command line: thin commands that parse flags, build objects and run them."""
