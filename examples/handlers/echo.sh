#!/bin/bash
# The seed's first example: print the request the handler passed on stdin.
cat
