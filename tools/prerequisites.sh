#!/usr/bin/env bash
# The system packages the lab's commands need, checked before a command runs and installed where
# this machine allows it: `deno task reproduce`, `deno task test` and CI (.ci/run) all run this
# one script.
#
#   bash tools/prerequisites.sh reproduce|test [--check]
#
# reproduce needs Jupyter (the notebooks) and Chromium (the static figures); test also needs the
# ONNX checker (the export tests). OpenBLAS (faster training) is optional: installed with the
# others where packages can be installed, never required. So are, for test, Slurm with munge
# (the one-node cluster the Slurm test starts) and GNU parallel (the parallel engine's test):
# their tests skip, saying why, where they are missing.
#
# Present: silent, exit 0. Missing, on Debian or Ubuntu as root (or with sudo that asks no
# password): installs them with apt-get and says so. Missing elsewhere, or with --check: one line
# naming what is missing and the exact command that installs it, exit 2. Tools found the way the
# lab finds them count as present (JUPYTER, CHROMIUM_PATH, a Python with onnx), so a machine set
# up with pip needs no Debian package.
set -uo pipefail

profile="${1:-}"
mode="${2:-install}"
case "$profile" in
  reproduce | test) ;;
  *)
    echo "prerequisites: profile = \"${profile}\": expected reproduce or test" >&2
    exit 2
    ;;
esac
case "$mode" in
  install | --check) ;;
  *)
    echo "prerequisites: mode = \"${mode}\": expected --check or nothing" >&2
    exit 2
    ;;
esac

# Names listed here are treated as missing whatever the machine has (the tests of this script).
pretend_missing=" ${LAB_PREREQUISITES_PRETEND_MISSING:-} "
pretending() { [[ "$pretend_missing" == *" $1 "* ]]; }

jupyter_bin="${JUPYTER:-/usr/bin/jupyter}"
[ -x "$jupyter_bin" ] || jupyter_bin="$(command -v jupyter || true)"
python_bin=/usr/bin/python3
[ -x "$python_bin" ] || python_bin="$(command -v python3 || true)"

have_jupyter() {
  ! pretending jupyter && [ -n "$jupyter_bin" ] &&
    "$jupyter_bin" nbconvert --version >/dev/null 2>&1 &&
    "$jupyter_bin" execute --help >/dev/null 2>&1 &&
    "$jupyter_bin" notebook --version >/dev/null 2>&1
}
have_chromium() {
  ! pretending chromium && [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]
}
have_onnx() {
  ! pretending onnx && [ -n "$python_bin" ] && "$python_bin" -c "import onnx" >/dev/null 2>&1
}
have_openblas() {
  ! pretending openblas && /sbin/ldconfig -p 2>/dev/null | grep -q "libopenblas.so.0"
}
have_slurm() {
  ! pretending slurm && command -v sbatch >/dev/null 2>&1 &&
    [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && [ -x /usr/sbin/munged ]
}
have_parallel() {
  ! pretending parallel && command -v parallel >/dev/null 2>&1 &&
    parallel --version 2>/dev/null | grep -q "GNU parallel"
}

missing=()
have_jupyter || missing+=(jupyter-notebook jupyter-nbconvert python3-nbclient)
have_chromium || missing+=(chromium)
if [ "$profile" = test ]; then
  have_onnx || missing+=(python3-onnx)
fi
optional=()
have_openblas || optional+=(libopenblas0)
if [ "$profile" = test ]; then
  have_slurm || optional+=(slurm-wlm munge)
  have_parallel || optional+=(parallel)
fi

[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0

# Installing: root, or sudo that needs no password, and apt-get.
sudo=""
can_install=false
if [ "$mode" = install ] && [ -z "${LAB_PREREQUISITES_NO_INSTALL:-}" ] &&
  command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    can_install=true
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
    can_install=true
  fi
fi

wanted=("${missing[@]}" "${optional[@]}")
if $can_install; then
  echo "prerequisites: installing ${wanted[*]} from the distribution (apt-get)" >&2
  if $sudo apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${wanted[@]}" >/dev/null; then
    exit 0
  fi
  echo "prerequisites: apt-get install ${wanted[*]} failed; run it yourself: sudo apt-get install -y --no-install-recommends ${wanted[*]}" >&2
  exit 2
fi

# Only optional packages are missing: say what each would buy, and go on.
if [ ${#missing[@]} -eq 0 ]; then
  for package in "${optional[@]}"; do
    case "$package" in
      libopenblas0) echo "prerequisites: OpenBLAS not found, training uses the WASM matmul (about 3x slower): sudo apt-get install -y libopenblas0" >&2 ;;
      slurm-wlm) echo "prerequisites: Slurm not found, the Slurm test skips: sudo apt-get install -y slurm-wlm munge" >&2 ;;
      parallel) echo "prerequisites: GNU parallel not found, its engine's test skips: sudo apt-get install -y parallel" >&2 ;;
    esac
  done
  exit 0
fi
echo "prerequisites: missing ${missing[*]}: run: sudo apt-get install -y --no-install-recommends ${wanted[*]} (or see the README's Prerequisites for pip and other systems)" >&2
exit 2
