#!/usr/bin/env bash
# Prove the installed form of convviz (not the editable checkout): build the sdist and the wheel,
# check that both carry the run-time resources, install the wheel into a fresh virtual environment
# and, from a folder outside the repository, run the commands a new user runs first.
#
#   bash scripts/check_install.sh      (run by .ci/run after the tests; needs scripts/setup.sh --test)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d -t convviz-install-XXXXXX)
trap 'rm -rf "$work"' EXIT
python=${PYTHON:-python3}

echo "check_install: building sdist and wheel"
.venv/bin/python -m build --sdist --wheel --outdir "$work/dist" . >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/convviz-*.whl)
sdist=$(ls "$work"/dist/convviz-*.tar.gz)
for member in convviz/resources/presets/typical_convnet.json convviz/resources/classes/imagenet.txt \
              convviz/resources/icons/convviz.svg convviz/resources/convviz.desktop; do
  .venv/bin/python -c "import sys, zipfile; names = zipfile.ZipFile(sys.argv[1]).namelist(); sys.exit(sys.argv[2] not in names)" \
    "$wheel" "$member" || { echo "check_install: the wheel lacks $member" >&2; exit 1; }
done
# the listing goes to a file first: `tar | grep -q` under pipefail fails at random when grep stops
# reading early and tar dies of SIGPIPE (CI failed so with the presets present)
tar tzf "$sdist" >"$work/sdist.txt"
grep -q "resources/presets/typical_convnet.json" "$work/sdist.txt" || { echo "check_install: the sdist lacks the presets" >&2; exit 1; }

echo "check_install: installing $(basename "$wheel") into a fresh virtual environment"
"$python" -m venv "$work/venv"
{ "$work/venv/bin/python" -m pip install --upgrade pip \
  && "$work/venv/bin/python" -m pip install -c "$repo/constraints.txt" "$wheel"; } >"$work/pip.log" 2>&1 \
  || { cat "$work/pip.log"; exit 1; }

mkdir "$work/elsewhere"
cd "$work/elsewhere"
"$work/venv/bin/convviz" --version
"$work/venv/bin/convviz" info --net typical_convnet >/dev/null
env -u DISPLAY -u WAYLAND_DISPLAY "$work/venv/bin/convviz" --snapshot snapshot.png
test -s snapshot.png || { echo "check_install: no snapshot written" >&2; exit 1; }
"$work/venv/bin/python" -c "import convviz, sys; sys.exit('site-packages' not in convviz.__file__)" \
  || { echo "check_install: convviz was imported from the checkout, not the installed wheel" >&2; exit 1; }
echo "check_install: the installed wheel works (version, info, snapshot)"
