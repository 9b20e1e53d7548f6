# build_progress.sh -- sourced by run.sh and test.sh: build a CMake tree
# with its output in a log, showing how far it got instead of silence (a
# cold build takes minutes on a small machine).
#
#   build_progress DIR LOG [TARGET...]
#
# Prints "  build: N % (k of n steps)" at every tenth of ninja's steps; on
# failure prints the log's last 40 lines and returns the build's status.
build_progress() {
  _dir=$1 _log=$2
  shift 2
  _targets=""
  for _t in "$@"; do _targets="$_targets --target $_t"; done
  # shellcheck disable=SC2086 # _targets is a word list on purpose
  { _rc=0; cmake --build "$_dir" -j "$(nproc)" $_targets 2>&1 || _rc=$?; echo "build-status $_rc"; } |
    tee "$_log" |
    awk '/^\[[0-9]+\/[0-9]+\]/ {
           split(substr($1, 2, length($1) - 2), a, "/");
           p = int(100 * a[1] / a[2]); p -= p % 10;
           if (p > shown) { shown = p; printf "  build: %3d %% (%d of %d steps)\n", p, a[1], a[2]; fflush() }
         }
         /^ninja: no work to do/ { print "  build: up to date"; fflush() }'
  _st=$(sed -n 's/^build-status //p' "$_log")
  if [ "$_st" != 0 ]; then
    tail -40 "$_log" >&2
    echo "build failed (exit $_st); the whole log is $_log" >&2
    return "$_st"
  fi
}
