#!/usr/bin/env bash
# System packages that parts of the test suite need (Debian/Ubuntu, as root):
#   chromium               - the JupyterLab browser test (driven by Playwright, no browser download)
#   dataset-fashion-mnist  - the fashion-mosaic image dataset
#   r-cran-mlr (.deb only) - downloaded and unpacked into .cache/ to check that the yeast
#                            conversion script reproduces data/yeast.npz byte for byte
# Without root or apt-get it only says what is missing; those tests then skip (and fail
# when CI=true, so CI cannot pass without them).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
mlr_dir=.cache/r-cran-mlr
can_apt=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then can_apt=1; fi
if [ ${#need[@]} -gt 0 ] || [ ! -d "$mlr_dir/usr" ]; then
  if [ "$can_apt" = 1 ]; then
    apt-get update -qq
    if [ ${#need[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    if [ ! -d "$mlr_dir/usr" ]; then
      mkdir -p .cache/debs "$mlr_dir"
      (cd .cache/debs && apt-get download -qq r-cran-mlr)
      dpkg-deb -x .cache/debs/r-cran-mlr_*.deb "$mlr_dir"
    fi
  else
    echo "note: not root or no apt-get: missing ${need[*]:-nothing} and the r-cran-mlr .deb;" \
         "the tests that need them will skip (and fail under CI=true)" >&2
  fi
fi
