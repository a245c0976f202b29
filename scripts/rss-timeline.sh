#!/bin/bash
# Runs a command and prints its resident size over time, "ms MB" pairs every 50 ms (only
# when it changes), to see *when* a peak comes (`/usr/bin/time` gives only its height).
#   scripts/rss-timeline.sh target/release/iam-refine account AUTH --findings F -o OUT -q
"$@" &
pid=$!
start=$(date +%s%N)
while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    [ -n "$rss" ] && echo "$(( ($(date +%s%N) - start) / 1000000 )) $(( rss / 1024 ))"
    sleep 0.05
done | awk '$2 != last { printf "%s %s  ", $1, $2; last = $2 } END { print "" }'
wait "$pid"
