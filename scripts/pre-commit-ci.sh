#!/usr/bin/env bash
# The pre-commit hook `iam-refine-ci` (.pre-commit-hooks.yaml): proves that the CloudFormation
# templates being committed grant no IAM access the last commit's versions did not, with
# `iam-refine ci HEAD --base BASE` over two folders holding the committed files as they
# are staged (pre-commit stashes what is not staged) and as HEAD has them. Files that are
# not templates are skipped by content; a template new in this commit is checked against
# the rules only. Arguments starting with `-` are handed to `iam-refine ci` (a flag other
# than -q, --quiet and --compact takes the next argument as its value); the others are the
# files pre-commit passes. Needs `iam-refine` and `iam-refine-prover` on PATH (or run the
# Docker image's hook).
set -euo pipefail

flags=()
files=()
while (($#)); do
  case "$1" in
    -q | --quiet | --compact) flags+=("$1") ;;
    --*=*) flags+=("$1") ;;
    -*)
      flags+=("$1")
      if (($# > 1)); then
        # The rules file is the repository's: absolute, since the gate runs in $work.
        if [ "$1" = --rules ] && [ "${2#/}" = "$2" ]; then
          flags+=("$PWD/$2")
        else
          flags+=("$2")
        fi
        shift
      fi
      ;;
    *) files+=("$1") ;;
  esac
  shift
done
((${#files[@]})) || exit 0

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/head" "$work/base"
for f in "${files[@]}"; do
  mkdir -p "$work/head/$(dirname "$f")"
  cp -- "$f" "$work/head/$f"
  if git cat-file -e "HEAD:$f" 2>/dev/null; then
    mkdir -p "$work/base/$(dirname "$f")"
    git show "HEAD:$f" > "$work/base/$f"
  fi
done
cd "$work"
exec iam-refine ci head --base base "${flags[@]}"
