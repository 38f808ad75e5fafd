#!/bin/sh
# broken.sh — the service of retry-and-catch.asl.json that is down: every
# call fails with a Lambda-style Service.Broken error, which no retry can
# help. The input on stdin is not used.
cat >/dev/null
echo '{"errorType": "Service.Broken", "errorMessage": "the service is down for maintenance"}'
exit 1
