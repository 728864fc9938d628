# netclean.bash - what the CLI tests of casca's networking check after a
# delete (network-cli.bats, checkpoint.bats).  Needs inhost (runs a command
# in the test's stand-in host namespace), STATE_ROOT and bats-assert.

# The host end of container $1's veth: "cv" + 8 hex digits of its id's
# FNV-1a hash (netns/network.c)
veth_of() {
  python3 -c '
import sys
h = 0xcbf29ce484222325
for b in sys.argv[1].encode():
    h = ((h ^ b) * 0x100000001b3) & (2**64 - 1)
print("cv%08x" % ((h ^ (h >> 32)) & 0xffffffff))' "$1"
}

# Nothing of container $1 is left in the stand-in host: no veth (`ip
# link`), no rule (`nft list ruleset`), no lease, no state dir.  The bridge
# stays.
assert_clean() {
  local id=$1
  run inhost ip -o link show
  assert_success
  refute_output --partial " $(veth_of "$id")"
  run inhost nft list ruleset
  assert_success
  refute_output --partial "\"casca:$id\""
  local d
  for d in "$STATE_ROOT/@ipam" "$STATE_ROOT/@networks"; do
    [ -d "$d" ] || continue
    run grep -rlx -- "$id" "$d"
    assert_failure
  done
  [ ! -e "$STATE_ROOT/$id" ]
  [ -z "$(leftover_mounts)" ]
}
