#!/bin/bash
# lint-layers.sh [ROOT] - the include directions of casca's folders (`make
# lint-layers`, the `layers` check of tests/lint.sh).  Dependencies point one
# way (STYLE.md, README.md's Layout):
#
#   cli  ->  runtime  ->  cgroup / netns / seccomp  ->  util (the base)
#
# A C file or header in one of those folders may include, with quotes:
#   - a header of its own folder or of a folder to its right; cgroup/,
#     netns/ and seccomp/ never include one another;
#   - "casca.h", the public header (include/), which includes no project
#     header at all.
# Every quoted include names its folder ("cgroup/cgroup.h"), so that where a
# header lives is never a guess, and yajl's headers are included by the JSON
# layer only (util/json.c, util/json-gen.c).  tests/ is not checked: tests may
# look at anything.  Prints one line per wrong include, FILE:LINE: why; exit 1
# when there is one.  ROOT (default: the checkout) lets the tests run it on a
# copy with a wrong include added (tests/integration/lint-layers.bats).
set -uo pipefail
# #include "x" or #include <x>: 1 is the opening quote, 2 the name
include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*(["<])([^">]*)[">]'
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

# rank of a folder: a file may include its own folder or a lower rank
declare -A rank=([util]=0 [cgroup]=1 [netns]=1 [seccomp]=1 [runtime]=2 [cli]=3)
bad=0
say() {
  echo "$1"
  bad=1
}

# shellcheck disable=SC2094 # each file is only read; say() writes to stdout
while IFS= read -r -d '' file; do
  dir=${file%%/*}
  lineno=0
  while IFS= read -r line; do
    lineno=$((lineno + 1))
    [[ $line =~ $include_re ]] || continue
    kind=${BASH_REMATCH[1]} inc=${BASH_REMATCH[2]}
    where="$file:$lineno"
    if [ "$kind" = "<" ]; then
      if [[ $inc == yajl/* ]] && [ "$file" != util/json.c ] && [ "$file" != util/json-gen.c ]; then
        say "$where: <$inc>: yajl is used by util/json.c and util/json-gen.c only (util/json.h)"
      fi
      continue
    fi
    if [ "$dir" = include ]; then
      say "$where: \"$inc\": the public header includes no project header"
      continue
    fi
    [ "$inc" = casca.h ] && continue
    if [[ $inc != */* ]]; then
      say "$where: \"$inc\": an include names its folder (\"$dir/$inc\" or \"util/$inc\"...)"
      continue
    fi
    to=${inc%%/*}
    if [ -z "${rank[$to]+x}" ]; then
      say "$where: \"$inc\": $to/ is not a layer (util cgroup netns seccomp runtime cli)"
    elif [ "$to" != "$dir" ] && [ "${rank[$to]}" -ge "${rank[$dir]}" ]; then
      say "$where: \"$inc\": $dir/ must not include $to/ (cli -> runtime -> cgroup/netns/seccomp -> util)"
    fi
  done < "$file"
done < <(find util cgroup netns seccomp runtime cli include -type f \( -name '*.c' -o -name '*.h' \) -print0 2> /dev/null | sort -z)

exit $bad
