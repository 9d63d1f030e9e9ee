#!/usr/bin/env bash
# Checks that the Debian packages conctop's build and tests need are
# installed; with "install" (or when something is missing and we are root)
# installs them with apt-get. Without root it prints the exact apt-get line.
set -u
packages=(make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libdeflate-dev
	libncurses-dev pkg-config libclang-rt-14-dev tmux python3 linux-perf
	trace-cmd protobuf-compiler dpkg-dev debhelper)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${1:-}" = "install" ] || [ ${#missing[@]} -gt 0 ] || exit 0
[ ${#missing[@]} -gt 0 ] || { echo "deps: all ${#packages[@]} packages are installed"; exit 0; }

echo "deps: missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: install them as root with:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null || {
		echo "deps: apt-get install failed: run 'apt-get update && apt-get install -y ${missing[*]}' to see why" >&2
		exit 1
	}
fi
echo "deps: installed ${missing[*]}"
