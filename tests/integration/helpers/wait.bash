#!/bin/bash
# wait.bash - the one way the tests wait for something to happen.
#
#   wait_until [--timeout SECONDS] [--interval SECONDS] CMD [ARG]...
#
# Runs CMD every INTERVAL seconds (0.1) until it succeeds, for up to TIMEOUT
# seconds ($CASCA_WAIT_TIMEOUT, else 30: the VM lane's guest is emulated and
# may share the host's cores, so a generous limit costs nothing when things
# work).  While CMD is retried its output is kept, not shown; when the time
# is up wait_until prints CMD, how long it waited and what CMD printed on its
# last try, and fails.  CMD runs in a subshell: it cannot set the caller's
# variables.  Conditions that say what they saw when false suit it best:
#
#   file_has FILE ERE    a line of FILE matches the extended regex ERE
#
# (casca.bash adds `dead PID` and `status_is ID STATUS`.)
#
# A fixed sleep is for a test where the passing of time is what is tested;
# it says so in a comment.  Everything else waits with wait_until.

# _wait_usec SECONDS: SECONDS (like 30 or 0.5) in microseconds.
_wait_usec() {
  local s=$1 int frac=
  int=${s%%.*}
  [[ $s == *.* ]] && frac=${s#*.}
  frac=${frac}000000
  echo $((10#${int:-0} * 1000000 + 10#${frac:0:6}))
}

wait_until() {
  local timeout=${CASCA_WAIT_TIMEOUT:-30} interval=0.1 out start now limit
  while [ $# -gt 0 ]; do
    case $1 in
      --timeout) timeout=$2; shift 2 ;;
      --interval) interval=$2; shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  if [ $# -eq 0 ] || ! [[ $timeout =~ ^[0-9]+(\.[0-9]+)?$ && $interval =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "usage: wait_until [--timeout SECONDS] [--interval SECONDS] CMD [ARG]..." >&2
    return 2
  fi
  limit=$(_wait_usec "$timeout")
  start=${EPOCHREALTIME/[.,]/}
  while :; do
    out=$("$@" 2>&1) && return 0
    now=${EPOCHREALTIME/[.,]/}
    [ $((now - start)) -lt "$limit" ] || break
    sleep "$interval"
  done
  {
    printf 'wait_until: still failing after %ss:' "$timeout"
    printf ' %q' "$@"
    printf '\n'
    if [ -n "$out" ]; then
      printf 'its last output:\n%s\n' "$out"
    else
      printf 'its last try printed nothing\n'
    fi
  } >&2
  return 1
}

# file_has FILE ERE: a line of FILE matches ERE; else prints FILE's end.
file_has() {
  grep -qE -- "$2" "$1" 2> /dev/null && return 0
  if [ -e "$1" ]; then
    echo "no line of $1 matches /$2/; it ends with:"
    tail -n 20 "$1"
  else
    echo "$1 does not exist"
  fi
  return 1
}
