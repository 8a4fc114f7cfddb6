#!/bin/sh
# For `autoscaler inputs webhook --executable-path ./mackerel-warning.sh`: forward a Mackerel
# alert notification when the alert is open and its status is warning or critical.
# The body arrives on stdin (and as $1). Exit 0 forwards; any other status answers 400.
jq -e 'select(.event == "alert" and .alert.isOpen and (.alert.status == "warning" or .alert.status == "critical"))' > /dev/null
