# The torchscript test: make the tiny models with PyTorch, then check basin's plugin
# against them. Skipped (exit 77, meson's code) when libtorch was not found at
# configure time or the Python interpreter has no torch.
# Environment: PLUGIN (the built torchscript.so, empty if not built), TEST (the
# test_torchscript program), PYTHON (default /usr/bin/python3, Debian's, with torch).
set -u
PYTHON=${PYTHON:-/usr/bin/python3}
if [ -z "${PLUGIN:-}" ]; then
    echo "skipped: libtorch was not found when the build was configured"
    exit 77
fi
if ! "$PYTHON" -c 'import torch, numpy' 2>/dev/null; then
    echo "skipped: $PYTHON cannot import torch and numpy (Debian: python3-torch)"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$PYTHON" "$(dirname "$0")/make_models.py" "$T" || { echo "make_models.py failed"; exit 1; }
"$TEST" "$PLUGIN" "$T"
