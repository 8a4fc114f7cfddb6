#!/bin/bash
# CREATED/UPDATED/DELETEDの場合はterraformのステートをリフレッシュする
SHOULD_HANDLE=$(jq '[.] | any(.result == 1 or .result == 2 or .result == 3)')
if [ "$SHOULD_HANDLE" == "true" ]; then
  WORKING_DIR=$(cd $(dirname $0); pwd)
  terraform -chdir="$WORKING_DIR" apply -refresh-only -auto-approve 2>&1 1> /dev/null
  exit $?
else
  echo "ignored"
  exit 0
fi
