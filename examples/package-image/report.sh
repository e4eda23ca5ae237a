#!/bin/sh
# The job the example packages: prints a title from its environment and the version baked in.
echo "$REPORT_TITLE"
echo "version: $(cat /app/VERSION)"
