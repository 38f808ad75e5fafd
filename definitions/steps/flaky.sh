#!/bin/sh
# flaky.sh — the service of retry-and-catch.asl.json that is busy at first:
# the first two attempts of a state (STEPFN_RETRY_COUNT 0 and 1) fail with a
# Lambda-style Service.Busy error; the third answers
# {"answer": 42, "attempts": 3}. The input on stdin is not used.
cat >/dev/null
attempt=${STEPFN_RETRY_COUNT:-0}
if [ "$attempt" -lt 2 ]; then
    echo "{\"errorType\": \"Service.Busy\", \"errorMessage\": \"busy on attempt $((attempt + 1)), try again\"}"
    exit 1
fi
echo "{\"answer\": 42, \"attempts\": $((attempt + 1))}"
