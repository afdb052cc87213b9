#!/bin/sh
# Installs the headless browser for tests/browser.rs (Debian packages).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium chromium-driver fonts-wqy-microhei
