# Sourced by tests/oracle/setup_oracle.sh and bench/setup_bench_venv.sh: one
# way to keep a Python venv at exactly a lock file.
#
#   pinned_venv NAME STAMP VENV REQ IMPORTS "VENV_ARGS" "PIP_ARGS" WHAT
#
# NAME prefixes messages; the stamp is VENV/.netc-STAMP-stamp; IMPORTS
# is a comma list that must import in the venv; WHAT says what pip fetches.
# A venv whose stamp (Python version + the lock's hash) matches and whose
# imports work is left alone, in a few seconds: the calling script exits 0
# there. A broken venv is rebuilt; a directory that is not a venv is never
# touched. Exits 1 on failure.
pinned_venv() {
  local name=$1 venv=$3 req=$4 imports=$5 venv_args=$6 pip_args=$7 what=$8
  local sys_py=/usr/bin/python3 stamp=$3/.netc-$2-stamp want
  pinned_venv_fail() { echo "$name: error: $*" >&2; exit 1; }
  [ -f "$req" ] || pinned_venv_fail "missing lock file $req"
  want="$("$sys_py" -c 'import sys; print(sys.version.split()[0])') $(sha256sum "$req" | cut -d' ' -f1)"
  imports_ok() { "$venv/bin/python" -c "import $imports" >/dev/null 2>&1; }
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && imports_ok; then
    echo "$name: $venv is up to date"
    exit 0
  fi
  # A venv that is missing, from another python, or cannot even start is rebuilt.
  if [ -e "$venv" ] && ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    if [ -f "$venv/pyvenv.cfg" ] || [ -z "$(ls -A "$venv" 2>/dev/null)" ]; then
      echo "$name: removing broken venv $venv"
      rm -rf "$venv"
    else
      pinned_venv_fail "$venv exists and is not a venv; refusing to touch it"
    fi
  fi
  if [ ! -x "$venv/bin/python" ]; then
    echo "$name: creating venv $venv $venv_args"
    # shellcheck disable=SC2086  # the args are words
    "$sys_py" -m venv $venv_args "$venv" ||
      pinned_venv_fail "could not create a venv; install python3-venv (apt-get install -y python3-venv)"
  fi
  echo "$name: installing pinned packages from $req ($what)"
  rm -f "$stamp"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install --quiet --prefer-binary $pip_args -r "$req" ||
    pinned_venv_fail "pip install -r $req failed (is PyPI reachable?)"
  if ! imports_ok; then
    "$venv/bin/python" -c "import $imports" || true
    pinned_venv_fail "'import $imports' fails in $venv"
  fi
  echo "$want" > "$stamp"
}
