#!/bin/sh
# The Docker image's entry point: the arguments are an iam-refine subcommand and its flags
# (`docker run IMAGE ci plan.json`), except that `sh` or `bash` first runs a shell, for job
# runners that expand variables into the command line (AWS Batch's array index:
# `sh -c 'iam-refine account ... --shard $AWS_BATCH_JOB_ARRAY_INDEX/8 ...'`).
# No other program is matched by name: `expand` is a subcommand here, not coreutils'.
set -e
case "$1" in
  sh | bash) exec "$@" ;;
esac
exec iam-refine "$@"
